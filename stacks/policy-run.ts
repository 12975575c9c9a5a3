/**
 * `npm run policy [-- --env NAME]... [--failures-only] [--root DIR]`: synthesize every environment's
 * manifests, judge them with the Kubernetes rules (policy/k8s), judge the environment's AWS
 * resources with the AWS rules when a capture is plugged in, and print one table.
 *
 * The distributed load Job (stacks/bench-chart.ts) is synthesized only when `bench.image` names the
 * llm-bench image, and the committed environments name none: the image is built by CI from the
 * Dockerfile into a registry of the user's choosing, which no environment file can know, and naming a
 * placeholder there would ship a Job (and postdeploy --load-workers pods) that can never pull. So for an
 * environment without `bench.image` the run also synthesizes it with {@link EXAMPLE_BENCH_IMAGE} and
 * judges the objects of the bench-load chart, the Job exactly as it would be emitted, in rows labelled
 * `<env> (bench Job)` and a note naming the image.
 *
 * Exit 0 when everything passes, 1 on any failed rule, 2 on a config error or bad usage.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { pinnedImageReference } from '../config/fields';
import { ConfigError, loadEnvironmentFile, type PlatformConfig } from '../config/platform';
import { evaluateAwsRules, type PolicyResource } from '../policy/aws-rules';
import { evaluateK8sRules } from '../policy/k8s';
import { formatTable, summarize, type PolicyRow } from '../policy/report';
import { BENCH_LOAD_CHART } from './bench-chart';
import type { KubernetesObject } from './manifests';
import { renderManifests } from './manifests';
import { platformApp } from './platform-chart';
import { PROJECT_ROOT, environments } from './synthesize';

/**
 * The llm-bench image the bench Job is judged with when an environment names none: the reference the
 * Dockerfile's CI line produces (`<registry>/llm-bench:<package version>`), on a documentation domain.
 * Validated as `bench.image` is, so the rules see what a real setting would emit.
 */
export const EXAMPLE_BENCH_IMAGE = pinnedImageReference.parse(
  `registry.example.com/llm-bench:${(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version}`,
);

/** The environment label of the rows that judge the bench Job synthesized with {@link EXAMPLE_BENCH_IMAGE}. */
export function benchJobLabel(environment: string): string {
  return `${environment} (bench Job)`;
}

/**
 * The bench-load chart's objects of `c` synthesized with {@link EXAMPLE_BENCH_IMAGE}, beside every
 * other object of the environment (the cross-object rules look the Job's Secret and namespace up),
 * or undefined when the environment emits its Job itself or has no enabled variant to load.
 */
function exampleBenchJob(c: PlatformConfig): { all: KubernetesObject[]; job: KubernetesObject[] } | undefined {
  if (c.bench.image !== undefined || c.enabledModels.length === 0) return undefined;
  const app = platformApp({ ...c, bench: { ...c.bench, image: EXAMPLE_BENCH_IMAGE } }, 'dist');
  const all = app.charts.flatMap((chart) => chart.toJson() as KubernetesObject[]);
  const job = app.charts.filter((chart) => chart.node.id === BENCH_LOAD_CHART).flatMap((chart) => chart.toJson() as KubernetesObject[]);
  return { all, job };
}

/** The AWS resources of one environment, as its Pulumi program registers them. */
export type AwsResourceCapture = (environment: string) => Promise<readonly PolicyResource[]>;

/**
 * The project's own stacks, captured under Pulumi mocks (stacks/stack-capture.ts). Loaded on
 * demand: it pulls in the whole Pulumi program and SDK.
 */
export const captureAwsResources: AwsResourceCapture = async (environment) =>
  (await import('./stack-capture')).captureAwsResources(environment);

export interface PolicyRunOptions {
  /** @default - the project root */
  readonly root?: string;
  /** @default - every Pulumi.<env>.yaml */
  readonly envs?: readonly string[];
  /** @default - {@link captureAwsResources} for the project's own stacks; none for another root */
  readonly captureAws?: AwsResourceCapture;
}

export interface PolicyRun {
  readonly rows: PolicyRow[];
  /** What was not checked, and why. */
  readonly notes: string[];
}

/** Judge every requested environment; throws ConfigError before judging anything if a config is invalid. */
export async function runPolicy(opts: PolicyRunOptions = {}): Promise<PolicyRun> {
  const root = opts.root ?? PROJECT_ROOT;
  const known = environments(root);
  const envs = opts.envs && opts.envs.length > 0 ? [...opts.envs] : known;
  const unknown = envs.filter((e) => !known.includes(e));
  if (unknown.length > 0)
    throw new UsageError(`--env ${unknown.join(', ')} has no Pulumi.<env>.yaml; known environments: ${known.join(', ') || 'none'}`);
  const configs = envs.map((e) => loadEnvironmentFile(join(root, `Pulumi.${e}.yaml`)));
  // The capture runs the program with this project's stack files, so it only fits the project root.
  const capture = opts.captureAws ?? (resolve(root) === resolve(PROJECT_ROOT) ? captureAwsResources : undefined);
  const rows: PolicyRow[] = [];
  const notes: string[] = [];
  for (const c of configs) {
    for (const r of evaluateK8sRules(renderManifests(c))) rows.push({ source: 'k8s', environment: c.environment, ...r });
    const bench = exampleBenchJob(c);
    if (bench) {
      const key = (kind: string, resource: string) => `${kind} ${resource}`;
      const judged = new Set(
        bench.job.map((o) => key(o.kind, o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name)),
      );
      for (const r of evaluateK8sRules(bench.all)) {
        if (judged.has(key(r.type, r.resource))) rows.push({ source: 'k8s', environment: benchJobLabel(c.environment), ...r });
      }
      notes.push(
        `${benchJobLabel(c.environment)}: bench Job with image ${EXAMPLE_BENCH_IMAGE} (${c.environment} sets no bench.image, so it ships no ` +
          `${BENCH_LOAD_CHART}.k8s.yaml; these rows judge the Job as it would be emitted)`,
      );
    }
    if (capture) {
      for (const r of evaluateAwsRules(await capture(c.environment))) rows.push({ source: 'aws', environment: c.environment, ...r });
    }
  }
  if (!capture) notes.push(`aws rules not run: the Pulumi program is captured only for this project's own stacks, not --root ${root}`);
  return { rows, notes };
}

/** Bad command-line input (exit 2). */
export class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  let values: { env?: string[]; root?: string; 'failures-only'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        env: { type: 'string', short: 'e', multiple: true },
        root: { type: 'string' },
        'failures-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`policy: ${(e as Error).message}; run with --help for usage`);
    return 2;
  }
  if (values.help) {
    console.log(
      'usage: npm run policy -- [--env NAME]... [--failures-only] [--root DIR]\n' +
        '  judges every environment (Pulumi.<env>.yaml in DIR, default this project) with the Kubernetes (and AWS) rules; exit 1 on any failure',
    );
    return 0;
  }
  try {
    const { rows, notes } = await runPolicy({ envs: values.env, root: values.root ? resolve(values.root) : undefined });
    const shown = values['failures-only'] ? rows.filter((r) => !r.passed) : rows;
    if (shown.length) console.log(formatTable(shown));
    for (const n of notes) console.log(`note: ${n}`);
    console.log(summarize(rows));
    return rows.every((r) => r.passed) ? 0 : 1;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) {
      console.error(e instanceof ConfigError ? e.message : `policy: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(`policy: ${(e as Error).stack ?? String(e)}`);
      process.exitCode = 1;
    },
  );
}
