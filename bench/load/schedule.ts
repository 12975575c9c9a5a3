import { gamma, seededRandom } from './random';

/** How load is offered: a fixed number of users (closed loop) or an arrival rate (open loop). */
export type LoadProfile =
  | { readonly kind: 'concurrency'; readonly concurrency: number }
  | {
      readonly kind: 'rate';
      /** Mean arrivals per second. */
      readonly rate: number;
      /** Gamma shape of inter-arrival gaps: 1 = Poisson, < 1 burstier, > 1 smoother. */
      readonly burstiness: number;
    };

/** A short label for reports: `concurrency 8` or `rate 4/s (burstiness 1)`. */
export function describeProfile(p: LoadProfile): string {
  switch (p.kind) {
    case 'concurrency':
      return `concurrency ${p.concurrency}`;
    case 'rate':
      return `rate ${p.rate}/s${p.burstiness === 1 ? ' (Poisson)' : ` (burstiness ${p.burstiness})`}`;
    default: {
      const never: never = p;
      return never;
    }
  }
}

/**
 * Open-loop inter-arrival gaps in ms, as vLLM's benchmark draws them: gamma with shape
 * `burstiness` and scale `1 / (rate × burstiness)`, so the mean is `1 / rate` for any shape.
 */
export function arrivalGaps(rate: number, burstiness: number, seed: number): () => number {
  const random = seededRandom(seed);
  const scaleSec = 1 / (rate * burstiness);
  return () => gamma(random, burstiness, scaleSec) * 1000;
}
