import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvDefaults } from '../../../bench/postdeploy/env-file';
import { loadTargets, namespaceOfUrl } from '../../../bench/postdeploy/targets';
import { PROJECT_ROOT } from '../../../stacks/synthesize';
import { tempDir } from '../../support/temp';

let dir: string;
beforeAll(() => {
  dir = tempDir('targets-');
});

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const svc = (name: string) => `http://${name}.llm-baseline.svc.cluster.local:8000`;

/** What `pulumi stack output --json` prints for stacks/pulumi.ts (secrets masked). */
const STACK_OUTPUTS = {
  clusterName: 'llm-platform-prod-eks',
  region: 'us-east-1',
  kubeconfig: '[secret]',
  registryBucket: 'llm-platform-prod-models',
  registryTable: 'llm-platform-prod-registry',
  registryPublisherRoleArn: 'arn:aws:iam::123456789012:role/publisher',
  modelEndpoints: Object.fromEntries(['mistral-7b-awq', 'mistral-7b-fp16', 'mistral-7b-lora', 'mistral-7b-judge'].map((n) => [n, svc(n)])),
};

describe('stack outputs', () => {
  it('reads the outputs stacks/pulumi.ts exports', async () => {
    const source = await readFile(join(PROJECT_ROOT, 'stacks', 'pulumi.ts'), 'utf8');
    for (const name of ['modelEndpoints', 'registryBucket', 'registryTable'])
      expect(source).toMatch(new RegExp(`^export const ${name} =`, 'm'));
  });

  it('derives thresholds, adapters and autoscaling from Pulumi.prod.yaml', async () => {
    const t = await loadTargets({
      file: await file('outputs.json', STACK_OUTPUTS),
      env: loadEnvDefaults(join(PROJECT_ROOT, 'Pulumi.prod.yaml')),
      autoscale: true,
    });
    expect(t).toMatchObject({
      shape: 'pulumi-outputs',
      environment: 'prod',
      registryBucket: 'llm-platform-prod-models',
      registryTable: 'llm-platform-prod-registry',
    });
    const by = Object.fromEntries(t.variants.map((v) => [v.name, v]));
    expect(by['mistral-7b-awq']).toMatchObject({
      url: svc('mistral-7b-awq'),
      namespace: 'llm-baseline',
      models: ['mistral-7b-awq'],
      adapters: [],
      thresholds: ['ttftMs.p95<800', 'itlMs.p95<80', 'errorRate<0.001'],
      thresholdSource: 'env-file',
      rollback: null,
      autoscale: {},
      rolloutStrategy: 'BlueGreen',
    });
    // fp16 overrides its SLO and runs a fixed two replicas.
    expect(by['mistral-7b-fp16']).toMatchObject({
      thresholds: ['ttftMs.p95<2000', 'itlMs.p95<150', 'errorRate<0.001'],
      autoscale: { skip: 'mistral-7b-fp16 does not autoscale in prod (minReplicas 2 = maxReplicas 2)' },
    });
    expect(by['mistral-7b-lora']!.adapters).toEqual(['support-tone=mistral-7b-lora']);
  });

  it('checks only the chosen variants, at overridden URLs, and drills rollbacks when asked', async () => {
    const t = await loadTargets({
      file: await file('outputs2.json', STACK_OUTPUTS),
      only: ['mistral-7b-awq'],
      urls: { 'mistral-7b-awq': 'http://127.0.0.1:8001' },
      rollback: true,
    });
    expect(t.variants).toHaveLength(1);
    expect(t.variants[0]).toMatchObject({
      url: 'http://127.0.0.1:8001',
      namespace: 'llm-baseline',
      thresholds: [],
      thresholdSource: 'none',
      rollback: {},
      autoscale: null,
    });
  });
});

describe('targets file', () => {
  it('takes URLs, models, adapters, thresholds and per-variant stage settings', async () => {
    const path = await file(
      'targets.yaml',
      [
        'namespace: models',
        'variants:',
        '  a: http://127.0.0.1:9001',
        '  b:',
        '    url: http://127.0.0.1:9002',
        '    models: [b-base]',
        '    adapters: [sql=b-base]',
        '    thresholds: ["ttftMs.p95<300"]',
        '    load: {concurrency: 2, durationSec: 5}',
        '    rollback: {registryVersion: 1.2.0, limitSec: 30}',
        '    autoscale: {concurrency: [2, 8], holdSec: 60}',
        '',
      ].join('\n'),
    );
    const t = await loadTargets({ file: path, rollback: true });
    expect(t.shape).toBe('targets-file');
    expect(t.variants).toEqual([
      expect.objectContaining({
        name: 'a',
        url: 'http://127.0.0.1:9001',
        namespace: 'models',
        models: ['a'],
        rollback: {},
        autoscale: null,
      }),
      expect.objectContaining({
        name: 'b',
        models: ['b-base'],
        adapters: ['sql=b-base'],
        thresholds: ['ttftMs.p95<300'],
        thresholdSource: 'targets',
        load: { concurrency: 2, durationSec: 5 },
        rollback: { registryVersion: '1.2.0', limitSec: 30 },
        autoscale: { concurrency: [2, 8], holdSec: 60 },
      }),
    ]);
  });

  it('opts a variant out of a stage the command line asks for', async () => {
    const t = await loadTargets({
      file: await file('optout.yaml', 'variants:\n  a: {url: "http://127.0.0.1:1", rollback: false, autoscale: false}\n'),
      rollback: true,
      autoscale: true,
    });
    expect(t.variants[0]).toMatchObject({ rollback: null, autoscale: null });
  });

  it('reports every problem at once', async () => {
    const path = await file('bad.yaml', 'variants:\n  a: {url: "http://127.0.0.1:1", thresholds: ["ttftMs.p96<5"]}\n');
    await expect(loadTargets({ file: path, only: ['a', 'z'], urls: { y: 'http://x' } })).rejects.toThrow(
      [
        '3 problems:',
        `- --variant z is not in ${path}, got a; pass one of them`,
        `- --url y=… names no variant of ${path}, got a; use a variant name`,
        '- variant a: threshold "ttftMs.p96<5" has an unknown statistic, got p96; use one of mean, min, p50, p90, p95, p99, max',
      ].join('\n'),
    );
  });

  it('fails for a variant the environment does not enable', async () => {
    const path = await file('dev.json', { modelEndpoints: { 'mistral-7b-fp16': svc('mistral-7b-fp16') } });
    await expect(loadTargets({ file: path, env: loadEnvDefaults(join(PROJECT_ROOT, 'Pulumi.dev.yaml')) })).rejects.toThrow(
      'variant mistral-7b-fp16 is not an enabled model of dev, got mistral-7b-awq, mistral-7b-lora, mistral-7b-judge; check --env-config',
    );
  });

  it('fails for a file of neither shape, and for a missing file', async () => {
    const path = await file('other.json', { hello: 1 });
    await expect(loadTargets({ file: path })).rejects.toThrow(
      `${path} is neither stack outputs (with modelEndpoints) nor a targets file (with variants); see docs/postdeploy.md`,
    );
    await expect(loadTargets({ file: join(dir, 'none.json') })).rejects.toThrow(
      `--targets ${join(dir, 'none.json')} cannot be read, got ENOENT; pass the stack outputs (pulumi stack output --json) or a targets YAML`,
    );
  });

  it('reads the namespace from an in-cluster URL', () => {
    expect(namespaceOfUrl('http://m.llm-baseline.svc.cluster.local:8000')).toBe('llm-baseline');
    expect(namespaceOfUrl('http://m.prod.svc:8000')).toBe('prod');
    expect(namespaceOfUrl('http://127.0.0.1:8000')).toBeUndefined();
  });
});
