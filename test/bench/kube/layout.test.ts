/**
 * bench/kube/layout.ts: the names the rollback and autoscale checks rely on, checked against
 * synthesized manifests.
 */
import { describe, expect, it } from 'vitest';
import * as layout from '../../../bench/kube/layout';
import { modelSourceOf, withModelUri } from '../../../bench/kube/state';
import { parsePlatformConfig } from '../../../config/platform';
import { renderManifests } from '../../../stacks/manifests';
import { find } from '../../support/manifests';

type Deployment = { spec: { template: Parameters<typeof withModelUri>[0]; selector: { matchLabels: Record<string, string> } } };

function awqDeployment(source: Record<string, unknown>, name = 'mistral-7b-awq'): Deployment {
  const config = parsePlatformConfig(
    { registry: { bucketName: 'llm-models-test' }, workloads: { modelCache: { kind: 'shared' } }, models: { awq: { source } } },
    'test',
    'Pulumi.test.yaml',
  );
  return find<Deployment>(renderManifests(config), 'Deployment', name);
}

describe('the workload layout the bench reads at run time', () => {
  it('maps registry URIs to cache paths and rejects anything else', () => {
    expect(layout.registryCachePath('s3://b/models/mistral-7b-awq/v1.2.0/')).toBe('/model-cache/registry/mistral-7b-awq/v1.2.0');
    expect(layout.registryCachePath('s3://b/models/x/v0.1.0-rc.1')).toBe('/model-cache/registry/x/v0.1.0-rc.1');
    expect(() => layout.registryCachePath('s3://b/other/x')).toThrow(
      'registry uri must look like s3://bucket/models/<name>/v<version>/, got s3://b/other/x',
    );
  });

  it('has the track label the synthesized blue/green Service selects by', () => {
    const c = parsePlatformConfig(
      {
        workloads: { modelCache: { kind: 'shared' } },
        models: { awq: { rolloutStrategy: 'BlueGreen', blueGreen: { activeTrack: 'green' } } },
      },
      'test',
      'Pulumi.test.yaml',
    );
    const svc = find<{ spec: { selector: Record<string, string> } }>(renderManifests(c), 'Service', 'mistral-7b-awq');
    expect(svc.spec.selector).toEqual({ ...layout.selectorLabels('mistral-7b-awq'), [layout.TRACK_LABEL]: 'green' });
    expect(layout.TRACKS).toEqual(['blue', 'green']);
  });

  it('names the containers the synthesized Deployment has', () => {
    const d = awqDeployment({ kind: 'registry', version: '1.2.0', loader: 'sync' });
    expect(d.spec.template.spec?.containers.map((c) => c.name)).toEqual([layout.VLLM_CONTAINER]);
    expect(d.spec.template.spec?.initContainers?.map((c) => c.name)).toEqual([layout.REGISTRY_SYNC_CONTAINER]);
    expect(d.spec.selector.matchLabels).toEqual(layout.selectorLabels('mistral-7b-awq'));
  });
});

describe('withModelUri on synthesized templates', () => {
  it.each(['sync', 'stream'] as const)('turns the %s template of 1.2.0 into exactly the one the chart renders for 1.3.0', (loader) => {
    const v12 = awqDeployment({ kind: 'registry', version: '1.2.0', loader }).spec.template;
    const v13 = awqDeployment({ kind: 'registry', version: '1.3.0', loader }).spec.template;
    const uri = 's3://llm-models-test/models/mistral-7b-awq/v1.3.0/';
    expect(modelSourceOf(v12, 'd')).toMatchObject({ kind: loader, uri: 's3://llm-models-test/models/mistral-7b-awq/v1.2.0/' });
    expect(withModelUri(v12, uri, 'd')).toEqual(v13);
  });

  it('fails for a Hugging Face template with the model it loads', () => {
    const hf = awqDeployment({ kind: 'huggingface' }).spec.template;
    expect(() => withModelUri(hf, 's3://b/models/mistral-7b-awq/v1.0.0/', 'deployment llm-baseline/mistral-7b-awq')).toThrow(
      'deployment llm-baseline/mistral-7b-awq loads TheBloke/Mistral-7B-Instruct-v0.2-AWQ from Hugging Face, got a registry version to roll to; set models.<id>.source.kind registry and deploy once, or roll back to the previous revision',
    );
  });
});
