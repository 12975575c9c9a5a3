/** What `llm-bench smoke` does once its flags parse. */
import { parseBaseUrl } from '../../client/openai';
import { collectUsage, EXIT } from '../../errors';
import { secondsProblem } from '../../limits';
import { SMOKE_RENDERERS } from '../../report/renderers';
import { formatSmoke, runSmoke, type SmokeProfile } from '../../smoke/smoke';
import { apiKeyFrom } from '../flags';
import type { CliIo, ExitSink } from '../io';
import { checkUsage, type OutputFlags, outputProblems, toStdout, withOutputs, writeReports } from '../output';

export interface SmokeFlags extends OutputFlags {
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly model: string[];
  readonly adapter: string[];
  readonly timeout?: number;
  readonly profile: SmokeProfile;
}

export async function smokeAction(f: SmokeFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = outputProblems(f);
  if (f.html !== undefined) problems.push('smoke writes --json, --markdown or --junit, got --html; use one of those');
  if (f.model.some((m) => m === '')) problems.push('--model must name a served model, got ""; pass e.g. --model mistral-7b-awq');
  collectUsage(problems, () => parseBaseUrl(f.baseUrl));
  const timeout = secondsProblem('--timeout', f.timeout);
  if (timeout !== undefined) problems.push(timeout);
  await checkUsage({ ...f, html: undefined }, problems);
  const apiKey = apiKeyFrom(f, io);
  const result = await runSmoke({
    baseUrl: f.baseUrl,
    models: f.model,
    adapters: f.adapter,
    profile: f.profile,
    ...(apiKey !== undefined && { apiKey }),
    ...(f.timeout !== undefined && { timeoutSec: f.timeout }),
  });
  const written = await writeReports(result, f, SMOKE_RENDERERS, io);
  if (!toStdout(f)) io.stdout(formatSmoke(result));
  const failed = result.checks.find((c) => c.status === 'fail');
  if (failed !== undefined) io.stderr(`error: smoke check ${failed.name} failed: ${failed.reason}\n`);
  exit.code = withOutputs(result.passed ? EXIT.ok : EXIT.runFailed, written);
}
