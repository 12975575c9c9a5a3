/**
 * The front door's cluster side: the AWS Load Balancer Controller (it turns the Envoy Service into
 * an internet-facing NLB with TLS from ACM), Envoy Gateway (the Gateway API implementation, with
 * the AI Gateway extension and global rate limiting configured), Envoy AI Gateway (routing on the
 * body's `model`), and the Secrets Manager secret holding the client API keys.
 *
 * The Gateway, routes and policies themselves are manifests (constructs/gateway.ts), applied with
 * the other workloads after this component. Why these projects and versions: infra/README.md.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { AWS_LOAD_BALANCER_CONTROLLER, ENVOY_AI_GATEWAY, ENVOY_GATEWAY } from '../facts/gateway';
import { PodIdentityRole, policyDocument, type PolicyStatement, type ServiceAccountRef } from './iam';

/** A pinned Helm chart (an OCI reference needs no repo). */
export interface GatewayChartRef {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
  readonly release: string;
  readonly namespace: string;
}

/**
 * Pinned charts (facts/gateway.ts has the releases and where they were read). Envoy AI Gateway
 * v1.1.0 is tested with Envoy Gateway v1.8.1+ and Gateway API v1.5.x; Envoy Gateway v1.8.3 ships
 * the Gateway API v1.5.1 CRDs. The CRDs in crds/ are these releases'.
 */
export const GATEWAY_CHARTS = {
  awsLoadBalancerController: {
    chart: AWS_LOAD_BALANCER_CONTROLLER.chart,
    version: AWS_LOAD_BALANCER_CONTROLLER.version,
    repo: AWS_LOAD_BALANCER_CONTROLLER.repo,
    release: 'aws-load-balancer-controller',
    namespace: 'kube-system',
  },
  envoyGateway: { chart: ENVOY_GATEWAY.chart, version: ENVOY_GATEWAY.version, repo: '', release: 'eg', namespace: 'envoy-gateway-system' },
  aiGatewayCrds: {
    chart: ENVOY_AI_GATEWAY.crdChart,
    version: ENVOY_AI_GATEWAY.version,
    repo: '',
    release: 'aieg-crd',
    namespace: 'envoy-ai-gateway-system',
  },
  aiGateway: {
    chart: ENVOY_AI_GATEWAY.chart,
    version: ENVOY_AI_GATEWAY.version,
    repo: '',
    release: 'aieg',
    namespace: 'envoy-ai-gateway-system',
  },
} as const satisfies Record<string, GatewayChartRef>;

export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT: ServiceAccountRef = {
  namespace: 'kube-system',
  name: 'aws-load-balancer-controller',
};

/** The AI Gateway controller's extension server, which Envoy Gateway calls on every translation. */
export const AI_GATEWAY_EXTENSION_SERVER = { host: 'ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local', port: 1063 } as const;

/**
 * Envoy Gateway settings: the Backend API and the AI Gateway extension hooks (what the AI Gateway
 * needs), and global rate limiting with its counters in `rateLimitStoreUrl`.
 */
export function envoyGatewayValues(rateLimitStoreUrl: string): Record<string, unknown> {
  return {
    config: {
      envoyGateway: {
        gateway: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
        provider: { type: 'Kubernetes' },
        extensionApis: { enableBackend: true, enableEnvoyPatchPolicy: true },
        extensionManager: {
          hooks: {
            xdsTranslator: {
              translation: Object.fromEntries(['listener', 'route', 'cluster', 'secret'].map((k) => [k, { includeAll: true }])),
              post: ['Translation', 'Cluster', 'Route'],
            },
          },
          service: { fqdn: { hostname: AI_GATEWAY_EXTENSION_SERVER.host, port: AI_GATEWAY_EXTENSION_SERVER.port } },
        },
        rateLimit: { backend: { type: 'Redis', redis: { url: rateLimitStoreUrl } } },
      },
    },
  };
}

/**
 * What the load balancer controller may do, for network load balancers only (no ALB, WAF or
 * Shield): read networking state, and create, change and delete only security groups and load
 * balancers in this VPC, account and region that carry this cluster's tag.
 */
export function loadBalancerControllerStatements(p: {
  region: string;
  accountId: string;
  clusterName: string;
  vpcId: string;
  certificateArn: string;
}): PolicyStatement[] {
  const { region, accountId, clusterName } = p;
  const elb = `arn:aws:elasticloadbalancing:${region}:${accountId}`;
  const securityGroups = `arn:aws:ec2:${region}:${accountId}:security-group/*`;
  const ours = { StringEquals: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': clusterName } };
  const ELB_SERVICE = 'elasticloadbalancing.amazonaws.com';
  return [
    {
      Sid: 'DescribeNetworking',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeAccountAttributes',
        'ec2:DescribeAddresses',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInternetGateways',
        'ec2:DescribeVpcs',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeInstances',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeTags',
        'ec2:DescribeRouteTables',
        'ec2:GetSecurityGroupsForVpc',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeLoadBalancerAttributes',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeListenerAttributes',
        'elasticloadbalancing:DescribeListenerCertificates',
        'elasticloadbalancing:DescribeSSLPolicies',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeCapacityReservation',
      ],
      Resource: ['*'],
    },
    { Sid: 'ReadCertificate', Effect: 'Allow', Action: ['acm:DescribeCertificate'], Resource: [p.certificateArn] },
    {
      Sid: 'ServiceLinkedRole',
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole'],
      Resource: [`arn:aws:iam::${accountId}:role/aws-service-role/${ELB_SERVICE}/AWSServiceRoleForElasticLoadBalancing`],
      Condition: { StringEquals: { 'iam:AWSServiceName': ELB_SERVICE } },
    },
    {
      Sid: 'CreateSecurityGroupInVpc',
      Effect: 'Allow',
      Action: ['ec2:CreateSecurityGroup'],
      Resource: [securityGroups, `arn:aws:ec2:${region}:${accountId}:vpc/${p.vpcId}`],
    },
    {
      Sid: 'TagNewSecurityGroup',
      Effect: 'Allow',
      Action: ['ec2:CreateTags'],
      Resource: [securityGroups],
      Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup', 'aws:RequestTag/elbv2.k8s.aws/cluster': clusterName } },
    },
    {
      Sid: 'ManageOwnSecurityGroups',
      Effect: 'Allow',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags', 'ec2:DeleteSecurityGroup'],
      Resource: [securityGroups],
      Condition: ours,
    },
    {
      // The controller opens the node and pod security groups to its load balancer: any group, in this VPC only.
      Sid: 'OpenBackendsInVpc',
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: [securityGroups],
      Condition: { ArnEquals: { 'ec2:Vpc': `arn:aws:ec2:${region}:${accountId}:vpc/${p.vpcId}` } },
    },
    {
      Sid: 'CreateTaggedLoadBalancers',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:AddTags'],
      Resource: [`${elb}:loadbalancer/net/*/*`, `${elb}:targetgroup/*/*`],
      Condition: { StringEquals: { 'aws:RequestTag/elbv2.k8s.aws/cluster': clusterName } },
    },
    {
      Sid: 'ManageOwnLoadBalancers',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:ModifyLoadBalancerAttributes',
        'elasticloadbalancing:SetIpAddressType',
        'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:AddTags',
        'elasticloadbalancing:RemoveTags',
        'elasticloadbalancing:CreateListener',
      ],
      Resource: [`${elb}:loadbalancer/net/*/*`, `${elb}:targetgroup/*/*`],
      Condition: ours,
    },
    {
      Sid: 'ManageListenersAndTargets',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:DeleteListener',
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyListenerAttributes',
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
        'elasticloadbalancing:AddTags',
        'elasticloadbalancing:RemoveTags',
        'elasticloadbalancing:RegisterTargets',
        'elasticloadbalancing:DeregisterTargets',
      ],
      Resource: [`${elb}:listener/net/*/*/*`, `${elb}:targetgroup/*/*`],
    },
  ];
}

export interface FrontDoorArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly vpcId: pulumi.Input<string>;
  readonly provider: k8s.Provider;
  /** The system node group: the controllers run there. */
  readonly systemNodes: pulumi.Resource;
  /** The ACM certificate the load balancer presents. */
  readonly certificateArn: string;
  /** Secrets Manager name of the client API keys. */
  readonly apiKeysName: string;
  /** External Secrets Operator's role: it gets read access to the client keys. */
  readonly secretsReaderRole: aws.iam.Role;
  /** Where the rate limiter keeps its counters (constructs/gateway.ts). */
  readonly rateLimitStoreUrl: string;
  /** Installed before: the add-ons the controllers need (CoreDNS, …). */
  readonly dependsOn?: pulumi.Resource[];
}

/** The load balancer controller, Envoy Gateway, Envoy AI Gateway and the client-key secret. */
export class FrontDoor extends pulumi.ComponentResource {
  /** What the gateway manifests need first: the controllers that serve their CRDs. */
  readonly workloadDependencies: pulumi.Resource[];
  /** ARN of the Secrets Manager secret with the client API keys. */
  readonly apiKeysSecretArn: pulumi.Output<string>;

  constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:FrontDoor', name, {}, opts);
    const parent = { parent: this };
    const release = (id: string, chart: GatewayChartRef, values: pulumi.Inputs, dependsOn: pulumi.Resource[] = []) =>
      new k8s.helm.v3.Release(
        `${name}-${id}`,
        {
          name: chart.release,
          chart: chart.chart,
          version: chart.version,
          ...(chart.repo !== '' && { repositoryOpts: { repo: chart.repo } }),
          namespace: chart.namespace,
          createNamespace: true,
          atomic: true,
          timeout: 900,
          values,
        },
        { parent: this, provider: args.provider, dependsOn: [args.systemNodes, ...(args.dependsOn ?? []), ...dependsOn] },
      );

    const lbcRole = new PodIdentityRole(
      `${name}-lb-controller`,
      {
        clusterName: args.clusterName,
        accountId: args.accountId,
        serviceAccounts: [LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT],
        statements: pulumi
          .all([args.accountId, args.clusterName, args.vpcId])
          .apply(([accountId, clusterName, vpcId]) =>
            loadBalancerControllerStatements({ region: args.region, accountId, clusterName, vpcId, certificateArn: args.certificateArn }),
          ),
      },
      parent,
    );
    const lbc = release(
      'lb-controller',
      GATEWAY_CHARTS.awsLoadBalancerController,
      {
        clusterName: args.clusterName,
        // Nodes allow one IMDS hop: the controller cannot discover these itself.
        region: args.region,
        vpcId: args.vpcId,
        serviceAccount: { create: true, name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name },
        replicaCount: 2,
        // NLB only: no ALB add-ons, so the role needs no WAF or Shield rights.
        enableShield: false,
        enableWaf: false,
        enableWafv2: false,
      },
      [lbcRole],
    );

    const eg = release('envoy-gateway', GATEWAY_CHARTS.envoyGateway, envoyGatewayValues(args.rateLimitStoreUrl));
    const aiCrds = release('ai-gateway-crds', GATEWAY_CHARTS.aiGatewayCrds, {}, [eg]);
    const ai = release('ai-gateway', GATEWAY_CHARTS.aiGateway, {}, [aiCrds]);

    // Keys are added and rotated in Secrets Manager, never in the stack: Pulumi creates the secret
    // with no client and leaves its value alone afterwards.
    const keys = new aws.secretsmanager.Secret(
      `${name}-api-keys`,
      {
        name: args.apiKeysName,
        description: 'llm-platform front door: client id → API key (JSON); read by External Secrets Operator',
        recoveryWindowInDays: 7,
      },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-api-keys`,
      { secretId: keys.id, secretString: '{}' },
      // The value is the team's to manage (put-secret-value); a later `up` must not reset it.
      { parent: this, ignoreChanges: ['secretString'] },
    );
    new aws.iam.RolePolicy(
      `${name}-read-api-keys`,
      {
        role: args.secretsReaderRole.name,
        policy: policyDocument([
          {
            Sid: 'ReadGatewayApiKeys',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: [keys.arn],
          },
        ]),
      },
      parent,
    );
    this.apiKeysSecretArn = keys.arn;
    this.workloadDependencies = [lbc, eg, aiCrds, ai];
    this.registerOutputs({ apiKeysSecretArn: this.apiKeysSecretArn });
  }
}
