/** `llm-bench postdeploy …`: a thin command over {@link runPostdeploy}. */
import { Command, Option } from 'commander';
import { POSTDEPLOY_DEFAULTS } from '../../checks/defaults';
import { BENCH_DEFAULTS } from '../../defaults';
import { addFrontDoorFlags, addRegistryFlags, collect, KUBE_TIMEOUT_FLAG, number, numberList } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import { addOutputFlags } from '../output';
import type { PostdeployCommandProps, PostdeployFlags } from '../actions/postdeploy';

/** The `postdeploy` command; add it with `program.addCommand(postdeployCommand(io, exit))`. */
export function postdeployCommand(io: CliIo, exit: ExitSink, props: PostdeployCommandProps = {}): Command {
  const d = POSTDEPLOY_DEFAULTS;
  const cmd = new Command('postdeploy')
    .description(
      'after a deploy: smoke and load every variant (and, when asked, a rollback drill and an autoscale check); one exit code, one JUnit file, one HTML report',
    )
    .requiredOption('--targets <file>', 'pulumi stack output --json, or a targets YAML (see docs/postdeploy.md)')
    .option(
      '--env-config <file>',
      "the environment's Pulumi.<env>.yaml: thresholds from its SLO, adapters, namespace, which variants autoscale",
    )
    // The old name, kept only to refuse it with the new one: Node 20 reads --env-file anywhere on its command line.
    .addOption(new Option('--env-file <file>').hideHelp())
    .option('--variant <name>', 'check only this variant; repeatable (default: all)', collect, [])
    .option('--url <name=url>', 'reach a variant at another URL (e.g. a port-forward for smoke and load); repeatable', collect, [])
    .option('--namespace <ns>', 'namespace of the model workloads (default: from the URL, the targets or the env file)')
    .option('--api-key <key>', 'bearer token for /v1/* (default: env LLM_BENCH_API_KEY)')
    .option('--duration <s>', `seconds of load per variant (default ${d.postdeploy.loadDurationSec})`, number('--duration'))
    .option('--concurrency <n>', `closed-loop users of the load (default ${d.postdeploy.concurrency})`, number('--concurrency'))
    .option('--rate <r>', 'open-loop requests per second instead', number('--rate'))
    .option('--threshold <expr>', "added to every variant's thresholds; repeatable", collect, [])
    .option('--input-tokens <n>', `synthetic prompt length (default ${BENCH_DEFAULTS.inputTokens})`, number('--input-tokens'))
    .option('--output-tokens <n>', 'force exactly n output tokens per request', number('--output-tokens'))
    .option('--seed <n>', `seed for arrivals and prompts (default ${BENCH_DEFAULTS.seed})`, number('--seed'))
    .option('--request-timeout <s>', `per-request total timeout (default ${BENCH_DEFAULTS.timeoutSec})`, number('--request-timeout'))
    .option('--rollback', 'drill a rollback on every variant (targets may opt out with rollback: false)')
    .option('--no-restore', 'leave the variants rolled back (default: roll forward again, also gated)')
    .option('--rollback-limit-sec <s>', `gate on the rollback's duration (default ${d.rollback.limitSec})`, number('--rollback-limit-sec'))
    .option(
      '--rollback-timeout-sec <s>',
      `stop waiting for a rollback after this long (default ${d.rollback.timeoutSec})`,
      number('--rollback-timeout-sec'),
    )
    .option(
      '--rollback-before-sec <s>',
      `steady load before the trigger (default ${d.rollback.beforeSec})`,
      number('--rollback-before-sec'),
    )
    .option('--rollback-after-sec <s>', `steady load after completion (default ${d.rollback.afterSec})`, number('--rollback-after-sec'))
    .option('--keep-warm-sec <s>', 'blue/green: scale the old track to 0 this long after the switch', number('--keep-warm-sec'))
    .option('--autoscale', 'check autoscaling on every variant that autoscales (targets may opt out with autoscale: false)')
    .option('--autoscale-concurrency <list>', 'autoscale load steps (default 4,32,64)', numberList('--autoscale-concurrency'))
    .option('--autoscale-rate <list>', 'open-loop autoscale load steps instead', numberList('--autoscale-rate'))
    .option('--hold-sec <s>', `seconds each autoscale step holds (default ${d.autoscale.holdSec})`, number('--hold-sec'))
    .option('--scale-up-limit-sec <s>', `gate (default ${d.autoscale.scaleUpLimitSec})`, number('--scale-up-limit-sec'))
    .option('--scale-down-limit-sec <s>', `gate (default ${d.autoscale.scaleDownLimitSec})`, number('--scale-down-limit-sec'))
    .option('--prometheus-url <url>', "read the autoscale queue from Prometheus (default: each variant's /metrics)")
    .option(
      '--load-workers <n>',
      'run each load test as n workers merged into one result: pods of an Indexed Job with an llm-bench image (--bench-image or the env file), else local processes',
      number('--load-workers'),
    )
    .option('--bench-image <ref>', "with --load-workers: the llm-bench image the worker pods run (default: the env file's bench.image)")
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount)')
    .option('--context <name>', 'kubeconfig context')
    .option(...KUBE_TIMEOUT_FLAG, number('--kube-timeout'))
    .option('--poll-ms <ms>', `how often to read the Kubernetes API (default ${d.pollMs})`, number('--poll-ms'))
    .option('--sample-ms <ms>', `timeline resolution (default ${d.sampleMs})`, number('--sample-ms'))
    .option(
      '--baseline <file|s3://…>',
      "the previous release's postdeploy --json result (a path or s3://bucket/key): compare each variant's load with its load there",
    )
    .option(
      '--store-result <file|s3://…>',
      "after a passing run, store its result there for the next deploy's --baseline (same place as --baseline: a CI loop whose first run starts it)",
    )
    .option(
      '--max-regression <metric=limit>',
      "release gate for --baseline, e.g. 'ttftMs.p95=10%'; repeatable (default ttftMs.p95=10%, tpotMs.p95=10%, outputTokenThroughput=-5%, errorRate=+0.005)",
      collect,
      [],
    )
    .option('--eval', 'run a short eval (judge, both orders) of each --eval-pair')
    .option(
      '--eval-pair <candidate=baseline>',
      'variants (or variant/model, e.g. an adapter) to evaluate against each other; repeatable',
      collect,
      [],
    )
    .option('--eval-judge <variant[/model]>', 'the judge variant')
    .option('--eval-prompts <n>', 'prompts of the short eval (default 20)', number('--eval-prompts'))
    .option('--eval-promptset <core|file|s3://…>', 'promptset of the short eval (default core)', 'core')
    .option(
      '--eval-threshold <expr>',
      'eval gate, e.g. winRate>=0.45; repeatable (default winRate.high>=0.5: worse beyond noise fails)',
      collect,
      [],
    );
  addRegistryFlags(cmd);
  addFrontDoorFlags(cmd).option(
    '--front-door-only',
    'check only the front door (from outside the cluster network); needs frontDoor in the targets',
  );
  addOutputFlags(cmd);
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  pulumi stack output --json > targets.json',
      '  llm-bench postdeploy --targets targets.json --env-config Pulumi.prod.yaml --rollback --junit out/junit.xml --html out/postdeploy.html',
      '',
      'Exit codes: 0 all passed · 99 a threshold or gate was crossed · 2 bad usage · 1 a stage could not run or failed',
    ].join('\n'),
  );
  return withConventions(
    cmd.action(async (f: PostdeployFlags) => (await import('../actions/postdeploy')).postdeployAction(f, io, exit, props)),
    io,
  );
}
