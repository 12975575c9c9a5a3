/**
 * `npm run demo`: the post-deploy stage end to end against the vLLM simulator, with no cluster
 * and no GPU. It runs the same commands CI runs after a deploy (printed as it goes), so the
 * output shows both how to call llm-bench and what it reports. Leaves in out/demo/:
 * smoke.txt, smoke.json, result.json, report.md, report.html and junit.xml (smoke checks and
 * thresholds, one test case each).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main, processIo } from './cli';
import { EXIT } from './errors';
import { loadSuite, renderJunit, smokeSuite } from './report/junit';
import { loadResultSchema, smokeResultSchema } from './result';
import { startSimulator } from './sim/simulator';

const OUT = join('out', 'demo');
const API_KEY = 'demo-key';

// Shaped like the platform: the AWQ variant on a T4 (~77 tok/s decode roofline → ~13 ms ITL,
// --max-num-seqs 32) and the LoRA variant with one adapter.
const sim = await startSimulator({
  port: 0,
  models: ['mistral-7b-awq', 'mistral-7b-lora'],
  adapters: [{ name: 'sql-lora', parent: 'mistral-7b-lora' }],
  ttftMs: 60,
  itlMs: 13,
  maxRunning: 32,
  apiKey: API_KEY,
});

const io = processIo();
/** Runs one llm-bench command in this process, echoing it first. */
async function llmBench(args: string[], tee?: string): Promise<number> {
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
}

let code: number = EXIT.ok;
try {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  io.stdout(`vLLM simulator on ${sim.url} (models mistral-7b-awq, mistral-7b-lora + adapter sql-lora; TTFT 60 ms, ITL 13 ms, 32 running)\n`);
  const common = ['--base-url', sim.url, '--api-key', API_KEY];
  const smokeCode = await llmBench(
    ['smoke', ...common, '--model', 'mistral-7b-awq', '--model', 'mistral-7b-lora', '--adapter', 'sql-lora=mistral-7b-lora', '--json', join(OUT, 'smoke.json')],
    join(OUT, 'smoke.txt'),
  );
  const loadCode = await llmBench([
    'load',
    ...common,
    '--model',
    'mistral-7b-awq',
    '--concurrency',
    '16',
    '--duration',
    '8',
    '--input-tokens',
    '256',
    '--output-tokens',
    '64',
    '--threshold',
    'ttftMs.p95<500',
    '--threshold',
    'tpotMs.p50<50',
    '--threshold',
    'errorRate<0.01',
    '--threshold',
    'outputTokenThroughput>200',
    '--json',
    join(OUT, 'result.json'),
    '--markdown',
    join(OUT, 'report.md'),
    '--html',
    join(OUT, 'report.html'),
  ]);
  // One JUnit file for the CI test tab: every smoke check and every threshold.
  const smoke = smokeResultSchema.parse(JSON.parse(await readFile(join(OUT, 'smoke.json'), 'utf8')));
  const load = loadResultSchema.parse(JSON.parse(await readFile(join(OUT, 'result.json'), 'utf8')));
  await writeFile(join(OUT, 'junit.xml'), renderJunit([smokeSuite(smoke), loadSuite(load)]));
  code = smokeCode !== EXIT.ok ? smokeCode : loadCode;
  io.stdout(`\ndemo: smoke exit ${smokeCode}, load exit ${loadCode}; reports in ${OUT}/ (smoke.txt, smoke.json, result.json, report.md, report.html, junit.xml)\n`);
} finally {
  await sim.close();
}
process.exitCode = code;
