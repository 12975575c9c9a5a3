/**
 * The `bench` section of the config schema: what the platform's llm-bench load workers run as
 * (the image CI builds from the Dockerfile, and each worker's CPU and memory). The namespace they
 * run in is `workloads.benchNamespace`.
 *
 * Kept beside config/platform.ts, which adds it to the schema as one section.
 */
import { z } from 'zod';
import { pinnedImageReference, quantityGiB } from './fields';

/** The most CPU or memory one worker may ask for: a worker is one Node process, which uses about one core. */
export const BENCH_WORKER_MAX = { cpu: 8, memoryGiB: 16 } as const;

export const benchSchema = z.strictObject({
  /**
   * The llm-bench image (see Dockerfile) that `llm-bench load --workers N --kubeconfig …` and
   * `postdeploy --load-workers N` run their workers from, pinned by tag or digest.
   * @default - none: the commands then need `--image`
   */
  image: pinnedImageReference.optional(),
  /** CPU cores each worker requests; one llm-bench process drives about 1,000 streams on one core. */
  workerCpu: z
    .number()
    .positive()
    .max(BENCH_WORKER_MAX.cpu, 'the most one single-threaded worker can use, with room for GC threads')
    .default(1),
  /** Memory each worker requests and is limited to. */
  workerMemoryGiB: quantityGiB(BENCH_WORKER_MAX.memoryGiB, 'far more than a worker holding 1,000 streams needs, about 200 MiB').default(1),
});

export type BenchConfig = z.output<typeof benchSchema>;
