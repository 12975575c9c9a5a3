/** Run flags → LoadOptions for `load` and `sweep`, with every problem collected. */
import { collectUsage, UsageError } from '../errors';
import { type LoadOptions, resolveLoadOptions } from '../load/engine';
import { loadPromptset, type PromptSource } from '../load/prompts';
import type { LoadProfile } from '../load/schedule';
import { apiKeyFrom } from './flags';
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

