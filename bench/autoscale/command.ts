/** `llm-bench autoscale …`: a thin command over {@link runAutoscale}. */
import { Command } from 'commander';
import type { CliIo, ExitSink } from '../cli';
import { BENCH_DEFAULTS } from '../defaults';
import { EXIT } from '../errors';
import type { LoadProfile } from '../load/schedule';
import {
  addKubeFlags,
  addOutputFlags,
  addTrafficFlags,
  collectUsage,
  failOnProblems,
  type KubeFlags,
  kubeFrom,
  number,
  numberList,
  onInterrupt,
  type OutputFlags,
  outputProblems,
  toStdout,
  type TrafficFlags,
  trafficFrom,
  writeOutput,
} from '../postdeploy/cli-shared';
import { POSTDEPLOY_DEFAULTS } from '../postdeploy/defaults';
import { crossedGates } from '../postdeploy/page';
import { renderJunit } from '../report/junit';
import { runAutoscale } from './autoscale';
import type { QueueSource } from './queue';
import { autoscaleSuite, renderAutoscaleHtml, renderAutoscaleMarkdown } from './report';
import { type AutoscaleResult, autoscalePassed } from './result';

export interface AutoscaleFlags extends KubeFlags, TrafficFlags, OutputFlags {
  readonly variant: string;
  readonly concurrency?: number[];
  readonly rate?: number[];
  readonly holdSec?: number;
  readonly scaleUpLimitSec?: number;
  readonly scaleDownLimitSec?: number;
  readonly scaleUpTo?: number;
  readonly scaleDownTo?: number;
  readonly prometheusUrl?: string;
  readonly metricsUrl?: string;
  readonly pollMs?: number;
  readonly sampleMs?: number;
}

/** Load steps from `--concurrency 1,8,32` or `--rate 1,4,8`. */
export function stepsFrom(f: { readonly concurrency?: readonly number[]; readonly rate?: readonly number[] }, problems: string[]): LoadProfile[] {
  if ((f.concurrency === undefined) === (f.rate === undefined)) {
    problems.push(`autoscale needs exactly one of --concurrency or --rate lists, got ${f.concurrency === undefined ? 'neither' : 'both'}; pass e.g. --concurrency 4,16,32`);
    return [];
  }
  if (f.rate !== undefined) return f.rate.map((rate) => ({ kind: 'rate', rate, burstiness: BENCH_DEFAULTS.burstiness }));
  return f.concurrency!.map((concurrency) => ({ kind: 'concurrency', concurrency }));
}

export function queueFrom(f: { readonly prometheusUrl?: string; readonly metricsUrl?: string }, problems: string[]): QueueSource | undefined {
  if (f.prometheusUrl !== undefined && f.metricsUrl !== undefined) problems.push(`queue depth comes from one place, got --prometheus-url and --metrics-url; pass one`);
  if (f.prometheusUrl !== undefined) return { kind: 'prometheus', url: f.prometheusUrl };
  if (f.metricsUrl !== undefined) return { kind: 'metrics', url: f.metricsUrl };
  return undefined;
}

export function autoscaleExitCode(r: AutoscaleResult, io: CliIo): number {
  if (r.aborted !== undefined) {
    io.stderr(`error: ${r.aborted.reason}\n`);
    return EXIT.runFailed;
  }
  if (!autoscalePassed(r)) {
    io.stderr(`gates crossed: ${crossedGates(r.gates).join(', ')}\n`);
    return EXIT.thresholdCrossed;
  }
  return EXIT.ok;
}

async function autoscaleAction(f: AutoscaleFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  const steps = stepsFrom(f, problems);
  const queue = queueFrom(f, problems);
  const kube = collectUsage(problems, () => kubeFrom(f, io));
  failOnProblems(problems);
  const controller = new AbortController();
  const release = onInterrupt(io, controller);
  let r: AutoscaleResult;
  try {
    const { profile: _profile, ...load } = trafficFrom(f, io, f.baseUrl!, f.model ?? f.variant, steps[0]!);
    r = await runAutoscale({
      kube: kube!,
      namespace: f.namespace,
      variant: f.variant,
      load,
      steps,
      ...(queue !== undefined && { queue }),
      ...(f.holdSec !== undefined && { holdSec: f.holdSec }),
      ...(f.scaleUpLimitSec !== undefined && { scaleUpLimitSec: f.scaleUpLimitSec }),
      ...(f.scaleDownLimitSec !== undefined && { scaleDownLimitSec: f.scaleDownLimitSec }),
      ...(f.scaleUpTo !== undefined && { scaleUpTo: f.scaleUpTo }),
      ...(f.scaleDownTo !== undefined && { scaleDownTo: f.scaleDownTo }),
      ...(f.pollMs !== undefined && { pollMs: f.pollMs }),
      ...(f.sampleMs !== undefined && { sampleMs: f.sampleMs }),
      signal: controller.signal,
      onEvent: (e) => io.stderr(`[${e.t.toFixed(2).padStart(7)} s] ${e.message}\n`),
    });
  } finally {
    release();
  }
  if (f.json !== undefined) await writeOutput(f.json, `${JSON.stringify(r, null, 2)}\n`, io);
  if (f.markdown !== undefined) await writeOutput(f.markdown, renderAutoscaleMarkdown(r), io);
  if (f.html !== undefined) await writeOutput(f.html, renderAutoscaleHtml(r), io);
  if (f.junit !== undefined) await writeOutput(f.junit, renderJunit([autoscaleSuite(r)]), io);
  if (!toStdout(f)) io.stdout(renderAutoscaleMarkdown(r));
  exit.code = autoscaleExitCode(r, io);
}

/** The `autoscale` command; add it with `program.addCommand(autoscaleCommand(io, exit))`. */
export function autoscaleCommand(io: CliIo, exit: ExitSink): Command {
  const d = POSTDEPLOY_DEFAULTS.autoscale;
  const cmd = new Command('autoscale')
    .description('step the load up, watch KEDA/HPA, replicas, Pending pods and the vLLM queue; gate on scale-up and scale-down times')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .requiredOption('--variant <name>', 'the variant; its ScaledObject has the same name')
    .option('--concurrency <list>', 'closed-loop load steps, e.g. 4,16,32', numberList('--concurrency'))
    .option('--rate <list>', 'open-loop load steps in requests/s, e.g. 2,8,16', numberList('--rate'))
    .option('--hold-sec <s>', `seconds each step holds; the last holds until scale-up or its limit (default ${d.holdSec})`, number('--hold-sec'))
    .option('--scale-up-limit-sec <s>', `gate: load start → target replicas ready (default ${d.scaleUpLimitSec})`, number('--scale-up-limit-sec'))
    .option('--scale-down-limit-sec <s>', `gate: load stop → back to the start's replicas (default ${d.scaleDownLimitSec})`, number('--scale-down-limit-sec'))
    .option('--scale-up-to <n>', 'ready replicas that count as scaled up (default: the start + 1)', number('--scale-up-to'))
    .option('--scale-down-to <n>', "replicas that count as scaled down (default: the start's)", number('--scale-down-to'))
    .option('--prometheus-url <url>', 'read the queue from Prometheus (the sum KEDA sees), e.g. http://kube-prometheus-stack-prometheus.monitoring:9090')
    .option('--metrics-url <url>', "read the queue from this server's /metrics (default: --base-url)");
  addTrafficFlags(addKubeFlags(cmd), true);
  addOutputFlags(cmd);
  cmd.addHelpText('after', '\nExample:\n  llm-bench autoscale --variant mistral-7b-awq --base-url http://mistral-7b-awq.llm-baseline:8000 --concurrency 4,32,64 --hold-sec 180 --html out/autoscale.html\n\nExit codes: 0 gates passed · 99 a gate was crossed · 2 bad usage · 1 the check could not run');
  return cmd.action((f: AutoscaleFlags) => autoscaleAction(f, io, exit));
}
