/** Which flag an argument sets in vLLM 0.18, however it is spelled (constructs/vllm-flags.ts). */
import { describe, expect, it } from 'vitest';
import { canonicalVllmFlag, vllmFlagTargets, vllmFlagUses } from '../../constructs/vllm-flags';

describe('canonicalVllmFlag', () => {
  it.each([
    ['--max-model-len', '--max-model-len'],
    ['--max_model_len', '--max-model-len'],
    ['--max_model_len=99999', '--max-model-len'],
    ['--max-model-len=8192', '--max-model-len'],
    ['--compilation_config.mode=3', '--compilation-config'],
    ['-q', '--quantization'],
    ['-qgptq', '--quantization'],
    ['-q=gptq', '--quantization'],
    ['-tp', '--tensor-parallel-size'],
    ['-tp=2', '--tensor-parallel-size'],
    ['-O3', '--optimization-level'],
    ['-asc', '--api-server-count'],
    ['--no-enable-prefix-caching', '--no-enable-prefix-caching'],
    ['-x', '-x'],
    ['--', '--'],
  ])('reads %s as %s', (arg, flag) => expect(canonicalVllmFlag(arg)).toBe(flag));

  it.each(['8192', 'gptq', '-1', '-0.5', '', '-'])('reads %j as a value', (arg) => expect(canonicalVllmFlag(arg)).toBeUndefined());

  it('lists the flags of an argument list with their positions', () => {
    expect(vllmFlagUses(['--max_model_len', '4096', '-q', 'awq'])).toEqual([
      { index: 0, written: '--max_model_len', flag: '--max-model-len' },
      { index: 2, written: '-q', flag: '--quantization' },
    ]);
  });
});

describe('vllmFlagTargets', () => {
  const flags = ['--max-model-len', '--max-loras', '--max-lora-rank', '--enforce-eager', '--enable-prefix-caching'];
  const booleans = ['--enforce-eager', '--enable-prefix-caching'];
  it.each([
    ['--max-model-len', ['--max-model-len']],
    ['--no-enforce-eager', ['--enforce-eager']],
    ['--max-model', ['--max-model-len']],
    ['--max-lora', ['--max-loras', '--max-lora-rank']],
    ['--no-enable-prefix', ['--enable-prefix-caching']],
    ['--disable-log-requests', []],
    ['--max-model-length', []],
    ['-q', []],
  ])('%s may stand for %j', (flag, targets) => expect(vllmFlagTargets(flag, flags, booleans)).toEqual(targets));
});
