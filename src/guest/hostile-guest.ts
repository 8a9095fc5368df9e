import { FRAMES_PER_MESSAGE_MAX } from '../messages/limits.js';
import { framesInRuns, type GuestToHost, type HostToGuest, type ReleaseMessage } from '../messages/protocol.js';
import type { GuestInit, GuestReport, HostileReport } from '../messages/runtime.js';
import type { AttackKind, HostileSpec } from '../model/scenario.js';
import { ownersOf, type Owners } from '../messages/table-share.js';
import { deriveSeed, Random } from '../util/random.js';
import { GuestActor } from './guest-actor.js';

/** Ids of attack messages start here, far above any id an honest driver reaches, so that their replies can be told apart. */
export const ATTACK_ID_BASE = 2 ** 50;

/** Frame numbers named in one forged release. */
const FORGED_FRAMES_PER_MESSAGE = 8;
/** Table entries looked at to find frames that are not the guest's own before giving up for this round. */
const FRAME_PICK_SCAN_MAX = 1 << 16;
/** A count no guest is entitled to (the most one request may carry). */
const ABSURD_PAGES = 1 << 20;
/** A count past what one request may carry at all. */
const IMPOSSIBLE_PAGES = 1 << 30;

/** Malformed messages: wrong types, missing fields, impossible values. Each is one violation, on any placement. */
const MALFORMED: ReadonlyArray<() => unknown> = [
  () => ({ type: 'bogus' }),
  () => ({ type: 'release', id: -1, frames: new Int32Array(0), unbackedPages: 0 }),
  () => ({ type: 'release', id: 1, frames: [1, 2, 3], unbackedPages: 0 }),
  () => ({ type: 'request', id: 1, purpose: 'steal', pages: 1, withFrames: true }),
  () => ({ type: 'request', id: 1, purpose: 'populate', pages: 0, withFrames: true }),
  () => ({ type: 'request', id: 1, purpose: 'populate', pages: 8, withFrames: false }),
  () => ({ type: 'distress', reason: 'panic', fullAvg10: 0, availablePages: 0 }),
  () => null,
  () => 42,
];

/**
 * A hostile guest: an honest guest actor (its memory, workload and driver
 * stay consistent) that also attacks the host every `everyMs`, with every
 * attack built so that a correct host must refuse it and leave the table as
 * it was. Each attack message should cost it exactly one protocol violation;
 * the guest counts what it sent, what it expects the host to count, and any
 * attack the host accepted (which would be a host bug).
 *
 * Ordering that keeps the attacks honest-to-refuse: forged frame numbers are
 * picked from the table (read-only) among frames that are not this guest's,
 * only when no request of the guest is waiting for a grant, and they are sent
 * before the guest's own messages of the step. The host gives a guest frames
 * only in answer to its requests, so a frame that was not the guest's when
 * picked is still not its own when the host reads the attack.
 */
export class HostileGuestActor {
  readonly index: number;
  readonly name: string;
  private readonly inner: GuestActor;
  private readonly spec: HostileSpec;
  private readonly random: Random;
  private readonly table: Owners | null;
  /** Its entries' value in the table, from the boot message. */
  private ownerId = 0;
  private readonly tickMs: number;
  private booted = false;
  private nextAttackMs = 0;
  private nextAttackId = ATTACK_ID_BASE;
  /** Honest requests waiting for their grant, by id. */
  private readonly requestsInFlight = new Set<number>();
  /** Attacks that could not be made yet (no release to copy a frame from, or a grant in flight). */
  private readonly deferred = new Set<AttackKind>();
  /** Id of the honest release carrying a repeated frame, waiting for its answer. */
  private readonly repeatedIds = new Set<number>();
  private readonly counts: HostileReport = {
    rounds: 0,
    attackMessages: 0,
    expectedViolations: 0,
    refusalsSeen: 0,
    attacksAccepted: 0,
    byKind: {},
  };

  constructor(init: GuestInit) {
    const hostile = init.spec.hostile;
    if (hostile === undefined) throw new Error(`HostileGuestActor ${init.spec.name}: the spec has no hostile settings`);
    this.inner = new GuestActor(init);
    this.index = init.index;
    this.name = init.spec.name;
    this.spec = hostile;
    this.tickMs = init.tickMs;
    this.random = new Random(deriveSeed(init.seed, 'hostile'));
    this.table = init.table !== undefined ? ownersOf(init.table) : null;
    this.nextAttackMs = hostile.everyMs;
  }

  step(tick: number, inbox: ReadonlyArray<HostToGuest>): GuestToHost[] {
    const nowMs = tick * this.tickMs;
    const honestInbox = this.screen(inbox);
    const attacks: unknown[] = [];
    const flood: unknown[] = [];
    let repeat = false;
    if (this.booted && nowMs >= this.nextAttackMs) {
      this.nextAttackMs = nowMs + this.spec.everyMs;
      this.counts.rounds++;
      for (const kind of this.spec.attacks) this.deferred.add(kind);
    }
    for (const kind of [...this.deferred]) {
      if (kind === 'repeated') {
        repeat = true;
        continue;
      }
      if (kind === 'flood') {
        for (let i = 0; i < this.spec.floodMessages; i++) flood.push({ type: 'oomDeflate', pages: -1 });
        this.sent('flood', this.spec.floodMessages, this.spec.floodMessages);
        this.deferred.delete(kind);
        continue;
      }
      const made = this.attack(kind, attacks);
      if (made) this.deferred.delete(kind);
    }
    const honest = this.inner.step(tick, honestInbox);
    for (const message of honest) {
      if (message.type === 'request') this.requestsInFlight.add(message.id);
    }
    if (repeat) {
      // A release with room for one more frame: a full one would become too long, refused whole as malformed,
      // and its frames (unmapped by the honest actor) would stay this guest's with nobody mapping them.
      const release = honest.find((m): m is ReleaseMessage => m.type === 'release' && m.frames.length > 0 && m.frames.length < FRAMES_PER_MESSAGE_MAX);
      if (release !== undefined) {
        const frames = new Int32Array(release.frames.length + 1);
        frames.set(release.frames);
        frames[release.frames.length] = release.frames[this.random.int(release.frames.length)]!;
        honest[honest.indexOf(release)] = { ...release, frames };
        this.repeatedIds.add(release.id);
        this.sent('repeated', 1, 1);
        this.deferred.delete('repeated');
      }
    }
    return [...(attacks as GuestToHost[]), ...honest, ...(flood as GuestToHost[])];
  }

  stop(): void {
    this.inner.stop();
  }

  report(): GuestReport {
    return { ...this.inner.report(), hostile: { ...this.counts, byKind: { ...this.counts.byKind } } };
  }

  selfCheck(): string[] {
    return this.inner.selfCheck();
  }

  /** Keeps replies to attacks away from the honest actor, and checks that each one is a refusal. */
  private screen(inbox: ReadonlyArray<HostToGuest>): HostToGuest[] {
    const honest: HostToGuest[] = [];
    for (const message of inbox) {
      if (message.type === 'boot') {
        this.booted = true;
        this.ownerId = message.ownerId;
      }
      if ((message.type === 'grant' || message.type === 'releaseAck') && message.id >= ATTACK_ID_BASE) {
        const accepted = message.type === 'grant' ? framesInRuns(message.runs) + message.unbackedPages : message.acceptedFrames + message.acceptedUnbackedPages;
        if (accepted > 0) this.counts.attacksAccepted++;
        else this.counts.refusalsSeen++;
        continue;
      }
      if (message.type === 'grant') this.requestsInFlight.delete(message.id);
      if (message.type === 'releaseAck' && this.repeatedIds.delete(message.id)) {
        if (message.invalidFrames >= 1) this.counts.refusalsSeen++;
        else this.counts.attacksAccepted++;
      }
      honest.push(message);
    }
    return honest;
  }

  /** Builds one attack into `out`; false if it cannot be made safely now (it is retried next step). */
  private attack(kind: Exclude<AttackKind, 'repeated' | 'flood'>, out: unknown[]): boolean {
    switch (kind) {
      case 'forged':
      case 'not-owned': {
        if (this.requestsInFlight.size > 0) return false;
        const frames = this.pickFrames(kind === 'not-owned');
        if (frames === null) return false;
        out.push({ type: 'release', id: this.attackId(), frames, unbackedPages: 0 });
        this.sent(kind, 1, 1);
        return true;
      }
      case 'out-of-range': {
        const frames = this.table?.length ?? 1 << 30;
        out.push({ type: 'release', id: this.attackId(), frames: Int32Array.of(-1, frames, 2 ** 31 - 1, -(2 ** 31)), unbackedPages: 0 });
        this.sent(kind, 1, 1);
        return true;
      }
      case 'absurd-count':
        out.push({ type: 'request', id: this.attackId(), purpose: 'deflate', pages: ABSURD_PAGES, withFrames: true });
        out.push({ type: 'request', id: this.attackId(), purpose: 'populate', pages: IMPOSSIBLE_PAGES, withFrames: true });
        out.push({ type: 'release', id: this.attackId(), frames: new Int32Array(0), unbackedPages: ABSURD_PAGES });
        this.sent(kind, 3, 3);
        return true;
      case 'malformed':
        for (const make of MALFORMED) out.push(make());
        this.sent(kind, MALFORMED.length, MALFORMED.length);
        return true;
    }
  }

  /** Table entries the frame picks have read, in all: how the work was done, for tests (not reported). */
  framesLooked = 0;

  /**
   * Frames the table does not give to this guest, at most
   * FORGED_FRAMES_PER_MESSAGE of them, or null if it found none.
   * `preferOthers` (the not-owned attack) takes frames other guests own
   * first and fills up with other frames that are not its own.
   *
   * The table is changing on other threads while the guest steps (their
   * guests' device sides move frames), so which frame another guest owns at
   * this instant depends on the placement. What the host answers must not:
   * the places looked at are fixed by the seed alone, and whether a frame is
   * this guest's own is settled (only its own device side, on this thread,
   * moves its frames). So how many frames go, and that the host refuses each
   * as not the sender's, are the same on every placement; only which of
   * them other guests held may differ.
   */
  private pickFrames(preferOthers: boolean): Int32Array | null {
    const table = this.table;
    if (table === null) return null;
    const others: number[] = [];
    const rest: number[] = [];
    // From a random place, alternately a random stride and the next frame, so that the frames are spread over the table and some come in pairs.
    const start = this.random.int(table.length);
    const stride = 1 + this.random.int(Math.max(1, Math.floor(table.length / (FORGED_FRAMES_PER_MESSAGE * 4))));
    const looks = Math.min(FRAME_PICK_SCAN_MAX, table.length);
    // It stops once it has what it picks: others' frames if it prefers them, else the first frames not its own
    // (a forged release used to look at all FRAME_PICK_SCAN_MAX, scattered over the table, for 8 frames).
    for (let look = 0, frame = start; look < looks && others.length < FORGED_FRAMES_PER_MESSAGE && (preferOthers || rest.length < FORGED_FRAMES_PER_MESSAGE); look++) {
      const owner = Atomics.load(table, frame);
      if (owner !== this.ownerId && !others.includes(frame) && !rest.includes(frame)) {
        if (preferOthers && owner > 0) others.push(frame);
        else if (rest.length < FORGED_FRAMES_PER_MESSAGE) rest.push(frame);
      }
      frame = (frame + (look % 2 === 0 ? stride : 1)) % table.length;
      this.framesLooked++;
    }
    const picked = others.concat(rest).slice(0, FORGED_FRAMES_PER_MESSAGE);
    return picked.length > 0 ? Int32Array.from(picked) : null;
  }

  private attackId(): number {
    return this.nextAttackId++;
  }

  private sent(kind: AttackKind, messages: number, violations: number): void {
    this.counts.attackMessages += messages;
    this.counts.expectedViolations += violations;
    this.counts.byKind[kind] = (this.counts.byKind[kind] ?? 0) + messages;
  }
}
