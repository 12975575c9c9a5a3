/** load against a server that ignores the forced output length: a warning, and throughput thresholds fail. */
import { describe, expect, it } from 'vitest';
import { main } from '../../bench/cli/main';
import { shortAnswers } from '../../bench/load/engine';
import { argv, memoryIo } from './helpers';
import { useVirtualTime } from '../support/virtual-time';
import { startOpenAiMock } from './openai-mock';

describe('load with answers much shorter than --output-tokens', () => {
  // The TTFT threshold holds on virtual time however busy the machine is.
  const vt = useVirtualTime();

  it('warns and fails the throughput threshold, but not a latency one', async () => {
    // The mock answers 3 tokens whatever max_tokens, min_tokens or ignore_eos say.
    const mock = await startOpenAiMock({ model: 'm' });
    try {
      const io = memoryIo();
      const code = await vt.run(
        main(
          argv(
            'load',
            '--base-url',
            mock.url,
            '--model',
            'm',
            '--concurrency',
            '2',
            '--requests',
            '6',
            '--output-tokens',
            '32',
            '--threshold',
            'outputTokenThroughput>1',
            '--threshold',
            'ttftMs.p95<60000',
            '--json',
            '-',
          ),
          io,
        ),
      );
      expect(code).toBe(99);
      const warning =
        'answers averaged 3 output tokens, under 50% of the 32 --output-tokens asked for: the server does not honour ignore_eos/min_tokens (vLLM does), so throughput measures short answers; throughput thresholds fail';
      expect(io.err()).toContain(`warning: ${warning}`);
      const result = JSON.parse(io.out()) as { warnings: string[]; thresholds: { expression: string; passed: boolean; note?: string }[] };
      expect(result.warnings).toEqual([warning]);
      expect(result.thresholds.map((t) => [t.expression, t.passed, t.note])).toEqual([
        ['outputTokenThroughput>1', false, warning],
        ['ttftMs.p95<60000', true, undefined],
      ]);
    } finally {
      await mock.close();
    }
  });

  it('stays quiet when the answers are as long as asked, or no length was forced', () => {
    expect(shortAnswers(32, 32)).toBeNull();
    expect(shortAnswers(32, 16)).toBeNull();
    expect(shortAnswers(null, 3)).toBeNull();
    expect(shortAnswers(32, null)).toBeNull();
    expect(shortAnswers(32, 15.9)).toMatch(/^answers averaged 15.9 output tokens, under 50% of the 32/);
  });
});
