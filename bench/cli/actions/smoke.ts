/** What `llm-bench smoke` does once its flags parse. */
import { EXIT, failOnProblems, UsageError } from '../../errors';
import { SMOKE_RENDERERS } from '../../report/renderers';
import { formatSmoke, runSmoke, type SmokeProfile } from '../../smoke/smoke';
import { apiKeyFrom } from '../flags';
import type { CliIo, ExitSink } from '../io';
import { type OutputFlags, outputProblems, toStdout, writeReports } from '../output';

export interface SmokeFlags extends OutputFlags {
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly model: string[];
  readonly adapter: string[];
  readonly timeout?: number;
  readonly profile: SmokeProfile;
}

export async function smokeAction(f: SmokeFlags, io: CliIo, exit: ExitSink): Promise<void> {
  failOnProblems(outputProblems(f));
  if (f.html !== undefined) throw new UsageError('smoke writes --json, --markdown or --junit, got --html; use one of those');
  const apiKey = apiKeyFrom(f, io);
  const result = await runSmoke({
    baseUrl: f.baseUrl,
    models: f.model,
    adapters: f.adapter,
    profile: f.profile,
    ...(apiKey !== undefined && { apiKey }),
    ...(f.timeout !== undefined && { timeoutSec: f.timeout }),
  });
  await writeReports(result, f, SMOKE_RENDERERS, io);
  if (!toStdout(f)) io.stdout(formatSmoke(result));
  const failed = result.checks.find((c) => c.status === 'fail');
  if (failed !== undefined) io.stderr(`error: smoke check ${failed.name} failed: ${failed.reason}\n`);
  exit.code = result.passed ? EXIT.ok : EXIT.runFailed;
}
