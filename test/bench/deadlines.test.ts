/**
 * Every command against an endpoint that accepts connections and never answers: each one ends by
 * its own deadline (given small on the command line) with exit 1 and the endpoint named. The runs
 * go through the bin, so a socket left open to the silent endpoint would also show (the process
 * must still exit). The registry's commands have the same test in registry/deadlines.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp';
import { runLlmBench, silentServer } from './helpers';
import { kubeconfigText } from './kube/support/kubeconfig';

let silent: Awaited<ReturnType<typeof silentServer>>;
let dir: string;
let targets: string;
let door: string;
let kubeconfig: string;
beforeAll(async () => {
  silent = await silentServer();
  dir = tempDir('llm-bench-deadlines-');
  targets = join(dir, 'targets.yaml');
  await writeFile(targets, `variants:\n  m: ${silent.url}\n`);
  door = join(dir, 'door.json');
  await writeFile(
    door,
    JSON.stringify({
      frontDoor: {
        url: silent.url.replace('http:', 'https:'),
        models: ['m'],
        rateLimit: { requestsPerSecondPerKey: 1, requestsPerSecond: 10, tokensPerMinutePerKey: 1000 },
      },
    }),
  );
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigText({ server: `https://127.0.0.1:${silent.port}`, token: 't' }));
});
afterAll(async () => {
  await silent.close();
});

const url = () => silent.url;
const CASES: readonly { readonly name: string; readonly args: () => string[]; readonly names: () => string }[] = [
  { name: 'smoke', args: () => ['smoke', '--base-url', url(), '--model', 'm', '--timeout', '0.3'], names: () => `${url()} gave no answer` },
  {
    name: 'load',
    args: () => ['load', '--base-url', url(), '--model', 'm', '--concurrency', '2', '--requests', '4', '--timeout', '0.3'],
    names: () => `${url()} is unreachable`,
  },
  {
    name: 'sweep',
    args: () => ['sweep', '--base-url', url(), '--model', 'm', '--concurrency', '1,2', '--requests', '2', '--timeout', '0.3'],
    names: () => `${url()} is unreachable`,
  },
  {
    name: 'postdeploy',
    args: () => ['postdeploy', '--targets', targets, '--request-timeout', '0.3', '--duration', '1'],
    names: () => `${url()} gave no answer`,
  },
  {
    name: 'frontdoor',
    args: () => ['frontdoor', '--targets', door, '--request-timeout', '0.3', '--split-requests', '1'],
    names: () => `https://127.0.0.1:${silent.port}`,
  },
  {
    name: 'rollback',
    args: () => ['rollback', '--kubeconfig', kubeconfig, '--kube-timeout', '0.3', '--variant', 'v', '--base-url', url()],
    names: () => `kubernetes API https://127.0.0.1:${silent.port} did not answer`,
  },
  {
    name: 'autoscale',
    args: () => [
      'autoscale',
      '--kubeconfig',
      kubeconfig,
      '--kube-timeout',
      '0.3',
      '--variant',
      'v',
      '--base-url',
      url(),
      '--concurrency',
      '1',
    ],
    names: () => `kubernetes API https://127.0.0.1:${silent.port} did not answer`,
  },
  {
    name: 'collect',
    args: () => ['collect', '--kubeconfig', kubeconfig, '--kube-timeout', '0.3', '--job', 'llm-bench-load'],
    names: () => `kubernetes API https://127.0.0.1:${silent.port} did not answer get job llm-bench/llm-bench-load within 0.3 s`,
  },
];

describe('against an endpoint that never answers', () => {
  it.each(CASES)('$name ends with exit 1 naming the endpoint', async (c) => {
    const before = silent.connections();
    const ran = await runLlmBench(c.args());
    expect(ran.stderr + ran.stdout).toContain(c.names());
    expect(ran.stderr).not.toMatch(/\n\s+at /);
    expect(ran.status).toBe(1);
    expect(silent.connections()).toBeGreaterThan(before);
  });
});
