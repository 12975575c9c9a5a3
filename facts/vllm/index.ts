/**
 * Recorded vLLM surfaces, one per supported release, and the few rules needed to read them:
 * versions from image tags, histogram bounds, exposition series names, flag spellings.
 *
 * Leaf module: imports nothing from the project.
 */
import type { BucketFact, FlagFact, MetricFamilyFact, VllmSurface } from './types';
import { VLLM_0_18_0 } from './v0.18.0';

export type * from './types';
export { VLLM_0_18_0 } from './v0.18.0';

/** Every recorded surface, oldest first. */
export const VLLM_SURFACES: readonly VllmSurface[] = [VLLM_0_18_0];

/** The newest recorded surface: what the project's defaults are checked against. */
export const CURRENT_VLLM: VllmSurface = VLLM_SURFACES[VLLM_SURFACES.length - 1]!;

/** A vLLM release as numbers. */
export interface VllmVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** `0.18.0` (no pre-release or build suffix). */
  readonly text: string;
}

/**
 * The vLLM release an image tag or version names: `v0.18.0`, `0.18.0`, `v0.18.1-cu128` (vLLM's
 * CUDA-variant tags). Null for anything else (`latest`, `nightly`, a commit).
 */
export function parseVllmVersion(tagOrVersion: string): VllmVersion | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+.][0-9A-Za-z.-]+)?$/.exec(tagOrVersion.trim());
  if (!m) return null;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { major, minor, patch, text: `${major}.${minor}.${patch}` };
}

/** Negative when a is older than b, 0 when equal, positive when newer. */
export function compareVllmVersions(a: VllmVersion | string, b: VllmVersion | string): number {
  const pa = typeof a === 'string' ? parseVllmVersion(a) : a;
  const pb = typeof b === 'string' ? parseVllmVersion(b) : b;
  if (!pa || !pb)
    throw new Error(
      `compareVllmVersions needs two versions like 0.18.0, got ${typeof a === 'string' ? a : JSON.stringify(a)} and ${typeof b === 'string' ? b : JSON.stringify(b)}`,
    );
  return pa.major - pb.major || pa.minor - pb.minor || pa.patch - pb.patch;
}

/** vLLM's `build_buckets([1, 2, 5], max)`: 1, 2, 5, 10, 20, 50, … while ≤ max. */
export function oneTwoFiveBuckets(max: number, mantissas: readonly number[] = [1, 2, 5]): number[] {
  const out: number[] = [];
  for (let exponent = 0; ; exponent++) {
    for (const m of mantissas) {
      const value = m * 10 ** exponent;
      if (value > max) return out;
      out.push(value);
    }
  }
}

/** The finite `le` bounds of a histogram family for a model served with `maxModelLen`. */
export function bucketBounds(buckets: BucketFact, maxModelLen: number): number[] {
  return buckets.kind === 'fixed' ? [...buckets.bounds] : oneTwoFiveBuckets(maxModelLen, buckets.mantissas);
}

/**
 * The sample names a family exposes (without the `_created` gauge): counters and gauges their
 * name, histograms `_bucket`, `_count`, `_sum`.
 */
export function sampleNames(f: Pick<MetricFamilyFact, 'name' | 'type'>): string[] {
  return f.type === 'histogram' ? [`${f.name}_bucket`, `${f.name}_count`, `${f.name}_sum`] : [f.name];
}

/** The `_created` gauge family prometheus_client adds after a counter or histogram. */
export function createdFamilyName(f: Pick<MetricFamilyFact, 'name' | 'type'>): string | null {
  if (f.type === 'gauge') return null;
  return `${f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name}_created`;
}

/** The family that exposes `series` (`vllm:x_bucket` → `vllm:x`), if the surface records it. */
export function familyOfSeries(surface: VllmSurface, series: string): MetricFamilyFact | undefined {
  const all = [...surface.metrics.families, surface.metrics.http];
  return all.find((f) => sampleNames(f).includes(series));
}

/**
 * A flag as vLLM would read it: long name with `-` for `_` (vLLM rewrites underscores), short
 * aliases resolved. Returns the long name and its fact, or undefined when vLLM has no such flag.
 */
export function lookupFlag(surface: VllmSurface, spelling: string): { readonly name: string; readonly fact: FlagFact } | undefined {
  const flag = spelling.split('=')[0]!;
  const normal = flag.startsWith('--') ? `--${flag.slice(2).replace(/_/g, '-')}` : flag;
  const flags = surface.cli.flags;
  const negated = normal.startsWith('--no-') ? `--${normal.slice(5)}` : undefined;
  for (const [name, fact] of Object.entries(flags)) {
    if (name === normal || fact.aliases?.includes(normal)) return { name, fact };
    if (negated === name && fact.type === 'bool') return { name, fact };
  }
  return undefined;
}
