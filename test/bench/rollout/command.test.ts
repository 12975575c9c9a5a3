/**
 * `llm-bench rollback` through `main`, as CI runs it: a kubeconfig pointing at the Kubernetes API
 * double, simulators behind the double's Service proxy, and (for registry versions) the real
 * registry client against s3rver and dynalite.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bench/cli/main';
import { rollbackResultSchema } from '../../../bench/rollout/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { argv, memoryIo } from '../helpers';
import { NS, seedBlueGreen, seedRolling, startDouble, template, uriOf } from '../kube/support/fixtures';
import type { KubeDouble } from '../kube/support/kube-double';
import { startServiceProxy } from '../kube/support/service-proxy';
import { IMAGE, localRegistry, makeModelDir } from '../registry/support/fixtures';
import { LOCAL_REGION, type LocalAws, startLocalAws, stubLocalCredentials } from '../registry/support/servers';
import { useVirtualTime } from '../../support/virtual-time';
import { tempDir } from '../../support/temp';

const MODEL = 'mistral-7b-awq';
const FAST = [
  '--before-sec',
  '0.2',
  '--after-sec',
  '0.2',
  '--poll-ms',
  '10',
  '--sample-ms',
  '50',
  '--timeout-sec',
  '5',
  '--limit-sec',
  '2',
];

// The double's controller, the simulators, the load and the polls share one virtual clock that
// moves only when no byte is in flight: durations are what the double scheduled.
const vt = useVirtualTime();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sim(): Promise<Simulator> {
  const s = await startSimulator({ port: 0, models: [MODEL], ttftMs: 5, itlMs: 2, outputTokens: 8 });
  cleanup.push(() => s.close());
  return s;
}

async function cluster() {
  const d = await startDouble({ readyDelayMs: 100, terminateDelayMs: 30 });
  cleanup.push(() => d.double.close());
  return d;
}

/** `llm-bench rollback` of the model's variant through `kubeconfig`, with the load on `baseUrl`. */
const rollback = (kubeconfig: string, baseUrl: string, ...extra: string[]) =>
  argv('rollback', '--kubeconfig', kubeconfig, '--variant', MODEL, '--base-url', baseUrl, ...extra);

async function service(dbl: KubeDouble, backendFor: (pod: { labels: Record<string, string> }) => string): Promise<string> {
  const p = await startServiceProxy({ double: dbl, namespace: NS, service: MODEL, backendFor });
  cleanup.push(() => p.close());
  return p.url;
}

describe('llm-bench rollback', () => {
  it('exits 0 for a blue/green switch and writes JSON, Markdown, HTML and JUnit', async () => {
    const [blue, green] = [await sim(), await sim()];
    const { double: dbl, kubeconfig } = await cluster();
    seedBlueGreen(dbl, MODEL, {
      active: 'blue',
      activeReplicas: 1,
      standbyReplicas: 1,
      templates: {
        blue: template(MODEL, { track: 'blue', image: 'vllm:v2' }),
        green: template(MODEL, { track: 'green', image: 'vllm:v1' }),
      },
    });
    const url = await service(dbl, (p) => (p.labels['llm-platform.io/track'] === 'blue' ? blue.url : green.url));
    const out = tempDir('rollback-cli-');
    const io = memoryIo();
    const code = await vt.run(
      main(
        rollback(
          kubeconfig,
          url,
          ...FAST,
          '--json',
          join(out, 'r.json'),
          '--markdown',
          join(out, 'r.md'),
          '--html',
          join(out, 'r.html'),
          '--junit',
          join(out, 'r.xml'),
        ),
        io,
      ),
    );
    expect(io.err()).toContain(`switched service ${NS}/${MODEL} from track blue to green`);
    expect(code).toBe(0);
    const result = rollbackResultSchema.parse(JSON.parse(await readFile(join(out, 'r.json'), 'utf8')));
    expect(result).toMatchObject({ kind: 'rollback', strategy: 'blue-green', completed: true });
    expect(io.out()).toContain(`## Rollback ${NS}/${MODEL}: PASSED (2 gates)`);
    const html = await readFile(join(out, 'r.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('aria-label="Pods"');
    expect(html).toContain('aria-label="Requests per sample (by end time)"');
    expect(html).toContain('aria-label="Latency over time"');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('NaN');
    const junit = await readFile(join(out, 'r.xml'), 'utf8');
    expect(junit).toContain('tests="3" failures="0"');
    expect(junit).toContain('name="durationSec&lt;=2"');
  });

  it('exits 99 when requests failed during a rolling rollback', async () => {
    const s = await sim();
    const { double: dbl, kubeconfig } = await cluster();
    seedRolling(dbl, MODEL, {
      replicas: 2,
      history: [template(MODEL, { image: 'vllm:v1' })],
      current: template(MODEL, { image: 'vllm:v2' }),
    });
    let restarted: Promise<void> | undefined;
    dbl.on('pod', (e: { type: string }) => {
      if (e.type === 'terminating' && restarted === undefined)
        restarted = s.close().then(() => new Promise<void>((resolve) => setTimeout(() => void s.start().then(() => resolve()), 100)));
    });
    const url = await service(dbl, () => s.url);
    const io = memoryIo();
    const code = await vt.run(main(rollback(kubeconfig, url, ...FAST), io));
    await vt.run(restarted!);
    expect(code).toBe(99);
    expect(io.err()).toMatch(/gates crossed: failedRequests<=0 \(measured \d+\)\n$/);
    expect(io.out()).toContain('FAILED (1 of 2 gates crossed)');
  });

  it('exits 2 with every usage problem before touching the cluster', async () => {
    const { double: dbl, kubeconfig } = await cluster();
    const io = memoryIo();
    const code = await vt.run(
      main(
        rollback(
          kubeconfig,
          'http://127.0.0.1:1',
          '--registry-version',
          '1.0.0',
          '--previous',
          '--concurrency',
          '2',
          '--rate',
          '3',
          '--json',
          '-',
          '--html',
          '-',
        ),
        io,
      ),
    );
    expect(code).toBe(2);
    expect(io.err()).toBe(
      [
        'error: 5 problems:',
        '- only one output can go to stdout, got --json - and --html -; write the others to files',
        '- the load takes one of --concurrency or --rate, got both (2 and 3); pass one',
        '- --registry-version and --previous name different targets, got both (1.0.0 and --previous); pass one',
        '- --registry-bucket is required for a registry version, got neither the flag nor LLM_REGISTRY_BUCKET; pass the bucket (pulumi stack output registryBucket)',
        '- --registry-table is required for a registry version, got neither the flag nor LLM_REGISTRY_TABLE; pass the table (pulumi stack output registryTable)',
        '',
      ].join('\n'),
    );
    expect(dbl.requests).toEqual([]);
  });

  it('exits 2 when a registry version has no registry to look it up in, or the kubeconfig is missing', async () => {
    const io = memoryIo();
    const code = await vt.run(main(rollback('/nonexistent/kubeconfig', 'http://127.0.0.1:1', '--env', 'prod'), io));
    expect(code).toBe(2);
    const lines = io.err().split('\n');
    expect(lines[0]).toBe('error: 4 problems:');
    expect(lines[1]).toMatch(/^- kubeconfig \/nonexistent\/kubeconfig cannot be loaded, got .*; pass a valid --kubeconfig$/);
    expect(lines.slice(2)).toEqual([
      '- --env names the registry environment whose previous version --previous rolls to, got --env prod without --previous; add --previous or drop --env',
      '- --registry-bucket is required for a registry version, got neither the flag nor LLM_REGISTRY_BUCKET; pass the bucket (pulumi stack output registryBucket)',
      '- --registry-table is required for a registry version, got neither the flag nor LLM_REGISTRY_TABLE; pass the table (pulumi stack output registryTable)',
      '',
    ]);
  });

  it('exits 1 when the variant is not in the namespace', async () => {
    const { kubeconfig } = await cluster();
    const io = memoryIo();
    expect(
      await vt.run(main(argv('rollback', '--kubeconfig', kubeconfig, '--variant', 'nope', '--base-url', 'http://127.0.0.1:1'), io)),
    ).toBe(1);
    expect(io.err()).toBe(
      `error: variant nope has no deployment ${NS}/nope and no blue/green pair nope-blue and nope-green, got neither; check --namespace and --variant\n`,
    );
  });
});

describe('llm-bench rollback to a registry version', () => {
  let aws: LocalAws;
  const BUCKET = 'llm-models';
  const TABLE = 'llm-registry-rollback';
  beforeAll(async () => {
    stubLocalCredentials();
    aws = await startLocalAws();
    await aws.createRegistryStore(BUCKET, TABLE);
    const { registry } = localRegistry(aws, { bucket: BUCKET, table: TABLE });
    const dir = await makeModelDir(aws, { 'config.json': '{}' });
    for (const version of ['1.0.0', '1.1.0']) {
      await registry.publish({ model: MODEL, version, path: dir, image: IMAGE });
      await registry.promote({ model: MODEL, version, env: 'prod' });
    }
  });
  afterAll(async () => {
    await aws?.stop();
    vi.unstubAllEnvs();
  });

  const registryFlags = () => [
    '--registry-bucket',
    BUCKET,
    '--registry-table',
    TABLE,
    '--region',
    LOCAL_REGION,
    '--s3-endpoint-url',
    aws.s3Endpoint,
    '--dynamodb-endpoint-url',
    aws.ddbEndpoint,
  ];

  it('rolls to the version prod ran before its last promote (--previous --env prod)', async () => {
    const s = await sim();
    const { double: dbl, kubeconfig } = await cluster();
    seedRolling(dbl, MODEL, { replicas: 1, current: template(MODEL, { source: { kind: 'sync', uri: uriOf(MODEL, '1.1.0') } }) });
    const url = await service(dbl, () => s.url);
    const io = memoryIo();
    const code = await vt.run(
      main(rollback(kubeconfig, url, '--previous', '--env', 'prod', ...registryFlags(), ...FAST, '--json', '-'), io),
    );
    expect(io.err()).not.toContain('error:');
    expect(code).toBe(0);
    const result = rollbackResultSchema.parse(JSON.parse(io.out()));
    expect(result).toMatchObject({
      registryVersion: '1.0.0',
      completed: true,
      to: `registry version 1.0.0 (vllm/vllm-openai:v0.18.0, ${uriOf(MODEL, '1.0.0')})`,
    });
    const spec = dbl.deployment(NS, MODEL).spec.template.spec as { initContainers: { command: string[] }[] };
    expect(spec.initContainers[0]!.command.slice(3, 5)).toEqual([uriOf(MODEL, '1.0.0'), `/model-cache/registry/${MODEL}/v1.0.0`]);
  });

  it('exits 1 for a version the registry does not have, before touching the cluster', async () => {
    const { double: dbl, kubeconfig } = await cluster();
    const io = memoryIo();
    const code = await vt.run(main(rollback(kubeconfig, 'http://127.0.0.1:1', '--registry-version', '9.9.9', ...registryFlags()), io));
    expect(code).toBe(1);
    expect(io.err()).toMatch(/^error: .*9\.9\.9.*\n$/);
    expect(dbl.requests).toEqual([]);
  });
});
