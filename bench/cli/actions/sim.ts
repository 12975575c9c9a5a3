/** What `llm-bench sim` does once its flags parse. */
import { BENCH_DEFAULTS } from '../../defaults';
import { RunError, usageErrors } from '../../errors';
import { startSimulator } from '../../sim/simulator';
import { parseAdapter } from '../../smoke/smoke';
import { untilSignal } from '../interrupt';
import type { CliIo } from '../io';

export interface SimFlags {
  readonly host: string;
  readonly port: number;
  readonly model: string[];
  readonly adapter: string[];
  readonly ttftMs?: number;
  readonly itlMs?: number;
  readonly prefillMsPerToken?: number;
  readonly prefixCaching: boolean;
  readonly outputTokens?: number;
  readonly maxRunning?: number;
  readonly apiKey?: string;
  readonly seed?: number;
  readonly faultError?: number;
  readonly faultMalformed?: number;
  readonly faultCut?: number;
  readonly faultStall?: number;
  readonly faultAbort?: number;
  readonly maxModelLen: string[];
  readonly recordTimings?: boolean;
}

/** `--max-model-len N` (every model) and `--max-model-len NAME=N` (one model) → the simulated models. */
function simModels(models: readonly string[], lens: readonly string[]): { name: string; maxModelLen?: number }[] {
  const problems: string[] = [];
  let all: number | undefined;
  const own = new Map<string, number>();
  for (const spec of lens) {
    const eq = spec.lastIndexOf('=');
    const [name, n] = eq === -1 ? [undefined, spec] : [spec.slice(0, eq), spec.slice(eq + 1)];
    const len = Number(n);
    if (!(Number.isInteger(len) && len > 0)) problems.push(`--max-model-len takes N or NAME=N with a positive integer N, got ${JSON.stringify(spec)}; pass e.g. --max-model-len 4096`);
    else if (name === undefined) all = len;
    else if (!models.includes(name)) problems.push(`--max-model-len ${spec} names no --model, got ${name}; use one of ${models.join(', ')}`);
    else own.set(name, len);
  }
  if (problems.length > 0) throw usageErrors(problems);
  return models.map((name) => ({ name, ...((own.get(name) ?? all) !== undefined && { maxModelLen: own.get(name) ?? all }) }));
}

export async function simAction(f: SimFlags, io: CliIo): Promise<void> {
  const models = f.model.length > 0 ? f.model : [...BENCH_DEFAULTS.sim.models];
  const sim = await startSimulator({
    host: f.host,
    port: f.port,
    models: simModels(models, f.maxModelLen),
    adapters: f.adapter.map((spec) => {
      const a = parseAdapter(spec);
      return { name: a.name, parent: a.parent ?? models[0]! };
    }),
    ...(f.ttftMs !== undefined && { ttftMs: f.ttftMs }),
    ...(f.itlMs !== undefined && { itlMs: f.itlMs }),
    ...(f.prefillMsPerToken !== undefined && { prefillMsPerToken: f.prefillMsPerToken }),
    prefixCaching: f.prefixCaching,
    ...(f.outputTokens !== undefined && { outputTokens: f.outputTokens }),
    ...(f.maxRunning !== undefined && { maxRunning: f.maxRunning }),
    ...(f.apiKey !== undefined && { apiKey: f.apiKey }),
    ...(f.seed !== undefined && { seed: f.seed }),
    ...(f.recordTimings === true && { recordTimings: true }),
    faults: { error: f.faultError ?? 0, malformed: f.faultMalformed ?? 0, cut: f.faultCut ?? 0, stall: f.faultStall ?? 0, abort: f.faultAbort ?? 0 },
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new RunError(`port ${f.port} on ${f.host} is in use, got EADDRINUSE; pass another --port (0 picks a free one)`);
    throw err;
  });
  const s = sim.settings();
  const adapters = f.adapter.length > 0 ? ` · adapters ${f.adapter.join(', ')}` : '';
  const auth = f.apiKey !== undefined ? ' · api key required' : '';
  const served = [...sim.servedModels()].map(([m, len]) => `${m} (max_model_len ${len})`).join(', ');
  const prefill = s.prefillMsPerToken > 0 ? ` + ${s.prefillMsPerToken} ms per uncached prompt token` : '';
  const caching = s.prefixCaching ? '' : ' · prefix caching off';
  io.stdout(`llm-bench sim listening on ${sim.url} · models ${served}${adapters} · TTFT ${s.ttftMs} ms${prefill} · ITL ${s.itlMs} ms${caching}${auth}\n`);
  await untilSignal();
  await sim.close();
}
