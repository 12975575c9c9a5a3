/**
 * ECR pull-through cache: the first pull of an image through `<registry>/<prefix>/…` copies it
 * from the upstream into this account's ECR; later pulls (every new GPU node pulls the ~10 GB
 * vLLM image) come from ECR over the AWS network instead of Docker Hub, whose anonymous pulls are
 * rate-limited per NAT address. Docker Hub rules need credentials in Secrets Manager.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { PULL_THROUGH_UPSTREAMS } from '../constructs/image-cache';
import { policyDocument } from './iam';

/** Cached repositories keep this many images; older ones are removed by ECR. */
export const CACHED_IMAGES_KEPT = 5;

export interface ImageCacheArgs {
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Registry hosts the platform's images come from (keys of PULL_THROUGH_UPSTREAMS). */
  readonly upstreams: readonly string[];
  /** Secrets Manager name (ecr-pullthroughcache/…) of the Docker Hub credentials. @default - none; required for docker.io */
  readonly dockerHubSecretName?: string;
  /** The nodes' role: the first pull of an image creates its cache repository. */
  readonly nodeRole: aws.iam.Role;
  readonly tags: Readonly<Record<string, string>>;
}

/** One pull-through rule and repository template per upstream, and the node role's right to fill the cache. */
export class ImageCache extends pulumi.ComponentResource {
  readonly rules: aws.ecr.PullThroughCacheRule[];

  constructor(name: string, args: ImageCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:ImageCache', name, {}, opts);
    const parent = { parent: this };
    const upstreams = [...new Set(args.upstreams)].sort().map((host) => {
      const u = PULL_THROUGH_UPSTREAMS[host];
      if (!u) throw new Error(`image registry ${host} has no pull-through upstream; config validation should have refused it`);
      return u;
    });
    this.rules = upstreams.map((u) => {
      let credentialArn: pulumi.Output<string> | undefined;
      if (u.credentials) {
        if (!args.dockerHubSecretName) throw new Error(`the ${u.upstreamUrl} rule needs imageCache.dockerHubSecretName`);
        credentialArn = aws.secretsmanager.getSecretOutput({ name: args.dockerHubSecretName }, parent).arn;
      }
      new aws.ecr.RepositoryCreationTemplate(
        `${name}-${u.prefix}`,
        {
          prefix: u.prefix,
          description: `pull-through cache of ${u.upstreamUrl}`,
          appliedFors: ['PULL_THROUGH_CACHE'],
          // The cache updates a tag when the upstream moves it; pods pin tags or digests.
          imageTagMutability: 'MUTABLE',
          encryptionConfigurations: [{ encryptionType: 'AES256' }],
          lifecyclePolicy: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                description: `keep the newest ${CACHED_IMAGES_KEPT} images`,
                selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: CACHED_IMAGES_KEPT },
                action: { type: 'expire' },
              },
            ],
          }),
          resourceTags: { ...args.tags },
        },
        parent,
      );
      return new aws.ecr.PullThroughCacheRule(
        `${name}-${u.prefix}`,
        { ecrRepositoryPrefix: u.prefix, upstreamRegistryUrl: u.upstreamUrl, credentialArn },
        parent,
      );
    });
    new aws.iam.RolePolicy(
      `${name}-fill`,
      {
        role: args.nodeRole.name,
        policy: policyDocument([
          {
            Sid: 'FillPullThroughCache',
            Effect: 'Allow',
            Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
            Resource: upstreams.map((u) => pulumi.interpolate`arn:aws:ecr:${args.region}:${args.accountId}:repository/${u.prefix}/*`),
          },
        ]),
      },
      parent,
    );
    this.registerOutputs({ prefixes: upstreams.map((u) => u.prefix) });
  }
}
