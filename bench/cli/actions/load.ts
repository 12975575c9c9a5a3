/** What `llm-bench load` does once its flags parse. */
import { type CostSettings, runCost } from '../../cost/run-cost';
import { BENCH_DEFAULTS } from '../../defaults';
import { type LoadRun, startLoad } from '../../load/engine';
import type { LoadProfile } from '../../load/schedule';
import { renderMarkdown } from '../../report/markdown';
import { type ServerMetricsRun, startServerMetrics } from '../../server-metrics/scrape';
import { LOAD_RENDERERS } from '../../report/renderers';
import type { LoadResult } from '../../result';
import type { CliIo, ExitSink } from '../io';
import { onInterrupt } from '../interrupt';
import { exitCodeOf, type OutputFlags, outputProblems, toStdout, writeReports } from '../output';
import type { RunFlags } from '../run-flags';
import { costSettingsFrom } from '../cost-options';
import type { ServerFlags } from '../server-flags';
import { type ServerSetup, serverSetupFrom } from '../server-options';
import { loadOptionsFrom } from '../run-options';

export interface LoadFlags extends RunFlags, ServerFlags {
  readonly concurrency?: number;
  readonly rate?: number;
}

/** The profile `--concurrency` or `--rate` asks for, or null with the problem. */
function profileOf(f: LoadFlags, problems: string[]): LoadProfile | null {
  if ((f.concurrency === undefined) === (f.rate === undefined)) {
    const got = f.concurrency === undefined ? 'neither' : 'both';
    problems.push(`load needs exactly one of --concurrency or --rate, got ${got}; pass e.g. --concurrency 8 or --rate 4`);
  }
  if (f.burstiness !== undefined && f.rate === undefined) problems.push('--burstiness shapes open-loop arrivals, got it without --rate; use it with --rate');
  if (f.rate !== undefined && f.concurrency === undefined) return { kind: 'rate', rate: f.rate, burstiness: f.burstiness ?? BENCH_DEFAULTS.burstiness };
  if (f.concurrency !== undefined && f.rate === undefined) return { kind: 'concurrency', concurrency: f.concurrency };
  return null;
}

/** Redraws one progress line on a terminal; returns the function that clears it. */
function showProgress(run: LoadRun, io: CliIo, quiet: boolean): () => void {
  if (io.stderrIsTTY !== true || quiet) return () => {};
  const timer = setInterval(() => {
    const p = run.progress();
    const ttft = p.ttftP50Ms === null ? '–' : `${p.ttftP50Ms.toFixed(0)} ms`;
    io.stderr(`\r\x1b[K${p.elapsedSec.toFixed(1)} s · ${p.succeeded + p.failed} done · ${p.inFlight} in flight · ${p.failed} errors · TTFT p50 ${ttft}`);
  }, BENCH_DEFAULTS.progressIntervalMs);
  return () => {
    clearInterval(timer);
    io.stderr('\r\x1b[K');
  };
}

/** Writes the reports of a load result and, unless stdout carries one, the Markdown summary. */
export async function writeLoadReports(result: LoadResult, f: OutputFlags, io: CliIo): Promise<void> {
  await writeReports(result, f, LOAD_RENDERERS, io);
  // A run that stopped before sending anything has no numbers worth a table: the error says it all.
  const nothingSent = result.aborted !== undefined && result.summary.requests.total === 0;
  if (!toStdout(f) && !nothingSent) io.stdout(renderMarkdown(result));
}

/** The Service's ready pods now; null without a cluster. */
async function readyPods(setup: ServerSetup): Promise<string[] | null> {
  return setup.cluster === null ? null : setup.cluster.kube.listReadyPods(setup.cluster.namespace, setup.cluster.service);
}

/** The cost settings with the replicas the cluster counted, unless --replicas said. */
function withClusterReplicas(settings: CostSettings, before: string[] | null, after: string[] | null, setup: ServerSetup): CostSettings {
  if (before === null || settings.replicas !== undefined) return settings;
  const where = `${setup.cluster!.namespace}/${setup.cluster!.service}`;
  if (before.length === 0) return { ...settings, notes: [`service ${where} had no ready pod at the start, so its replicas could not be counted`] };
  const notes = after !== null && after.length !== before.length ? [`service ${where} had ${before.length} ready pods at the start and ${after.length} at the end: priced at the start's`] : [];
  return { ...settings, replicas: before.length, replicasFrom: 'cluster', notes };
}

export async function loadAction(f: LoadFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  const profile = profileOf(f, problems);
  const pricing = costSettingsFrom(f, problems);
  const setup = serverSetupFrom(f, io, problems);
  const opts = await loadOptionsFrom(f, io, problems, profile);
  // Read before the first request: a cluster or metrics target that cannot be read fails now.
  const podsBefore = await readyPods(setup);
  const server: ServerMetricsRun | null = setup.source === null ? null : await startServerMetrics(setup.source);
  const run = startLoad(opts, server === null ? {} : { beforeLoad: () => server.rebase() });
  const clearProgress = showProgress(run, io, f.json === '-');
  const release = onInterrupt(io, {
    message: () => '\nstopping: waiting for requests in flight (Ctrl-C again to cancel them)\n',
    graceful: () => void run.stop(),
    hard: () => void run.stop({ cancelInFlight: true }),
  });
  let result: LoadResult;
  try {
    result = await run.done;
  } finally {
    release();
    clearProgress();
  }
  if (result.summary.requests.total > 0) {
    const podsAfter = await readyPods(setup);
    if (pricing !== null) result = { ...result, cost: runCost(result.summary, withClusterReplicas(pricing.settings, podsBefore, podsAfter, setup)) };
    if (server !== null) result = { ...result, serverMetrics: await server.finish(result.summary, f.model) };
  }
  await writeLoadReports(result, f, io);
  for (const w of result.warnings ?? []) io.stderr(`warning: ${w}\n`);
  exit.code = exitCodeOf({ aborted: result.aborted, checks: result.thresholds, checkName: 'thresholds', showValue: String }, io);
}
