/**
 * `llm-bench collect`: the load worker Job of the bench-load chart (what a GitOps repository
 * applies, synthesized from Pulumi.dev.yaml with an image) runs in the Kubernetes API TEST DOUBLE
 * (job-double.ts: its "pods" are local worker processes against one simulator on 127.0.0.1), and
 * collect merges its pods' logs as `load --workers` merges, saves them, and merges the saved run
 * again from a folder and from S3 (s3rver).
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bench/cli/main';
import { collectFromJob } from '../../../bench/distributed/collect';
import { findReport, workerSpecSchema } from '../../../bench/distributed/spec';
import type { KubeClient } from '../../../bench/kube/client';
import { KubeClient as Kube } from '../../../bench/kube/client';
import { LatencyHistogram } from '../../../bench/load/stats';
import { type LoadResult, loadResultSchema } from '../../../bench/result';
import { type Simulator, startSimulator } from '../../../bench/sim/simulator';
import { parseEnvironmentText } from '../../../config/platform';
import { WORKER_SPEC_ENV } from '../../../constructs/bench-layout';
import { API_KEY_SECRET } from '../../../constructs/workload-layout';
import { BENCH_LOAD_JOB } from '../../../stacks/bench-chart';
import { renderManifests } from '../../../stacks/manifests';
import { PROJECT_ROOT } from '../../../stacks/synthesize';
import { find } from '../../support/manifests';
import { tempDir } from '../../support/temp';
import { argv, memoryIo } from '../helpers';
import { LOCAL_REGION, type LocalAws, startLocalAws, stubLocalCredentials } from '../registry/support/servers';
import { JobDouble } from './job-double';

const appDir = join(import.meta.dirname, '../../..');
const TODAY = new Date('2026-12-07T00:00:00Z');
const NS = 'llm-bench';

/**
 * The bench-load chart's Job as dev would ship it, with its run pointed at the simulator and
 * shrunk to 40 requests (the chart's run targets the model's Service in the cluster).
 */
function gitopsJob(baseUrl: string): Record<string, any> {
  const text = readFileSync(join(PROJECT_ROOT, 'Pulumi.dev.yaml'), 'utf8');
  const c = parseEnvironmentText(
    `${text.trimEnd()}\n  llm-platform:bench:\n    image: registry.example/llm-bench:0.1.0\n`,
    'Pulumi.dev.yaml',
    {
      today: TODAY,
    },
  );
  const job = structuredClone(find(renderManifests(c), 'Job', BENCH_LOAD_JOB));
  const env = (job.spec.template.spec.containers[0].env as { name: string; value?: string }[]).find((e) => e.name === WORKER_SPEC_ENV)!;
  const spec = workerSpecSchema.parse(JSON.parse(env.value!));
  env.value = JSON.stringify({
    ...spec,
    settings: { ...spec.settings, baseUrl, model: 'm', profile: { kind: 'concurrency', concurrency: 4 }, requests: 40, outputTokens: 2 },
  });
  return job;
}

let sim: Simulator;
let double: JobDouble;
let kubeconfig: string;
let aws: LocalAws;
const dir = tempDir('collect-');
const saved = join(dir, 'saved');
let fromJob: LoadResult;

beforeAll(async () => {
  stubLocalCredentials();
  sim = await startSimulator({ port: 0, ttftMs: 2, itlMs: 1, models: ['m'], apiKey: 'k' });
  double = await new JobDouble({ appDir, secrets: { [API_KEY_SECRET.name]: { [API_KEY_SECRET.key]: 'k' } } }).start();
  kubeconfig = double.kubeconfig(NS);
  aws = await startLocalAws();
});
afterAll(async () => {
  await double.close();
  await sim.close();
  await aws.stop();
  vi.unstubAllEnvs();
});

/** The parts of a merged result that depend on the reports only (not on when it was merged). */
const merged = (r: LoadResult) => ({
  summary: r.summary,
  histograms: r.histograms,
  thresholds: r.thresholds,
  distributed: r.distributed,
  timeline: r.timeline,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
});

describe('llm-bench collect', () => {
  it('refuses the suspended Job: no worker has run yet', async () => {
    await Kube.connect({ kubeconfig }).createJob(NS, gitopsJob(sim.url));
    const io = memoryIo();
    expect(await main(argv('collect', '--job', BENCH_LOAD_JOB, '--kubeconfig', kubeconfig), io)).toBe(1);
    expect(io.err()).toBe(
      `error: Job ${NS}/${BENCH_LOAD_JOB} is suspended, so no worker has run, got spec.suspend true; unsuspend it ` +
        `(kubectl -n ${NS} patch job ${BENCH_LOAD_JOB} -p '{"spec":{"suspend":false}}') and collect once it has finished\n`,
    );
  });

  it('merges the finished Job’s pod logs as load --workers does, evaluates its thresholds once, and saves the run', async () => {
    double.unsuspend(NS, BENCH_LOAD_JOB);
    await double.finished(NS, BENCH_LOAD_JOB);
    const io = memoryIo();
    const out = join(dir, 'merged.json');
    const code = await main(argv('collect', '--job', BENCH_LOAD_JOB, '--kubeconfig', kubeconfig, '--json', out, '--save', saved), io);
    expect(io.err()).toBe(
      `saved the spec and worker outputs of Job ${NS}/${BENCH_LOAD_JOB} in ${saved}\n` +
        `collected 4 of 4 workers' reports from Job ${NS}/${BENCH_LOAD_JOB}\nwrote ${out}\n`,
    );
    expect(code).toBe(0);
    fromJob = loadResultSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    const d = fromJob.distributed!;
    expect(d.failed).toEqual([]);
    expect(d.reported.map((w) => [w.index, w.requests, w.startLagMs])).toEqual([
      [0, 10, 0],
      [1, 10, 0],
      [2, 10, 0],
      [3, 10, 0],
    ]);
    expect(fromJob.summary.requests).toEqual({ total: 40, succeeded: 40, failed: 0, cancelled: 0 });
    // Each pod's own report, from the saved logs: the merged counts are their sums, the histograms their exact merge.
    const reports = [0, 1, 2, 3].map((i) => {
      const found = findReport(readFileSync(join(saved, `${i}.log`), 'utf8'), d.runId, i);
      if (!('report' in found)) throw new Error(found.problem);
      return found.report;
    });
    expect(reports.reduce((n, r) => n + r.summary.outputTokens.total, 0)).toBe(fromJob.summary.outputTokens.total);
    const e2e = LatencyHistogram.decode(fromJob.histograms!.e2eMs);
    expect(e2e.count).toBe(40);
    expect(e2e.stats()).toEqual(fromJob.summary.e2eMs);
    expect(fromJob.summary.e2eMs.max).toBe(Math.max(...reports.map((r) => r.summary.e2eMs.max!)));
    // The chart's thresholds (the variant's TTFT and error objectives), evaluated on the merged summary.
    expect(fromJob.thresholds.map((t) => [t.metric, t.passed])).toEqual([
      ['ttftMs.p95', true],
      ['errorRate', true],
    ]);
    expect(fromJob.settings.baseUrl).toBe(sim.url);
    // Read only: the Job belongs to the GitOps repository and stays.
    expect(double.requests.filter((r) => r.startsWith('DELETE'))).toEqual([]);
    expect(readdirSync(saved).sort()).toEqual(['0.log', '1.log', '2.log', '3.log', 'spec.json']);
  });

  it('merges the saved run from its folder into the same result', async () => {
    const io = memoryIo();
    expect(await main(argv('collect', '--from', saved, '--json', '-'), io), io.err()).toBe(0);
    expect(merged(loadResultSchema.parse(JSON.parse(io.out())))).toEqual(merged(fromJob));
  });

  it('merges the saved run from an S3 prefix into the same result', async () => {
    const { s3 } = aws.clients();
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-runs' }));
    for (const name of readdirSync(saved)) {
      await s3.send(new PutObjectCommand({ Bucket: 'bench-runs', Key: `dev/run-1/${name}`, Body: readFileSync(join(saved, name)) }));
    }
    const io = memoryIo();
    const s3Flags = ['--region', LOCAL_REGION, '--s3-endpoint-url', aws.s3Endpoint];
    expect(await main(argv('collect', '--from', 's3://bench-runs/dev/run-1/', ...s3Flags, '--json', '-'), io), io.err()).toBe(0);
    expect(merged(loadResultSchema.parse(JSON.parse(io.out())))).toEqual(merged(fromJob));
    expect(io.err()).toContain("collected 4 of 4 workers' reports from s3://bench-runs/dev/run-1\n");
  });

  it('names each worker whose output is missing or holds no report, and the result says the load was incomplete', async () => {
    const partial = join(dir, 'partial');
    cpSync(saved, partial, { recursive: true });
    rmSync(join(partial, '1.log'));
    writeFileSync(join(partial, '2.log'), 'node: out of memory\n');
    rmSync(join(partial, '3.log'));
    const io = memoryIo();
    expect(await main(argv('collect', '--from', partial, '--json', '-'), io)).toBe(1);
    const problems = [
      `worker 1 left no output: ${partial}/1.log is not there`,
      'worker 2 printed no report',
      `worker 3 left no output: ${partial}/3.log is not there`,
    ];
    expect(io.err()).toBe(
      `collected 1 of 4 workers' reports from ${partial}\n` +
        problems.map((p) => p.replace(/^worker (\d) /, 'worker $1: ')).join('\n') +
        `\nerror: 1 of 4 workers ran their share, so the load offered was less than asked: ${problems.join('; ')}\n`,
    );
    const r = loadResultSchema.parse(JSON.parse(io.out()));
    expect(r.summary.requests.total).toBe(10);
    expect(r.distributed!.failed.map((f) => f.index)).toEqual([1, 2, 3]);
  });

  it('evaluates --threshold instead of the run’s own, once, on the merged result', async () => {
    const io = memoryIo();
    expect(await main(argv('collect', '--from', saved, '--threshold', 'ttftMs.p50<0.001', '--json', '-'), io)).toBe(99);
    const r = loadResultSchema.parse(JSON.parse(io.out()));
    expect(r.thresholds.map((t) => [t.expression, t.passed])).toEqual([['ttftMs.p50<0.001', false]]);
  });

  it('deletes the Job with --delete once the reports are written', async () => {
    const io = memoryIo();
    expect(await main(argv('collect', '--job', BENCH_LOAD_JOB, '--kubeconfig', kubeconfig, '--delete', '--json', '-'), io), io.err()).toBe(
      0,
    );
    expect(io.err()).toContain(`deleted Job ${NS}/${BENCH_LOAD_JOB}\n`);
    expect(double.jobNames()).toEqual([]);
    const io2 = memoryIo();
    expect(await main(argv('collect', '--job', BENCH_LOAD_JOB, '--kubeconfig', kubeconfig), io2)).toBe(1);
    expect(io2.err()).toBe(
      `error: Job ${NS}/${BENCH_LOAD_JOB} is not there, got 404 from ${double.url}; check --job and --namespace ` +
        `(kubectl -n ${NS} get jobs), or collect saved outputs with --from\n`,
    );
  });

  it('reports every usage problem at once, before reading anything', async () => {
    const io = memoryIo();
    const missing = join(dir, 'nope');
    expect(await main(argv('collect', '--from', missing, '--wait', '5', '--threshold', 'ttftMs.p96<1'), io)).toBe(2);
    expect(io.err()).toBe(
      [
        'error: 3 problems:',
        `- --wait applies to --job, got it with --from ${missing}; drop --wait`,
        `- --from ${missing} is not a folder, got nothing there; pass the folder collect --save wrote`,
        '- threshold "ttftMs.p96<1" has an unknown statistic, got p96; use one of mean, min, p50, p90, p95, p99, max',
        '',
      ].join('\n'),
    );
    const none = memoryIo();
    expect(await main(argv('collect'), none)).toBe(2);
    expect(none.err()).toBe(
      'error: collect reads a Job or a saved run, got neither of --job and --from; pass --job NAME (in the cluster) or --from DIR|s3://bucket/prefix\n',
    );
  });

  it('waits at most --wait seconds for a Job that is still running', async () => {
    let clock = 0;
    const reads: number[] = [];
    const running = { metadata: { name: 'j' }, spec: {}, status: { active: 2, succeeded: 1, failed: 0 } };
    const kube = {
      server: 'https://cluster',
      getJob: () => {
        reads.push(clock);
        return Promise.resolve(running);
      },
    } as unknown as KubeClient;
    const sleep = (ms: number) => {
      clock += ms;
      return Promise.resolve();
    };
    await expect(collectFromJob(kube, NS, 'j', { waitSec: 5, pollMs: 2000, now: () => clock, sleep })).rejects.toThrow(
      `Job ${NS}/j has not finished after 5 s, got 2 pods running, 1 succeeded, 0 failed; collect again once it has, or pass --wait <seconds>`,
    );
    expect(reads).toEqual([0, 2000, 4000, 5000]);
  });
});
