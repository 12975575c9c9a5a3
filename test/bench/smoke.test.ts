import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSeriesNames, VLLM_METRICS } from '../../constructs/metrics';
import { SimMetrics } from '../../bench/sim/metrics';
import { type Simulator, startSimulator } from '../../bench/sim/simulator';
import { checkMetrics, formatSmoke, runSmoke } from '../../bench/smoke/smoke';
import { useVirtualTime } from '../support/virtual-time';
import { closedPort, rawServer } from './helpers';
import { startOpenAiMock } from './openai-mock';

// The checks' timeouts run on a clock that moves only when no byte is in flight.
const vt = useVirtualTime();

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1, models: ['base'], adapters: [{ name: 'sql', parent: 'base' }], apiKey: 'k' });
});
afterAll(() => sim.close());

const statuses = (checks: readonly { name: string; status: string }[]) => Object.fromEntries(checks.map((c) => [c.name, c.status]));

describe('smoke', () => {
  it('passes every check against a healthy deployment', async () => {
    const r = await vt.run(runSmoke({ baseUrl: sim.url, apiKey: 'k', models: ['base'], adapters: ['sql=base'] }));
    expect(statuses(r.checks)).toEqual({
      vllm: 'pass',
      health: 'pass',
      models: 'pass',
      'chat stream base': 'pass',
      'chat json base': 'pass',
      'completions stream base': 'pass',
      'completions json base': 'pass',
      'chat stream sql': 'pass',
      metrics: 'pass',
      auth: 'pass',
    });
    expect(r.passed).toBe(true);
    expect(r.checks.find((c) => c.name === 'models')!.reason).toBe('lists base, sql (on base)');
    expect(formatSmoke(r)).toMatch(/^PASS {2}vllm {2}/);
  });

  it('fails the model check for a missing adapter or a wrong parent, with both named', async () => {
    const r = await vt.run(runSmoke({ baseUrl: sim.url, apiKey: 'k', models: ['base'], adapters: ['sql=other', 'chat-lora'] }));
    const models = r.checks.find((c) => c.name === 'models')!;
    expect(models).toMatchObject({
      status: 'fail',
      reason: 'adapter sql has parent base, expected other; adapter chat-lora missing; server lists base, sql (on base)',
    });
    expect(r.checks.find((c) => c.name === 'chat stream chat-lora')).toMatchObject({
      status: 'fail',
      reason: 'http_404: The model `chat-lora` does not exist.',
    });
    expect(r.passed).toBe(false);
  });

  it('fails generation and model checks with the 401 when the key is wrong, and skips auth without a key', async () => {
    const r = await vt.run(runSmoke({ baseUrl: sim.url, models: ['base'] }));
    expect(r.checks.find((c) => c.name === 'chat stream base')).toMatchObject({ status: 'fail', reason: 'http_401: Unauthorized' });
    expect(r.checks.find((c) => c.name === 'auth')).toMatchObject({ status: 'skip' });
  });

  it('fails the auth check when the server does not enforce the key', async () => {
    const open = await startSimulator({ port: 0, ttftMs: 1, itlMs: 0 });
    try {
      const r = await vt.run(runSmoke({ baseUrl: open.url, apiKey: 'k' }));
      expect(r.checks.find((c) => c.name === 'auth')).toMatchObject({
        status: 'fail',
        reason: 'GET /v1/models without the key → 200, expected 401: the api key is not enforced',
      });
      // Without --model the first listed base model is exercised.
      expect(r.checks.map((c) => c.name)).toContain('chat stream sim-model');
    } finally {
      await open.close();
    }
  });

  it('fails the metrics check listing the missing vLLM series', async () => {
    const server = await rawServer((_req, res) => res.end(`${VLLM_METRICS.requestsRunning.name}{model_name="m"} 1\n`));
    try {
      const r = await vt.run(runSmoke({ baseUrl: server.url, models: ['m'] }));
      const metrics = r.checks.find((c) => c.name === 'metrics')!;
      expect(metrics.status).toBe('fail');
      const all = allSeriesNames();
      expect(metrics.reason).toBe(
        `missing ${all.length - 1} of ${all.length} vLLM series: ${all.filter((n) => n !== VLLM_METRICS.requestsRunning.name).join(', ')}`,
      );
    } finally {
      await server.close();
    }
  });

  it('fails the metrics check when a model has no labelled series', () => {
    const text = new SimMetrics(['m1']).render();
    expect(checkMetrics(text, ['m1'])).toEqual({ status: 'pass', reason: `all ${allSeriesNames().length} vLLM series present` });
    expect(checkMetrics(text, ['m1', 'm2'])).toEqual({ status: 'fail', reason: 'no series labelled model_name for m2' });
  });

  it('fails the first check with the connection error when the server is down, and the others at once with that reason', async () => {
    const port = await closedPort();
    const r = await vt.run(runSmoke({ baseUrl: `http://127.0.0.1:${port}`, models: ['m'] }));
    expect(r.passed).toBe(false);
    const gone = `http://127.0.0.1:${port} is unreachable (connect_refused: connect ECONNREFUSED 127.0.0.1:${port})`;
    expect(r.checks.find((c) => c.name === 'vllm')!.reason).toContain(`GET /metrics: ${gone}`);
    for (const name of ['health', 'models', 'chat stream m', 'metrics']) {
      expect(r.checks.find((c) => c.name === name)).toMatchObject({
        status: 'fail',
        reason: expect.stringContaining(`not run: ${gone}`),
        durationMs: 0,
      });
    }
  });

  it('passes --profile openai against an OpenAI-compatible server that is not vLLM, listing the vLLM checks it skipped', async () => {
    const mock = await startOpenAiMock({ model: 'gpt-mini', apiKey: 'k' });
    try {
      const r = await runSmoke({ baseUrl: mock.url, apiKey: 'k', profile: 'openai' });
      expect(statuses(r.checks)).toEqual({
        health: 'skip',
        metrics: 'skip',
        models: 'pass',
        'chat stream gpt-mini': 'pass',
        'chat json gpt-mini': 'pass',
        'completions stream gpt-mini': 'pass',
        'completions json gpt-mini': 'pass',
        auth: 'pass',
      });
      expect(r.checks.find((c) => c.name === 'metrics')!.reason).toBe(
        'vLLM check (GET /metrics with the vLLM series) skipped: the openai profile checks only what any OpenAI-compatible server answers',
      );
      expect(r).toMatchObject({ passed: true, profile: 'openai' });
      expect(formatSmoke(r)).toContain('(profile openai): 6 passed, 0 failed, 2 skipped');
    } finally {
      await mock.close();
    }
  });

  it('says the server does not look like vLLM, once, instead of failing every vLLM check', async () => {
    const mock = await startOpenAiMock({ model: 'gpt-mini' });
    try {
      const r = await runSmoke({ baseUrl: mock.url });
      expect(r.checks.filter((c) => c.status === 'fail')).toEqual([
        {
          name: 'vllm',
          status: 'fail',
          reason:
            'this does not look like vLLM (no /metrics: GET /metrics → 404); run with --profile openai to check an OpenAI-compatible server that is not vLLM',
          durationMs: expect.any(Number),
        },
      ]);
      expect(statuses(r.checks)).toMatchObject({ health: 'skip', metrics: 'skip', models: 'pass', 'chat stream gpt-mini': 'pass' });
      expect(r.passed).toBe(false);
    } finally {
      await mock.close();
    }
  });
});
