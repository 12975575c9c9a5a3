/**
 * Scrapes the engine before and after a load run and compares: {@link startServerMetrics} reads
 * every target once before the first request (a target that cannot be read fails the run before
 * it starts), and `finish` reads them again and builds the report.
 */
import { RunError } from '../errors';
import type { LoadSummary } from '../result';
import { compareServer, type ScrapePair } from './compare';
import { type Exposition, parseExposition } from './exposition';
import type { ServerMetricsReport } from './result';
import { type MetricsTarget, type PodProxy, podTarget, urlTarget } from './targets';

/** Where the engine's metrics are read. */
export type ServerMetricsSource =
  | { readonly kind: 'service'; readonly url: string }
  | { readonly kind: 'urls'; readonly urls: readonly string[] }
  | {
      readonly kind: 'kube';
      readonly kube: PodProxy & { listReadyPods(namespace: string, service: string): Promise<string[]> };
      readonly namespace: string;
      readonly service: string;
      readonly port: number;
    };

/** A run's server-side reading, started before the load. */
export interface ServerMetricsRun {
  /** The targets scraped before the run. */
  readonly targets: readonly string[];
  /** Reads the targets again as the baseline: after a warm-up request the run should not count. */
  rebase(): Promise<void>;
  /** Scrapes again and compares with the client's summary of the same run. */
  finish(client: LoadSummary, model: string): Promise<ServerMetricsReport>;
}

async function targetsOf(source: ServerMetricsSource): Promise<MetricsTarget[]> {
  switch (source.kind) {
    case 'service':
      return [urlTarget(source.url)];
    case 'urls':
      return source.urls.map((u) => urlTarget(u));
    case 'kube': {
      const pods = await source.kube.listReadyPods(source.namespace, source.service);
      if (pods.length === 0) {
        throw new RunError(
          `service ${source.namespace}/${source.service} has no ready pod to read /metrics from; check --namespace and --service`,
        );
      }
      return pods.map((p) => podTarget(source.kube, source.namespace, p, source.port));
    }
  }
}

async function scrape(t: MetricsTarget): Promise<Exposition> {
  const text = await t.scrape();
  try {
    return parseExposition(text);
  } catch (err) {
    throw new RunError(`server metrics ${t.name} are not Prometheus text: ${(err as Error).message}`);
  }
}

/** Options of the reading; defaults suit a real server. */
export interface ServerMetricsOptions {
  /**
   * Scrapes after the run while the engine has finished fewer requests than the client saw: a
   * server records a request a moment after its last byte. @default 3
   */
  readonly settleScrapes?: number;
  /** @default 200 */
  readonly settleMs?: number;
}

/**
 * Reads every target once. Throws RunError (exit 1) naming a target that cannot be read, before
 * any load is sent.
 */
export async function startServerMetrics(source: ServerMetricsSource, opts: ServerMetricsOptions = {}): Promise<ServerMetricsRun> {
  const targets = await targetsOf(source);
  const before = new Map<string, Exposition>();
  for (const t of targets) before.set(t.name, await scrape(t));
  return {
    targets: targets.map((t) => t.name),
    async rebase() {
      for (const t of targets) before.set(t.name, await scrape(t));
    },
    async finish(client, model) {
      // Pods that became ready during the run served part of it: read them too, from zero.
      const now = source.kind === 'kube' ? await targetsOf(source).catch(() => targets) : targets;
      const read = async (): Promise<ServerMetricsReport> => {
        const pairs: ScrapePair[] = [];
        const failed: string[] = [];
        for (const t of now) {
          try {
            pairs.push({ target: t.name, before: before.get(t.name) ?? null, after: await scrape(t) });
          } catch (err) {
            failed.push(`${t.name}: ${(err as Error).message}`);
          }
        }
        if (pairs.length === 0) throw new RunError(`server metrics could not be read after the run: ${failed.join('; ')}`);
        const report = compareServer(pairs, model, client, source.kind);
        const gone = [...before.keys()].filter((name) => !now.some((t) => t.name === name));
        const notes = [
          ...failed.map((f) => `not read after the run, so left out: ${f}`),
          ...gone.map((g) => `${g} was no longer ready after the run, so its requests are left out`),
          ...now.filter((t) => !before.has(t.name)).map((t) => `${t.name} became ready during the run: counted from its start`),
        ];
        return { ...report, notes: [...report.notes, ...notes] };
      };
      let report = await read();
      for (let i = 0; i < (opts.settleScrapes ?? 3) && report.requests < client.requests.succeeded; i++) {
        await new Promise((r) => setTimeout(r, opts.settleMs ?? 200));
        report = await read();
      }
      return report;
    },
  };
}
