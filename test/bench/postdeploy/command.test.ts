/**
 * `llm-bench postdeploy` through `main`: every variant's smoke and load against simulators, and the
 * rollback drill and autoscale check against the Kubernetes API double; one exit code, one JUnit
 * file, one HTML report.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { postdeployResultSchema } from '../../../bench/postdeploy/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { PROJECT_ROOT } from '../../../stacks/synthesize';
import { autoscaledVariant } from '../autoscale/support/variant';
import { argv, memoryIo } from '../helpers';
import { NS, seedBlueGreen, startDouble, template } from '../kube/support/fixtures';
import { startServiceProxy } from '../kube/support/service-proxy';
import { useVirtualTime, vt } from '../../support/virtual-time';
import { tempDir } from '../../support/temp';

const AWQ = 'mistral-7b-awq';
const LORA = 'mistral-7b-lora';
const FAST_LOAD = ['--duration', '0.5', '--concurrency', '2'];
const FAST_ROLLBACK = [
  '--rollback-before-sec',
  '0.2',
  '--rollback-after-sec',
  '0.2',
  '--rollback-timeout-sec',
  '5',
  '--rollback-limit-sec',
  '2',
  '--poll-ms',
  '10',
  '--sample-ms',
  '50',
];

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let dir: string;
beforeAll(() => {
  dir = tempDir('postdeploy-');
});

async function sim(models: string[], adapters: { name: string; parent: string }[] = []): Promise<Simulator> {
  const s = await startSimulator({ port: 0, models, adapters, ttftMs: 5, itlMs: 2, outputTokens: 8 });
  cleanup.push(() => s.close());
  return s;
}

async function targetsFile(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, body);
  return path;
}

describe('llm-bench postdeploy', () => {
  // Simulators, load, the double and the checks' polls share one clock that moves only when no byte
  // is in flight: every duration and gate is what the double scheduled.
  useVirtualTime();

  it('smokes and loads every variant of the stack outputs, with thresholds from the env file: exit 0, one JUnit, one HTML', async () => {
    const awq = await sim([AWQ]);
    const lora = await sim([LORA], [{ name: 'support-tone', parent: LORA }]);
    const outputs = await targetsFile(
      'outputs.json',
      JSON.stringify({
        clusterName: 'c',
        kubeconfig: '[secret]',
        modelEndpoints: {
          [AWQ]: `http://${AWQ}.llm-baseline.svc.cluster.local:8000`,
          [LORA]: `http://${LORA}.llm-baseline.svc.cluster.local:8000`,
        },
      }),
    );
    const io = memoryIo();
    const code = await vt.run(
      main(
        // prod enables four variants; the outputs list two, so --variant says that is on purpose.
        argv(
          'postdeploy',
          '--targets',
          outputs,
          '--env-config',
          join(PROJECT_ROOT, 'Pulumi.prod.yaml'),
          '--variant',
          AWQ,
          '--variant',
          LORA,
          '--url',
          `${AWQ}=${awq.url}`,
          '--url',
          `${LORA}=${lora.url}`,
          ...FAST_LOAD,
          '--json',
          join(dir, 'pd.json'),
          '--junit',
          join(dir, 'pd.xml'),
          '--html',
          join(dir, 'pd.html'),
        ),
        io,
      ),
    );
    expect(io.err()).not.toContain('FAILED');
    expect(code).toBe(0);
    const r = postdeployResultSchema.parse(JSON.parse(await readFile(join(dir, 'pd.json'), 'utf8')));
    expect(r).toMatchObject({ exitCode: 0, environment: 'prod', shape: 'pulumi-outputs' });
    expect(r.variants.map((v) => [v.name, v.smoke?.passed, v.load?.thresholds.map((t) => t.expression)])).toEqual([
      [AWQ, true, ['ttftMs.p95<800', 'itlMs.p95<80', 'errorRate<0.001']],
      [LORA, true, ['ttftMs.p95<800', 'itlMs.p95<80', 'errorRate<0.001']],
    ]);
    // The LoRA variant's adapter came from the env file and was smoke-tested.
    expect(r.variants[1]!.smoke!.checks.map((c) => c.name)).toContain('chat stream support-tone');
    const junit = await readFile(join(dir, 'pd.xml'), 'utf8');
    for (const suite of [`smoke ${AWQ}`, `load ${AWQ}`, `smoke ${LORA}`, `load ${LORA}`])
      expect(junit).toContain(`<testsuite name="${suite}"`);
    expect(junit).toMatch(/<testsuites name="llm-bench" tests="\d+" failures="0"/);
    const html = await readFile(join(dir, 'pd.html'), 'utf8');
    expect(html).toContain('llm-bench post-deploy: <span class="pass">PASSED (exit 0: every check, threshold and gate passed)</span>');
    expect(html).toContain(`<h2 id="${AWQ}">`);
    expect(io.out()).toContain(`| ${AWQ} | ✔ 9 checks | ✔ PASSED (3 thresholds), TTFT p95 `);
  });

  it('exits 99 when a threshold is crossed, and 1 when a variant fails its smoke checks (load skipped)', async () => {
    const awq = await sim([AWQ]);
    const targets = await targetsFile('two.yaml', `variants:\n  ${AWQ}: ${awq.url}\n  broken: {url: "${awq.url}", models: [not-served]}\n`);
    const crossed = memoryIo();
    expect(
      await vt.run(
        main(argv('postdeploy', '--targets', targets, '--variant', AWQ, ...FAST_LOAD, '--threshold', 'ttftMs.p95<0.001'), crossed),
      ),
    ).toBe(99);
    expect(crossed.out()).toContain('FAILED (exit 99: a threshold or gate was crossed)');

    const failed = memoryIo();
    expect(await vt.run(main(argv('postdeploy', '--targets', targets, ...FAST_LOAD, '--junit', '-'), failed))).toBe(1);
    expect(failed.err()).toContain('broken smoke: FAILED models (');
    expect(failed.err()).toContain('broken load: skipped, the smoke checks failed');
    expect(failed.out()).toContain('<testcase classname="llm-bench.postdeploy.broken" name="load" time="0.000">');
  });

  it('drills a blue/green rollback and rolls forward again, both gated', async () => {
    const [blue, green] = [await sim([AWQ]), await sim([AWQ])];
    const { double: dbl, kubeconfig } = await startDouble({ readyDelayMs: 50, terminateDelayMs: 20 });
    cleanup.push(() => dbl.close());
    seedBlueGreen(dbl, AWQ, {
      active: 'blue',
      activeReplicas: 1,
      standbyReplicas: 1,
      templates: { blue: template(AWQ, { track: 'blue', image: 'vllm:v2' }), green: template(AWQ, { track: 'green', image: 'vllm:v1' }) },
    });
    const svc = await startServiceProxy({
      double: dbl,
      namespace: NS,
      service: AWQ,
      backendFor: (p) => (p.labels['llm-platform.io/track'] === 'blue' ? blue.url : green.url),
    });
    cleanup.push(() => svc.close());
    const targets = await targetsFile('bg.yaml', `namespace: ${NS}\nvariants:\n  ${AWQ}: ${svc.url}\n`);
    const io = memoryIo();
    const code = await vt.run(
      main(
        argv('postdeploy', '--targets', targets, '--kubeconfig', kubeconfig, '--rollback', ...FAST_LOAD, ...FAST_ROLLBACK, '--json', '-'),
        io,
      ),
    );
    expect(io.err()).toContain(`${AWQ} rollback: switched service ${NS}/${AWQ} from track blue to green`);
    expect(io.err()).toContain(`${AWQ} restore: switched service ${NS}/${AWQ} from track green to blue`);
    expect(code).toBe(0);
    const v = postdeployResultSchema.parse(JSON.parse(io.out())).variants[0]!;
    expect([v.rollback?.to, v.restore?.to]).toEqual([
      'track green (vllm:v1, TheBloke/Mistral-7B-Instruct-v0.2-AWQ)',
      'track blue (vllm:v2, TheBloke/Mistral-7B-Instruct-v0.2-AWQ)',
    ]);
    expect([v.rollback?.requests.failed, v.restore?.requests.failed]).toEqual([0, 0]);
    expect(dbl.service(NS, AWQ).spec.selector['llm-platform.io/track']).toBe('blue');
  });

  it('checks autoscaling where the targets ask for it', async () => {
    const { sim: s, kubeconfig, url } = await autoscaledVariant(cleanup);
    const targets = await targetsFile(
      'as.yaml',
      `variants:\n  ${AWQ}:\n    url: ${url}\n    autoscale: {concurrency: [2, 10], holdSec: 0.3, scaleUpLimitSec: 3, scaleDownLimitSec: 3}\n`,
    );
    const io = memoryIo();
    const code = await vt.run(
      main(
        argv(
          'postdeploy',
          '--targets',
          targets,
          '--namespace',
          NS,
          '--kubeconfig',
          kubeconfig,
          ...FAST_LOAD,
          '--poll-ms',
          '10',
          '--sample-ms',
          '50',
          '--json',
          '-',
        ),
        io,
      ),
    );
    expect(code).toBe(0);
    const v = postdeployResultSchema.parse(JSON.parse(io.out())).variants[0]!;
    expect(v.autoscale).toMatchObject({ scaleUpTo: 2 });
    expect(v.autoscale?.gates.every((g) => g.passed)).toBe(true);
    expect(s.stats().requests).toBeGreaterThan(0);
  });

  it('exits 2 for a bad env file or flags, before any request', async () => {
    const targets = await targetsFile('one.yaml', 'variants:\n  a: http://127.0.0.1:1\n');
    const bad = await targetsFile('Pulumi.bad.yaml', 'config:\n  llm-platform:tier: qa\n');
    const io = memoryIo();
    expect(
      await vt.run(main(argv('postdeploy', '--targets', targets, '--env-config', bad, '--url', 'nourl', '--threshold', 'p95<1'), io)),
    ).toBe(2);
    const lines = io.err().split('\n');
    expect(lines[0]).toBe('error: 3 problems:');
    expect(lines).toContain('- --url takes NAME=URL, got "nourl"; pass e.g. --url mistral-7b-awq=http://127.0.0.1:8000');
    expect(lines.some((l) => l.startsWith('- threshold "p95<1"'))).toBe(true);
    expect(io.err()).toContain(
      '- --env-config Pulumi.bad.yaml has 1 config error:\n  - tier must be one of "dev", "staging", "prod", got "qa"',
    );
  });
});

describe('llm-bench program wiring', () => {
  it('keeps `registry publish --version` for the registry, and --version for llm-bench', async () => {
    const io = memoryIo({});
    const code = await main(
      argv('registry', 'publish', '--model', 'm', '--version', '1.2.0', '--path', dir, '--image', 'vllm/vllm-openai:v0.18.0'),
      io,
    );
    // Without positional options the root would print its own version and exit 0.
    expect(code).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toContain('--bucket is required');
    const version = memoryIo();
    expect(await main(argv('--version'), version)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('exports the cluster-side checks from the library index', async () => {
    const lib = await import('../../../bench/index');
    for (const fn of [
      lib.runRollback,
      lib.runAutoscale,
      lib.runPostdeploy,
      lib.loadTargets,
      lib.rollbackCommand,
      lib.autoscaleCommand,
      lib.postdeployCommand,
    ])
      expect(fn).toBeTypeOf('function');
    expect(lib.POSTDEPLOY_DEFAULTS.rollback.limitSec).toBe(60);
  });

  it('lists the cluster-side commands in the help', async () => {
    const io = memoryIo();
    await main(argv('--help'), io);
    for (const command of ['rollback', 'autoscale', 'postdeploy', 'registry'])
      expect(io.out()).toMatch(new RegExp(`^  ${command} \\[options\\]`, 'm'));
  });
});
