// A host policy of your own, as a JavaScript module (see examples/custom-policy.yaml).
//
// Every period it gives each live guest what it uses plus `headroom` of its
// size, within its floor and its maximum; the host's own reclaim still steps
// in when free memory runs low. Written with definePolicy, it sees the host
// and its guests in bytes, and names guests in its targets (src/api/define-policy.ts
// documents each field); a policy may also work in pages by guest index, as
// the host does (`Policy` in src/host/policy.ts).

import { definePolicy, parseSize } from 'balloonsim';

export function createPolicy(context) {
  const headroom = Number.parseFloat(String(context.options.headroom ?? '25%')) / 100;
  const minimum = parseSize(String(context.options.minimum ?? '0B'), 'options.minimum');
  return definePolicy({
    name: 'keep-free',
    period: context.periodMs,
    parameters: { headroom, minimumBytes: minimum },
    decide(host) {
      const targets = {};
      for (const guest of host.guests) {
        if (!guest.alive || guest.usedBytes === null) continue;
        const wanted = guest.usedBytes + headroom * guest.memoryBytes;
        targets[guest.name] = Math.min(guest.maxBytes, Math.max(guest.floorBytes, minimum, wanted));
      }
      return targets;
    },
  });
}
