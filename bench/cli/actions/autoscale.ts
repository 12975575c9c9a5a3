/** What `llm-bench autoscale` does once its flags parse. */
import { runAutoscale } from '../../autoscale/autoscale';
import { AUTOSCALE_RENDERERS, renderAutoscaleMarkdown } from '../../autoscale/report';
import type { AutoscaleResult } from '../../autoscale/result';
import { coldStartReport } from '../../cost/run-cost';
import { collectUsage } from '../../errors';
import type { LoadProfile } from '../../load/schedule';
import { kubeFrom } from '../cluster';
import type { CostFlags } from '../cost-flags';
import { costSettingsFrom } from '../cost-options';
import { type KubeFlags, queueFrom, stepProfiles, type TrafficFlags, trafficFrom } from '../flags';
import { onInterrupt, stopCheck } from '../interrupt';
import type { CliIo, ExitSink } from '../io';
import { checkUsage, eventLine, exitCodeOf, type OutputFlags, outputProblems, toStdout, withOutputs, writeReports } from '../output';
import { trafficProblems } from '../run-options';

export interface AutoscaleFlags extends KubeFlags, TrafficFlags, OutputFlags, CostFlags {
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

/** Load steps from `--concurrency 1,8,32` or `--rate 1,4,8`; exactly one of them. */
function stepsFrom(f: AutoscaleFlags, problems: string[]): LoadProfile[] {
  if ((f.concurrency === undefined) === (f.rate === undefined)) {
    const got = f.concurrency === undefined ? 'neither' : 'both';
    problems.push(`autoscale needs exactly one of --concurrency or --rate lists, got ${got}; pass e.g. --concurrency 4,16,32`);
    return [];
  }
  return stepProfiles(f) ?? [];
}

export async function autoscaleAction(f: AutoscaleFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  const steps = stepsFrom(f, problems);
  const queue = queueFrom(f, problems);
  trafficProblems(f, steps, problems);
  const kube = collectUsage(problems, () => kubeFrom(f, io));
  const pricing = costSettingsFrom(f, problems);
  await checkUsage(f, problems);
  const controller = new AbortController();
  const release = onInterrupt(io, stopCheck(controller));
  let result: AutoscaleResult;
  try {
    const { profile: _profile, ...load } = trafficFrom(f, io, f.baseUrl!, f.model ?? f.variant, steps[0]!);
    result = await runAutoscale({
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
      onEvent: (e) => io.stderr(eventLine(e)),
    });
  } finally {
    release();
  }
  // The whole timeline: a replica asked for during the load may still be starting after it stops.
  if (pricing !== null && result.timeline.length > 0)
    result = { ...result, coldStartCost: coldStartReport(result.timeline, null, pricing.settings) };
  const written = await writeReports(result, f, AUTOSCALE_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderAutoscaleMarkdown(result));
  exit.code = withOutputs(exitCodeOf({ aborted: result.aborted, checks: result.gates, checkName: 'gates' }, io), written);
}
