/**
 * Runs `task` over `items` with at most `limit` running at once, in input order of results.
 *
 * On the first failure it aborts `abort` (so running tasks can stop early), lets every started
 * task settle, then rejects with that first failure: the caller may clean up afterwards
 * knowing nothing is still writing.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  abort: AbortController,
  task: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && !abort.signal.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]!, abort.signal);
      } catch (error) {
        failure ??= { error };
        abort.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  abort.signal.throwIfAborted();
  return results;
}
