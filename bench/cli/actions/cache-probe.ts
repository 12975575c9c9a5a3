/** What `llm-bench cache-probe` does once its flags parse. */
import { runCacheProbe } from '../../cache-probe/probe';
import { CACHE_PROBE_RENDERERS, renderCacheProbeMarkdown } from '../../cache-probe/report';
import type { Endpoint } from '../../client/openai';
import { EXIT, failOnProblems } from '../../errors';
import { apiKeyFrom } from '../flags';
import type { CliIo, ExitSink } from '../io';
import { type OutputFlags, outputProblems, toStdout, writeReports } from '../output';

export interface CacheProbeFlags extends Pick<OutputFlags, 'json' | 'markdown'> {
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly endpoint: Endpoint;
  readonly prefixTokens?: number;
  readonly suffixTokens?: number;
  readonly requests?: number;
  readonly metricsUrl?: string;
  readonly expect?: 'on' | 'off';
  readonly timeout?: number;
}

export async function cacheProbeAction(f: CacheProbeFlags, io: CliIo, exit: ExitSink): Promise<void> {
  failOnProblems(outputProblems(f));
  const apiKey = apiKeyFrom(f, io);
  const result = await runCacheProbe({
    baseUrl: f.baseUrl,
    model: f.model,
    endpoint: f.endpoint,
    ...(apiKey !== undefined && { apiKey }),
    ...(f.prefixTokens !== undefined && { prefixTokens: f.prefixTokens }),
    ...(f.suffixTokens !== undefined && { suffixTokens: f.suffixTokens }),
    ...(f.requests !== undefined && { requests: f.requests }),
    ...(f.metricsUrl !== undefined && { metricsUrl: f.metricsUrl }),
    ...(f.expect !== undefined && { expect: f.expect }),
    ...(f.timeout !== undefined && { timeoutSec: f.timeout }),
  });
  await writeReports(result, f, CACHE_PROBE_RENDERERS, io);
  if (!toStdout(f)) io.stdout(renderCacheProbeMarkdown(result));
  const all = result.unique.requests + result.warm.requests + result.shared.requests;
  const failed = result.unique.failed + result.warm.failed + result.shared.failed;
  if (failed === all) {
    io.stderr(`error: every request to ${result.baseUrl} failed; check --base-url, --model and --api-key\n`);
    exit.code = EXIT.runFailed;
  } else if (!result.passed) {
    io.stderr(`prefix caching is ${result.verdict}, expected ${result.expected}\n`);
    exit.code = EXIT.thresholdCrossed;
  } else {
    exit.code = EXIT.ok;
  }
}
