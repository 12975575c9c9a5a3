import type { V1Deployment, V1Pod, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  currentReplicaSet,
  deploymentTemplateOf,
  modelSourceOf,
  previousReplicaSet,
  replicaSetsOf,
  rolloutStatus,
  sameJson,
  withModelUri,
} from '../../../bench/kube/state';
import { template, uriOf } from './support/fixtures';

const REV = 'deployment.kubernetes.io/revision';

function deployment(o: {
  generation?: number;
  observed?: number;
  replicas?: number;
  updated?: number;
  ready?: number;
  available?: number;
  total?: number;
  revision?: number;
  deadline?: boolean;
}): V1Deployment {
  return {
    metadata: { name: 'm', uid: 'u1', generation: o.generation ?? 2, annotations: { [REV]: String(o.revision ?? 3) } },
    spec: { replicas: o.replicas ?? 2, selector: { matchLabels: { a: 'b' } }, template: {} },
    status: {
      observedGeneration: o.observed ?? 2,
      replicas: o.total ?? 2,
      updatedReplicas: o.updated ?? 2,
      readyReplicas: o.ready ?? 2,
      availableReplicas: o.available ?? 2,
      conditions:
        o.deadline === true
          ? [
              {
                type: 'Progressing',
                status: 'False',
                reason: 'ProgressDeadlineExceeded',
                message: 'ReplicaSet "m-abc" has timed out progressing.',
              },
            ]
          : [],
    },
  };
}

const pod = (hash: string, terminating = false): V1Pod => ({
  metadata: { name: `p-${hash}`, labels: { 'pod-template-hash': hash }, ...(terminating && { deletionTimestamp: new Date() }) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: terminating ? 'False' : 'True' }] },
});

const rs = (hash: string, revision: number, owner = 'u1'): V1ReplicaSet => ({
  metadata: {
    name: `m-${hash}`,
    labels: { a: 'b', 'pod-template-hash': hash },
    annotations: { [REV]: String(revision) },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'm', uid: owner, controller: true }],
  },
  spec: {
    selector: { matchLabels: { a: 'b' } },
    template: {
      metadata: { labels: { a: 'b', 'pod-template-hash': hash } },
      spec: { containers: [{ name: 'vllm', image: `img:${hash}` }] },
    },
  },
});

describe('rolloutStatus', () => {
  it('is complete when every count matches and no old pod is left', () => {
    expect(rolloutStatus(deployment({}), [pod('new'), pod('new')], 'new')).toMatchObject({ complete: true, detail: 'complete' });
  });

  it.each([
    [{ observed: 1 }, [pod('new'), pod('new')], 'waiting for the controller to observe generation 2'],
    [{ updated: 1 }, [pod('new'), pod('old')], '1 of 2 new replicas have been updated'],
    [{ total: 3 }, [pod('new'), pod('new'), pod('old')], '1 old replicas are pending termination'],
    [{ available: 1 }, [pod('new'), pod('new')], '1 of 2 updated replicas are available'],
    [{ ready: 1 }, [pod('new'), pod('new')], '1 of 2 replicas are ready'],
    [{}, [pod('new'), pod('new'), pod('old', true)], '1 old pods are still terminating'],
  ] as const)('is not complete with %j: %s', (d, pods, detail) => {
    expect(rolloutStatus(deployment(d), pods, 'new')).toMatchObject({ complete: false, detail });
  });

  it('reports a stalled rollout with the controller message', () => {
    expect(rolloutStatus(deployment({ deadline: true }), [], 'new')).toMatchObject({
      complete: false,
      stalled: 'ReplicaSet "m-abc" has timed out progressing.',
    });
  });
});

describe('revisions', () => {
  const owned = [rs('a', 1), rs('b', 3), rs('c', 2), rs('x', 9, 'someone-else')];
  it('finds the current and the previous ReplicaSet of the Deployment only', () => {
    const d = deployment({ revision: 3 });
    const mine = replicaSetsOf(d, owned);
    expect(mine.map((r) => r.metadata?.name)).toEqual(['m-a', 'm-b', 'm-c']);
    expect(currentReplicaSet(d, mine)?.metadata?.name).toBe('m-b');
    expect(previousReplicaSet(d, mine)?.metadata?.name).toBe('m-c');
    expect(previousReplicaSet(deployment({ revision: 1 }), mine)).toBeUndefined();
  });

  it('strips the hash label from a ReplicaSet template, as rollout undo does', () => {
    expect(deploymentTemplateOf(rs('c', 2)).metadata?.labels).toEqual({ a: 'b' });
    expect(sameJson({ a: 1, b: [1, { c: 2, d: undefined }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
  });
});

describe('model sources', () => {
  it('reads the stream and sync loaders and swaps only their URIs', () => {
    // The double's templates are plain JSON; the client's type wants a few fields they have anyway.
    const stream = template('m', { source: { kind: 'stream', uri: uriOf('m', '1.0.0') } }) as unknown as V1PodTemplateSpec;
    expect(modelSourceOf(stream, 'd')).toEqual({ kind: 'stream', uri: uriOf('m', '1.0.0') });
    const next = withModelUri(stream, uriOf('m', '2.0.0'), 'd');
    expect(next.spec?.containers[0]?.args).toEqual([
      uriOf('m', '2.0.0'),
      '--load-format',
      'runai_streamer',
      '--served-model-name',
      'm',
      '--port',
      '8000',
    ]);
    const sync = template('m', { source: { kind: 'sync', uri: uriOf('m', '1.0.0') } }) as unknown as V1PodTemplateSpec;
    expect(modelSourceOf(sync, 'd')).toEqual({ kind: 'sync', uri: uriOf('m', '1.0.0'), path: '/model-cache/registry/m/v1.0.0' });
    const synced = withModelUri(sync, uriOf('m', '2.0.0'), 'd');
    expect(synced.spec?.initContainers?.[0]?.command?.slice(3, 5)).toEqual([uriOf('m', '2.0.0'), '/model-cache/registry/m/v2.0.0']);
    expect(synced.spec?.containers[0]?.args?.slice(0, 2)).toEqual(['/model-cache/registry/m/v2.0.0', '--served-model-name']);
  });

  it('reads the model from --model too, as manifests before the positional form had it', () => {
    const legacy = {
      spec: {
        containers: [
          { name: 'vllm', args: ['--served-model-name', 'm', '--model', uriOf('m', '1.0.0'), '--load-format', 'runai_streamer'] },
        ],
      },
    };
    expect(modelSourceOf(legacy, 'd')).toEqual({ kind: 'stream', uri: uriOf('m', '1.0.0') });
    expect(withModelUri(legacy, uriOf('m', '2.0.0'), 'd').spec?.containers[0]?.args?.slice(2, 4)).toEqual(['--model', uriOf('m', '2.0.0')]);
    const command = { spec: { containers: [{ name: 'vllm', command: ['vllm', 'serve'], args: ['org/model', '--port', '8000'] }] } };
    expect(modelSourceOf(command, 'd')).toEqual({ kind: 'huggingface', model: 'org/model' });
  });

  it('fails when the template has no vllm container', () => {
    expect(() => modelSourceOf({ spec: { containers: [{ name: 'nginx' }] } }, 'deployment ns/web')).toThrow(
      'deployment ns/web has no vllm container with a model argument, got containers nginx; is it an llm-platform model Deployment?',
    );
  });
});
