/**
 * The auditor of free-running mode: on its own thread, it sweeps the frame
 * table and every guest's page-to-frame map over and over while the host and
 * the guests run, checking invariants 1 and 2 of DESIGN.md without stopping
 * anyone. Why what it reports is never a false alarm is explained in
 * concurrent-check.ts.
 */
import { Counter, frameOfWord } from '../guest/shared-memory.js';
import { describeOwner } from '../host/owners.js';
import { ownersOf, type Owners, type TableShare } from '../messages/table-share.js';
import { GuestState, scanChunk, scanTableChunk, type ChunkScan } from './concurrent-check.js';

/** Slots of the control array shared with the thread that started the auditor. */
export const AuditControl = {
  /** Set to 1 to make the auditor finish its current chunk and report. */
  STOP: 0,
  /** Sweeps finished so far (for progress lines while the run goes on). */
  SWEEPS: 1,
  /** Violations found so far. */
  VIOLATIONS: 2,
} as const;

export const AUDIT_CONTROL_SLOTS = 4;

/** What the auditor reads: shared buffers only. */
export interface ConcurrentAuditInput {
  table: TableShare;
  /** Each guest's page map (a view over shared memory) and counters. */
  guests: ReadonlyArray<{ name: string; frameOf: Int32Array; counters: SharedArrayBuffer }>;
  /** Int32 per guest: GuestState. */
  states: SharedArrayBuffer;
  /** Shards of the host (their pools' free values are valid owners). */
  shards: number;
  /** Int32 AUDIT_CONTROL_SLOTS: see AuditControl. */
  control: SharedArrayBuffer;
}

/** What the continuous audit did. */
export interface ConcurrentAuditResult {
  /** Full sweeps over the table and every live guest's map. */
  sweeps: number;
  /** Checks made: table entries read plus mapped pages read in stable windows. */
  checks: number;
  tableEntriesChecked: number;
  mappedPagesChecked: number;
  /** Chunks of a map discarded because the guest changed its map while they were read (read again later). */
  unstableChunks: number;
  /** Guest scans read under one map version throughout (duplicates within the guest checked). */
  consistentGuestScans: number;
  /** Suspicions that a second read did not confirm (not violations: the view moved). */
  unconfirmed: number;
  violations: number;
  firstViolations: string[];
}

const PAGES_PER_CHUNK = 4096;
const TABLE_ENTRIES_PER_CHUNK = 1 << 16;
/** Tries at reading a chunk in a stable window before leaving it to the next sweep. */
const CHUNK_TRIES = 4;
const CONFIRM_TRIES = 8;
const SUSPECTS_KEPT = 16;
const VIOLATIONS_KEPT = 50;
/** Distinct violations remembered, so that later sweeps do not count them again. */
const REPORTED_REMEMBERED_MAX = 100_000;

interface GuestViews {
  name: string;
  ownerId: number;
  /** The guest's page-to-frame map's words (`frameOfWord`). */
  mapWords: Int32Array;
  counters: Int32Array;
}

/** Sweeps until told to stop; `sweep()` alone does one pass (tests). */
export class ConcurrentAuditor {
  private readonly owners: Owners;
  private readonly guests: GuestViews[];
  private readonly states: Int32Array;
  private readonly control: Int32Array;
  private readonly names: string[];
  private readonly marks: Uint8Array;
  private epoch = 0;
  private readonly reclaimed: Uint8Array;
  private readonly suspects = new Int32Array(SUSPECTS_KEPT);
  private readonly duplicates = new Int32Array(SUSPECTS_KEPT);
  private readonly bad = new Int32Array(SUSPECTS_KEPT);
  private readonly scan: ChunkScan = { mapped: 0, suspects: 0, duplicates: 0 };
  private readonly reported = new Set<string>();
  private readonly result: ConcurrentAuditResult = {
    sweeps: 0,
    checks: 0,
    tableEntriesChecked: 0,
    mappedPagesChecked: 0,
    unstableChunks: 0,
    consistentGuestScans: 0,
    unconfirmed: 0,
    violations: 0,
    firstViolations: [],
  };

  private readonly shards: number;

  constructor(input: ConcurrentAuditInput) {
    this.owners = ownersOf(input.table);
    this.guests = input.guests.map((guest, index) => ({
      name: guest.name,
      ownerId: index + 1,
      mapWords: guest.frameOf,
      counters: new Int32Array(guest.counters),
    }));
    this.names = input.guests.map((guest) => guest.name);
    this.states = new Int32Array(input.states);
    this.control = new Int32Array(input.control);
    this.shards = input.shards;
    this.marks = new Uint8Array(this.owners.length);
    this.reclaimed = new Uint8Array(this.guests.length);
  }

  /** Sweeps until the STOP slot is set (at least once, however short the run), then returns what it found. */
  run(): ConcurrentAuditResult {
    do this.sweep();
    while (!this.stopping());
    return this.snapshot();
  }

  /** One pass over the table and every live guest's map. */
  sweep(): void {
    this.sweepTable();
    for (let index = 0; index < this.guests.length && !this.stopping(); index++) this.scanGuest(index);
    if (this.stopping()) return;
    this.result.sweeps++;
    Atomics.store(this.control, AuditControl.SWEEPS, this.result.sweeps);
  }

  snapshot(): ConcurrentAuditResult {
    const r = this.result;
    return { ...r, checks: r.tableEntriesChecked + r.mappedPagesChecked, firstViolations: [...r.firstViolations] };
  }

  /** True once STOP is set and the first sweep is done. */
  private stopping(): boolean {
    return this.result.sweeps > 0 && Atomics.load(this.control, AuditControl.STOP) !== 0;
  }

  private sweepTable(): void {
    const owners = this.owners;
    const step = Math.max(TABLE_ENTRIES_PER_CHUNK, this.guests.length * 16);
    for (let from = 0; from < owners.length && !this.stopping(); from += step) {
      const to = Math.min(owners.length, from + step);
      this.readReclaimed();
      const count = scanTableChunk(owners, from, to, this.guests.length, this.shards, this.reclaimed, this.bad);
      this.result.tableEntriesChecked += to - from;
      for (let i = 0; i < Math.min(count, this.bad.length); i++) this.confirmTableEntry(this.bad[i]!);
      if (count > this.bad.length) this.result.unconfirmed += count - this.bad.length;
    }
  }

  private readReclaimed(): void {
    for (let g = 0; g < this.guests.length; g++) this.reclaimed[g] = Atomics.load(this.states, g) === GuestState.RECLAIMED ? 1 : 0;
  }

  /** Reads a suspicious table entry again (states first) and reports it if it is still wrong. */
  private confirmTableEntry(frame: number): void {
    this.readReclaimed();
    const owner = Atomics.load(this.owners, frame);
    const valid = owner === 0 || owner === -1 || (owner >= 1 && owner <= this.guests.length);
    if (valid && (owner <= 0 || this.reclaimed[owner - 1] === 0)) {
      this.result.unconfirmed++;
      return;
    }
    this.violation(valid ? `frame ${frame} still belongs to ${describeOwner(owner, this.names)}, whose frames the host took back` : `frame ${frame} has an invalid owner ${owner}`);
  }

  private nextEpoch(): number {
    if (++this.epoch > 255) {
      this.marks.fill(0);
      this.epoch = 1;
    }
    return this.epoch;
  }

  private scanGuest(index: number): void {
    const guest = this.guests[index]!;
    if (Atomics.load(this.states, index) !== GuestState.ALIVE) return;
    const v0 = Atomics.load(guest.counters, Counter.MAP_VERSION);
    const epoch = this.nextEpoch();
    let whole = (v0 & 1) === 0;
    const duplicatePages: number[] = [];
    const pages = guest.mapWords.length;
    for (let from = 0; from < pages && !this.stopping(); from += PAGES_PER_CHUNK) {
      const to = Math.min(pages, from + PAGES_PER_CHUNK);
      const outcome = this.scanGuestChunk(index, guest, from, to, epoch);
      if (outcome === 'dead') return;
      if (outcome !== v0) whole = false;
      if (outcome === 'unstable') continue;
      for (let i = 0; i < Math.min(this.scan.duplicates, this.duplicates.length); i++) duplicatePages.push(this.duplicates[i]!);
    }
    if (!whole || Atomics.load(guest.counters, Counter.MAP_VERSION) !== v0 || this.stopping()) return;
    this.result.consistentGuestScans++;
    for (const page of duplicatePages) {
      // The whole scan was one snapshot; read the page once more under the same version.
      const frame = frameOfWord(Atomics.load(guest.mapWords, page));
      if (Atomics.load(guest.counters, Counter.MAP_VERSION) === v0 && Atomics.load(this.states, index) === GuestState.ALIVE) {
        this.violation(`guest ${guest.name}: frame ${frame} is mapped by page ${page} and by another page of the same guest`);
      } else this.result.unconfirmed++;
    }
  }

  /** Reads one chunk in a stable window; returns the map version it was read under, 'unstable', or 'dead'. */
  private scanGuestChunk(index: number, guest: GuestViews, from: number, to: number, epoch: number): number | 'unstable' | 'dead' {
    for (let attempt = 0; attempt < CHUNK_TRIES; attempt++) {
      const v1 = Atomics.load(guest.counters, Counter.MAP_VERSION);
      if ((v1 & 1) !== 0) continue;
      scanChunk(guest.mapWords, this.owners, guest.ownerId, from, to, this.marks, epoch, this.suspects, this.duplicates, this.scan);
      const v2 = Atomics.load(guest.counters, Counter.MAP_VERSION);
      if (Atomics.load(this.states, index) !== GuestState.ALIVE) return 'dead';
      if (v1 !== v2) continue;
      this.result.mappedPagesChecked += this.scan.mapped;
      for (let i = 0; i < Math.min(this.scan.suspects, this.suspects.length); i++) this.confirmPage(index, guest, this.suspects[i]!);
      if (this.scan.suspects > this.suspects.length) this.result.unconfirmed += this.scan.suspects - this.suspects.length;
      return v1;
    }
    this.result.unstableChunks++;
    return 'unstable';
  }

  /** Reads a suspicious page again in a stable window and reports it if its frame is still not the guest's. */
  private confirmPage(index: number, guest: GuestViews, page: number): void {
    for (let attempt = 0; attempt < CONFIRM_TRIES; attempt++) {
      if (Atomics.load(this.states, index) !== GuestState.ALIVE) return;
      const v1 = Atomics.load(guest.counters, Counter.MAP_VERSION);
      if ((v1 & 1) !== 0) continue;
      const frame = frameOfWord(Atomics.load(guest.mapWords, page));
      const inRange = frame >= 0 && frame < this.owners.length;
      const owner = inRange ? Atomics.load(this.owners, frame) : 0;
      const v2 = Atomics.load(guest.counters, Counter.MAP_VERSION);
      if (v1 !== v2 || Atomics.load(this.states, index) !== GuestState.ALIVE) continue;
      if (frame < 0) {
        this.result.unconfirmed++;
        return;
      }
      if (!inRange) this.violation(`guest ${guest.name}: page ${page} maps frame ${frame}, outside 0..${this.owners.length - 1}`);
      else if (owner !== guest.ownerId) this.violation(`guest ${guest.name}: page ${page} maps frame ${frame}, which the table gives to ${describeOwner(owner, this.names)}`);
      else this.result.unconfirmed++;
      return;
    }
    this.result.unconfirmed++;
  }

  /** Counts a violation once, however many sweeps see it again. */
  private violation(text: string): void {
    if (this.reported.has(text)) return;
    if (this.reported.size < REPORTED_REMEMBERED_MAX) this.reported.add(text);
    this.result.violations++;
    Atomics.store(this.control, AuditControl.VIOLATIONS, this.result.violations);
    if (this.result.firstViolations.length < VIOLATIONS_KEPT) this.result.firstViolations.push(text);
  }
}
