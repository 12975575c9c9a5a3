/**
 * LoRA adapters reach vLLM only by names it cannot misread: a Hugging Face repo id, an absolute
 * path in the model cache, or a registry version copied into the cache before vLLM starts.
 */
import { describe, expect, it } from 'vitest';
import { POD_IDENTITY_AGENT } from '../../constructs/vllm-model';
import { parsePlatformConfig } from '../../config/platform';
import { renderManifests } from '../../stacks/manifests';
import { find } from '../support/manifests';

const config = parsePlatformConfig(
  {
    registry: { bucketName: 'llm-models-dev' },
    models: {
      lora: {
        adapters: [
          { name: 'hub', source: { kind: 'huggingface', repo: 'org/hub-lora' } },
          { name: 'cached', source: { kind: 'cache', path: '/model-cache/adapters/cached' } },
          { name: 'published', source: { kind: 'registry', version: '1.2.0', model: 'support-tone-lora' } },
        ],
      },
    },
  },
  'dev',
  'Pulumi.dev.yaml',
  { today: new Date('2026-12-06T12:00:00Z') },
);
const objects = renderManifests(config);
const deployment = find(objects, 'Deployment', 'mistral-7b-lora');
const pod = deployment.spec.template.spec;

describe('LoRA adapters', () => {
  it('names each adapter to vLLM by repo id or absolute cache path', () => {
    const args: string[] = pod.containers[0].args;
    const modules = args.slice(args.indexOf('--lora-modules') + 1);
    expect(modules).toEqual([
      'hub=org/hub-lora',
      'cached=/model-cache/adapters/cached',
      'published=/model-cache/registry/support-tone-lora/v1.2.0',
    ]);
  });

  it('copies a registry adapter into the cache before vLLM starts, like a base model', () => {
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0]).toMatchObject({
      name: 'adapter-sync-2',
      image: 'public.ecr.aws/aws-cli/aws-cli:2.22.35',
      command: [
        'aws',
        's3',
        'sync',
        's3://llm-models-dev/models/support-tone-lora/v1.2.0/',
        '/model-cache/registry/support-tone-lora/v1.2.0',
        '--only-show-errors',
        '--no-progress',
      ],
    });
  });

  it('lets the pod reach the Pod Identity agent for the registry credentials', () => {
    const policy = find(objects, 'NetworkPolicy', 'mistral-7b-lora');
    expect(JSON.stringify(policy.spec.egress)).toContain(POD_IDENTITY_AGENT.cidr);
  });
});
