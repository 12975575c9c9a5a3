/**
 * The metric definitions every report states: what TTFT, TPOT, ITL and E2E mean and how tokens
 * and outcomes are counted (bench/README.md shows them too).
 *
 * One text per metric, reused by the JSON result, the Markdown and HTML reports and the README,
 * so a reader of any artifact knows exactly what a number means.
 */
export const METRIC_DEFINITIONS = {
  ttftMs: 'Time to first token: request sent → arrival of the first chunk carrying generated text (a role-only chunk does not count).',
  tpotMs: 'Time per output token: (arrival of the last token − TTFT) / (output tokens − 1); requests with one output token have none.',
  itlMs: 'Inter-token latency: gaps between arrivals of successive chunks carrying generated text (chunks read together count as 0 ms).',
  e2eMs: 'End-to-end latency: request sent → end of the response stream.',
  requestThroughput: 'Successful requests per second of run time (first request sent → last request ended).',
  outputTokenThroughput: "Output tokens of successful requests per second of run time; tokens come from the server's usage report.",
  errorRate: 'Failed requests / (succeeded + failed); cancelled requests (cut by the client when a run stops) count in neither.',
  statistics:
    'Latency statistics use successful requests only. Percentiles are nearest-rank from an HDR histogram with 3 significant digits (±0.1 %); mean and max are exact. Timestamps are taken when a network read arrives, before parsing.',
} as const;
