import type { RequestRecord } from '../client/openai';
import type { LoadSummary, SlowRequest, TimelineBucket } from '../result';
import { LatencyHistogram, round3, samplePercentile } from './stats';

interface BucketAccumulator {
  started: number;
  completed: number;
  failed: number;
  outputTokens: number;
  ttft: number[];
  e2e: number[];
  errors: Record<string, number> | undefined;
}

/** How many of the slowest requests a result names. */
export const SLOWEST_KEPT = 5;

/** `list` with `r` added, sorted slowest first and cut to {@link SLOWEST_KEPT}. */
export function keepSlowest(list: readonly SlowRequest[], more: readonly SlowRequest[]): SlowRequest[] {
  return [...list, ...more].sort((a, b) => b.e2eMs - a.e2eMs || a.requestId.localeCompare(b.requestId)).slice(0, SLOWEST_KEPT);
}

function emptyBucket(): BucketAccumulator {
  return { started: 0, completed: 0, failed: 0, outputTokens: 0, ttft: [], e2e: [], errors: undefined };
}

/**
 * Turns request records into run statistics: HDR histograms for the whole run and one timeline
 * bucket per second (by completion time) that can be closed while the run goes on.
 *
 * Only successful requests feed latencies and tokens; failures count by reason; cancelled
 * requests (cut by the client on stop) count separately and nowhere else.
 */
export class Collector {
  readonly ttft = new LatencyHistogram();
  readonly tpot = new LatencyHistogram();
  readonly itl = new LatencyHistogram();
  readonly e2e = new LatencyHistogram();
  started = 0;
  succeeded = 0;
  failed = 0;
  cancelled = 0;
  maxInFlight = 0;
  private inputTokens = 0;
  private inputReports = 0;
  private outputTokens = 0;
  private usageMissing = 0;
  private readonly errors: Record<string, number> = {};
  private readonly errorMessages: Record<string, string> = {};
  private readonly open: BucketAccumulator[] = [];
  /** Index (second) of `open[0]`. */
  private firstOpen = 0;
  readonly timeline: TimelineBucket[] = [];
  /** Output tokens by the bucket they arrived in (index = bucket), for {@link finalTimeline}. */
  private readonly arrivals: number[] = [];
  /** The slowest finished requests so far, slowest first. */
  slowest: SlowRequest[] = [];

  constructor(
    readonly startMs: number,
    private readonly bucketMs: number,
  ) {}

  /** Counts a request sent at `atMs`. */
  onStart(atMs: number, inFlight: number): void {
    this.started++;
    if (inFlight > this.maxInFlight) this.maxInFlight = inFlight;
    this.bucket(atMs).started++;
  }

  /** Adds a finished request; returns nothing, the record is not kept. */
  onEnd(r: RequestRecord): void {
    if (r.outcome === 'cancelled') {
      this.cancelled++;
      return;
    }
    const b = this.bucket(r.startMs + r.e2eMs);
    // A cheap test first: at full load almost no request is among the slowest.
    if (this.slowest.length < SLOWEST_KEPT || r.e2eMs > this.slowest[this.slowest.length - 1]!.e2eMs) {
      const slow: SlowRequest = { requestId: r.id, outcome: r.outcome, e2eMs: round3(r.e2eMs)!, ttftMs: round3(r.ttftMs ?? null) };
      this.slowest = keepSlowest(this.slowest, [r.traceId === undefined ? slow : { ...slow, traceId: r.traceId }]);
    }
    if (r.outcome === 'failure') {
      this.failed++;
      b.failed++;
      const reason = r.reason ?? 'client_error';
      this.errors[reason] = (this.errors[reason] ?? 0) + 1;
      if (this.errorMessages[reason] === undefined && r.message !== undefined) this.errorMessages[reason] = r.message;
      b.errors ??= {};
      b.errors[reason] = (b.errors[reason] ?? 0) + 1;
      return;
    }
    this.succeeded++;
    b.completed++;
    let out = r.outputTokens;
    if (out === undefined) {
      // A server without usage: content chunks are the best count available, and the summary says so.
      out = r.contentChunks;
      this.usageMissing++;
    }
    this.outputTokens += out;
    b.outputTokens += out;
    this.spreadArrivals(r, out);
    if (r.inputTokens !== undefined) {
      this.inputTokens += r.inputTokens;
      this.inputReports++;
    }
    this.e2e.record(r.e2eMs);
    b.e2e.push(r.e2eMs);
    if (r.ttftMs !== undefined) {
      this.ttft.record(r.ttftMs);
      b.ttft.push(r.ttftMs);
      if (r.lastTokenMs !== undefined && out > 1) this.tpot.record((r.lastTokenMs - r.ttftMs) / (out - 1));
      for (const gap of r.itlMs) this.itl.record(gap);
    }
  }

  /**
   * Tokens by the bucket they arrived in: the first at the first token, the rest spread evenly
   * up to the last token (the client keeps no per-token times; inter-token gaps are near even).
   * Walks bucket indexes, not times: a time rebuilt from a bucket edge (`startMs + k · bucketMs`)
   * can round back into the bucket before, and a walk by time then never moves (it spun a worker).
   */
  private spreadArrivals(r: RequestRecord, tokens: number): void {
    if (tokens <= 0) return;
    const end = r.startMs + (r.lastTokenMs ?? r.e2eMs) - this.startMs;
    const first = r.ttftMs === undefined ? end : r.startMs + r.ttftMs - this.startMs;
    // Times before the run's start count in its first bucket.
    const bucketOf = (ms: number) => Math.max(0, Math.floor(ms / this.bucketMs));
    const add = (i: number, n: number) => (this.arrivals[i] = (this.arrivals[i] ?? 0) + n);
    if (tokens === 1 || !(end > first)) return void add(bucketOf(end), tokens);
    add(bucketOf(first), 1);
    const rate = (tokens - 1) / (end - first);
    const firstBucket = bucketOf(first);
    const lastBucket = bucketOf(end);
    for (let i = firstBucket; i <= lastBucket; i++) {
      const from = i === firstBucket ? first : i * this.bucketMs;
      const to = i === lastBucket ? end : (i + 1) * this.bucketMs;
      if (to > from) add(i, (to - from) * rate);
    }
  }

  /** The timeline with each bucket's arrived tokens, once the run is over (see {@link TimelineBucket.tokensArrived}). */
  finalTimeline(): TimelineBucket[] {
    return this.timeline.map((b, i) => ({ ...b, tokensArrived: Math.round((this.arrivals[i] ?? 0) * 1000) / 1000 }));
  }

  /** Closes every bucket that ended by `nowMs` and returns the newly closed ones. */
  closeBuckets(nowMs: number, inFlight: number): TimelineBucket[] {
    const upTo = Math.floor((nowMs - this.startMs) / this.bucketMs); // first bucket still running
    const closed: TimelineBucket[] = [];
    while (this.firstOpen < upTo) {
      const acc = this.open.shift() ?? emptyBucket();
      const bucket: TimelineBucket = {
        t: (this.firstOpen * this.bucketMs) / 1000,
        started: acc.started,
        completed: acc.completed,
        failed: acc.failed,
        inFlight,
        outputTokens: acc.outputTokens,
        ttftMs: { p50: samplePercentile(acc.ttft, 50), p95: samplePercentile(acc.ttft, 95) },
        e2eMs: { p50: samplePercentile(acc.e2e, 50), p95: samplePercentile(acc.e2e, 95) },
        ...(acc.errors !== undefined && { errors: acc.errors }),
      };
      this.timeline.push(bucket);
      closed.push(bucket);
      this.firstOpen++;
    }
    return closed;
  }

  /** Closes the last, partial bucket too (at the end of a run). */
  closeAll(endMs: number): TimelineBucket[] {
    return this.closeBuckets(endMs + this.bucketMs - 1, 0);
  }

  summary(durationSec: number): LoadSummary {
    const finished = this.succeeded + this.failed;
    const perSec = (n: number) => (durationSec > 0 ? round3(n / durationSec)! : 0);
    return {
      durationSec: round3(durationSec)!,
      requests: { total: this.started, succeeded: this.succeeded, failed: this.failed, cancelled: this.cancelled },
      ttftMs: this.ttft.stats(),
      tpotMs: this.tpot.stats(),
      itlMs: this.itl.stats(),
      e2eMs: this.e2e.stats(),
      requestThroughput: perSec(this.succeeded),
      outputTokenThroughput: perSec(this.outputTokens),
      inputTokens: { total: this.inputTokens, mean: this.inputReports > 0 ? round3(this.inputTokens / this.inputReports) : null },
      outputTokens: { total: this.outputTokens, mean: this.succeeded > 0 ? round3(this.outputTokens / this.succeeded) : null },
      // Not rounded: a threshold like errorRate<0.001 must see 0.0004 as it is.
      errorRate: finished > 0 ? this.failed / finished : null,
      errors: { ...this.errors },
      errorMessages: { ...this.errorMessages },
      usageMissing: this.usageMissing,
      maxInFlight: this.maxInFlight,
    };
  }

  private bucket(atMs: number): BucketAccumulator {
    // A record that lands in an already closed second (a timer ran late) joins the first open one.
    const index = Math.max(Math.floor((atMs - this.startMs) / this.bucketMs), this.firstOpen);
    const offset = index - this.firstOpen;
    while (this.open.length <= offset) this.open.push(emptyBucket());
    return this.open[offset]!;
  }
}
