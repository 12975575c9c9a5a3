/**
 * The post-deploy stage end to end against the vLLM simulator, with no cluster and no GPU
 * (`npm run demo`, whose entry, stacks/demo.ts, builds the simulated models from an environment's
 * config). It runs the same commands CI runs after a deploy (printed as it goes), so the output
 * shows both how to call llm-bench and what it reports. Leaves in its output folder: smoke.txt,
 * smoke.json, result.json, report.md, report.html and junit.xml (smoke checks and thresholds,
 * one test case each).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CliIo, processIo } from './cli/io';
import { main } from './cli/main';
import { EXIT } from './errors';
import { loadSuite, renderJunit, smokeSuite } from './report/junit';
import { loadResultSchema, smokeResultSchema } from './result';
import { type SimAdapter, startSimulator } from './sim/simulator';

/** One deployed variant as the simulator plays it. */
export interface DemoModel {
  /** Served model name. */
  readonly name: string;
  /** Its `--max-model-len`: the simulator answers vLLM's 400 past it. */
  readonly maxModelLen: number;
  /** Its `--max-num-seqs`. */
  readonly maxNumSeqs: number;
}

export interface DemoOptions {
  /** The environment the models come from, for the printout. */
  readonly environment: string;
  /** Variants in catalog order; the first one gets the load test. */
  readonly models: readonly DemoModel[];
  /** @default - none */
  readonly adapters?: readonly SimAdapter[];
  /** @default out/demo */
  readonly outDir?: string;
  /** @default - the process */
  readonly io?: CliIo;
}

const API_KEY = 'demo-key';

/** Runs smoke on every model and a short load test on the first; returns the exit code. */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const out = opts.outDir ?? join('out', 'demo');
  const io = opts.io ?? processIo();
  const first = opts.models[0];
  if (first === undefined) throw new Error('runDemo needs at least one model, got none');
  // A T4 running the AWQ variant: ~77 tok/s decode roofline → ~13 ms ITL. One simulator serves
  // every variant; each running limit is the variant's --max-num-seqs… as one pool, the largest.
  const sim = await startSimulator({
    port: 0,
    models: opts.models.map((m) => ({ name: m.name, maxModelLen: m.maxModelLen })),
    adapters: opts.adapters ?? [],
    ttftMs: 60,
    itlMs: 13,
    maxRunning: Math.max(...opts.models.map((m) => m.maxNumSeqs)),
    apiKey: API_KEY,
  });

  const llmBench = echoingRunner(io);

  let code: number = EXIT.ok;
  try {
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const served = opts.models.map((m) => `${m.name} (max_model_len ${m.maxModelLen})`).join(', ');
    const adapters = (opts.adapters ?? []).map((a) => ` + adapter ${a.name} on ${a.parent}`).join('');
    io.stdout(`vLLM simulator on ${sim.url} as environment ${opts.environment}: ${served}${adapters}; TTFT 60 ms, ITL 13 ms\n`);
    const common = ['--base-url', sim.url, '--api-key', API_KEY];
    const smokeCode = await llmBench(smokeArgs(opts, common, out), join(out, 'smoke.txt'));
    const loadCode = await llmBench(loadArgs(first, common, out));
    // One JUnit file for the CI test tab: every smoke check and every threshold.
    const smoke = smokeResultSchema.parse(JSON.parse(await readFile(join(out, 'smoke.json'), 'utf8')));
    const load = loadResultSchema.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
    await writeFile(join(out, 'junit.xml'), renderJunit([smokeSuite(smoke), loadSuite(load)]));
    code = smokeCode !== EXIT.ok ? smokeCode : loadCode;
    io.stdout(
      `\ndemo: smoke exit ${smokeCode}, load exit ${loadCode}; reports in ${out}/ (smoke.txt, smoke.json, result.json, report.md, report.html, junit.xml)\n`,
    );
  } finally {
    await sim.close();
  }
  return code;
}

/** Runs llm-bench commands in this process, echoing each first; `tee` keeps a copy of its stdout. */
function echoingRunner(io: CliIo): (args: string[], tee?: string) => Promise<number> {
  return async (args, tee) => {
    io.stdout(`\n$ llm-bench ${args.map((a) => (/[\s<>]/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    let captured = '';
    const code = await main(['node', 'llm-bench', ...args], {
      ...io,
      stdout: (t) => {
        captured += t;
        io.stdout(t);
      },
    });
    if (tee !== undefined) await writeFile(tee, captured);
    return code;
  };
}

/** Smoke every model and adapter the environment serves. */
function smokeArgs(opts: DemoOptions, common: readonly string[], out: string): string[] {
  return [
    'smoke',
    ...common,
    ...opts.models.flatMap((m) => ['--model', m.name]),
    ...(opts.adapters ?? []).flatMap((a) => ['--adapter', `${a.name}=${a.parent}`]),
    '--json',
    join(out, 'smoke.json'),
  ];
}

/** Eight seconds of closed-loop load on the first model, with the thresholds CI gates on. */
function loadArgs(first: DemoModel, common: readonly string[], out: string): string[] {
  // Prompt + output stay within the model's context, as a load profile must on the real variant.
  const inputTokens = Math.min(256, Math.floor(first.maxModelLen / 4));
  const thresholds = ['ttftMs.p95<500', 'tpotMs.p50<50', 'errorRate<0.01', 'outputTokenThroughput>200'];
  return [
    'load',
    ...common,
    ...['--model', first.name, '--concurrency', String(Math.min(16, first.maxNumSeqs)), '--duration', '8'],
    ...['--input-tokens', String(inputTokens), '--output-tokens', '64'],
    ...thresholds.flatMap((t) => ['--threshold', t]),
    ...['--json', join(out, 'result.json'), '--markdown', join(out, 'report.md'), '--html', join(out, 'report.html')],
  ];
}
