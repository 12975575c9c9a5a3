/** What `llm-bench load` does once its flags parse. */
import { statSync } from 'node:fs';
import { BENCH_NAMESPACE } from '../../../constructs/bench-layout';
import { API_KEY_SECRET } from '../../../constructs/workload-layout';
import { type CostSettings, runCost } from '../../cost/run-cost';
import { BENCH_DEFAULTS } from '../../defaults';
import { type LoadOptions, type LoadRun, startLoad } from '../../load/engine';
import type { LoadProfile } from '../../load/schedule';
import { renderMarkdown } from '../../report/markdown';
import { type ServerMetricsRun, startServerMetrics } from '../../server-metrics/scrape';
import { LOAD_RENDERERS } from '../../report/renderers';
import { configMapPromptsetProblem } from '../../distributed/promptset';
import type { WorkerLauncher } from '../../distributed/run';
import type { RequestRecord } from '../../client/openai';
import type { LoadResult } from '../../result';
import type { CliIo, ExitSink } from '../io';
import { onInterrupt } from '../interrupt';
import { loadExitCode, type OutputFlags, outputProblems, toStdout, withOutputs, writeReports } from '../output';
import type { RunFlags } from '../run-flags';
import { costSettingsFrom } from '../cost-options';
import type { ServerFlags } from '../server-flags';
import { type ServerSetup, serverSetupFrom } from '../server-options';
import { loadOptionsFrom } from '../run-options';

export interface LoadFlags extends RunFlags, ServerFlags {
  readonly concurrency?: number;
  readonly rate?: number;
  readonly workers?: number;
  readonly otlpEndpoint?: string;
  readonly kubeconfig?: string;
  readonly image?: string;
  readonly benchNamespace?: string;
  readonly apiKeySecret?: string;
  readonly barrier?: number;
}

/** Flags that only mean something with --workers (and --kubeconfig), as problems when misused. */
function workerFlagProblems(f: LoadFlags, problems: string[]): void {
  const kubeOnly = [
    ['--image', f.image],
    ['--bench-namespace', f.benchNamespace],
    ['--api-key-secret', f.apiKeySecret],
  ] as const;
  if (f.workers === undefined) {
    // --kubeconfig alone is not a worker flag: it also counts the Service's pods and reads their /metrics.
    for (const [flag, v] of [['--barrier', f.barrier], ...kubeOnly] as const) {
      if (v !== undefined) problems.push(`${flag} applies to a distributed run, got it without --workers; add --workers N or drop ${flag}`);
    }
    return;
  }
  if (f.kubeconfig === undefined) {
    for (const [flag, v] of kubeOnly)
      if (v !== undefined)
        problems.push(`${flag} applies to workers in the cluster, got it without --kubeconfig; add --kubeconfig FILE or drop ${flag}`);
  } else if (f.image === undefined) {
    problems.push(
      '--kubeconfig runs the workers from the llm-bench image, got no --image; pass --image <registry>/llm-bench:<version> (see Dockerfile)',
    );
  }
  if (f.apiKeySecret !== undefined && !/^[a-z0-9.-]+:[A-Za-z0-9._-]+$/.test(f.apiKeySecret)) {
    problems.push(`--api-key-secret must be <secret name>:<key>, got ${f.apiKeySecret}; pass e.g. --api-key-secret vllm-api-key:api-key`);
  }
  if (f.barrier !== undefined && !(f.barrier >= 0))
    problems.push(`--barrier must be a number of seconds >= 0, got ${f.barrier}; pass e.g. --barrier 60`);
  // Worker pods get the promptset in a ConfigMap; a file that cannot be read is reported by the promptset's own check.
  const promptsBytes =
    f.kubeconfig === undefined || f.prompts === undefined ? undefined : statSync(f.prompts, { throwIfNoEntry: false })?.size;
  const tooBig = promptsBytes === undefined ? undefined : configMapPromptsetProblem(f.prompts!, promptsBytes);
  if (tooBig !== undefined) problems.push(tooBig);
}

/** The profile `--concurrency` or `--rate` asks for, or null with the problem. */
function profileOf(f: LoadFlags, problems: string[]): LoadProfile | null {
  if ((f.concurrency === undefined) === (f.rate === undefined)) {
    const got = f.concurrency === undefined ? 'neither' : 'both';
    problems.push(`load needs exactly one of --concurrency or --rate, got ${got}; pass e.g. --concurrency 8 or --rate 4`);
  }
  if (f.burstiness !== undefined && f.rate === undefined)
    problems.push('--burstiness shapes open-loop arrivals, got it without --rate; use it with --rate');
  if (f.rate !== undefined && f.concurrency === undefined)
    return { kind: 'rate', rate: f.rate, burstiness: f.burstiness ?? BENCH_DEFAULTS.burstiness };
  if (f.concurrency !== undefined && f.rate === undefined) return { kind: 'concurrency', concurrency: f.concurrency };
  return null;
}

/** Redraws one progress line on a terminal; returns the function that clears it. */
function showProgress(run: LoadRun, io: CliIo, quiet: boolean): () => void {
  if (io.stderrIsTTY !== true || quiet) return () => {};
  const timer = setInterval(() => {
    const p = run.progress();
    const ttft = p.ttftP50Ms === null ? '–' : `${p.ttftP50Ms.toFixed(0)} ms`;
    io.stderr(
      `\r\x1b[K${p.elapsedSec.toFixed(1)} s · ${p.succeeded + p.failed} done · ${p.inFlight} in flight · ${p.failed} errors · TTFT p50 ${ttft}`,
    );
  }, BENCH_DEFAULTS.progressIntervalMs);
  return () => {
    clearInterval(timer);
    io.stderr('\r\x1b[K');
  };
}

/** Writes the reports of a load result and, unless stdout carries one, the Markdown summary. */
export async function writeLoadReports(result: LoadResult, f: OutputFlags, io: CliIo): Promise<boolean> {
  const written = await writeReports(result, f, LOAD_RENDERERS, io);
  // A run that stopped before sending anything has no numbers worth a table: the error says it all.
  const nothingSent = result.aborted !== undefined && result.summary.requests.total === 0;
  if (!toStdout(f) && !nothingSent) io.stdout(renderMarkdown(result));
  return written;
}

/** The Service's ready pods now; null without a cluster. */
async function readyPods(setup: ServerSetup): Promise<string[] | null> {
  return setup.cluster === null ? null : setup.cluster.kube.listReadyPods(setup.cluster.namespace, setup.cluster.service);
}

/** The cost settings with the replicas the cluster counted, unless --replicas said. */
function withClusterReplicas(settings: CostSettings, before: string[] | null, after: string[] | null, setup: ServerSetup): CostSettings {
  if (before === null || settings.replicas !== undefined) return settings;
  const where = `${setup.cluster!.namespace}/${setup.cluster!.service}`;
  if (before.length === 0)
    return { ...settings, notes: [`service ${where} had no ready pod at the start, so its replicas could not be counted`] };
  const notes =
    after !== null && after.length !== before.length
      ? [`service ${where} had ${before.length} ready pods at the start and ${after.length} at the end: priced at the start's`]
      : [];
  return { ...settings, replicas: before.length, replicasFrom: 'cluster', notes };
}

/** `--otlp-endpoint` as a URL, or a problem. */
function otlpProblems(f: LoadFlags, problems: string[]): void {
  if (f.otlpEndpoint === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(f.otlpEndpoint);
  } catch {
    // reported below
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push(
      `--otlp-endpoint must be an http(s) URL of an OTLP/HTTP receiver, got ${f.otlpEndpoint}; pass e.g. --otlp-endpoint http://127.0.0.1:4318`,
    );
  }
}

/** The run in this process, with a span per request when `--otlp-endpoint` asks for them. */
async function loadHere(f: LoadFlags, io: CliIo, opts: LoadOptions, beforeLoad?: () => Promise<void>): Promise<LoadResult> {
  const spans =
    f.otlpEndpoint === undefined
      ? undefined
      : (await import('../../tracing/export')).startSpanExport({ endpoint: f.otlpEndpoint, model: opts.model, endpointKind: f.endpoint });
  const run = startLoad(opts, {
    ...(spans !== undefined && { onRequest: (r: RequestRecord) => spans.record(r) }),
    ...(beforeLoad !== undefined && { beforeLoad }),
  });
  const clearProgress = showProgress(run, io, f.json === '-');
  const release = onInterrupt(io, {
    message: () => '\nstopping: waiting for requests in flight (Ctrl-C again to cancel them)\n',
    graceful: () => void run.stop(),
    hard: () => void run.stop({ cancelInFlight: true }),
  });
  try {
    return await run.done;
  } finally {
    release();
    clearProgress();
    await spans?.shutdown();
  }
}

const barrierMs = (f: LoadFlags) => (f.barrier === undefined ? {} : { barrierMs: f.barrier * 1000 });

/** Workers as local processes: this very program, started again as `worker` (the bin, or whatever script runs main()). */
async function localLauncher(f: LoadFlags): Promise<WorkerLauncher> {
  const { localWorkers } = await import('../../distributed/local');
  return localWorkers({ command: [process.execPath, ...process.execArgv, process.argv[1] ?? '', 'worker'], ...barrierMs(f) });
}

/** Workers as the pods of an Indexed Job in the cluster `--kubeconfig` names. */
async function kubeLauncher(f: LoadFlags, opts: LoadOptions): Promise<WorkerLauncher> {
  const { kubeWorkers } = await import('../../distributed/kube');
  const { KubeClient } = await import('../../kube/client');
  const [name, key] =
    f.apiKeySecret === undefined ? [API_KEY_SECRET.name, API_KEY_SECRET.key] : (f.apiKeySecret.split(':') as [string, string]);
  const perUser =
    opts.requests === undefined ? 0 : Math.ceil(opts.requests / (opts.profile.kind === 'concurrency' ? opts.profile.concurrency : 1));
  const timeoutSec = opts.timeoutSec ?? BENCH_DEFAULTS.timeoutSec;
  return kubeWorkers({
    kube: KubeClient.connect({ kubeconfig: f.kubeconfig! }),
    namespace: f.benchNamespace ?? BENCH_NAMESPACE,
    image: f.image!,
    ...(opts.apiKey !== undefined && { apiKeySecret: { name, key } }),
    // The run's own bound, twice over, plus time to schedule: past it Kubernetes stops the pods.
    deadlineSec: Math.ceil(120 + 2 * (opts.durationSec ?? perUser * timeoutSec) + (f.barrier ?? 60)),
    ...barrierMs(f),
  });
}

/** The run as `--workers` workers (local processes, or the pods of an Indexed Job with --kubeconfig), merged into one result. */
async function loadOnWorkers(f: LoadFlags & { workers: number }, io: CliIo, opts: LoadOptions): Promise<LoadResult> {
  const { runDistributedLoad } = await import('../../distributed/run');
  const launcher = f.kubeconfig === undefined ? await localLauncher(f) : await kubeLauncher(f, opts);
  const stop = new AbortController();
  const release = onInterrupt(io, { message: () => '\nstopping: workers finish their requests in flight\n', graceful: () => stop.abort() });
  try {
    // In the cluster the URL is usually a Service this machine cannot reach: the workers' own
    // requests show a wrong key or model (a rejected key stops each worker at once).
    return await runDistributedLoad(f.kubeconfig === undefined ? opts : { ...opts, preflight: false }, {
      workers: f.workers,
      launcher,
      signal: stop.signal,
      ...(f.otlpEndpoint !== undefined && { otlpEndpoint: f.otlpEndpoint }),
    });
  } finally {
    release();
  }
}

export async function loadAction(f: LoadFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  const profile = profileOf(f, problems);
  otlpProblems(f, problems);
  workerFlagProblems(f, problems);
  const pricing = costSettingsFrom(f, problems);
  const setup = serverSetupFrom(f, io, problems);
  const opts = await loadOptionsFrom(f, io, problems, profile);
  // Read before the first request: a cluster or metrics target that cannot be read fails now.
  const podsBefore = await readyPods(setup);
  const server: ServerMetricsRun | null = setup.source === null ? null : await startServerMetrics(setup.source);
  const beforeLoad = server === null ? undefined : () => server.rebase();
  let result: LoadResult;
  if (f.workers === undefined) result = await loadHere(f, io, opts, beforeLoad);
  else {
    // The workers warm up on their own: the baseline is read before they start, so it counts their warm-ups.
    await beforeLoad?.();
    result = await loadOnWorkers({ ...f, workers: f.workers }, io, opts);
  }
  if (result.summary.requests.total > 0) {
    const podsAfter = await readyPods(setup);
    if (pricing !== null)
      result = { ...result, cost: runCost(result.summary, withClusterReplicas(pricing.settings, podsBefore, podsAfter, setup)) };
    if (server !== null) result = { ...result, serverMetrics: await server.finish(result.summary, f.model) };
  }
  const written = await writeLoadReports(result, f, io);
  for (const w of result.warnings ?? []) io.stderr(`warning: ${w}\n`);
  exit.code = withOutputs(loadExitCode(result, io), written);
}
