/**
 * End to end with a real Prometheus (the Debian package's binary) on loopback: it scrapes two
 * simulators playing two variants of the prod environment (with the target labels the
 * ServiceMonitor's relabelling sets: namespace, pod, service…) and a stand-in for
 * kube-state-metrics and dcgm-exporter, and evaluates prod's rules as the operator loads them.
 * llm-bench drives load on one variant past its queue; the test asserts:
 * - the recorded p95 TTFT is within one bucket of the p95 the simulator measured;
 * - the KEDA ScaledObject's queue query (from the synthesized manifest) crosses its threshold while
 *   requests queue and falls back below it once they drain, while the other variant's stays below;
 * - every panel query of the variant's Grafana dashboard returns data without error.
 * Bounded: ports picked by the OS on 127.0.0.1, every wait a bounded number of polls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSimulator, type Simulator } from '../../bench/sim/simulator';
import { DCGM_GPU_LABELS, DCGM_METRICS, KUBE_STATE_METRICS } from '../../constructs/metrics';
import { KEDA_HPA_PREFIX, RECORDED } from '../../constructs/observability';
import { CURRENT_VLLM, bucketBounds, familyOfSeries } from '../../facts/vllm';
import { renderManifests } from '../../stacks/manifests';
import { type BinRun, runLlmBench } from '../bench/helpers';
import { ofKind } from '../support/manifests';
import { prometheusTool } from '../support/prometheus-tools';
import { tempDir } from '../support/temp';
import { environmentRuleGroups } from './rule-tests';
import { dashboardsOf, envs } from './support';

/**
 * Prometheus runs in its own process on the host's clock, so the test waits for what it reports
 * (a target up, a series recorded) by asking again after a pause, a bounded number of times: a
 * hang guard, never an assertion on how fast anything happened.
 */
const POLL_MS = 200;
const MAX_POLLS = 600;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus's HTTP API; throws on an error answer. */
async function query(base: string, expr: string): Promise<Sample[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Sample[] } };
  if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
  return body.data!.result;
}

/** Polls `probe` until it returns a value, at most MAX_POLLS times. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < MAX_POLLS; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(POLL_MS);
  }
  throw new Error(`gave up waiting for ${what} after ${MAX_POLLS} polls`);
}

const scalar = async (base: string, expr: string) => {
  const r = await query(base, expr);
  return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
};

describe('a real Prometheus over simulators', () => {
  const prometheus = prometheusTool('prometheus');
  if (!prometheus) return;

  const c = envs.find(([e]) => e === 'prod')![1];
  const objs = renderManifests(c);
  const ns = c.workloads.namespace;
  // Two variants with a queue trigger: the one under load, and one beside it.
  const scaled = ofKind(objs, 'ScaledObject').map((so: any) => ({
    hpa: `${KEDA_HPA_PREFIX}${so.metadata.name as string}`,
    model: c.enabledModels.find((m) => (so.spec.scaleTargetRef.name as string).startsWith(m.name))!,
    queue: (so.spec.triggers as { name: string; metadata: { query: string; threshold: string } }[]).find((t) => t.name === 'queue-depth')!
      .metadata,
  }));
  const [loaded, beside] = scaled;
  if (!loaded || !beside) throw new Error(`prod has ${scaled.length} ScaledObjects with a queue trigger; the test needs two`);

  const dir = tempDir('llm-platform-prom-e2e-');
  const sims = new Map<string, Simulator>();
  let exporter: http.Server | undefined;
  let server: ChildProcess | undefined;
  let base = '';
  const podOf = (model: string) => {
    const deployment = ofKind(objs, 'Deployment').find((d) => d.metadata.name.startsWith(model))!.metadata.name;
    return { deployment, pod: `${deployment}-6c9f7d8b4-q7x2m` };
  };

  beforeAll(async () => {
    for (const v of [loaded, beside]) {
      // One request generating at a time: a closed loop of 12 users builds a queue of 11.
      sims.set(
        v.model.name,
        await startSimulator({
          host: '127.0.0.1',
          port: 0,
          models: [v.model.name],
          maxRunning: 1,
          ttftMs: 20,
          itlMs: 5,
          outputTokens: 8,
          recordTimings: true,
        }),
      );
    }
    // kube-state-metrics and dcgm-exporter as the cluster would show the two pods (honorLabels).
    const cluster = [loaded, beside]
      .flatMap((v, i) => {
        const { deployment, pod } = podOf(v.model.name);
        const gpu = `${DCGM_GPU_LABELS.gpu}="0",${DCGM_GPU_LABELS.node}="ip-10-0-1-${i + 10}.ec2.internal",modelName="Tesla T4",namespace="${ns}",pod="${pod}",container="vllm"`;
        const ksm = `namespace="${ns}"`;
        return [
          `${KUBE_STATE_METRICS.deploymentReplicasAvailable.name}{${ksm},deployment="${deployment}"} 1`,
          `${KUBE_STATE_METRICS.deploymentReplicasDesired.name}{${ksm},deployment="${deployment}"} 1`,
          `${KUBE_STATE_METRICS.hpaDesiredReplicas.name}{${ksm},horizontalpodautoscaler="${v.hpa}"} 1`,
          `${KUBE_STATE_METRICS.podRestarts.name}{${ksm},pod="${pod}",container="vllm"} 0`,
          `${KUBE_STATE_METRICS.podPhase.name}{${ksm},pod="${pod}",phase="Pending"} 0`,
          `${KUBE_STATE_METRICS.podPhase.name}{${ksm},pod="${pod}",phase="Running"} 1`,
          `${DCGM_METRICS.gpuUtilization.name}{${gpu}} 70`,
          `${DCGM_METRICS.memoryCopyUtilization.name}{${gpu}} 40`,
          `${DCGM_METRICS.memoryUsed.name}{${gpu}} 13800`,
          `${DCGM_METRICS.memoryFree.name}{${gpu}} 1560`,
          `${DCGM_METRICS.powerUsage.name}{${gpu}} 65`,
          `${DCGM_METRICS.temperature.name}{${gpu}} 61`,
          `${DCGM_METRICS.totalEnergy.name}{${gpu}} ${1_000_000 + i}`,
          `${DCGM_METRICS.xidErrors.name}{${gpu}} 0`,
        ];
      })
      .join('\n');
    let energy = 0;
    exporter = http.createServer((_req, res) => {
      // The energy counter grows with every scrape, as a busy GPU's does.
      energy += 65_000;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        `${cluster.replace(/(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION\{[^}]*\}) (\d+)/g, (_m, s: string, v: string) => `${s} ${Number(v) + energy}`)}\n`,
      );
    });
    await new Promise<void>((r) => exporter!.listen(0, '127.0.0.1', r));

    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: environmentRuleGroups(objs) }, { lineWidth: 0 }));
    const scrape = [loaded, beside].map((v) => {
      const { pod } = podOf(v.model.name);
      const port = new URL(sims.get(v.model.name)!.url).port;
      // What the ServiceMonitor's relabelling puts on every series of the pod.
      const labels = { namespace: ns, pod, container: 'vllm', service: v.model.name, endpoint: 'http' };
      return { job_name: v.model.name, static_configs: [{ targets: [`127.0.0.1:${port}`], labels }] };
    });
    const exporterPort = (exporter.address() as AddressInfo).port;
    scrape.push({ job_name: 'cluster', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] } as any);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, rule_files: ['rules.yaml'], scrape_configs: scrape }),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      prometheus,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    server.stderr!.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
    await until(`Prometheus ready on ${base} (log: ${log})`, async () => {
      if (server!.exitCode !== null) throw new Error(`prometheus exited ${server!.exitCode}: ${log}`);
      return fetch(`${base}/-/ready`).then(
        (r) => (r.ok ? true : undefined),
        () => undefined,
      );
    });
    // Every target scraped, and the rules evaluated once over the simulators' first samples.
    await until('three targets up and both models recorded', async () => {
      const up = await query(base, 'up == 1');
      const running = await query(base, `${RECORDED.requestsRunning}{namespace="${ns}"}`);
      return up.length === 3 && running.length === 2 ? true : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await new Promise((r) => (exporter ? exporter.close(r) : r(undefined)));
    for (const s of sims.values()) await s.close();
  });

  /** Runs `llm-bench load` against a simulator, resolving with its exit code and JSON result. */
  function load(model: string, concurrency: number, requests: number): Promise<BinRun> {
    return runLlmBench([
      'load',
      '--base-url',
      sims.get(model)!.url,
      '--model',
      model,
      '--concurrency',
      String(concurrency),
      '--requests',
      String(requests),
      '--output-tokens',
      '8',
      '--json',
      '-',
    ]);
  }

  it("shows the KEDA queue query crossing its threshold under load and falling back, and the recorded p95 TTFT within a bucket of the simulator's", async () => {
    const threshold = Number(loaded.queue.threshold);
    const besideThreshold = Number(beside.queue.threshold);
    const results = await Promise.all([load(loaded.model.name, 3 * threshold, 150), load(beside.model.name, 1, 20)]);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    // What KEDA would have read at any moment of the run: the query over the last minutes at the scrape interval.
    const peakOf = async (q: string) => (await scalar(base, `max_over_time((${q})[5m:1s])`)) ?? 0;
    const peak = await peakOf(loaded.queue.query);
    const besidePeak = await peakOf(beside.queue.query);
    expect(peak, `${loaded.queue.query} peak`).toBeGreaterThan(threshold);
    expect(besidePeak, `${beside.queue.query} peak`).toBeLessThanOrEqual(besideThreshold);
    // Drained: the next scrape shows an empty queue and the query falls below the threshold.
    const after = await until('the queue query to fall back', async () => {
      const v = await scalar(base, loaded.queue.query);
      return v !== undefined && v <= threshold ? v : undefined;
    });
    expect(after).toBeLessThanOrEqual(threshold);

    // Every request the simulator timed (the load's 150 and its warm-up) is in the scraped histogram.
    const measured = [...sims.get(loaded.model.name)!.timings().values()].map((t) => t.ttftMs / 1000).sort((a, b) => a - b);
    expect(measured.length).toBeGreaterThanOrEqual(150);
    const p95 = measured[Math.ceil(0.95 * measured.length) - 1]!;
    const recordedSel = `${RECORDED.ttftP95}{namespace="${ns}",model_name="${loaded.model.name}"}`;
    const count = `vllm:time_to_first_token_seconds_count{namespace="${ns}",model_name="${loaded.model.name}"}`;
    const scrapedAt = await until('every request scraped', async () => {
      const n = await scalar(base, `sum(${count})`);
      return n === measured.length ? scalar(base, `max(timestamp(${count}))`) : undefined;
    });
    // A rule evaluation later than that scrape (one interval past it, so the scrape was committed).
    await until('the SLIs recorded after the last scrape', async () => {
      const at = await scalar(base, `timestamp(${recordedSel})`);
      return at !== undefined && at > scrapedAt + 1 ? true : undefined;
    });
    const recorded = await scalar(base, recordedSel);
    // Each variant has its own series, by model_name.
    const models = (await query(base, `${RECORDED.ttftP95}{namespace="${ns}"}`)).map((r) => r.metric.model_name).sort();
    expect(models).toEqual([loaded.model.name, beside.model.name].sort());
    const bounds = bucketBounds(
      familyOfSeries(CURRENT_VLLM, 'vllm:time_to_first_token_seconds_bucket')!.buckets!,
      loaded.model.maxModelLen,
    );
    const i = bounds.findIndex((b) => p95 <= b);
    const low = i >= 2 ? bounds[i - 2]! : 0;
    const high = bounds[Math.min(i + 1, bounds.length - 1)]!;
    expect(recorded, `${recordedSel} against the simulator's p95 ${p95}s (bucket ≤ ${bounds[i]}s)`).toBeGreaterThan(low);
    expect(recorded).toBeLessThanOrEqual(high);
  }, 240_000);

  it("answers every panel query of the loaded variant's dashboard with data", async () => {
    const dashboard = dashboardsOf(objs).find((d) => d.name === `${loaded.model.name}-dashboard`)?.dashboard;
    expect(dashboard, `${loaded.model.name}-dashboard`).toBeDefined();
    const empty: string[] = [];
    let queries = 0;
    for (const p of dashboard!.panels) {
      for (const t of p.targets ?? []) {
        queries++;
        const r = await query(base, t.expr);
        if (r.length === 0) empty.push(`${p.title}: ${t.expr}`);
      }
    }
    expect(empty).toEqual([]);
    expect(queries).toBeGreaterThan(20);
  }, 120_000);
});
