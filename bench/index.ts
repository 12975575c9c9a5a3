/**
 * llm-bench as a library: everything the CLI does, for other tools (rollback, autoscale and
 * post-deploy checks) to compose, as `import { … } from 'llm-platform/bench'`. The CLI in
 * `cli/` is a thin layer over these exports.
 */
export { BENCH_DEFAULTS } from './defaults';
export { METRIC_DEFINITIONS } from './definitions';
export { collectUsage, EXIT, type ExitCode, failOnProblems, RunError, UsageError, usageErrors } from './errors';
export { TOOL } from './version';

export {
  type ChatMessage,
  type ClientOptions,
  type Endpoint,
  type FailureReason,
  type GenerationRequest,
  type HttpResponse,
  type InFlight,
  OpenAiClient,
  parseBaseUrl,
  type PromptInput,
  type RequestRecord,
} from './client/openai';
export { SseParser, SseSyntaxError } from './client/sse';

export { Collector } from './load/collector';
export {
  type InterleavedLoadOptions,
  InterleavedLoadRun,
  interleavedSlot,
  type LoadHooks,
  type LoadOptions,
  type LoadProgress,
  LoadRun,
  type LoadTarget,
  resolveInterleavedOptions,
  resolveLoadOptions,
  resultPassed,
  runLoad,
  startInterleavedLoad,
  startLoad,
} from './load/engine';
export { isAuthStatus, listModels, type ModelsResponse, preflight, type ServedModel } from './load/preflight';
export { loadPromptset, parsePromptset, type PromptSample, type PromptSource, syntheticPrompts } from './load/prompts';
export { arrivalGaps, describeProfile, type LoadProfile } from './load/schedule';
export { LatencyHistogram } from './load/stats';

export { evaluateThresholds, parseThresholds, type Threshold } from './thresholds';
export { runSweep, type SweepOptions } from './sweep';
export { checkMetrics, checkModelList, formatSmoke, parseAdapter, runSmoke, type SmokeOptions } from './smoke/smoke';
export {
  type FaultRates,
  type SimAdapter,
  Simulator,
  type SimulatorOptions,
  type SimulatorSettings,
  type SimulatorStats,
  startSimulator,
} from './sim/simulator';

export { latencyChart, type LatencySample } from './report/charts';
export { renderHtml, renderSweepHtml } from './report/html';
export { type JunitCase, type JunitSuite, loadSuite, renderJunit, smokeSuite, sweepSuites } from './report/junit';
export { renderMarkdown, renderSmokeMarkdown, renderSweepMarkdown } from './report/markdown';
export { LOAD_RENDERERS, type Renderers, SMOKE_RENDERERS, SWEEP_RENDERERS } from './report/renderers';
export * from './result';

// Cluster-side checks: rollback, autoscale and the post-deploy stage (Kubernetes API, polled).
export { type JsonPatchOp, KubeClient, type KubeConnection, loadKubeConfig } from './kube/client';
export { POSTDEPLOY_DEFAULTS } from './checks/defaults';
export { BackgroundLoad, type BackgroundLoadOptions, TrafficMeter, type TrafficSample } from './checks/traffic';
export { type RollbackOptions, type RollbackTarget, type RolloutStrategyChoice, runRollback } from './rollout/rollback';
export { type RollbackResult, rollbackPassed, rollbackResultSchema, type RollbackSample } from './rollout/result';
export { renderRollbackHtml, renderRollbackMarkdown, ROLLBACK_RENDERERS, rollbackSuite } from './rollout/report';
export { type AutoscaleOptions, runAutoscale } from './autoscale/autoscale';
export { type QueueSource, queueReader } from './autoscale/queue';
export { type AutoscaleResult, autoscalePassed, autoscaleResultSchema, type AutoscaleSample } from './autoscale/result';
export { AUTOSCALE_RENDERERS, autoscaleSuite, renderAutoscaleHtml, renderAutoscaleMarkdown } from './autoscale/report';
export { type PostdeployOptions, runPostdeploy } from './postdeploy/postdeploy';
export { type PostdeployResult, postdeployResultSchema, type VariantResult } from './postdeploy/result';
export { loadEnvDefaults } from './postdeploy/env-file';
export { loadTargets, type Target, type Targets } from './postdeploy/targets';
export { POSTDEPLOY_RENDERERS, postdeploySuites, renderPostdeployHtml, renderPostdeployMarkdown } from './postdeploy/report';
// The public front door (the gateway): checks, result and statistics.
export { FRONT_DOOR_DEFAULTS, type FrontDoorOptions, runFrontDoor } from './frontdoor/frontdoor';
export { type FrontDoorResult, frontDoorResultSchema, type SplitResult } from './frontdoor/result';
export { type FrontDoorTarget, frontDoorTargetSchema, loadFrontDoor } from './frontdoor/target';
export { chiSquareTest } from './frontdoor/chi-square';
// What runs cost and what a target load needs: $ per 1M tokens, cold starts, capacity plans.
export * from './cost';
export { type ColdStartCostReport, coldStartCostSchema, type RunCost, runCostSchema, type ServingCostReport } from './cost/result';
export { coldStartGpuMinutes, coldStartReport, type CostSettings, type ReplicaSample, resolveCostSettings, runCost } from './cost/run-cost';
export { plan, type PlanOptions } from './plan/plan';
export { type PlanResult, planResultSchema } from './plan/result';
export { PLAN_RENDERERS, renderPlanMarkdown } from './plan/report';
// The engine's side: vLLM's /metrics before and after a run, and the prefix-cache probe.
export { type Exposition, type ExpositionSample, parseExposition } from './server-metrics/exposition';
export { type CumulativeHistogram, histogramDelta, histogramOf, histogramQuantile } from './server-metrics/histogram';
export { compareServer, ENGINE_LATENCIES, type ScrapePair } from './server-metrics/compare';
export { type ServerMetricsReport, serverMetricsSchema } from './server-metrics/result';
export { type ServerMetricsRun, type ServerMetricsSource, startServerMetrics } from './server-metrics/scrape';
export { CACHE_PROBE_DEFAULTS } from './cache-probe/defaults';
export { type CacheProbeOptions, runCacheProbe } from './cache-probe/probe';
export { type CacheProbeResult, cacheProbeResultSchema } from './cache-probe/result';
export { CACHE_PROBE_RENDERERS, renderCacheProbeMarkdown } from './cache-probe/report';

// Deciding between variants: compare two runs, eval answer quality with the judge, the Pareto view.
export { COMPARE_METHODS, type CompareInputs, type CompareOptions, compareLoads, compareResults, judgeGate } from './compare/compare';
export { parseRegressionGates, type RegressionGate } from './compare/gates';
export { COMPARE_METRICS, type CompareMetric } from './compare/metrics';
export { type CompareResult, compareResultSchema } from './compare/result';
export { COMPARE_RENDERERS, renderCompareHtml, renderCompareMarkdown } from './compare/report';
export { LIVE_COMPARE_DEFAULTS } from './compare/defaults';
export { type LiveCompareOptions, runLiveCompare } from './compare/live';
export { EVAL_DEFAULTS, type EvalOptions, type EvalTarget, pairOutcome, runEval } from './eval/run';
export { type EvalResult, evalResultSchema } from './eval/result';
export { EVAL_RENDERERS, renderEvalHtml, renderEvalMarkdown } from './eval/report';
export { type EvalPrompt, loadEvalPromptset, parseEvalPromptset, type Promptset } from './eval/promptset';
export { CORE_PROMPTSET } from './eval/promptsets/core';
export { runCheck, runChecks } from './eval/reference';
export { evaluateEvalThresholds, parseEvalThresholds } from './eval/thresholds';
export { dominates, type ParetoOptions, paretoView } from './pareto/pareto';
export { type ParetoResult, paretoResultSchema } from './pareto/result';
export { PARETO_RENDERERS, renderParetoHtml, renderParetoMarkdown } from './pareto/report';
export { type Interval, meanInterval, newcombe, welch, wilson } from './stats/intervals';
// The model registry (S3 + DynamoDB): publish, promote, resolve, verify.
export {
  createAwsClients,
  ModelRegistry,
  type ModelRegistryProps,
  REGISTRY_DEFAULTS,
  RegistryError,
  type RegistryErrorCode,
  registryModelUri,
} from './registry';

// The CLI: every command, to embed in another program, and the whole program.
export type { AutoscaleFlags } from './cli/actions/autoscale';
export type { PostdeployCommandProps, PostdeployFlags } from './cli/actions/postdeploy';
export type { RegistryCommandProps, RegistryGlobals } from './cli/actions/registry';
export type { RollbackCommandProps, RollbackFlags } from './cli/actions/rollback';
export { autoscaleCommand } from './cli/commands/autoscale';
export { cacheProbeCommand } from './cli/commands/cache-probe';
export { frontDoorCommand } from './cli/commands/frontdoor';
export { loadCommand } from './cli/commands/load';
export { planCommand } from './cli/commands/plan';
export { postdeployCommand } from './cli/commands/postdeploy';
export { registryCommand } from './cli/commands/registry';
export { reportCommand } from './cli/commands/report';
export { rollbackCommand } from './cli/commands/rollback';
export { simCommand } from './cli/commands/sim';
export { smokeCommand } from './cli/commands/smoke';
export { sweepCommand } from './cli/commands/sweep';
export type { RegistryFactory, RegistryLocation, VersionSource } from './cli/flags';
export { type CliIo, type ExitSink, processIo } from './cli/io';
export { buildProgram, main } from './cli/main';
export { compareCommand } from './cli/commands/compare';
export { evalCommand } from './cli/commands/eval';
export { paretoCommand } from './cli/commands/pareto';
