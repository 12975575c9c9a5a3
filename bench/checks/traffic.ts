/**
 * Background load for the cluster-side checks: a steady (or stepped) load from the load engine,
 * with every finished request counted into the current timeline sample.
 */
import type { RequestRecord } from '../client/openai';
import { RunError } from '../errors';
import { type LoadOptions, type LoadRun, startLoad } from '../load/engine';
import type { LoadProfile } from '../load/schedule';
import type { LoadResult } from '../result';

/** What the load saw during one timeline sample (requests by the time they ended). */
export interface TrafficSample {
  readonly completed: number;
  readonly failed: number;
  /** Failures by reason (`connect_refused`, `stream_cut`, `http_503`, …). */
  readonly errors: Readonly<Record<string, number>>;
  readonly ttftP50Ms: number | null;
  readonly ttftP95Ms: number | null;
  readonly e2eP95Ms: number | null;
}

/** Nearest-rank percentile of a small array; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Counts requests into samples and totals. */
export class TrafficMeter {
  private completed = 0;
  private failed = 0;
  private errors: Record<string, number> = {};
  private ttft: number[] = [];
  private e2e: number[] = [];
  /** Over the meter's life. */
  readonly totals = { succeeded: 0, failed: 0, errors: {} as Record<string, number>, errorMessages: {} as Record<string, string> };

  record(r: RequestRecord): void {
    if (r.outcome === 'cancelled') return;
    if (r.outcome === 'failure') {
      const reason = r.reason ?? 'unknown';
      this.failed++;
      this.errors[reason] = (this.errors[reason] ?? 0) + 1;
      this.totals.failed++;
      this.totals.errors[reason] = (this.totals.errors[reason] ?? 0) + 1;
      if (this.totals.errorMessages[reason] === undefined && r.message !== undefined) this.totals.errorMessages[reason] = r.message;
      return;
    }
    this.completed++;
    this.totals.succeeded++;
    if (r.ttftMs !== undefined) this.ttft.push(r.ttftMs);
    this.e2e.push(r.e2eMs);
  }

  /** The sample since the last call. */
  take(): TrafficSample {
    const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
    const sample: TrafficSample = {
      completed: this.completed,
      failed: this.failed,
      errors: this.errors,
      ttftP50Ms: round(percentile(this.ttft, 50)),
      ttftP95Ms: round(percentile(this.ttft, 95)),
      e2eP95Ms: round(percentile(this.e2e, 95)),
    };
    this.completed = 0;
    this.failed = 0;
    this.errors = {};
    this.ttft = [];
    this.e2e = [];
    return sample;
  }
}

/** Load options without the stop condition: the background load runs until stopped. */
export type BackgroundLoadOptions = Omit<LoadOptions, 'requests' | 'durationSec' | 'untilStopped'>;

/**
 * A load that runs until stopped and can change its profile on the way (autoscale steps). Each
 * profile is its own load run (the first with the engine's preflight, the rest without); the
 * next one starts before the previous one drains, so the offered load never pauses.
 */
export class BackgroundLoad {
  readonly meter = new TrafficMeter();
  private readonly runs: LoadRun[] = [];
  private readonly results: Promise<LoadResult>[] = [];

  private constructor(private readonly opts: BackgroundLoadOptions) {}

  /**
   * Starts the load and resolves once its first measured request is on the wire. Throws
   * RunError when the preflight fails (unreachable, key refused, model not served).
   */
  static async start(opts: BackgroundLoadOptions): Promise<BackgroundLoad> {
    const load = new BackgroundLoad(opts);
    await load.launch(opts.profile, opts.preflight ?? true);
    return load;
  }

  private async launch(profile: LoadProfile, withPreflight: boolean): Promise<void> {
    const run = startLoad(
      { maxUnreachableSec: null, ...this.opts, profile, untilStopped: true, preflight: withPreflight },
      { onRequest: (r) => this.meter.record(r) },
    );
    this.runs.push(run);
    this.results.push(run.done);
    let started = false;
    const early = run.done.then((r) => {
      if (!started) throw new RunError(r.aborted?.reason ?? `the load against ${this.opts.baseUrl} ended before its first request`);
    });
    const first = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (run.progress().started > 0) {
          started = true;
          clearInterval(poll);
          resolve();
        }
      }, 5);
      void run.done.finally(() => clearInterval(poll));
    });
    await Promise.race([first, early]);
  }

  /** Switches to another profile: the new run starts, then the old one stops sending. */
  async step(profile: LoadProfile): Promise<void> {
    const previous = this.runs.at(-1);
    await this.launch(profile, false);
    void previous?.stop();
  }

  /** Stops sending; requests in flight finish. Returns one result per profile, in order. */
  async stop(): Promise<LoadResult[]> {
    for (const run of this.runs) void run.stop();
    return Promise.all(this.results);
  }
}
