import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../../bench/kube/client';
import { closedPort } from '../helpers';
import { NS, seedRolling, startDouble, template } from './support/fixtures';
import { applyJsonPatch, type KubeDouble } from './support/kube-double';
import { kubeconfigText } from './support/kubeconfig';
import { useVirtualTime } from '../../support/virtual-time';

// The double's controller runs on a clock that moves only when no byte is in flight.
const vt = useVirtualTime('all');

let dbl: KubeDouble;
let kube: KubeClient;
let kubeconfig: string;
beforeAll(async () => {
  ({ double: dbl, kube, kubeconfig } = await startDouble({ readyDelayMs: 20, terminateDelayMs: 10 }));
  seedRolling(dbl, 'm', { replicas: 2, history: [template('m', { image: 'v1' })], current: template('m', { image: 'v2' }) });
});
afterAll(() => dbl.close());

describe('KubeClient against the API double', () => {
  it('reads a Deployment and answers null for a missing one', async () => {
    expect((await kube.getDeployment(NS, 'm'))?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(await kube.getDeployment(NS, 'nope')).toBeNull();
    expect(await kube.getScaledObject(NS, 'nope')).toBeNull();
    expect(await kube.getHpa(NS, 'nope')).toBeNull();
  });

  it('sends JSON patches as application/json-patch+json and the double applies them', async () => {
    const d = await kube.patchDeployment(NS, 'm', [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
    expect(d.spec?.replicas).toBe(3);
    expect(d.metadata?.generation).toBe(2);
    const patch = dbl.requests.findLast((r) => r.method === 'PATCH')!;
    expect(patch).toMatchObject({ path: `/apis/apps/v1/namespaces/${NS}/deployments/m`, contentType: 'application/json-patch+json' });
    await vt.run(dbl.settle(NS, 'm'));
    expect((await kube.listPods(NS, 'app.kubernetes.io/instance=m')).length).toBe(3);
  });

  it('fails a patch whose test op no longer holds with the API message', async () => {
    await expect(kube.patchDeployment(NS, 'm', [{ op: 'test', path: '/metadata/resourceVersion', value: '1' }])).rejects.toThrow(
      /^kubernetes API patch deployment llm-baseline\/m failed with 422: the server rejected our request due to an error in our request: test failed at \/metadata\/resourceVersion/,
    );
  });

  it('keeps revisions as the deployment controller does: undo reuses the old ReplicaSet as the next revision', async () => {
    const old = template('m', { image: 'v1' });
    await kube.patchDeployment(NS, 'm', [{ op: 'replace', path: '/spec/template', value: old }]);
    await vt.run(dbl.settle(NS, 'm'));
    const sets = await kube.listReplicaSets(NS, 'app.kubernetes.io/instance=m');
    expect(sets).toHaveLength(2);
    const revs = Object.fromEntries(
      sets.map((s) => [s.spec?.template?.spec?.containers[0]?.image, s.metadata?.annotations?.['deployment.kubernetes.io/revision']]),
    );
    expect(revs).toEqual({ v1: '3', v2: '2' });
    expect((await kube.getDeployment(NS, 'm'))?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('rejects watches instead of pretending to serve them', async () => {
    const res = await fetch(`${dbl.url}/api/v1/namespaces/${NS}/pods?watch=true`, {
      headers: { authorization: 'Bearer kube-double-token' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe('the test double does not serve watches; llm-bench polls');
  });

  it('rejects a patch content type the API server does not take', async () => {
    const res = await fetch(`${dbl.url}/apis/apps/v1/namespaces/${NS}/deployments/m`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer kube-double-token', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(415);
  });

  it('applies RFC 6902 paths with escaped slashes', () => {
    expect(
      applyJsonPatch({ s: { 'llm-platform.io/track': 'blue' } }, [{ op: 'replace', path: '/s/llm-platform.io~1track', value: 'green' }]),
    ).toEqual({ s: { 'llm-platform.io/track': 'green' } });
  });
});

describe('KubeClient errors', () => {
  it('names the RBAC fix on a 403', async () => {
    const { double, kube: k } = await startDouble({ forbid: [`PATCH /api/v1/namespaces/${NS}/services`] });
    double.addService({ namespace: NS, name: 's', selector: {} });
    await expect(k.patchService(NS, 's', [])).rejects.toThrow(
      /^kubernetes API refused patch service llm-baseline\/s with 403: patch .* is forbidden: .*; give the identity the RBAC in docs\/postdeploy\.md$/,
    );
    await double.close();
  });

  it('says when the API server cannot be reached', async () => {
    const port = await closedPort();
    const file = join(kubeconfig, '..', 'closed.yaml');
    await writeFile(file, kubeconfigText({ server: `http://127.0.0.1:${port}`, token: 't' }));
    const k = KubeClient.connect({ kubeconfig: file, env: {} });
    await expect(k.getDeployment(NS, 'm')).rejects.toThrow(
      `kubernetes API http://127.0.0.1:${port} is unreachable for get deployment llm-baseline/m, got ECONNREFUSED; check --kubeconfig and --context, or run in the cluster`,
    );
  });

  it('fails with usage errors for a missing kubeconfig or an unknown context', () => {
    expect(() => loadKubeConfig({ env: { HOME: '/nonexistent' }, kubeconfig: '/nonexistent/kubeconfig' })).toThrow(
      /^kubeconfig \/nonexistent\/kubeconfig cannot be loaded, got .*; pass a valid --kubeconfig$/,
    );
    expect(() => loadKubeConfig({ kubeconfig, context: 'prod', env: {} })).toThrow(
      '--context prod is not in the kubeconfig, got contexts double; pass one of them',
    );
  });
});
