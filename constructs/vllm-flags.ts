/**
 * Which flag an argument really sets when `vllm serve` (v0.18) parses it, so a list of extra
 * arguments can be checked by meaning rather than by spelling. Imports nothing.
 *
 * vLLM's parser accepts one flag in many spellings, read in local-inference-lab/vllm at
 * 761e0aa7a01ca764fdbe0eef563f0e8855630fe4 (the v0.18.0 cut, see /work/shared/vllm-0.18-notes.md §0):
 * - `_` for `-` in a long flag's name, up to the first `.`: `--max_model_len`
 *   (FlexibleArgumentParser.parse_args, vllm/utils/argparse_utils.py:234-257);
 * - `--flag=value`, and `--flag.key=value` for a field of a JSON flag (same place);
 * - short aliases (vllm/engine/arg_utils.py:696, 814-903, 1281-1284;
 *   vllm/entrypoints/openai/cli_args.py:339), and `-O<n>` for `--optimization-level`
 *   (argparse_utils.py:258-267); a one-letter alias also takes its value attached (`-qawq`);
 * - `--no-<flag>` for every boolean flag (BooleanOptionalAction, arg_utils.py:299);
 * - any unambiguous prefix of a long flag (`--max-model` for `--max-model-len`): the parser
 *   is a plain argparse.ArgumentParser and never sets allow_abbrev=False.
 */

/** vLLM 0.18's short aliases and the long flag each stands for. */
export const VLLM_SHORT_ALIASES: Readonly<Record<string, string>> = {
  '-q': '--quantization',
  '-pp': '--pipeline-parallel-size',
  '-n': '--nnodes',
  '-r': '--node-rank',
  '-tp': '--tensor-parallel-size',
  '-dcp': '--decode-context-parallel-size',
  '-pcp': '--prefill-context-parallel-size',
  '-dp': '--data-parallel-size',
  '-dpn': '--data-parallel-rank',
  '-dpr': '--data-parallel-start-rank',
  '-dpl': '--data-parallel-size-local',
  '-dpa': '--data-parallel-address',
  '-dpp': '--data-parallel-rpc-port',
  '-dpb': '--data-parallel-backend',
  '-dph': '--data-parallel-hybrid-lb',
  '-dpe': '--data-parallel-external-lb',
  '-ep': '--enable-expert-parallel',
  '-cc': '--compilation-config',
  '-ac': '--attention-config',
  '-asc': '--api-server-count',
};

/** One argument that vLLM reads as a flag. */
export interface VllmFlagUse {
  /** Position in the argument list. */
  readonly index: number;
  /** The argument as written. */
  readonly written: string;
  /**
   * The long flag it sets, in vLLM's canonical spelling: `--max-model-len` for
   * `--max_model_len=8192`, `--quantization` for `-qawq`, `--no-enforce-eager` as is.
   */
  readonly flag: string;
}

/** A negative number is a value, not a flag (argparse reads `-1` as a value when no option looks like one). */
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/**
 * The long flag `arg` sets, or undefined when vLLM reads it as a value. Unknown short options
 * come back as written (without a value), so a caller still sees them as flags.
 */
export function canonicalVllmFlag(arg: string): string | undefined {
  if (arg === '--') return arg;
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0]!;
    const dot = name.indexOf('.');
    const base = dot < 0 ? name : name.slice(0, dot);
    return `--${base.replaceAll('_', '-')}`;
  }
  if (!arg.startsWith('-') || arg.length < 2 || NEGATIVE_NUMBER.test(arg)) return undefined;
  if (arg.startsWith('-O')) return '--optimization-level';
  const name = arg.split('=')[0]!;
  if (VLLM_SHORT_ALIASES[name]) return VLLM_SHORT_ALIASES[name];
  // argparse reads `-qawq` as `-q awq`: a one-letter option takes an attached value.
  const oneLetter = VLLM_SHORT_ALIASES[arg.slice(0, 2)];
  return oneLetter ?? name;
}

/** Every argument of `args` that vLLM reads as a flag, with the long flag it sets. */
export function vllmFlagUses(args: readonly string[]): VllmFlagUse[] {
  const uses: VllmFlagUse[] = [];
  args.forEach((written, index) => {
    const flag = canonicalVllmFlag(written);
    if (flag !== undefined) uses.push({ index, written, flag });
  });
  return uses;
}

/**
 * The flags among `flags` that a long flag may stand for: itself, the positive flag of a
 * `--no-` negation, or every flag it is a proper prefix of (argparse expands an unambiguous
 * prefix and rejects an ambiguous one, so either way it is not a flag of its own).
 *
 * @param booleans the flags of `flags` that also take a `--no-` form
 */
export function vllmFlagTargets(flag: string, flags: readonly string[], booleans: readonly string[]): string[] {
  if (!flag.startsWith('--') || flag === '--') return [];
  if (flags.includes(flag)) return [flag];
  const negated = flag.startsWith('--no-') ? `--${flag.slice(5)}` : undefined;
  if (negated && booleans.includes(negated)) return [negated];
  const spellings = [...flags.map((f) => ({ f, s: f })), ...booleans.map((f) => ({ f, s: `--no-${f.slice(2)}` }))];
  return [...new Set(spellings.filter(({ s }) => s.length > flag.length && s.startsWith(flag)).map(({ f }) => f))];
}
