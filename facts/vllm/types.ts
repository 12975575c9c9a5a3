/**
 * The shape of a recorded vLLM surface: what one vLLM release accepts on its command line, what
 * it exports on /metrics and how its OpenAI server answers, each fact with the source file and
 * lines it was read from (at {@link VllmSurface.source}).
 *
 * Leaf module: imports nothing from the project.
 */

/** Where in vLLM's (or a dependency's) source a fact was read. */
export interface SourceRef {
  /** Path in the repository, e.g. `vllm/engine/arg_utils.py`. */
  readonly file: string;
  /** Line or range at the surface's commit, e.g. `1325-1330`. */
  readonly lines: string;
  /** Repository when it is not vLLM (`prometheus/client_python`, …). @default - vLLM */
  readonly repo?: string;
}

/**
 * How argparse converts a flag's value. `human-int` takes `1k`/`1K`/`25.6k`; `human-int-or-auto`
 * also takes `-1` or `auto`; `bool` is a `BooleanOptionalAction` (`--x` / `--no-x`, no value).
 */
export type FlagType = 'str' | 'int' | 'float' | 'bool' | 'human-int' | 'human-int-or-auto';

/** One `vllm serve` command-line flag. */
export interface FlagFact {
  readonly type: FlagType;
  /** Other spellings argparse accepts for it (short aliases). `_` for `-` is always accepted too. */
  readonly aliases?: readonly string[];
  /** `+`: one or more values follow the flag. @default - exactly one value (none for bool) */
  readonly nargs?: '+';
  /** Values argparse accepts (`choices`); absent when any value of the type is accepted. */
  readonly choices?: readonly (string | number)[];
  /** Values vLLM lists in the help but does not enforce (argparse `metavar` of a Literal | str field). */
  readonly known?: readonly string[];
  /** Accepted range, when the config class validates one. */
  readonly range?: { readonly gt?: number; readonly ge?: number; readonly le?: number };
  /**
   * The first vLLM release that has the flag, or null when it is older than every release this
   * project records (not traced further).
   */
  readonly addedIn: string | null;
  /** How the flag is going away, when vLLM says so. */
  readonly deprecated?: string;
  readonly source: SourceRef;
  /** How `addedIn` was established, when it is a release this project records. */
  readonly evidence?: string;
}

/** Histogram bounds: a fixed list, or the 1-2-5 rule up to the model's `max_model_len`. */
export type BucketFact =
  | { readonly kind: 'fixed'; readonly bounds: readonly number[] }
  /**
   * `build_1_2_5_buckets(max_model_len)`: 1, 2, 5, 10, 20, 50, … while the value is ≤ max_model_len
   * (e.g. 1 … 2000 at 4096, 1 … 1000 at 1024).
   */
  | { readonly kind: '1-2-5'; readonly mantissas: readonly number[]; readonly upTo: 'max_model_len' };

/** A Prometheus metric family as it appears in the text exposition. */
export interface MetricFamilyFact {
  /** Name on the `# TYPE` line: counters carry `_total`, histograms their base name. */
  readonly name: string;
  /** Name passed to prometheus_client in vLLM's source (counters without `_total`). */
  readonly registeredAs: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** The `# HELP` text. */
  readonly help: string;
  /** Label names in vLLM's order (the exposition sorts them); `le` of histogram buckets not included. */
  readonly labels: readonly string[];
  /** Values a label takes, where vLLM fixes them (created up front, so every value exports 0 from the first scrape). */
  readonly labelValues?: Readonly<Record<string, readonly string[]>>;
  readonly buckets?: BucketFact;
  /** When vLLM creates it: always, or only with a setting. @default - always */
  readonly when?: string;
  readonly source: SourceRef;
}

/** A JSON error body `{"error": {message, type, param, code}}` vLLM answers with. */
export interface ErrorAnswerFact {
  readonly status: number;
  /** `error.message`: exact, with `{placeholders}`, or text the message contains. */
  readonly message: string;
  readonly messageMatch: 'exact' | 'contains';
  readonly type: string;
  readonly param: string | null;
  readonly source: readonly SourceRef[];
  /** What `http_requests_total` counts for it (its `status` label), and why. */
  readonly countedAs?: { readonly status: string | null; readonly why: string };
}

/** A behaviour of the server, in words, with its source. */
export interface BehaviourFact {
  readonly rule: string;
  readonly source: readonly SourceRef[];
}

/** Everything recorded about one vLLM release. */
export interface VllmSurface {
  /** Release, without the leading v. */
  readonly version: string;
  readonly releasedOn: string;
  /** Where the facts were read and how sure they are. */
  readonly source: {
    readonly repo: string;
    /** The release cut lies between these two upstream main commits (the fork carries no tags). */
    readonly lowerCommit: string;
    readonly upperCommit: string;
    /** Line numbers in every {@link SourceRef} are at this commit. */
    readonly linesAt: string;
    readonly note: string;
    readonly readOn: string;
  };
  /** The `vllm/vllm-openai` image. */
  readonly image: {
    readonly tag: string;
    /** ENTRYPOINT; container args are appended to it. */
    readonly entrypoint: readonly string[];
    /** The `USER` the image sets; null: none, so it runs as the pod's runAsUser (root when unset). */
    readonly user: null;
    /** Whether the image creates a `vllm` user (useradd/adduser): it does not. */
    readonly hasVllmUser: false;
    readonly workdir: string;
    readonly source: readonly SourceRef[];
  };
  readonly cli: {
    /** `vllm serve <model>`: the model is the first positional argument. */
    readonly model: BehaviourFact & { readonly positional: true; readonly deprecatedFlag: string };
    /** Flags by their long name (`--max-model-len`). */
    readonly flags: Readonly<Record<string, FlagFact>>;
    /** How vLLM reads a command line beyond single flags (underscores, repeats, `=`). */
    readonly parsing: readonly BehaviourFact[];
  };
  readonly metrics: {
    readonly exposition: {
      readonly contentType: string;
      /** How the text is laid out, from prometheus_client's `generate_latest`. */
      readonly rules: readonly BehaviourFact[];
    };
    /** Labels vLLM puts on every engine metric. */
    readonly engineLabels: readonly string[];
    readonly families: readonly MetricFamilyFact[];
    /** `http_requests_total` of prometheus-fastapi-instrumentator, as vLLM configures it. */
    readonly http: MetricFamilyFact & {
      readonly excludedHandlers: readonly string[];
      readonly statusValues: readonly string[];
      readonly untemplatedHandler: string;
      readonly notes: readonly BehaviourFact[];
    };
    /** What `finished_reason="abort"` counts, and what it does not. */
    readonly abortAccounting: {
      readonly counted: BehaviourFact;
      readonly notCounted: BehaviourFact;
    };
  };
  readonly server: {
    readonly port: number;
    /** OpenTelemetry tracing with `--otlp-traces-endpoint`: the span vLLM exports and how it is sent. */
    readonly tracing: BehaviourFact & {
      readonly spanName: string;
      /** Request headers the span's parent context is read from. */
      readonly propagationHeaders: readonly string[];
      readonly exporter: BehaviourFact & { readonly defaultProtocol: 'grpc' | 'http/protobuf'; readonly protocolEnv: string };
    };
    readonly keepAlive: BehaviourFact & { readonly idleTimeoutSec: number; readonly hintHeader: false };
    readonly auth: BehaviourFact & {
      readonly paths: string;
      readonly scheme: 'case-insensitive';
      readonly skipsMethods: readonly string[];
      readonly unauthorized: { readonly status: 401; readonly body: { readonly error: 'Unauthorized' } };
    };
    readonly health: BehaviourFact & { readonly ok: 200; readonly engineDead: 503 };
    readonly models: BehaviourFact;
    readonly defaultModel: BehaviourFact;
    readonly stream: {
      readonly roleChunk: BehaviourFact;
      readonly finishChunk: BehaviourFact;
      readonly usageChunk: BehaviourFact;
      readonly done: BehaviourFact;
    };
    readonly errors: {
      readonly promptTooLong: ErrorAnswerFact;
      readonly maxTokensTooLarge: ErrorAnswerFact;
      readonly streamOptionsWithoutStream: ErrorAnswerFact;
      readonly unknownModel: ErrorAnswerFact;
    };
  };
}
