/**
 * `llm-bench postdeploy --targets` and `llm-bench frontdoor` with a front door in the targets:
 * the stack outputs of a stack with gateway.enabled, against simulators behind the local
 * stand-in for the gateway, on virtual time: the stand-in's rate-limit buckets read the fake Date and the
 * CLI's Retry-After wait is a fake timer, so the burst meets the limit however slowly the machine runs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { postdeployResultSchema } from '../../../bench/postdeploy/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { argv, closedPort, memoryIo } from '../helpers';
import { tempDir } from '../../support/temp';
import { useVirtualTime } from '../../support/virtual-time';
import { GatewayStandIn } from './support/gateway-stand-in';

const vt = useVirtualTime();

const KEY = 'ci-key-0123456789abcdef';
let dir: string;
let sim: Simulator;
let door: GatewayStandIn;
let outputs: Record<string, unknown>;

beforeAll(async () => {
  dir = tempDir('frontdoor-');
  sim = await startSimulator({
    port: 0,
    ttftMs: 2,
    itlMs: 10,
    models: ['mistral-7b-awq'],
    adapters: [{ name: 'support-tone', parent: 'mistral-7b-awq' }],
  });
  const awq = { name: 'mistral-7b-awq', url: sim.url, model: 'mistral-7b-awq' };
  const tone = { name: 'mistral-7b-lora--support-tone', url: sim.url, model: 'support-tone' };
  door = await new GatewayStandIn({
    keys: { ci: KEY },
    direct: [awq, tone],
    aliases: [
      {
        model: 'assistant',
        backends: [
          { ...awq, weight: 50 },
          { ...tone, weight: 50 },
        ],
      },
    ],
    perKeyRps: 10,
    now: () => Date.now(),
  }).start();
  // What `pulumi stack output --json` prints for a stack with the front door (stacks/pulumi.ts).
  outputs = {
    clusterName: 'llm-platform-dev',
    kubeconfig: '[secret]',
    modelEndpoints: { 'mistral-7b-awq': 'http://mistral-7b-awq.llm-baseline.svc.cluster.local:8000' },
    publicEndpoint: door.url,
    frontDoor: {
      url: door.url,
      backendHeader: 'x-llm-backend',
      models: ['mistral-7b-awq', 'support-tone', 'assistant'],
      rateLimit: { requestsPerSecondPerKey: 10, requestsPerSecond: 100, tokensPerMinutePerKey: 100000 },
      routes: [
        {
          model: 'assistant',
          backends: [
            { name: 'mistral-7b-awq', model: 'mistral-7b-awq', weight: 50 },
            { name: 'mistral-7b-lora--support-tone', model: 'support-tone', weight: 50 },
          ],
        },
      ],
      plainHttpUrl: `http://127.0.0.1:${await closedPort()}/v1/models`,
    },
  };
});
afterAll(async () => {
  await door.close();
  await sim.close();
});

async function file(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

const CA = join(import.meta.dirname ?? '', '..', 'fixtures', 'localhost.crt');

describe('llm-bench postdeploy with a front door', () => {
  it('accepts the stack outputs and checks only the public endpoint with --front-door-only: exit 0, JSON and JUnit', async () => {
    const io = memoryIo({ LLM_BENCH_FRONT_DOOR_KEY: KEY });
    const targets = await file('outputs.json', outputs);
    const code = await vt.run(
      main(
        argv(
          'postdeploy',
          '--targets',
          targets,
          '--front-door-only',
          '--front-door-ca',
          CA,
          '--split-requests',
          '20',
          '--json',
          join(dir, 'pd.json'),
          '--junit',
          join(dir, 'pd.xml'),
        ),
        io,
      ),
    );
    expect(io.err()).not.toContain('fail ');
    expect(code).toBe(0);
    const result = postdeployResultSchema.parse(JSON.parse(await readFile(join(dir, 'pd.json'), 'utf8')));
    expect(result.variants).toEqual([]);
    expect(result.frontDoor!.checks.map((c) => `${c.name} ${c.status}`)).toEqual([
      'tls pass',
      'models pass',
      'auth pass',
      'chat mistral-7b-awq pass',
      'chat support-tone pass',
      'chat assistant pass',
      'split assistant pass',
      'rate-limit pass',
    ]);
    expect(result.frontDoor!.splits[0]!.requests).toBe(20);
    const junit = await readFile(join(dir, 'pd.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="front door"');
    expect(io.out()).toContain('## Front door');
  });

  it('exits 2 before any request when --front-door-only has no front door to check', async () => {
    const io = memoryIo();
    const targets = await file('no-door.json', { modelEndpoints: { 'mistral-7b-awq': 'http://x:8000' } });
    expect(await vt.run(main(argv('postdeploy', '--targets', targets, '--front-door-only'), io))).toBe(2);
    expect(io.err()).toContain(
      `--front-door-only needs a frontDoor in ${targets}, got none; deploy with gateway.enabled or add frontDoor: to the targets file`,
    );
  });

  it('exits 2 for a front door description it cannot use, naming the field', async () => {
    const io = memoryIo();
    const bad = { ...outputs, frontDoor: { ...(outputs.frontDoor as object), url: 'not a url', models: [] } };
    expect(await vt.run(main(argv('frontdoor', '--targets', await file('bad.json', bad)), io))).toBe(2);
    expect(io.err()).toMatch(/frontDoor\.url invalid url, got "not a url"/);
    expect(io.err()).toMatch(/frontDoor\.models too small: expected array to have >=1 items, got \[\]/);
  });

  it('runs the same checks alone with llm-bench frontdoor, and fails (exit 1) with a wrong key', async () => {
    const io = memoryIo({ LLM_BENCH_FRONT_DOOR_KEY: 'wrong' });
    const code = await vt.run(
      main(argv('frontdoor', '--targets', await file('outputs2.json', outputs), '--front-door-ca', CA, '--split-requests', '5'), io),
    );
    expect(code).toBe(1);
    expect(io.out()).toMatch(/✘ models \| GET \/v1\/models with the key → 401/);
  });
});
