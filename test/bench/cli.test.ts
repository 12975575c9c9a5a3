import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bench/cli/main';
import { loadResultSchema, smokeResultSchema, sweepResultSchema } from '../../bench/result';
import { type Simulator, startSimulator } from '../../bench/sim/simulator';
import { useVirtualTime, vt } from '../support/virtual-time';
import { argv, closedPort, memoryIo, runLlmBench } from './helpers';
import { tempDir } from '../support/temp';

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 20, itlMs: 2, models: ['m'], adapters: [{ name: 'a', parent: 'm' }], apiKey: 'k' });
  dir = tempDir('llm-bench-cli-');
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const load = (...extra: string[]) =>
  argv(
    'load',
    '--base-url',
    sim.url,
    '--model',
    'm',
    '--api-key',
    'k',
    '--concurrency',
    '4',
    '--requests',
    '12',
    '--output-tokens',
    '4',
    ...extra,
  );

describe('llm-bench load', () => {
  // Latencies are the simulator's schedule on a clock that moves only when no byte is in flight.
  useVirtualTime();

  it('exits 0 when every threshold holds, and writes all four reports', async () => {
    const io = memoryIo();
    const out = (f: string) => join(dir, 'pass', f);
    const code = await vt.run(
      main(
        load(
          '--threshold',
          'ttftMs.p95<500',
          '--threshold',
          'errorRate<0.01',
          '--json',
          out('r.json'),
          '--markdown',
          out('r.md'),
          '--html',
          out('r.html'),
          '--junit',
          out('j.xml'),
        ),
        io,
      ),
    );
    expect(code).toBe(0);
    const result = loadResultSchema.parse(JSON.parse(await readFile(out('r.json'), 'utf8')));
    expect(result.thresholds.map((t) => t.passed)).toEqual([true, true]);
    expect(result.settings).not.toHaveProperty('apiKey');
    expect(JSON.stringify(result)).not.toContain('"k"');
    expect(await readFile(out('r.md'), 'utf8')).toContain('## llm-bench load: PASSED (2 thresholds)');
    expect(await readFile(out('r.html'), 'utf8')).toContain('<svg');
    expect(await readFile(out('j.xml'), 'utf8')).toContain('tests="2" failures="0"');
    expect(io.out()).toContain('| TTFT |');
  });

  it('exits 99 when a threshold is crossed, and still writes the result', async () => {
    const io = memoryIo();
    const file = join(dir, 'fail', 'r.json');
    const code = await vt.run(main(load('--threshold', 'ttftMs.p50<1', '--threshold', 'errorRate<0.5', '--json', file), io));
    expect(code).toBe(99);
    const result = loadResultSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(result.thresholds.map((t) => [t.expression, t.passed])).toEqual([
      ['ttftMs.p50<1', false],
      ['errorRate<0.5', true],
    ]);
    expect(io.err()).toMatch(/thresholds crossed: ttftMs\.p50<1 \(measured \d+(\.\d+)?\)/);
  });

  it('prints nothing but the result with --json -', async () => {
    const io = memoryIo();
    const code = await vt.run(main(load('--json', '-', '--markdown', join(dir, 'quiet.md')), io));
    expect(code).toBe(0);
    expect(loadResultSchema.parse(JSON.parse(io.out())).summary.requests.succeeded).toBe(12);
  });

  it('reads the key from LLM_BENCH_API_KEY and runs open loop with a promptset', async () => {
    const prompts = join(dir, 'p.jsonl');
    await writeFile(prompts, '{"prompt":"one two three"}\n{"messages":[{"role":"user","content":"four five"}],"outputTokens":3}\n');
    const io = memoryIo({ LLM_BENCH_API_KEY: 'k' });
    const code = await vt.run(
      main(
        argv('load', '--base-url', sim.url, '--model', 'a', '--rate', '50', '--duration', '0.4', '--prompts', prompts, '--json', '-'),
        io,
      ),
    );
    expect(code).toBe(0);
    const r = loadResultSchema.parse(JSON.parse(io.out()));
    expect(r.settings.profile).toEqual({ kind: 'rate', rate: 50, burstiness: 1 });
    expect(r.settings.prompts).toBe(`${prompts} (2 prompts)`);
    expect(r.summary.requests.failed).toBe(0);
  });

  it('exits 1 quickly when the url is unreachable, naming it, and still writes the result', async () => {
    const port = await closedPort();
    const io = memoryIo();
    const file = join(dir, 'down.json');
    const t0 = Date.now();
    const code = await vt.run(
      main(argv('load', '--base-url', `http://127.0.0.1:${port}`, '--model', 'm', '--concurrency', '2', '--json', file), io),
    );
    expect(code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(io.err()).toContain(`error: http://127.0.0.1:${port} is unreachable (connect_refused`);
    expect(io.out()).toBe('');
    expect(loadResultSchema.parse(JSON.parse(await readFile(file, 'utf8'))).aborted?.reason).toContain('unreachable');
  });

  it('exits 1 when the key is rejected, naming the url', async () => {
    const io = memoryIo();
    const code = await vt.run(main(argv('load', '--base-url', sim.url, '--model', 'm', '--concurrency', '2', '--api-key', 'bad'), io));
    expect(code).toBe(1);
    expect(io.err()).toBe(
      `error: ${sim.url}/v1/models rejected the request with 401 (Unauthorized); pass the right --api-key or set LLM_BENCH_API_KEY\n`,
    );
  });

  it('exits 2 on bad flags, reporting every problem at once', async () => {
    const io = memoryIo();
    const code = await vt.run(
      main(
        argv(
          'load',
          '--base-url',
          'localhost:8000',
          '--model',
          'm',
          '--requests',
          '5',
          '--duration',
          '3',
          '--threshold',
          'ttftMs.p96<1',
          '--json',
          '-',
          '--html',
          '-',
        ),
        io,
      ),
    );
    expect(code).toBe(2);
    expect(io.err()).toBe(
      [
        'error: 5 problems:',
        '- only one output can go to stdout, got --json - and --html -; write the others to files',
        '- load needs exactly one of --concurrency or --rate, got neither; pass e.g. --concurrency 8 or --rate 4',
        '- --requests and --duration are alternatives, got both (5 and 3); pass one',
        '- --base-url must be http or https, got "localhost:8000"; pass e.g. http://127.0.0.1:8000',
        '- threshold "ttftMs.p96<1" has an unknown statistic, got p96; use one of mean, min, p50, p90, p95, p99, max',
        '',
      ].join('\n'),
    );
  });

  it('exits 2 on an unknown flag or a non-numeric value', async () => {
    const io = memoryIo();
    expect(await vt.run(main(argv('load', '--base-url', sim.url, '--model', 'm', '--concurrency', 'lots'), io))).toBe(2);
    expect(io.err()).toContain("error: option '--concurrency <n>' argument 'lots' is invalid. --concurrency is not a number, got \"lots\"");
    expect(await vt.run(main(argv('load', '--frobnicate'), memoryIo()))).toBe(2);
    expect(await vt.run(main(argv('--help'), memoryIo()))).toBe(0);
  });
});

describe('llm-bench sweep, smoke and report', () => {
  useVirtualTime();

  it('sweep reports the highest concurrency that meets the thresholds', async () => {
    sim.update({ maxRunning: 2 });
    try {
      const io = memoryIo();
      const file = join(dir, 'sweep.json');
      // Requests take ~40 ms (TTFT 20 + 9 × 2 ms). TTFT stays ~20 ms while they fit the 2 running
      // slots; at 4 users each one queues behind a whole request (~60 ms): 20 ms of margin each way.
      const code = await vt.run(
        main(
          argv(
            'sweep',
            '--base-url',
            sim.url,
            '--model',
            'm',
            '--api-key',
            'k',
            '--concurrency',
            '1,2,4,8',
            '--requests',
            '16',
            '--output-tokens',
            '10',
            '--threshold',
            'ttftMs.p50<40',
            '--json',
            file,
          ),
          io,
        ),
      );
      expect(code).toBe(0);
      const r = sweepResultSchema.parse(JSON.parse(await readFile(file, 'utf8')));
      expect(r.best).toBe(2);
      expect(r.steps).toHaveLength(3); // stops at the first failing step
      expect(io.out()).toContain('## llm-bench sweep over concurrency: best concurrency 2');
      expect(io.out()).toContain('not run: 8');
    } finally {
      sim.update({ maxRunning: null });
    }
  });

  it('smoke exits 0 when every check passes and 1 when one fails, writing JSON and JUnit', async () => {
    const io = memoryIo();
    const junit = join(dir, 'smoke.xml');
    expect(
      await vt.run(
        main(
          argv(
            'smoke',
            '--base-url',
            sim.url,
            '--api-key',
            'k',
            '--model',
            'm',
            '--adapter',
            'a=m',
            '--json',
            join(dir, 'smoke.json'),
            '--junit',
            junit,
          ),
          io,
        ),
      ),
    ).toBe(0);
    expect(io.out()).toContain('smoke ' + sim.url + ': 10 passed, 0 failed, 0 skipped');
    expect(smokeResultSchema.parse(JSON.parse(await readFile(join(dir, 'smoke.json'), 'utf8'))).passed).toBe(true);
    expect(await readFile(junit, 'utf8')).toContain('<testsuite name="llm-bench smoke" tests="10" failures="0"');
    const failing = memoryIo();
    expect(
      await vt.run(main(argv('smoke', '--base-url', sim.url, '--api-key', 'k', '--model', 'm', '--adapter', 'missing'), failing)),
    ).toBe(1);
    expect(failing.out()).toMatch(/^FAIL {2}models +adapter missing missing; server lists m, a \(on m\)$/m);
    const openai = memoryIo();
    expect(await vt.run(main(argv('smoke', '--base-url', sim.url, '--api-key', 'k', '--profile', 'openai'), openai))).toBe(0);
    expect(openai.out()).toMatch(/^SKIP {2}health +vLLM check \(GET \/health\) skipped: the openai profile/m);
    expect(await vt.run(main(argv('smoke', '--base-url', sim.url, '--profile', 'tgi'), memoryIo()))).toBe(2);
  });

  it('report renders a saved result, and exits 2 on a file that is not one', async () => {
    const file = join(dir, 'saved.json');
    expect(await vt.run(main(load('--json', file, '--threshold', 'ttftMs.p50<1'), memoryIo()))).toBe(99);
    const io = memoryIo();
    expect(
      await vt.run(main(argv('report', file, '--markdown', '-', '--html', join(dir, 'saved.html'), '--junit', join(dir, 'saved.xml')), io)),
    ).toBe(0);
    expect(io.out()).toContain('## llm-bench load: FAILED (1 of 1 thresholds crossed)');
    expect(await readFile(join(dir, 'saved.xml'), 'utf8')).toContain('<failure message="ttftMs.p50 = ');

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ schemaVersion: 1, kind: 'load' }));
    const badIo = memoryIo();
    expect(await vt.run(main(argv('report', bad, '--markdown', '-'), badIo))).toBe(2);
    expect(badIo.err()).toBe(
      `error: report file ${bad} is not an llm-bench result, got tool: invalid input: expected object, received undefined; pass a file written by llm-bench --json\n`,
    );
    const none = memoryIo();
    expect(await vt.run(main(argv('report', file), none))).toBe(2);
    expect(none.err()).toBe('error: report needs at least one output, got none; pass --markdown, --html or --junit with a file (or -)\n');
  });
});

describe('the llm-bench executable', () => {
  const run = (...args: string[]) => runLlmBench(args);

  it('exits with the code of the command: 99 for a crossed threshold, 2 for bad usage', async () => {
    const crossed = await run(
      'load',
      '--base-url',
      sim.url,
      '--model',
      'm',
      '--api-key',
      'k',
      '--concurrency',
      '2',
      '--requests',
      '4',
      '--output-tokens',
      '2',
      '--threshold',
      'e2eMs.max<1',
      '--json',
      '-',
    );
    expect(crossed.status).toBe(99);
    expect(JSON.parse(crossed.stdout)).toMatchObject({ kind: 'load', thresholds: [{ expression: 'e2eMs.max<1', passed: false }] });
    const usage = await run('load', '--base-url', sim.url, '--model', 'm', '--rate', '1', '--concurrency', '1');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe(
      'error: load needs exactly one of --concurrency or --rate, got both; pass e.g. --concurrency 8 or --rate 4\n',
    );
  });
});
