/**
 * `llm-bench load --workers N --kubeconfig …`: the coordinator creates an Indexed Job through the
 * Kubernetes API, waits for it, reads each index's pod log and deletes the Job. The API here is a
 * TEST DOUBLE (job-double.ts) whose "pods" are local worker processes running the Job's command
 * against one simulator on 127.0.0.1; it proves the API calls and the merge, not a real scheduler.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bench/cli/main';
import { kubeWorkers, promptsConfigMapName } from '../../../bench/distributed/kube';
import { runDistributedLoad } from '../../../bench/distributed/run';
import { KubeClient } from '../../../bench/kube/client';
import { loadPromptset } from '../../../bench/load/prompts';
import { loadResultSchema } from '../../../bench/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { PROMPTS_DIR, PROMPTS_KEY } from '../../../constructs/bench-layout';
import { CONFIGMAP_MAX_DATA_BYTES } from '../../../facts/kubernetes';
import { tempDir } from '../../support/temp';
import { argv, memoryIo } from '../helpers';
import { JobDouble } from './job-double';

const appDir = join(import.meta.dirname, '../../..');
const secrets = { 'vllm-api-key': { 'api-key': 'k' } };

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 2, itlMs: 1, models: ['m'], apiKey: 'k' });
});
afterAll(() => sim.close());

describe('workers as an Indexed Job', () => {
  it('creates the Job, merges every index’s report from its pod log, and deletes the Job', async () => {
    const double = await new JobDouble({ appDir, secrets, servingPods: 2 }).start();
    try {
      const io = memoryIo();
      const code = await main(
        argv(
          'load',
          '--base-url',
          sim.url,
          '--model',
          'm',
          '--api-key',
          'k',
          '--workers',
          '3',
          '--concurrency',
          '3',
          '--requests',
          '30',
          '--output-tokens',
          '2',
          '--kubeconfig',
          double.kubeconfig('llm-bench'),
          '--image',
          'registry.example/llm-bench:0.1.0',
          '--barrier',
          '0',
          '--json',
          '-',
        ),
        io,
      );
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      const result = loadResultSchema.parse(JSON.parse(io.out()));
      expect(result.summary.requests).toEqual({ total: 30, succeeded: 30, failed: 0, cancelled: 0 });
      expect(result.distributed!.reported.map((w) => [w.index, w.requests])).toEqual([
        [0, 10],
        [1, 10],
        [2, 10],
      ]);
      const job = `/apis/batch/v1/namespaces/llm-bench/jobs/llm-bench-load-${result.distributed!.runId}`;
      // The model's Service is read before and after the load: its ready pods are the replicas priced.
      expect(result.cost?.replicas).toBe(2);
      const slices = 'GET /apis/discovery.k8s.io/v1/namespaces/llm-baseline/endpointslices';
      expect(double.requests.filter((r) => !r.startsWith('GET /apis/batch'))).toEqual([
        slices,
        'POST /apis/batch/v1/namespaces/llm-bench/jobs',
        'GET /api/v1/namespaces/llm-bench/pods',
        ...[0, 1, 2].map((i) => `GET /api/v1/namespaces/llm-bench/pods/llm-bench-load-${result.distributed!.runId}-${i}-x${i}/log`),
        `DELETE ${job}`,
        slices,
      ]);
      expect(double.jobNames()).toEqual([]);
    } finally {
      await double.close();
    }
  });

  it('reports an index that never got a pod, and the merged result says the load was incomplete', async () => {
    const double = await new JobDouble({ appDir, secrets, unschedulable: [1] }).start();
    try {
      const result = await runDistributedLoad(
        { baseUrl: sim.url, model: 'm', apiKey: 'k', profile: { kind: 'concurrency', concurrency: 2 }, requests: 20, outputTokens: 2 },
        {
          workers: 2,
          launcher: kubeWorkers({
            kube: KubeClient.connect({ kubeconfig: double.kubeconfig('llm-bench') }),
            namespace: 'llm-bench',
            image: 'registry.example/llm-bench:0.1.0',
            apiKeySecret: { name: 'vllm-api-key', key: 'api-key' },
            deadlineSec: 600,
            barrierMs: 0,
            pollMs: 20,
          }),
        },
      );
      expect(result.summary.requests.total).toBe(10);
      const runId = result.distributed!.runId;
      const problem = `never started: Job llm-bench/llm-bench-load-${runId} has no pod for index 1 (DeadlineExceeded: Job was active longer than specified deadline)`;
      expect(result.distributed!.failed).toEqual([{ index: 1, problem }]);
      expect(result.aborted?.reason).toBe(`1 of 2 workers ran their share, so the load offered was less than asked: worker 1 ${problem}`);
    } finally {
      await double.close();
    }
  });

  it('needs the image to run the pods from, and says every other problem with it', async () => {
    const io = memoryIo();
    const code = await main(
      argv('load', '--base-url', sim.url, '--model', 'm', '--workers', '2', '--concurrency', '2', '--kubeconfig', '/nonexistent'),
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toBe(
      [
        'error: 2 problems:',
        '- --kubeconfig runs the workers from the llm-bench image, got no --image; pass --image <registry>/llm-bench:<version> (see Dockerfile)',
        "- kubeconfig /nonexistent cannot be loaded, got ENOENT: no such file or directory, open '/nonexistent'; pass a valid --kubeconfig",
        '',
      ].join('\n'),
    );
  });
});

describe('--prompts with workers in the cluster', () => {
  const dir = tempDir('kube-prompts-');
  const promptset = join(dir, 'set.jsonl');
  writeFileSync(promptset, [1, 3, 9, 27, 81].map((n) => JSON.stringify({ prompt: 'w '.repeat(n).trim() })).join('\n'));
  const load = (...extra: string[]) =>
    argv(
      'load',
      '--base-url',
      sim.url,
      '--model',
      'm',
      '--api-key',
      'k',
      '--endpoint',
      'completions',
      '--concurrency',
      '2',
      '--requests',
      '12',
      '--output-tokens',
      '2',
      '--prompts',
      promptset,
      '--json',
      '-',
      ...extra,
    );

  it('ships the promptset in a ConfigMap the Job owns, mounted in every pod, and deletes it with the Job', async () => {
    const single = memoryIo();
    expect(await main(load(), single), single.err()).toBe(0);
    const double = await new JobDouble({ appDir, secrets }).start();
    try {
      const io = memoryIo();
      const kube = ['--kubeconfig', double.kubeconfig('llm-bench'), '--image', 'registry.example/llm-bench:0.1.0', '--barrier', '0'];
      const code = await main(load('--workers', '2', ...kube), io);
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      const result = loadResultSchema.parse(JSON.parse(io.out()));
      expect(result.distributed!.reported.map((w) => [w.index, w.succeeded])).toEqual([
        [0, 6],
        [1, 6],
      ]);
      // The pods sent the same prompts as one process: the same prompt tokens.
      expect(result.summary.inputTokens.total).toBe(loadResultSchema.parse(JSON.parse(single.out())).summary.inputTokens.total);
      const job = `llm-bench-load-${result.distributed!.runId}`;
      const cm = promptsConfigMapName(job);
      expect(double.requests.filter((r) => !r.startsWith('GET '))).toEqual([
        'POST /api/v1/namespaces/llm-bench/configmaps',
        'POST /apis/batch/v1/namespaces/llm-bench/jobs',
        `PATCH /api/v1/namespaces/llm-bench/configmaps/${cm}`,
        `DELETE /apis/batch/v1/namespaces/llm-bench/jobs/${job}`,
        `DELETE /api/v1/namespaces/llm-bench/configmaps/${cm}`,
      ]);
      expect(double.configMapNames()).toEqual([]);
      expect(double.jobNames()).toEqual([]);
    } finally {
      await double.close();
    }
  });

  it('leaves the ConfigMap to the garbage collector through its owner, the Job', async () => {
    const double = await new JobDouble({ appDir, secrets }).start();
    try {
      const kube = KubeClient.connect({ kubeconfig: double.kubeconfig('llm-bench') });
      const prompts = await loadPromptset(promptset, 'completions');
      const result = await runDistributedLoad(
        {
          baseUrl: sim.url,
          model: 'm',
          apiKey: 'k',
          endpoint: 'completions',
          profile: { kind: 'concurrency', concurrency: 2 },
          requests: 4,
          outputTokens: 2,
          prompts,
        },
        {
          workers: 2,
          launcher: kubeWorkers({
            kube,
            namespace: 'llm-bench',
            image: 'registry.example/llm-bench:0.1.0',
            apiKeySecret: { name: 'vllm-api-key', key: 'api-key' },
            deadlineSec: 600,
            barrierMs: 0,
            pollMs: 20,
            keepJob: true,
          }),
        },
      );
      expect(result.summary.requests.succeeded).toBe(4);
      const job = `llm-bench-load-${result.distributed!.runId}`;
      const cm = double.configMap('llm-bench', promptsConfigMapName(job))!;
      expect(cm.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: job, uid: `uid-llm-bench/${job}` }]);
      expect(Object.keys(cm.binaryData)).toEqual([PROMPTS_KEY]);
      expect(Buffer.from(cm.binaryData[PROMPTS_KEY], 'base64').length).toBe(statSync(promptset).size);
      // The pods read the promptset where the ConfigMap is mounted.
      const podSpec = JSON.parse((await kube.getJob('llm-bench', job))!.spec!.template.spec!.containers[0]!.env![0]!.value!);
      expect(podSpec.promptset.path).toBe(`${PROMPTS_DIR}/${PROMPTS_KEY}`);
      await kube.deleteJob('llm-bench', job);
      expect(double.configMapNames()).toEqual([]);
    } finally {
      await double.close();
    }
  });

  it('refuses a promptset bigger than a ConfigMap holds, before touching the cluster', async () => {
    const big = join(dir, 'big.jsonl');
    const line = JSON.stringify({ prompt: 'w '.repeat(500).trim() });
    writeFileSync(big, Array.from({ length: Math.ceil(CONFIGMAP_MAX_DATA_BYTES / line.length) + 1 }, () => line).join('\n'));
    const bytes = statSync(big).size;
    const double = await new JobDouble({ appDir, secrets }).start();
    try {
      const io = memoryIo();
      const args = load('--workers', '2', '--kubeconfig', double.kubeconfig('llm-bench'), '--image', 'registry.example/llm-bench:0.1.0');
      args[args.indexOf(promptset)] = big;
      expect(await main(args, io)).toBe(2);
      expect(io.err()).toBe(
        `error: --prompts ${big} is too big to reach the worker pods in a ConfigMap (at most 1048576 bytes, Kubernetes' limit), ` +
          `got ${bytes} bytes; pass a promptset of at most 1 MiB, or run the workers as local processes (drop --kubeconfig)\n`,
      );
      expect(double.requests).toEqual([]);
    } finally {
      await double.close();
    }
  });
});
