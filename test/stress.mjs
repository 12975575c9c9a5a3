#!/usr/bin/env node
/**
 * `npm run test:stress`: the whole suite several times in a row while CPU burners run beside it,
 * to prove that no test depends on how fast the machine is. Fails if any run fails.
 *
 *   npm run test:stress                          # 3 runs, 2 burners
 *   npm run test:stress -- --runs 1 --burners 4  # one run under a heavier load
 *   npm run test:stress -- test/bench            # only some files (anything else goes to vitest)
 *
 * A burner is a `node` process spinning on one core. The burners are stopped when the script
 * ends, however it ends, and each also stops by itself once this script is gone.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, burners: { type: 'string', default: '2' } },
  allowPositionals: true,
  strict: false,
});
const runs = Number(values.runs);
const burnerCount = Number(values.burners);
if (!(Number.isInteger(runs) && runs > 0) || !(Number.isInteger(burnerCount) && burnerCount >= 0)) {
  console.error(
    `test:stress: --runs must be a positive integer and --burners a whole number, got ${values.runs} and ${values.burners}; pass e.g. --runs 3 --burners 2`,
  );
  process.exit(2);
}

// Spins, and every ~100 M iterations checks that the script that started it is still alive.
const BURNER = `const parent = ${process.pid}; for (;;) { for (let i = 0; i < 1e8; i++); try { process.kill(parent, 0); } catch { process.exit(0); } }`;
const burners = Array.from({ length: burnerCount }, () => spawn(process.execPath, ['-e', BURNER], { stdio: 'ignore' }));
const stopBurners = () => {
  for (const b of burners) if (b.exitCode === null && b.signalCode === null) b.kill('SIGKILL');
};
/** The vitest run under way, stopped with the script so it does not go on alone. */
let suite;
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopBurners();
    if (suite !== undefined && suite.exitCode === null && suite.signalCode === null) suite.kill('SIGTERM');
    process.exit(130);
  });
}

const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const report = join(root, 'out', 'vitest-results.json');

/** One `vitest run`, its exit code, duration and the counts of its JSON report. */
function runSuite() {
  rmSync(report, { force: true });
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', ...positionals], { cwd: root, stdio: 'inherit' });
    suite = child;
    child.on('close', (code) => {
      let counts = 'no report';
      try {
        const r = JSON.parse(readFileSync(report, 'utf8'));
        counts = `${r.numPassedTests} passed, ${r.numFailedTests} failed`;
      } catch {
        // A run that did not get as far as a report is a failure; the status says so.
      }
      resolve({ code, seconds: Math.round((Date.now() - started) / 1000), counts });
    });
  });
}

const results = [];
try {
  console.log(
    `test:stress: ${runs} run(s) of the suite beside ${burnerCount} CPU burner(s) (pids ${burners.map((b) => b.pid).join(', ') || 'none'})`,
  );
  for (let i = 1; i <= runs; i++) {
    const r = await runSuite();
    results.push(r);
    console.log(`test:stress: run ${i}/${runs} ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`}: ${r.counts} in ${r.seconds} s`);
  }
} finally {
  stopBurners();
}
console.log('test:stress: summary');
results.forEach((r, i) => console.log(`  run ${i + 1}: ${r.code === 0 ? 'passed' : 'FAILED'}, ${r.counts}, ${r.seconds} s`));
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
