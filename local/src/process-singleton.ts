/**
 * A server shared by every local runtime in this process: started on first use (a failed start is retried on the
 * next use), closed on request. Handler modules keep their SDK clients, and so their endpoints, for the life of
 * the process, which is why dynalite and the local AWS endpoint are one per process.
 */
export function processSingleton<T extends { close(): Promise<void> }>(start: () => Promise<T>) {
  let shared: Promise<T> | undefined;
  return {
    get(): Promise<T> {
      if (!shared) {
        shared = start();
        shared.catch(() => { shared = undefined; });
      }
      return shared;
    },
    async close(): Promise<void> {
      const s = shared;
      shared = undefined;
      if (s) await (await s).close();
    },
  };
}
