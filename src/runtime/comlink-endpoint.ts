import type { MessagePort, Worker } from 'node:worker_threads';
import type { Endpoint } from 'comlink';
import * as nodeAdapterModule from 'comlink/dist/umd/node-adapter.js';

type Adapter = (port: unknown) => Endpoint;

/**
 * comlink's Node adapter ships as a UMD module whose typings claim a default
 * export; under Node's ESM loader it arrives as the CommonJS export itself.
 * Take whichever shape is there, in one place.
 */
const moduleValue = nodeAdapterModule as unknown as { default?: unknown };
const adapter: Adapter = (
  typeof moduleValue.default === 'function'
    ? moduleValue.default
    : (moduleValue.default as { default?: unknown } | undefined)?.default
) as Adapter;

/** A comlink endpoint over a worker, or over a worker's own parent port. */
export function comlinkEndpoint(port: Worker | MessagePort): Endpoint {
  return adapter(port);
}
