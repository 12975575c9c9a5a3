/**
 * `llm-bench collect`: one load result from the workers of a distributed run nobody coordinated —
 * the load worker Job applied by GitOps, read in the cluster, or its outputs saved to a folder or S3.
 */
import { Command } from 'commander';
import { collect, KUBE_TIMEOUT_FLAG, number } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';
import { addOutputFlags } from '../output';
import type { CollectFlags } from '../actions/collect';

/** The `collect` command; add it with `program.addCommand(collectCommand(io, exit))`. */
export function collectCommand(io: CliIo, exit: ExitSink): Command {
  const cmd = new Command('collect')
    .description('merge the reports of a load worker Job (pod logs) or of its saved outputs into one load result, as load --workers does')
    .option('--job <name>', 'the finished load worker Job to read (its pods’ logs hold the reports)')
    .option('--namespace <ns>', 'namespace of the Job (default llm-bench)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option(...KUBE_TIMEOUT_FLAG, number('--kube-timeout'))
    .option('--wait <s>', 'with --job: wait up to s seconds for the Job to finish (default: it must have finished)', number('--wait'))
    .option('--delete', 'with --job: delete the Job (and its pods and promptset) once collected')
    .option('--from <dir|s3://bucket/prefix>', 'a saved run instead: spec.json and <index>.log per worker (as --save writes)')
    .option('--save <dir>', 'also write the run’s spec.json and <index>.log files there, to collect again later with --from')
    .option('--region <region>', 'AWS region for --from s3:// (default: the SDK chain)')
    .option('--s3-endpoint-url <url>', 'S3 endpoint for --from s3:// (localstack, s3rver)')
    .option(
      '--threshold <expr>',
      'SLO gate such as ttftMs.p95<500; repeatable; replaces the run’s own thresholds; any crossed → exit 99',
      collect,
      [],
    );
  return withConventions(
    addOutputFlags(cmd)
      .addHelpText(
        'after',
        '\nExamples:\n  llm-bench collect --job llm-bench-load --namespace llm-bench --json out/merged.json --save out/bench-run\n' +
          '  llm-bench collect --from out/bench-run --markdown -',
      )
      .action(async (f: CollectFlags) => (await import('../actions/collect')).collectAction(f, io, exit)),
    io,
  );
}
