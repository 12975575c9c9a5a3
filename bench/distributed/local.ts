/**
 * Local worker mode: the workers of a distributed run as N child processes on this machine, each
 * running llm-bench's hidden `worker` command with the spec and its index in its environment, as
 * the pods of the Kubernetes Job get them. For tests, and for more than one core's worth of
 * clients on one big machine.
 */
import { spawn } from 'node:child_process';
import { API_KEY_ENV, COMPLETION_INDEX_ENV, WORKER_SPEC_ENV, type WorkerSpec } from './spec';
import type { WorkerLauncher, WorkerOutput } from './run';

/** Most bytes of a worker's stderr kept for its failure message. */
const STDERR_TAIL = 2000;

export interface LocalWorkersOptions {
  /** The command that runs `llm-bench worker`, e.g. `[process.execPath, '/path/to/llm-bench.mjs', 'worker']`. */
  readonly command: readonly string[];
  /** Time from spawning to the barrier, for every process to load. @default 3000 */
  readonly barrierMs?: number;
}

/** Runs each worker as a child process; see {@link LocalWorkersOptions}. */
export function localWorkers(opts: LocalWorkersOptions): WorkerLauncher {
  const [file, ...args] = opts.command;
  if (file === undefined) throw new RangeError('local workers need a command to run, got none');
  return {
    where: 'local processes',
    barrierMs: opts.barrierMs ?? 3000,
    run: (spec, apiKey, signal) =>
      Promise.all(Array.from({ length: spec.workers }, (_, index) => runChild(file, args, spec, index, apiKey, signal))),
  };
}

function runChild(
  file: string,
  args: readonly string[],
  spec: WorkerSpec,
  index: number,
  apiKey: string | undefined,
  signal?: AbortSignal,
): Promise<WorkerOutput> {
  const env: NodeJS.ProcessEnv = { ...process.env, [WORKER_SPEC_ENV]: JSON.stringify(spec), [COMPLETION_INDEX_ENV]: String(index) };
  if (apiKey !== undefined) env[API_KEY_ENV] = apiKey;
  else delete env[API_KEY_ENV];
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-STDERR_TAIL)));
    // A graceful stop reaches the workers as the Job's would: SIGTERM, then they print what they have.
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ index, output: stdout, problem: `did not start (${err.message})` });
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve({ index, output: stdout });
      const how = sig !== null ? `was killed by ${sig}` : `exited with code ${code}`;
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      resolve({ index, output: stdout, problem: tail === '' ? how : `${how}: ${tail}` });
    });
  });
}
