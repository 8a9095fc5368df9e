/**
 * The marks a run leaves of its calls into users' policy code, in a small
 * SharedArrayBuffer that a watcher on another thread reads (stuck-calls.ts):
 * "in call N, method M of module K, at simulated time T", and which thread
 * makes the calls. Marking is all that a call pays for the watch: a read,
 * two plain stores and an Atomics.store before the call, an Atomics.store
 * after it.
 *
 * Ordering: `enter` writes the method and the time first, then the call's
 * number with Atomics.store; a reader that Atomics.loads that number sees
 * the method and time written before it. `current` reads the number again
 * after the rest: if it changed, the call it read about is over (and what it
 * read may belong to the next), so it reports nothing and is asked again at
 * the next look.
 *
 * Once the watcher has stopped a call (terminated the thread's JavaScript),
 * the run may still have work queued that would call the module again (a
 * free-running coordinator's next batch, before the watcher's message):
 * the watcher sets STOPPED before it terminates, and `enter` refuses every
 * call after that with a PolicyError.
 */
import { readlinkSync } from 'node:fs';
import type { PolicyCallGate, PolicyMethod } from '../../host/policy/policy-calls.js';
import { PolicyError } from '../../host/policy/policy-error.js';

/** Int32 slots of the buffer; the simulated time is a Float64 after them. */
const Slot = {
  /** The number of the call in progress (1 to 2^31 - 1), or 0 between calls. */
  CALL: 0,
  /** Which method of which module: module index * METHODS.length + method index. */
  WHAT: 1,
  /** The Linux id of the thread that makes the calls (its CPU time is in /proc), or 0 where unknown. */
  THREAD: 2,
  /** Set to 1 by a watcher that stopped a call: no call may begin after it. */
  STOPPED: 3,
} as const;
const INT32_SLOTS = 4;
const TIME_OFFSET_BYTES = INT32_SLOTS * 4;
const BUFFER_BYTES = TIME_OFFSET_BYTES + 8;
const CALL_NUMBER_MAX = 0x7fffffff;

const METHODS: readonly PolicyMethod[] = ['load', 'createPolicy', 'decide', 'observe', 'reclaim'];

/** A call in progress, as a watcher reads it. */
export interface CallMark {
  /** Its number: the same number at two looks is the same call. */
  call: number;
  modulePath: string;
  method: PolicyMethod;
  /** The simulated time of the call. */
  timeMs: number;
}

/**
 * The Linux id of the calling thread (/proc/thread-self names it), or 0
 * where the system does not say. A worker thread has its own.
 */
export function currentThreadId(): number {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(id) && id > 0 ? id : 0;
  } catch {
    return 0;
  }
}

/** The marks of one run: the gate the host calls, and what a watcher reads. */
export class PolicyCallMarks implements PolicyCallGate {
  readonly buffer: SharedArrayBuffer;
  private readonly slots: Int32Array;
  private readonly time: Float64Array;
  private readonly modulePaths: string[];
  private calls = 0;

  /** `modulePaths` are the run's policy modules (policyModulePaths): the watcher and the run must list them in the same order. */
  constructor(modulePaths: ReadonlyArray<string>, buffer: SharedArrayBuffer = new SharedArrayBuffer(BUFFER_BYTES)) {
    if (buffer.byteLength !== BUFFER_BYTES) throw new RangeError(`PolicyCallMarks: the buffer must have ${BUFFER_BYTES} bytes, got ${buffer.byteLength}`);
    this.buffer = buffer;
    this.slots = new Int32Array(buffer, 0, INT32_SLOTS);
    this.time = new Float64Array(buffer, TIME_OFFSET_BYTES, 1);
    this.modulePaths = [...modulePaths];
  }

  /** Records that the calling thread makes the calls (for the watcher's reading of its CPU time). */
  attach(): void {
    Atomics.store(this.slots, Slot.THREAD, currentThreadId());
  }

  /** The Linux id of the thread that makes the calls, or 0 if unknown. */
  get threadId(): number {
    return Atomics.load(this.slots, Slot.THREAD);
  }

  codeOf(modulePath: string, method: PolicyMethod): number {
    let module = this.modulePaths.indexOf(modulePath);
    if (module < 0) module = this.modulePaths.push(modulePath) - 1;
    return module * METHODS.length + METHODS.indexOf(method);
  }

  enter(code: number, timeMs: number): void {
    if (this.slots[Slot.STOPPED] !== 0) throw new PolicyError(`the policy module ${this.describe(code)}() was not called: the run's watch stopped a call that did not return`);
    this.time[0] = timeMs;
    this.slots[Slot.WHAT] = code;
    this.calls = this.calls === CALL_NUMBER_MAX ? 1 : this.calls + 1;
    Atomics.store(this.slots, Slot.CALL, this.calls);
  }

  leave(): void {
    Atomics.store(this.slots, Slot.CALL, 0);
  }

  /** Refuses every call from now on (a watcher that stopped one). */
  markStopped(): void {
    Atomics.store(this.slots, Slot.STOPPED, 1);
  }

  /** Whether a watcher has stopped a call of this run. */
  get stopped(): boolean {
    return Atomics.load(this.slots, Slot.STOPPED) !== 0;
  }

  /** The call in progress, read from any thread; null between calls (or when one ended while it was read). */
  current(): CallMark | null {
    const call = Atomics.load(this.slots, Slot.CALL);
    if (call === 0) return null;
    const what = Atomics.load(this.slots, Slot.WHAT);
    const timeMs = this.time[0]!;
    if (Atomics.load(this.slots, Slot.CALL) !== call) return null;
    return { call, ...this.decode(what), timeMs };
  }

  private decode(code: number): { modulePath: string; method: PolicyMethod } {
    return { modulePath: this.modulePaths[Math.floor(code / METHODS.length)] ?? 'a policy module', method: METHODS[code % METHODS.length]! };
  }

  private describe(code: number): string {
    const { modulePath, method } = this.decode(code);
    return `${modulePath}: ${method}`;
  }
}
