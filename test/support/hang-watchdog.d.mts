/** Types of hang-watchdog.mjs (plain JavaScript, so that node scripts and vitest share it). */

/** Key on globalThis of a function that describes the property run in progress. */
export declare const PROPERTY_REPORT_KEY: unique symbol;

/** Counts a beat: the main thread is alive. */
export declare function heartbeat(): void;

/** Starts the watchdog thread for this process (once); returns a function that stops it. */
export declare function startHangWatchdog(options?: { hangMs?: number; label?: string }): () => void;
