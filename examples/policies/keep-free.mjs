// A host policy of your own, as a JavaScript module (see examples/custom-policy.yaml).
//
// Every period it gives each live guest what it uses plus `headroom` of its
// size, within its floor and its maximum; the host's own reclaim still steps
// in when free memory runs low. `view` is a PolicyHostView and every size is
// in pages (src/host/policy.ts documents each field).

export function createPolicy(context) {
  const headroom = Number.parseFloat(String(context.options.headroom ?? '25%')) / 100;
  return {
    name: 'keep-free',
    decide(view) {
      const targets = new Map();
      for (const guest of view.guests) {
        if (!guest.alive || guest.usedPages === null) continue;
        const wanted = Math.ceil(guest.usedPages + headroom * guest.memoryPages);
        targets.set(guest.index, Math.min(guest.maxPages, Math.max(guest.floorPages, wanted)));
      }
      return targets;
    },
  };
}
