/** Types of hang-watchdog.mjs (plain JavaScript, so that node scripts and vitest share it). */

/** Key on globalThis of a function that describes the property run in progress. */
export declare const PROPERTY_REPORT_KEY: unique symbol;

/** Counts a beat: the main thread is alive. */
export declare function heartbeat(): void;

/** Starts the watchdog thread for this process (once); returns a function that stops it. */
export declare function startHangWatchdog(options?: { hangMs?: number; label?: string }): () => void;

/** CPU time (ms) the process's main thread has used, or null where the system does not say (not Linux). */
export declare function mainThreadCpuMs(pid?: number): number | null;

/** Whether a main thread without a beat for `wallMs`, in which it used `cpuMs` of CPU (null: unknown), is stuck. */
export declare function isStuck(wallMs: number, cpuMs: number | null, hangMs: number): boolean;
