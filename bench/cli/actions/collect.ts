/** What `llm-bench collect` does once its flags parse. */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_NAMESPACE } from '../../../constructs/bench-layout';
import { collectedResult, collectFromFiles, collectFromJob, type SavedRunReader, savedRunFiles } from '../../distributed/collect';
import { collectUsage } from '../../errors';
import { renderMarkdown } from '../../report/markdown';
import { LOAD_RENDERERS } from '../../report/renderers';
import { parseThresholds } from '../../thresholds';
import { kubeFrom } from '../cluster';
import type { CliIo, ExitSink } from '../io';
import { checkUsage, loadExitCode, makeFolders, type OutputFlags, outputProblems, toStdout, withOutputs, writeReports } from '../output';

export interface CollectFlags extends OutputFlags {
  readonly job?: string;
  readonly namespace?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly kubeTimeout?: number;
  readonly wait?: number;
  readonly delete?: boolean;
  readonly from?: string;
  readonly save?: string;
  readonly region?: string;
  readonly s3EndpointUrl?: string;
  readonly threshold: string[];
}

/** `--from s3://bucket/prefix` as its parts, or undefined for a local folder. */
function s3Source(from: string): { readonly bucket: string; readonly prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(from);
  return m === null ? undefined : { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, '') };
}

/** Every usage problem of the flags, before anything is read. */
async function flagProblems(f: CollectFlags): Promise<string[]> {
  const problems = outputProblems(f);
  if ((f.job === undefined) === (f.from === undefined)) {
    const got = f.job === undefined ? 'neither' : 'both';
    problems.push(
      `collect reads a Job or a saved run, got ${got} of --job and --from; pass --job NAME (in the cluster) or --from DIR|s3://bucket/prefix`,
    );
  }
  if (f.from !== undefined) {
    const jobOnly = [
      ['--wait', f.wait],
      ['--delete', f.delete],
      ['--namespace', f.namespace],
      ['--kubeconfig', f.kubeconfig],
      ['--context', f.context],
    ] as const;
    for (const [flag, v] of jobOnly)
      if (v !== undefined) problems.push(`${flag} applies to --job, got it with --from ${f.from}; drop ${flag}`);
    if (f.from.startsWith('s3://')) {
      if (s3Source(f.from) === undefined)
        problems.push(`--from ${f.from} names no bucket, got nothing after s3://; pass s3://bucket/prefix`);
    } else {
      if (f.region !== undefined || f.s3EndpointUrl !== undefined)
        problems.push(`--region and --s3-endpoint-url apply to --from s3://…, got a folder (${f.from}); drop them`);
      const s = await stat(f.from).catch(() => undefined);
      if (s?.isDirectory() !== true)
        problems.push(
          `--from ${f.from} is not a folder, got ${s === undefined ? 'nothing there' : 'a file'}; pass the folder collect --save wrote`,
        );
    }
  }
  if (f.wait !== undefined && !(f.wait >= 0)) problems.push(`--wait must be seconds >= 0, got ${f.wait}; pass e.g. --wait 600`);
  if (f.save !== undefined) {
    const s = await stat(f.save).catch(() => undefined);
    if (s !== undefined && !s.isDirectory()) problems.push(`--save ${f.save} is a file, got a file; pass a folder`);
  }
  collectUsage(problems, () => parseThresholds(f.threshold));
  return problems;
}

/** Reads a saved run's files from a folder or an S3 prefix. */
function savedRunReader(f: CollectFlags): SavedRunReader {
  const s3 = s3Source(f.from!);
  if (s3 === undefined) {
    return async (name) => {
      try {
        return await readFile(join(f.from!, name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    };
  }
  return async (name) => {
    const [{ createAwsClients, silenceAwsNodeVersionNotice }, { readSmallObject }] = await Promise.all([
      import('../../registry/aws'),
      import('../../registry/objects'),
    ]);
    silenceAwsNodeVersionNotice();
    const { s3: client, close } = createAwsClients({
      ...(f.region !== undefined && { region: f.region }),
      ...(f.s3EndpointUrl !== undefined && { s3EndpointUrl: f.s3EndpointUrl }),
    });
    try {
      return await readSmallObject(client, s3.bucket, s3.prefix === '' ? name : `${s3.prefix}/${name}`);
    } finally {
      close();
    }
  };
}

export async function collectAction(f: CollectFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems = await flagProblems(f);
  const kube = f.job === undefined ? undefined : collectUsage(problems, () => kubeFrom(f, io));
  await checkUsage(f, problems);
  const namespace = f.namespace ?? BENCH_NAMESPACE;
  const run =
    kube === undefined
      ? await collectFromFiles(savedRunReader(f), f.from!.replace(/\/+$/, ''))
      : await collectFromJob(kube, namespace, f.job!, { ...(f.wait !== undefined && { waitSec: f.wait }) });
  if (f.save !== undefined) {
    await makeFolders(f.save);
    for (const file of savedRunFiles(run)) await writeFile(join(f.save, file.name), file.text);
    io.stderr(`saved the spec and worker outputs of ${run.where} in ${f.save}\n`);
  }
  const result = collectedResult(run, f.threshold.length > 0 ? f.threshold : undefined);
  const d = result.distributed!;
  io.stderr(`collected ${d.reported.length} of ${d.workers} workers' reports from ${run.where}\n`);
  for (const w of d.failed) io.stderr(`worker ${w.index}: ${w.problem}\n`);
  const written = await writeReports(result, f, LOAD_RENDERERS, io);
  if (!toStdout(f) && result.summary.requests.total > 0) io.stdout(renderMarkdown(result));
  for (const w of result.warnings ?? []) io.stderr(`warning: ${w}\n`);
  // Only once the reports are written (and saved, if asked): the pods' logs go with the Job.
  if (kube !== undefined && f.delete === true) {
    await kube.deleteJob(namespace, f.job!);
    io.stderr(`deleted Job ${namespace}/${f.job}\n`);
  }
  exit.code = withOutputs(loadExitCode(result, io), written);
}
