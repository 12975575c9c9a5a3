/** What `llm-bench worker` does: its share of the run in the spec, then one report line on stdout. */
import { runWorker } from '../../distributed/worker';
import { API_KEY_ENV, COMPLETION_INDEX_ENV, reportLine, WORKER_SPEC_ENV, workerSpecSchema } from '../../distributed/spec';
import { UsageError } from '../../errors';
import { type CliIo, envValue, type ExitSink } from '../io';
import { onInterrupt } from '../interrupt';

export async function workerAction(io: CliIo, exit: ExitSink): Promise<void> {
  const raw = envValue(io, WORKER_SPEC_ENV);
  const indexText = envValue(io, COMPLETION_INDEX_ENV);
  const problems: string[] = [];
  if (raw === undefined)
    problems.push(`${WORKER_SPEC_ENV} must hold the run's worker spec (JSON), got nothing; start workers with llm-bench load --workers N`);
  const index = Number(indexText);
  if (indexText === undefined || !Number.isInteger(index) || index < 0) {
    problems.push(`${COMPLETION_INDEX_ENV} must be the worker's index (0, 1, …), got ${indexText ?? 'nothing'}; the Indexed Job sets it`);
  }
  let spec;
  if (raw !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      problems.push(`${WORKER_SPEC_ENV} is not JSON (${(err as Error).message}); it is written by llm-bench load --workers N`);
    }
    if (json !== undefined) {
      const parsed = workerSpecSchema.safeParse(json);
      if (parsed.success) spec = parsed.data;
      else
        problems.push(
          `${WORKER_SPEC_ENV} is not a worker spec of this llm-bench version (${parsed.error.issues[0]?.message ?? 'invalid'}); run the same image as the coordinator`,
        );
    }
  }
  if (spec === undefined || problems.length > 0) throw new UsageError(problems.join('; '), problems);

  const stop = new AbortController();
  const release = onInterrupt(io, { message: () => 'worker: stopping, requests in flight finish\n', graceful: () => stop.abort() });
  const spans =
    spec.otlpEndpoint === undefined
      ? undefined
      : (await import('../../tracing/export')).startSpanExport({
          endpoint: spec.otlpEndpoint,
          model: spec.settings.model,
          endpointKind: spec.settings.endpoint,
        });
  try {
    const report = await runWorker(spec, index, envValue(io, API_KEY_ENV), {
      signal: stop.signal,
      ...(spans !== undefined && { onRequest: (r) => spans.record(r) }),
    });
    io.stdout(reportLine(report));
  } finally {
    release();
    await spans?.shutdown();
  }
  exit.code = 0;
}
