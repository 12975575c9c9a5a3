/** Ctrl-C and SIGTERM (a cancelled CI job) for every command, handled one way. */
import type { CliIo } from './io';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface InterruptHandling {
  /** Printed on stderr at the first signal: what happens now. */
  readonly message: (signal: NodeJS.Signals) => string;
  /** The first signal: stop and report. */
  readonly graceful: (signal: NodeJS.Signals) => void;
  /**
   * The second signal, e.g. cancel the requests in flight.
   * @default - the second signal ends the process as it would without a handler
   */
  readonly hard?: () => void;
}

/**
 * Installs the handlers when `io.handleSignals` is on; returns the function that removes them.
 * Without `hard`, the handlers go after the first signal, so a second one ends the process.
 */
export function onInterrupt(io: CliIo, handling: InterruptHandling): () => void {
  if (io.handleSignals !== true) return () => {};
  let count = 0;
  const release = () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
  function handler(signal: NodeJS.Signals): void {
    count++;
    if (count === 1) {
      if (handling.hard === undefined) release();
      io.stderr(handling.message(signal));
      handling.graceful(signal);
    } else {
      handling.hard?.();
    }
  }
  for (const s of SIGNALS) process.on(s, handler);
  return release;
}

/** Resolves at the first SIGINT or SIGTERM (a server that runs until stopped). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const s of SIGNALS) process.off(s, stop);
      resolve(signal);
    };
    for (const s of SIGNALS) process.on(s, stop);
  });
}

/** A cluster-side check (rollback, autoscale, postdeploy): the first signal ends it with its reports. */
export function stopCheck(controller: AbortController): InterruptHandling {
  return {
    message: () => '\nstopping: the check ends and writes its reports; changes already made to the cluster stay\n',
    graceful: () => controller.abort(),
  };
}
