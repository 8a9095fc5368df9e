/** How the model-based test of the host's frame handling draws its commands: weighted, with honest, forged and malformed messages. */
import fc from 'fast-check';
import type { GrantPurpose } from '../../../src/messages/protocol.js';
import type { TargetSize } from '../../../src/model/scenario.js';
import { CrashCommand, OutboxCommand, PublishStatusCommand, SetTargetCommand, type HostCommand } from './commands.js';
import { FRAME_BYTES } from './host-setup.js';
import { MALFORMED } from './malformed-messages.js';
import { MalformedPlan, ReleasePlan, RequestPlan, type AmountChoice, type FrameChoice, type MessagePlan } from './message-plans.js';
import { TickCommand } from './tick-command.js';

const pick = fc.nat({ max: 10_000 });
const ownChoice = pick.map((p): FrameChoice => ({ kind: 'own', pick: p }));
const forgedChoice: fc.Arbitrary<FrameChoice> = fc.oneof(
  pick.map((p): FrameChoice => ({ kind: 'otherGuest', pick: p })),
  pick.map((p): FrameChoice => ({ kind: 'free', pick: p })),
  pick.map((p): FrameChoice => ({ kind: 'reserved', pick: p })),
  pick.map((p): FrameChoice => ({ kind: 'repeat', pick: p })),
  fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -3, max: -1 }), fc.constantFrom(2 ** 31 - 1 - 2048, -(2 ** 31))).map(
    (value): FrameChoice => ({ kind: 'outOfRange', value }),
  ),
);
const withinChoice = pick.map((p): AmountChoice => ({ kind: 'within', pick: p }));
const beyondChoice = fc.nat({ max: 100 }).map((extra): AmountChoice => ({ kind: 'beyond', extra }));
const noUnbacked: AmountChoice = { kind: 'within', pick: 0 };

const honestRelease = fc
  .tuple(fc.array(ownChoice, { minLength: 1, maxLength: 8 }), fc.oneof(fc.constant(noUnbacked), withinChoice))
  .map(([frames, unbacked]) => new ReleasePlan(frames, unbacked));
const forgedRelease = fc
  .tuple(fc.array(fc.oneof(ownChoice, forgedChoice), { minLength: 1, maxLength: 8 }), fc.oneof(withinChoice, beyondChoice))
  .map(([frames, unbacked]) => new ReleasePlan(frames, unbacked));
const request = fc
  .tuple(
    fc.constantFrom<GrantPurpose>('deflate', 'populate'),
    fc.oneof({ weight: 3, arbitrary: withinChoice }, { weight: 1, arbitrary: beyondChoice }),
    fc.boolean(),
  )
  .map(([purpose, amount, withFrames]) => new RequestPlan(purpose, amount, withFrames));
const malformed = fc.tuple(fc.nat({ max: MALFORMED.length - 1 }), pick).map(([variant, p]) => new MalformedPlan(variant, p));
const namingPlan: fc.Arbitrary<MessagePlan> = fc.oneof(honestRelease, forgedRelease, malformed);
/** Used pages as a guest may publish them: plausible counts, and nonsense a hostile guest may write. */
const usedPages = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 5000 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY, 2.5, 2 ** 53) });

const guestPick = fc.nat({ max: 11 });
/** Across the wire mostly, sometimes straight to the device side. */
const wire = fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const single = (plan: fc.Arbitrary<MessagePlan>) => fc.tuple(guestPick, plan, wire).map(([g, p, w]) => new OutboxCommand(g, [p], w));
const target: fc.Arbitrary<TargetSize> = fc.oneof(
  fc.nat({ max: 3000 }).map((pages) => ({ bytes: pages * FRAME_BYTES })),
  fc.nat({ max: 3000 * FRAME_BYTES }).map((bytes) => ({ bytes })),
  fc.integer({ min: -10, max: 150 }).map((percentOfMax) => ({ percentOfMax })),
  fc.double({ min: 0, max: 100, noNaN: true }).map((percentOfMax) => ({ percentOfMax })),
);

/** One weighted choice, so that crashes (which silence a guest for the rest of the run) stay rare. */
export const hostCommand: fc.Arbitrary<HostCommand> = fc.oneof(
  { weight: 8, arbitrary: single(honestRelease) },
  { weight: 4, arbitrary: single(forgedRelease) },
  { weight: 8, arbitrary: single(request) },
  { weight: 2, arbitrary: single(malformed) },
  { weight: 2, arbitrary: fc.tuple(guestPick, usedPages).map(([g, used]) => new PublishStatusCommand(g, used)) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(guestPick, fc.array(namingPlan, { maxLength: 3 }), fc.array(request, { maxLength: 2 }), wire)
      .filter(([, naming, requests]) => naming.length + requests.length >= 2)
      .map(([g, naming, requests, w]) => new OutboxCommand(g, [...naming, ...requests], w)),
  },
  { weight: 1, arbitrary: guestPick.map((g) => new CrashCommand(g)) },
  { weight: 2, arbitrary: fc.tuple(guestPick, target, fc.boolean()).map(([g, t, force]) => new SetTargetCommand(g, t, force)) },
  { weight: 3, arbitrary: fc.constant(null).map(() => new TickCommand()) },
);
