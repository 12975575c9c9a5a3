import { decodeFromCompressedBase64, encodeIntoCompressedBase64, Int32Histogram, JsHistogram } from 'hdr-histogram-js';
import type { Distribution, EncodedHistogram, LatencyStats } from '../result';

/** Highest latency the histograms track: one hour, in µs; longer samples are clamped. */
const MAX_US = 3_600_000_000;
/** Significant digits of every latency histogram: values are kept within 0.1 %. */
const SIGNIFICANT_DIGITS = 3;

/** Percentiles of the CDF the HTML report draws. */
const CDF_PERCENTILES = [
  0, 1, 2, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 92, 94, 95, 96, 97, 98, 99, 99.5, 99.9, 100,
];

/**
 * A latency distribution: an HDR histogram in µs (3 significant digits, so percentiles are within
 * 0.1 %) plus exact count, sum, min and max, so the mean and extremes are not bucket-rounded.
 */
export class LatencyHistogram {
  private h = new Int32Histogram(1, MAX_US, SIGNIFICANT_DIGITS);
  private sum = 0;
  private minMs = Infinity;
  private maxMs = -Infinity;
  count = 0;

  record(ms: number): void {
    const v = ms < 0 ? 0 : ms;
    this.h.recordValue(Math.min(Math.round(v * 1000), MAX_US));
    this.count++;
    this.sum += v;
    if (v < this.minMs) this.minMs = v;
    if (v > this.maxMs) this.maxMs = v;
  }

  /**
   * The histogram as it goes into a result file: the HDR histogram in its standard compressed
   * base64 form (µs, the same form HdrHistogram's other ports read) plus the exact count, sum and
   * extremes, so a reader can merge runs or workers exactly and compute intervals.
   */
  encode(): EncodedHistogram {
    const empty = this.count === 0;
    return {
      unit: 'us',
      significantDigits: SIGNIFICANT_DIGITS,
      count: this.count,
      sumMs: this.sum,
      minMs: empty ? null : this.minMs,
      maxMs: empty ? null : this.maxMs,
      hdr: encodeIntoCompressedBase64(this.h),
    };
  }

  /** A histogram read back from {@link encode}'s output; throws a RangeError on a corrupt one. */
  static decode(e: EncodedHistogram): LatencyHistogram {
    const out = new LatencyHistogram();
    let h: ReturnType<typeof decodeFromCompressedBase64>;
    try {
      h = decodeFromCompressedBase64(e.hdr, 32, false);
    } catch (err) {
      throw new RangeError(`histogram is not a compressed HDR histogram: ${(err as Error).message}`);
    }
    // Without WebAssembly the decoder builds a JsHistogram; anything else is not ours to add.
    if (!(h instanceof JsHistogram)) throw new RangeError('histogram decoded into an unexpected implementation');
    if (h.totalCount !== e.count) throw new RangeError(`histogram holds ${h.totalCount} samples but says count ${e.count}`);
    out.h = new Int32Histogram(1, MAX_US, SIGNIFICANT_DIGITS);
    out.h.add(h);
    out.count = e.count;
    out.sum = e.sumMs;
    out.minMs = e.minMs ?? Infinity;
    out.maxMs = e.maxMs ?? -Infinity;
    return out;
  }

  /** Adds another histogram's samples (another worker's or another run's): exact, no resampling. */
  merge(other: LatencyHistogram): void {
    this.h.add(other.h);
    this.count += other.count;
    this.sum += other.sum;
    if (other.minMs < this.minMs) this.minMs = other.minMs;
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs;
  }

  /**
   * Recorded values in ascending order as [value ms, count] pairs (each the bucket's median
   * equivalent, clamped to the exact extremes): what resampling and interval code reads.
   */
  *buckets(): Generator<[number, number]> {
    const it = this.h.recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const step = it.next();
      const ms = Math.min(Math.max(this.h.medianEquivalentValue(step.valueIteratedTo) / 1000, this.minMs), this.maxMs);
      yield [ms, step.countAtValueIteratedTo];
    }
  }

  /** Nearest-rank percentile in ms (0..100), clamped to the exact extremes; null when empty. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const v = this.h.getValueAtPercentile(p) / 1000;
    return Math.min(Math.max(v, this.minMs), this.maxMs);
  }

  stats(): LatencyStats {
    const p = (q: number) => round3(this.percentile(q));
    const empty = this.count === 0;
    return {
      count: this.count,
      mean: empty ? null : round3(this.sum / this.count),
      min: empty ? null : round3(this.minMs),
      p50: p(50),
      p90: p(90),
      p95: p(95),
      p99: p(99),
      max: empty ? null : round3(this.maxMs),
    };
  }

  /** CDF points and `binCount` linear bins between min and max, for charts. */
  distribution(binCount = 30): Distribution {
    if (this.count === 0) return { cdf: [], bins: [] };
    const cdf = CDF_PERCENTILES.map((q): [number, number] => [q, round3(this.percentile(q))!]);
    const lo = this.minMs;
    const width = Math.max(this.maxMs - lo, 0.001) / binCount;
    const counts = new Array<number>(binCount).fill(0);
    for (const [ms, n] of this.buckets()) {
      const i = Math.min(Math.floor((ms - lo) / width), binCount - 1);
      counts[i]! += n;
    }
    return { cdf, bins: counts.map((count, i) => ({ fromMs: round3(lo + i * width)!, toMs: round3(lo + (i + 1) * width)!, count })) };
  }
}

/** Nearest-rank percentile of an unsorted sample (for per-second buckets); null when empty. */
export function samplePercentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const rank = Math.max(Math.ceil((p / 100) * values.length), 1);
  return round3(values[rank - 1]!);
}

/** Rounds to µs, which is all the precision a report needs and keeps JSON short. */
export function round3(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000;
}
