/**
 * A distributed run's promptset (`load --prompts FILE --workers N`): every worker reads the same
 * file, checked against the size and SHA-256 the coordinator read, and takes every N-th prompt of
 * it (see {@link stridedPrompts}). Local workers read the coordinator's path; worker pods read a
 * ConfigMap the coordinator creates with their Job (bench/distributed/kube.ts), which bounds the
 * file at the 1 MiB a ConfigMap holds.
 */
import { readFile } from 'node:fs/promises';
import { CONFIGMAP_MAX_DATA_BYTES } from '../../facts/kubernetes';
import type { Endpoint } from '../client/openai';
import { RunError } from '../errors';
import { parsePromptset, type PromptSource, sha256Hex } from '../load/prompts';
import type { WorkerSpec } from './spec';

/** The promptset entry of a worker spec. */
export type PromptsetRef = NonNullable<WorkerSpec['promptset']>;

/** The promptset's bytes, as long as they are the ones the coordinator read; else a RunError saying what changed. */
export async function readPromptset(ref: PromptsetRef): Promise<Buffer> {
  let raw: Buffer;
  try {
    raw = await readFile(ref.path);
  } catch (err) {
    throw new RunError(
      `promptset ${ref.path} cannot be read by the worker, got ${(err as NodeJS.ErrnoException).code ?? String(err)}; ` +
        'local workers read the coordinator’s file, pods the ConfigMap their Job mounts',
    );
  }
  const sha256 = sha256Hex(raw);
  if (raw.length !== ref.bytes || sha256 !== ref.sha256) {
    throw new RunError(
      `promptset ${ref.path} is not the file the run started with, got ${raw.length} bytes with sha256 ${sha256.slice(0, 12)}… ` +
        `instead of ${ref.bytes} bytes with sha256 ${ref.sha256.slice(0, 12)}…; leave the file alone until the run ends`,
    );
  }
  return raw;
}

/** Worker prompts from the spec's promptset, checked; request i gets prompt i (the worker strides over them). */
export async function promptsetSource(ref: PromptsetRef, endpoint: Endpoint): Promise<PromptSource> {
  const samples = parsePromptset((await readPromptset(ref)).toString('utf8'), ref.path, endpoint);
  return { description: `${ref.path} (${samples.length} prompts)`, sample: (i) => samples[i % samples.length]! };
}

/** Why a promptset of `bytes` cannot reach worker pods in a ConfigMap, or undefined when it can. */
export function configMapPromptsetProblem(path: string, bytes: number): string | undefined {
  if (bytes <= CONFIGMAP_MAX_DATA_BYTES) return undefined;
  return (
    `--prompts ${path} is too big to reach the worker pods in a ConfigMap (at most ${CONFIGMAP_MAX_DATA_BYTES} bytes, ` +
    `Kubernetes' limit), got ${bytes} bytes; pass a promptset of at most 1 MiB, or run the workers as local processes (drop --kubeconfig)`
  );
}
