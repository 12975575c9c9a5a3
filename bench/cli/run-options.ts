/** Run flags → LoadOptions for `load` and `sweep`, and the load flags of the cluster-side checks, with every problem collected. */
import { collectUsage, UsageError } from '../errors';
import { type LoadOptions, resolveLoadOptions } from '../load/engine';
import { loadPromptset, type PromptSource } from '../load/prompts';
import type { LoadProfile } from '../load/schedule';
import { secondsProblem } from '../limits';
import { apiKeyFrom, type TrafficFlags } from './flags';
import type { CliIo } from './io';
import { checkUsage } from './output';
import type { RunFlags } from './run-flags';

/**
 * Flags → LoadOptions. Collects the CLI's own checks (flags that exclude each other) together
 * with the library's validation, so one run reports every problem.
 */
export async function loadOptionsFrom(f: RunFlags, io: CliIo, problems: string[], profile: LoadProfile | null): Promise<LoadOptions> {
  if (f.requests !== undefined && f.duration !== undefined) {
    problems.push(`--requests and --duration are alternatives, got both (${f.requests} and ${f.duration}); pass one`);
  }
  const apiKey = apiKeyFrom(f, io);
  let prompts: PromptSource | undefined;
  if (f.prompts !== undefined) {
    try {
      prompts = await loadPromptset(f.prompts, f.endpoint);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.problems);
    }
  }
  const opts: LoadOptions = {
    baseUrl: f.baseUrl,
    model: f.model,
    endpoint: f.endpoint,
    stream: f.stream,
    thresholds: f.threshold,
    // A placeholder when the profile flags are wrong, so the rest still gets validated.
    profile: profile ?? { kind: 'concurrency', concurrency: 1 },
    ...(apiKey !== undefined && { apiKey }),
    ...(f.requests !== undefined && { requests: f.requests }),
    ...(f.duration !== undefined && { durationSec: f.duration }),
    ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
    ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
    ...(prompts !== undefined && { prompts }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.timeout !== undefined && { timeoutSec: f.timeout }),
    ...(f.connectTimeout !== undefined && { connectTimeoutSec: f.connectTimeout }),
    ...(f.firstTokenTimeout !== undefined && { firstTokenTimeoutSec: f.firstTokenTimeout }),
    ...(f.maxUnreachableSec !== undefined && { maxUnreachableSec: f.maxUnreachableSec }),
  };
  collectUsage(problems, () => resolveLoadOptions(opts));
  await checkUsage(f, problems);
  return opts;
}

/**
 * The problems of the background-load flags of a cluster-side check (rollback, autoscale,
 * postdeploy), found with the load engine's own checks, so they are reported with every other
 * usage problem before the cluster or the server is touched, not after a smoke or a rollout.
 */
export function trafficProblems(
  f: TrafficFlags & { readonly duration?: number },
  profiles: readonly LoadProfile[],
  problems: string[],
): void {
  const found = new Set<string>();
  for (const profile of profiles.length === 0 ? [null] : profiles) {
    const step: string[] = [];
    collectUsage(step, () =>
      resolveLoadOptions({
        // Only what the flags set is checked: a placeholder URL and model stand in for the targets'.
        baseUrl: f.baseUrl ?? 'http://127.0.0.1',
        model: f.model ?? 'model',
        profile: profile ?? { kind: 'concurrency', concurrency: 1 },
        ...(f.duration !== undefined && { durationSec: f.duration }),
        ...(f.inputTokens !== undefined && { inputTokens: f.inputTokens }),
        ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
        ...(f.seed !== undefined && { seed: f.seed }),
      }),
    );
    for (const p of step) found.add(p);
  }
  const timeout = secondsProblem('--request-timeout', f.requestTimeout);
  if (timeout !== undefined) found.add(timeout);
  problems.push(...[...found].filter((p) => !problems.includes(p)));
}
