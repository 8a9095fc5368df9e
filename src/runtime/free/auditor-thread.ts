/**
 * Free-running mode's concurrent auditor (audit/concurrent-auditor.ts) on a
 * thread of its own: it checks invariants 1 and 2 against the live table
 * while the device sides race, until it is told to stop, and then answers
 * with what it found.
 */
import { Worker } from 'node:worker_threads';
import { AUDIT_CONTROL_SLOTS, AuditControl, type ConcurrentAuditInput, type ConcurrentAuditResult } from '../../audit/concurrent-auditor.js';
import { RunFailure } from '../errors.js';
import { workerEntryPath } from '../worker-placement.js';

export class AuditorThread {
  private readonly control = new Int32Array(new SharedArrayBuffer(AUDIT_CONTROL_SLOTS * 4));
  private worker: Worker | null = null;
  private result: Promise<ConcurrentAuditResult> | null = null;

  /** Starts the auditor on `input` (without its control buffer: this class owns it). */
  start(input: Omit<ConcurrentAuditInput, 'control'>): void {
    const worker = new Worker(workerEntryPath(), { workerData: { role: 'auditor', audit: { ...input, control: this.control.buffer as SharedArrayBuffer } } });
    this.worker = worker;
    this.result = new Promise((resolve, reject) => {
      worker.once('message', (result: ConcurrentAuditResult) => resolve(result));
      worker.once('error', (error) => reject(new RunFailure('AUDITOR_FAILED', `the concurrent auditor failed: ${error.message}`)));
      worker.once('exit', (code) => reject(new RunFailure('AUDITOR_FAILED', `the concurrent auditor exited early (code ${code})`)));
    });
    // A run that fails or is aborted closes the auditor without asking for its result: that is not a second failure.
    this.result.catch(() => undefined);
  }

  /** Tells the auditor to stop and waits for what it found (null if it never started). */
  async stop(): Promise<ConcurrentAuditResult | null> {
    if (this.result === null) return null;
    Atomics.store(this.control, AuditControl.STOP, 1);
    return this.result;
  }

  /** Stops the thread, whether or not it answered. */
  async close(): Promise<void> {
    Atomics.store(this.control, AuditControl.STOP, 1);
    if (this.worker !== null) await this.worker.terminate();
  }
}
