/**
 * vLLM 0.18.0 (released 2026-03-20), as read from its source: the flags `vllm serve` accepts,
 * the series /metrics exports, and how the OpenAI server answers the cases the platform relies on.
 *
 * Read on 2026-12-06 from upstream main history (public fork `local-inference-lab/vllm`, which
 * carries upstream commit hashes but no release tags). Line numbers are at the lower bracket
 * commit; every file cited is identical at the upper one except where a fact says otherwise.
 * Tests compare the project's flags, metrics catalog, rules, dashboards, KEDA queries and
 * simulator against this file; nothing here is derived from the project.
 */
import type { MetricFamilyFact, SourceRef, VllmSurface } from './types';

const LOGGERS = 'vllm/v1/metrics/loggers.py';
const ARGS = 'vllm/engine/arg_utils.py';
const at = (file: string, lines: string, repo?: string): SourceRef => (repo ? { file, lines, repo } : { file, lines });

/** vLLM's engine labels: every engine metric is created with `.labels(model_name, engine)`. */
const ENGINE = ['model_name', 'engine'] as const;

/** `request_latency_buckets` (loggers.py:819-841): E2E, queue, inference, prefill and decode time. */
const REQUEST_LATENCY = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
/** ITL and TPOT share these bounds (loggers.py:762-782 and 792-812). */
const TOKEN_LATENCY = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const ONE_TWO_FIVE = { kind: '1-2-5', mantissas: [1, 2, 5], upTo: 'max_model_len' } as const;

const families: MetricFamilyFact[] = [
  {
    name: 'vllm:num_requests_running',
    registeredAs: 'vllm:num_requests_running',
    type: 'gauge',
    help: 'Number of requests in model execution batches.',
    labels: ENGINE,
    source: at(LOGGERS, '435-444'),
  },
  {
    name: 'vllm:num_requests_waiting',
    registeredAs: 'vllm:num_requests_waiting',
    type: 'gauge',
    help: 'Number of requests waiting to be processed.',
    labels: ENGINE,
    source: at(LOGGERS, '445-454'),
  },
  {
    name: 'vllm:engine_sleep_state',
    registeredAs: 'vllm:engine_sleep_state',
    type: 'gauge',
    help: 'Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.',
    labels: [...ENGINE, 'sleep_state'],
    labelValues: { sleep_state: ['awake', 'weights_offloaded', 'discard_all'] },
    source: at(LOGGERS, '455-478'),
  },
  {
    name: 'vllm:kv_cache_usage_perc',
    registeredAs: 'vllm:kv_cache_usage_perc',
    type: 'gauge',
    help: 'KV-cache usage. 1 means 100 percent usage.',
    labels: ENGINE,
    source: at(LOGGERS, '481-490'),
  },
  {
    name: 'vllm:prefix_cache_queries_total',
    registeredAs: 'vllm:prefix_cache_queries',
    type: 'counter',
    help: 'Prefix cache queries, in terms of number of queried tokens.',
    labels: ENGINE,
    source: at(LOGGERS, '504-513'),
  },
  {
    name: 'vllm:prefix_cache_hits_total',
    registeredAs: 'vllm:prefix_cache_hits',
    type: 'counter',
    help: 'Prefix cache hits, in terms of number of cached tokens.',
    labels: ENGINE,
    source: at(LOGGERS, '515-522'),
  },
  {
    name: 'vllm:external_prefix_cache_queries_total',
    registeredAs: 'vllm:external_prefix_cache_queries',
    type: 'counter',
    help: 'External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens.',
    labels: ENGINE,
    source: at(LOGGERS, '528-538'),
  },
  {
    name: 'vllm:external_prefix_cache_hits_total',
    registeredAs: 'vllm:external_prefix_cache_hits',
    type: 'counter',
    help: 'External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens.',
    labels: ENGINE,
    source: at(LOGGERS, '540-550'),
  },
  {
    name: 'vllm:mm_cache_queries_total',
    registeredAs: 'vllm:mm_cache_queries',
    type: 'counter',
    help: 'Multi-modal cache queries, in terms of number of queried items.',
    labels: ENGINE,
    source: at(LOGGERS, '556-565'),
  },
  {
    name: 'vllm:mm_cache_hits_total',
    registeredAs: 'vllm:mm_cache_hits',
    type: 'counter',
    help: 'Multi-modal cache hits, in terms of number of cached items.',
    labels: ENGINE,
    source: at(LOGGERS, '567-576'),
  },
  {
    name: 'vllm:num_preemptions_total',
    registeredAs: 'vllm:num_preemptions',
    type: 'counter',
    help: 'Cumulative number of preemption from the engine.',
    labels: ENGINE,
    source: at(LOGGERS, '581-588'),
  },
  {
    name: 'vllm:prompt_tokens_total',
    registeredAs: 'vllm:prompt_tokens',
    type: 'counter',
    help: 'Number of prefill tokens processed.',
    labels: ENGINE,
    source: at(LOGGERS, '590-597'),
  },
  {
    name: 'vllm:prompt_tokens_by_source_total',
    registeredAs: 'vllm:prompt_tokens_by_source',
    type: 'counter',
    help: 'Number of prompt tokens by source.',
    labels: [...ENGINE, 'source'],
    labelValues: { source: ['local_compute', 'local_cache_hit', 'external_kv_transfer'] },
    source: at(LOGGERS, '600-612'),
  },
  {
    name: 'vllm:prompt_tokens_cached_total',
    registeredAs: 'vllm:prompt_tokens_cached',
    type: 'counter',
    help: 'Number of cached prompt tokens (local + external).',
    labels: ENGINE,
    source: at(LOGGERS, '615-622'),
  },
  {
    name: 'vllm:prompt_tokens_recomputed_total',
    registeredAs: 'vllm:prompt_tokens_recomputed',
    type: 'counter',
    help: 'Number of cached tokens recomputed for forward pass.',
    labels: ENGINE,
    source: at(LOGGERS, '625-632'),
  },
  {
    name: 'vllm:generation_tokens_total',
    registeredAs: 'vllm:generation_tokens',
    type: 'counter',
    help: 'Number of generation tokens processed.',
    labels: ENGINE,
    source: at(LOGGERS, '634-641'),
  },
  {
    name: 'vllm:request_success_total',
    registeredAs: 'vllm:request_success',
    type: 'counter',
    help: 'Count of successfully processed requests.',
    labels: [...ENGINE, 'finished_reason'],
    // One child per FinishReason, created at start (`str(reason)`: vllm/v1/engine/__init__.py:29, 62-63).
    labelValues: { finished_reason: ['stop', 'length', 'abort', 'error', 'repetition'] },
    source: at(LOGGERS, '643-655'),
  },
  {
    name: 'vllm:request_prompt_tokens',
    registeredAs: 'vllm:request_prompt_tokens',
    type: 'histogram',
    help: 'Number of prefill tokens processed.',
    labels: ENGINE,
    buckets: ONE_TWO_FIVE,
    source: at(LOGGERS, '660-668'),
  },
  {
    name: 'vllm:request_generation_tokens',
    registeredAs: 'vllm:request_generation_tokens',
    type: 'histogram',
    help: 'Number of generation tokens processed.',
    labels: ENGINE,
    buckets: ONE_TWO_FIVE,
    source: at(LOGGERS, '670-678'),
  },
  {
    name: 'vllm:iteration_tokens_total',
    registeredAs: 'vllm:iteration_tokens_total',
    type: 'histogram',
    help: 'Histogram of number of tokens per engine_step.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384] },
    source: at(LOGGERS, '683-691'),
  },
  {
    name: 'vllm:request_max_num_generation_tokens',
    registeredAs: 'vllm:request_max_num_generation_tokens',
    type: 'histogram',
    help: 'Histogram of maximum number of requested generation tokens.',
    labels: ENGINE,
    buckets: ONE_TWO_FIVE,
    source: at(LOGGERS, '693-701'),
  },
  {
    name: 'vllm:request_params_n',
    registeredAs: 'vllm:request_params_n',
    type: 'histogram',
    help: 'Histogram of the n request parameter.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: [1, 2, 5, 10, 20] },
    source: at(LOGGERS, '703-711'),
  },
  {
    name: 'vllm:request_params_max_tokens',
    registeredAs: 'vllm:request_params_max_tokens',
    type: 'histogram',
    help: 'Histogram of the max_tokens request parameter.',
    labels: ENGINE,
    buckets: ONE_TWO_FIVE,
    source: at(LOGGERS, '713-721'),
  },
  {
    name: 'vllm:time_to_first_token_seconds',
    registeredAs: 'vllm:time_to_first_token_seconds',
    type: 'histogram',
    help: 'Histogram of time to first token in seconds.',
    labels: ENGINE,
    buckets: {
      kind: 'fixed',
      bounds: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560],
    },
    source: at(LOGGERS, '726-757'),
  },
  {
    name: 'vllm:inter_token_latency_seconds',
    registeredAs: 'vllm:inter_token_latency_seconds',
    type: 'histogram',
    help: 'Histogram of inter-token latency in seconds.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: TOKEN_LATENCY },
    source: at(LOGGERS, '759-787'),
  },
  {
    name: 'vllm:request_time_per_output_token_seconds',
    registeredAs: 'vllm:request_time_per_output_token_seconds',
    type: 'histogram',
    // One sample per finished request with ≥ 2 tokens: (last token − first token) / (tokens − 1),
    // vllm/v1/metrics/stats.py:429-440.
    help: 'Histogram of time_per_output_token_seconds per request.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: TOKEN_LATENCY },
    source: at(LOGGERS, '789-817'),
  },
  {
    name: 'vllm:e2e_request_latency_seconds',
    registeredAs: 'vllm:e2e_request_latency_seconds',
    type: 'histogram',
    help: 'Histogram of e2e request latency in seconds.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY },
    source: at(LOGGERS, '819-850'),
  },
  {
    name: 'vllm:request_queue_time_seconds',
    registeredAs: 'vllm:request_queue_time_seconds',
    type: 'histogram',
    help: 'Histogram of time spent in WAITING phase for request.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY },
    source: at(LOGGERS, '852-860'),
  },
  {
    name: 'vllm:request_inference_time_seconds',
    registeredAs: 'vllm:request_inference_time_seconds',
    type: 'histogram',
    help: 'Histogram of time spent in RUNNING phase for request.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY },
    source: at(LOGGERS, '862-870'),
  },
  {
    name: 'vllm:request_prefill_time_seconds',
    registeredAs: 'vllm:request_prefill_time_seconds',
    type: 'histogram',
    help: 'Histogram of time spent in PREFILL phase for request.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY },
    source: at(LOGGERS, '872-880'),
  },
  {
    name: 'vllm:request_decode_time_seconds',
    registeredAs: 'vllm:request_decode_time_seconds',
    type: 'histogram',
    help: 'Histogram of time spent in DECODE phase for request.',
    labels: ENGINE,
    buckets: { kind: 'fixed', bounds: REQUEST_LATENCY },
    source: at(LOGGERS, '882-890'),
  },
  {
    name: 'vllm:request_prefill_kv_computed_tokens',
    registeredAs: 'vllm:request_prefill_kv_computed_tokens',
    type: 'histogram',
    help: 'Histogram of new KV tokens computed during prefill (excluding cached tokens).',
    labels: ENGINE,
    buckets: ONE_TWO_FIVE,
    source: at(LOGGERS, '892-903'),
  },
  {
    name: 'vllm:lora_requests_info',
    registeredAs: 'vllm:lora_requests_info',
    type: 'gauge',
    help: 'Running stats on lora requests.',
    // No model_name or engine label: adapters in use are comma-joined label values.
    labels: ['max_lora', 'waiting_lora_adapters', 'running_lora_adapters'],
    when: 'LoRA is enabled (--enable-lora)',
    source: at(LOGGERS, '984-1004'),
  },
];

export const VLLM_0_18_0: VllmSurface = {
  version: '0.18.0',
  releasedOn: '2026-03-20',
  source: {
    repo: 'vllm-project/vllm (upstream main history, read through the public fork local-inference-lab/vllm)',
    lowerCommit: '761e0aa7a01ca764fdbe0eef563f0e8855630fe4',
    upperCommit: '298e5108482e52fed40de315011c30e08342c979',
    linesAt: '761e0aa7a01ca764fdbe0eef563f0e8855630fe4',
    note:
      'The v0.18.0 tag commit is not in the fork. Lower: 2026-03-18 "Add --enable-ep-weight-filter CLI option (#37351)", ' +
      'a flag the v0.18.0 release notes list; upper: 2026-03-21, where main became v0.18.1rc0. Between them no metric ' +
      'name, type, label or bucket changes (loggers.py only refactors make_per_engine) and none of the flags below ' +
      'changes (arg_utils.py adds docs links to help texts, cli_args.py drops --disable-frontend-multiprocessing, ' +
      'api_server.py drops its use and moves lines); the other files cited are identical. A cherry-pick made only on ' +
      'releases/v0.18.0 would be missed.',
    readOn: '2026-12-06',
  },
  image: {
    tag: 'v0.18.0',
    entrypoint: ['vllm', 'serve'],
    user: null,
    hasVllmUser: false,
    workdir: '/vllm-workspace',
    // No USER, useradd, adduser or chown in the Dockerfile (checked at both bracket commits).
    source: [at('docker/Dockerfile', '817-819'), at('docker/Dockerfile', '497')],
  },
  cli: {
    model: {
      positional: true,
      deprecatedFlag: '--model',
      rule:
        'The image runs `vllm serve <container args>`; the first positional argument is the model (model_tag). ' +
        '`--model X` still works under `vllm serve`, with a warning that it "will be removed": vLLM moves X to the front.',
      source: [at('vllm/entrypoints/cli/serve.py', '49-51'), at('vllm/utils/argparse_utils.py', '187-218')],
    },
    parsing: [
      {
        rule: 'Flag names may use `_` for `-` (`--max_model_len`): everything after `--` up to the first `.` has `_` turned into `-`.',
        source: [at('vllm/utils/argparse_utils.py', '236-257')],
      },
      {
        rule: 'A flag given twice keeps the last value (argparse); `--flag=value` is the same as `--flag value`.',
        source: [at('vllm/utils/argparse_utils.py', '236-257')],
      },
      {
        rule: 'An unknown flag is fatal: `vllm serve` parses with parse_args(), which exits on unrecognized arguments.',
        source: [at('vllm/entrypoints/cli/main.py', '70')],
      },
    ],
    flags: {
      '--revision': { type: 'str', addedIn: null, source: at(ARGS, '690') },
      '--served-model-name': { type: 'str', nargs: '+', addedIn: null, source: at(ARGS, '720-722') },
      '--host': { type: 'str', addedIn: null, source: at('vllm/entrypoints/openai/cli_args.py', '219') },
      '--port': { type: 'int', addedIn: null, source: at('vllm/entrypoints/openai/cli_args.py', '221') },
      '--dtype': {
        type: 'str',
        choices: ['auto', 'bfloat16', 'float', 'float16', 'float32', 'half'],
        addedIn: null,
        source: at(ARGS, '681'),
      },
      '--quantization': {
        type: 'str',
        aliases: ['-q'],
        // Literal | str: argparse shows these as a metavar and accepts any string.
        known: [
          'awq',
          'fp8',
          'ptpc_fp8',
          'fbgemm_fp8',
          'fp_quant',
          'modelopt',
          'modelopt_fp4',
          'modelopt_mxfp8',
          'modelopt_mixed',
          'gguf',
          'gptq_marlin',
          'awq_marlin',
          'gptq',
          'compressed-tensors',
          'bitsandbytes',
          'experts_int8',
          'quark',
          'moe_wna16',
          'torchao',
          'inc',
          'mxfp4',
          'mxfp8',
          'petit_nvfp4',
          'cpu_awq',
        ],
        addedIn: null,
        source: at(ARGS, '696'),
      },
      '--max-model-len': { type: 'human-int-or-auto', range: { ge: -1 }, addedIn: null, source: at(ARGS, '695') },
      '--max-num-seqs': { type: 'int', range: { ge: 1 }, addedIn: null, source: at(ARGS, '1185-1191') },
      '--max-num-batched-tokens': { type: 'human-int', range: { ge: 1 }, addedIn: null, source: at(ARGS, '1178-1184') },
      '--gpu-memory-utilization': { type: 'float', range: { gt: 0, le: 1 }, addedIn: null, source: at(ARGS, '963-965') },
      '--enforce-eager': { type: 'bool', addedIn: null, source: at(ARGS, '701') },
      '--enable-prefix-caching': { type: 'bool', addedIn: null, source: at(ARGS, '973-979') },
      '--shutdown-timeout': {
        type: 'int',
        addedIn: '0.18.0',
        source: at(ARGS, '1324-1329'),
        evidence:
          'Added to main 2026-03-06 (#34730, 27066d1b2), reverted 2026-03-10 (#36628), re-added 2026-03-13 (#36666, ' +
          '7afe0faab), after the v0.17 releases were cut (v0.17.1 shipped by 2026-03-17): present from v0.18.0 on.',
      },
      '--enable-lora': { type: 'bool', addedIn: null, source: at(ARGS, '1097-1101') },
      '--max-loras': { type: 'int', range: { ge: 1 }, addedIn: null, source: at(ARGS, '1102') },
      '--max-lora-rank': { type: 'int', choices: [1, 8, 16, 32, 64, 128, 256, 320, 512], addedIn: null, source: at(ARGS, '1103') },
      '--lora-modules': {
        type: 'str',
        nargs: '+',
        // `name=path` when the item has no `,`; otherwise a JSON object.
        addedIn: null,
        source: at('vllm/entrypoints/openai/cli_args.py', '35-66'),
      },
      '--load-format': {
        type: 'str',
        known: [
          'auto',
          'hf',
          'bitsandbytes',
          'dummy',
          'fastsafetensors',
          'gguf',
          'instanttensor',
          'mistral',
          'npcache',
          'pt',
          'runai_streamer',
          'runai_streamer_sharded',
          'safetensors',
          'sharded_state',
          'tensorizer',
        ],
        addedIn: null,
        source: at(ARGS, '762'),
      },
      '--download-dir': { type: 'str', addedIn: null, source: at(ARGS, '763') },
      '--api-key': { type: 'str', nargs: '+', addedIn: null, source: at('vllm/entrypoints/openai/cli_args.py', '245') },
      '--otlp-traces-endpoint': {
        type: 'str',
        addedIn: null,
        source: at(ARGS, '1134-1136'),
      },
      '--model': {
        type: 'str',
        addedIn: null,
        deprecated: 'under `vllm serve` the model is the first positional argument; --model logs "will be removed"',
        source: at(ARGS, '672-673'),
      },
    },
  },
  metrics: {
    exposition: {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      rules: [
        {
          rule:
            "One API server process uses prometheus_client's default REGISTRY (multiprocess only with --api-server-count > 1), " +
            "so prometheus_client's own process_*, python_gc_* and python_info families are exported too.",
          source: [at('vllm/v1/metrics/prometheus.py', '40-52'), at('vllm/entrypoints/cli/serve.py', '235-241')],
        },
        {
          rule:
            'Text format 0.0.4 (generate_latest): `# HELP` then `# TYPE` per family; a counter family is named with `_total`; ' +
            'labels are sorted by name; values and `le` bounds print as Python floats (`1.0`, `0.001`, `+Inf`); histogram ' +
            'samples are the cumulative `_bucket`s, `_count`, then `_sum`; counters and histograms also get a `<name>_created` ' +
            'gauge family (HELP + TYPE gauge) printed right after the family.',
          source: [
            at('prometheus_client/exposition.py', 'generate_latest', 'prometheus/client_python'),
            at('prometheus_client/metrics.py', 'Histogram._child_samples', 'prometheus/client_python'),
            at('prometheus_client/utils.py', 'floatToGoString', 'prometheus/client_python'),
          ],
        },
        {
          rule: 'Every engine family exists from the first scrape: children are created with .labels(...) at start (request_success for every finished_reason).',
          source: [at(LOGGERS, '1209-1212'), at(LOGGERS, '649-655')],
        },
      ],
    },
    engineLabels: ENGINE,
    families,
    http: {
      name: 'http_requests_total',
      registeredAs: 'http_requests_total',
      type: 'counter',
      help: 'Total number of requests by method, status and handler.',
      labels: ['method', 'status', 'handler'],
      excludedHandlers: ['/metrics', '/health', '/load', '/ping', '/version', '/server_info'],
      statusValues: ['1xx', '2xx', '3xx', '4xx', '5xx'],
      untemplatedHandler: 'none',
      notes: [
        {
          rule:
            'Recorded when the response ends. A request whose handler raises is counted as 5xx even when vLLM answers it ' +
            '400: the instrumentator middleware keeps its default status 500 because the exception passes it before the ' +
            'Exception handler (outermost, ServerErrorMiddleware) writes the 400. That is the case for a prompt past ' +
            'max_model_len and max_tokens past it (VLLMValidationError raised while rendering).',
          source: [
            at('src/prometheus_fastapi_instrumentator/middleware.py', '__call__', 'trallnag/prometheus-fastapi-instrumentator'),
            at('vllm/entrypoints/openai/api_server.py', '265-270'),
            at('vllm/entrypoints/openai/server_utils.py', '372-382'),
          ],
        },
        {
          rule: 'A 401 from the API key check is not counted: AuthenticationMiddleware is added after the instrumentator, so it runs outside it.',
          source: [
            at('vllm/entrypoints/openai/api_server.py', '189-191, 272-276'),
            at('vllm/entrypoints/serve/instrumentator/metrics.py', '28-38'),
          ],
        },
        {
          rule: 'A stream the client leaves mid-way is counted with the status already sent (2xx); vLLM has no series for client cancellations.',
          source: [at('src/prometheus_fastapi_instrumentator/middleware.py', '__call__', 'trallnag/prometheus-fastapi-instrumentator')],
        },
      ],
      source: at('src/prometheus_fastapi_instrumentator/metrics.py', 'default()', 'trallnag/prometheus-fastapi-instrumentator'),
    },
    abortAccounting: {
      counted: {
        rule:
          'finished_reason="abort" counts requests the engine itself aborts and reports back: SIGTERM with --shutdown-timeout 0 ' +
          '(in-flight requests aborted at shutdown) and pause_generation(mode="abort").',
        source: [
          at('vllm/v1/engine/core.py', '1199-1210'),
          at('vllm/v1/engine/core.py', '1522-1527'),
          at('vllm/v1/engine/core.py', '1538-1569'),
        ],
      },
      notCounted: {
        rule:
          'A client disconnect or cancel records no stats: AsyncLLM.generate catches CancelledError and calls abort(); ' +
          'OutputProcessor.abort_requests pops the request without _update_stats_from_finished, later engine outputs for it ' +
          'are dropped, and the engine side (finish_requests(FINISHED_ABORTED)) sends no output. No request_success, E2E, ' +
          'TPOT or token-count sample is recorded for it.',
        source: [
          at('vllm/v1/engine/async_llm.py', '591-598'),
          at('vllm/v1/engine/output_processor.py', '446-506'),
          at('vllm/v1/engine/core.py', '324-330'),
        ],
      },
    },
  },
  server: {
    port: 8000,
    tracing: {
      rule:
        'With --otlp-traces-endpoint, every finished request exports one `llm_request` span (kind SERVER) whose parent is the ' +
        "context of the request's `traceparent`/`tracestate` headers, with gen_ai.* attributes (TTFT, queue, prefill, decode, " +
        'tokens, request id). Without the flag the headers are ignored (one warning logged). The OpenTelemetry packages ship ' +
        "in vLLM's requirements.",
      source: [
        at('vllm/entrypoints/openai/engine/serving.py', '839-851'),
        at('vllm/tracing/utils.py', '12, 57-67'),
        at('vllm/v1/engine/output_processor.py', '701-761'),
        at('requirements/common.txt', '54-57'),
      ],
      spanName: 'llm_request',
      propagationHeaders: ['traceparent', 'tracestate'],
      exporter: {
        rule:
          'The exporter speaks OTLP over gRPC unless OTEL_EXPORTER_OTLP_TRACES_PROTOCOL is `http/protobuf`; the gRPC exporter ' +
          "is built with insecure=True (plain text), and the endpoint is written `grpc://host:4317` in vLLM's example.",
        source: [at('vllm/tracing/otel.py', '94-102'), at('examples/online_serving/opentelemetry/README.md', '28-36')],
        defaultProtocol: 'grpc',
        protocolEnv: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
      },
    },
    keepAlive: {
      idleTimeoutSec: 5,
      hintHeader: false,
      rule: 'uvicorn runs with timeout_keep_alive=VLLM_HTTP_TIMEOUT_KEEP_ALIVE (default 5 s): an idle connection is closed after 5 s; no Keep-Alive header announces it.',
      source: [at('vllm/envs.py', '863-865'), at('vllm/entrypoints/openai/api_server.py', '611')],
    },
    auth: {
      paths: '/v1',
      scheme: 'case-insensitive',
      skipsMethods: ['OPTIONS'],
      unauthorized: { status: 401, body: { error: 'Unauthorized' } },
      rule:
        'With --api-key (or VLLM_API_KEY) only paths starting with /v1 need `Authorization: Bearer <key>`; the scheme is compared ' +
        'lowercased, OPTIONS requests skip the check, and a missing or wrong key gets 401 {"error": "Unauthorized"}.',
      source: [at('vllm/entrypoints/openai/server_utils.py', '38-82')],
    },
    health: {
      ok: 200,
      engineDead: 503,
      rule: 'GET /health answers 200 with an empty body, or 503 when the engine is dead.',
      source: [at('vllm/entrypoints/serve/instrumentator/health.py', '22-34')],
    },
    models: {
      rule:
        '/v1/models lists each served base name with max_model_len (the real --max-model-len), root = the model path, ' +
        'permission [one ModelPermission]; each LoRA adapter with parent = the base name and max_model_len null.',
      source: [
        at('vllm/entrypoints/openai/models/serving.py', '60-73, 141-156'),
        at('vllm/entrypoints/openai/engine/protocol.py', '84-92'),
      ],
    },
    defaultModel: {
      rule: 'model is optional on chat and completions: a request without it (or empty) is served by the first served model name, which the response names.',
      source: [
        at('vllm/entrypoints/openai/engine/serving.py', '979-982'),
        at('vllm/entrypoints/openai/models/serving.py', '136-139'),
        at('vllm/entrypoints/openai/chat_completion/protocol.py', '154'),
        at('vllm/entrypoints/openai/completion/protocol.py', '45'),
      ],
    },
    stream: {
      roleChunk: {
        rule:
          'Chat streams send the role chunk (delta {role: "assistant", content: ""}, finish_reason null) inside the loop over ' +
          'engine outputs, on its first iteration: with the first token, right before the first content chunk. Completions ' +
          'streams have no role chunk.',
        source: [at('vllm/entrypoints/openai/chat_completion/serving.py', '591-633')],
      },
      finishChunk: {
        rule:
          'The chunk of the last engine output carries finish_reason and stop_reason (null for EOS and length); there is no ' +
          'separate empty finish chunk. For an EOS the last delta is content "".',
        source: [
          at('vllm/entrypoints/openai/chat_completion/serving.py', '1088-1193'),
          at('vllm/entrypoints/openai/completion/serving.py', '378-415'),
        ],
      },
      usageChunk: {
        rule: 'With stream_options.include_usage a last chunk with choices [] and usage {prompt_tokens, completion_tokens, total_tokens} follows.',
        source: [
          at('vllm/entrypoints/openai/chat_completion/serving.py', '1214-1235'),
          at('vllm/entrypoints/openai/completion/serving.py', '431-443'),
        ],
      },
      done: {
        rule: 'Every stream ends with `data: [DONE]`.',
        source: [
          at('vllm/entrypoints/openai/chat_completion/serving.py', '1272'),
          at('vllm/entrypoints/openai/completion/serving.py', '453'),
        ],
      },
    },
    errors: {
      promptTooLong: {
        status: 400,
        // The prompt is tokenized truncated to max_input_tokens + 1 (params.py:288-296), hence "at least".
        message:
          "This model's maximum context length is {maxModelLen} tokens. However, you requested {maxTokens} output tokens and " +
          'your prompt contains at least {inputTokens} input tokens, for a total of at least {totalTokens} tokens. Please ' +
          'reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value={inputTokens})',
        messageMatch: 'exact',
        type: 'BadRequestError',
        param: 'input_tokens',
        source: [
          at('vllm/renderers/params.py', '405-430'),
          at('vllm/renderers/params.py', '288-296'),
          at('vllm/exceptions.py', '29-36'),
          at('vllm/entrypoints/utils.py', '300-318'),
        ],
        countedAs: { status: '5xx', why: 'raised while rendering; see metrics.http.notes' },
      },
      maxTokensTooLarge: {
        status: 400,
        // vLLM's own text: no space before "cannot", and `{max_total_tokens=}` prints its name.
        message:
          'max_tokens={maxTokens}cannot be greater than max_model_len=max_total_tokens={maxModelLen}. Please request fewer output tokens. ' +
          '(parameter=max_tokens, value={maxTokens})',
        messageMatch: 'exact',
        type: 'BadRequestError',
        param: 'max_tokens',
        source: [
          at('vllm/renderers/params.py', '195-213'),
          at('vllm/entrypoints/openai/chat_completion/protocol.py', '379-396'),
          at('vllm/entrypoints/openai/completion/protocol.py', '182-191'),
        ],
        countedAs: { status: '5xx', why: 'raised while rendering; see metrics.http.notes' },
      },
      streamOptionsWithoutStream: {
        status: 400,
        // FastAPI's RequestValidationError text wraps pydantic's "Value error, <message>"; the wrapper's
        // exact wording depends on the FastAPI version in the image, so only the vLLM part is recorded.
        message: 'Stream options can only be defined when `stream=True`. (parameter=stream_options)',
        messageMatch: 'contains',
        type: 'Bad Request',
        param: 'stream_options',
        source: [
          at('vllm/entrypoints/openai/chat_completion/protocol.py', '552-561'),
          at('vllm/entrypoints/openai/completion/protocol.py', '407-416'),
          at('vllm/entrypoints/openai/server_utils.py', '403-437'),
        ],
        countedAs: { status: '4xx', why: 'RequestValidationError is answered by its own handler inside the instrumentator' },
      },
      unknownModel: {
        status: 404,
        message: 'The model `{model}` does not exist.',
        messageMatch: 'exact',
        type: 'NotFoundError',
        param: 'model',
        source: [at('vllm/entrypoints/openai/engine/serving.py', '600-624')],
        countedAs: { status: '4xx', why: 'returned as an ErrorResponse' },
      },
    },
  },
};
