/** Unit test of src/runtime/comlink-endpoint.ts: a Node MessagePort as a comlink endpoint. */
import { MessageChannel } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import { comlinkEndpoint } from '../../src/runtime/comlink-endpoint.js';

describe('comlinkEndpoint', () => {
  it('lets comlink call an object exposed on the other end of a port', async () => {
    const { port1, port2 } = new MessageChannel();
    Comlink.expose({ add: (a: number, b: number) => a + b }, comlinkEndpoint(port1));
    const remote = Comlink.wrap<{ add(a: number, b: number): number }>(comlinkEndpoint(port2));
    try {
      expect(await remote.add(2, 3)).toBe(5);
    } finally {
      remote[Comlink.releaseProxy]();
      port1.close();
      port2.close();
    }
  });
});
