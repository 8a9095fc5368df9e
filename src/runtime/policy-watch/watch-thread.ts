/**
 * The one file the policy watchdog thread runs (policy-watch.ts starts it
 * for a run on the main thread whose scenario has policy modules). It looks
 * at the run's call marks a few times a second; when a call into a policy
 * module has run past its limit (stuck-calls.ts), it stops the main
 * thread's JavaScript through the inspector and tells the run, which fails
 * with a PolicyError once its event loop turns again.
 *
 * How it stops exactly that call, and nothing else: it pauses the main
 * thread (Debugger.pause takes effect inside a running loop), and while the
 * main thread is paused, so that no call can begin or end, it reads the
 * marks again. Only if the same call is still in progress does it ask for
 * Runtime.terminateExecution and resume: the termination then unwinds the
 * whole JavaScript stack of the main thread's current task (the call and the
 * run's code that made it; finally blocks do not run, and microtasks queued
 * in that task are dropped), and the inspector lets the thread run again
 * once that stack is empty. If the call ended before the pause, it resumes
 * and goes on watching.
 *
 * The inspector session is opened at the first stop and never disconnected:
 * it ends with this thread. Disconnecting it and then being terminated by the
 * run (which it is, right after the stop) aborts the whole process now and
 * then in Node 20 (the main thread, handling the session's removal, posts
 * back to this thread while it is being torn down: five runs in forty in
 * free-running mode, none in a hundred without the disconnect).
 */
import { writeSync } from 'node:fs';
import type { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { PolicyCallMarks } from './call-marks.js';
import { lookEveryMs, StuckCallJudge, type StuckCall } from './stuck-calls.js';
import type { WatchThreadInput, WatchThreadMessage } from './watch-protocol.js';

/** How long the main thread may take to pause once asked (it pauses at once when it runs JavaScript). */
const PAUSE_WAIT_MS = 2_000;

interface PausedFrame {
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
}

function post(session: Session, method: string): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, (error, result) => (error !== null ? reject(error) : resolve(result))));
}

function tell(message: WatchThreadMessage): void {
  parentPort?.postMessage(message);
}

/** `/path/p.mjs:12:5`, the top frame of the paused stack (`urls`: each script's, by id), or undefined if it has no file. */
function sourcePosition(frames: ReadonlyArray<PausedFrame>, urls: ReadonlyMap<string, string>): string | undefined {
  const top = frames[0];
  const url = top === undefined ? undefined : urls.get(top.location.scriptId);
  if (top === undefined || url === undefined || url === '') return undefined;
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  return `${file}:${top.location.lineNumber + 1}:${(top.location.columnNumber ?? 0) + 1}`;
}

let mainSession: Session | null = null;

/** The session to the main thread, opened the first time it is needed (the inspector is loaded only then: a thread that never stops a call starts faster). */
async function sessionToMainThread(): Promise<Session> {
  if (mainSession === null) {
    const { Session } = await import('node:inspector');
    mainSession = new Session();
    mainSession.connectToMainThread();
  }
  return mainSession;
}

/** `promise`, or null if it has not settled within `ms` (a pending inspector answer does not keep this thread alive; the timer does). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Pauses the main thread and, if `stuck`'s call is still in progress there,
 * marks the run's calls stopped (the run makes no other: call-marks.ts) and
 * terminates it. Returns where it was stopped ('' if the position is
 * unknown), or null if the call had ended (or the thread would not pause).
 *
 * Every request is answered before it returns, the debugger's `disable`
 * last: once the run hears of the stop it ends this thread, and an answer or
 * an event the main thread sends to a thread being torn down aborts the
 * process (Node 20), as the disconnect would (see the file's comment).
 */
async function stopMainThread(marks: PolicyCallMarks, stuck: StuckCall): Promise<string | null> {
  const session = await sessionToMainThread();
  // Enabling the debugger reports every script the main thread has: their URLs name the paused frames.
  const urls = new Map<string, string>();
  const onScript = (message: { params: { scriptId: string; url: string } }): void => void urls.set(message.params.scriptId, message.params.url);
  session.on('Debugger.scriptParsed', onScript);
  try {
    const paused = new Promise<{ callFrames: PausedFrame[] }>((resolve) => session.once('Debugger.paused', (message) => resolve(message.params as { callFrames: PausedFrame[] })));
    await post(session, 'Debugger.enable');
    await post(session, 'Debugger.pause');
    const params = await within(paused, PAUSE_WAIT_MS);
    if (params === null) {
      // Blocked outside JavaScript: it will pause, and be let go, when it runs JavaScript again.
      session.post('Debugger.disable');
      return null;
    }
    let stoppedAt: string | null = null;
    if (marks.current()?.call === stuck.mark.call) {
      marks.markStopped();
      // The answer to terminateExecution comes once the stack has unwound, which needs the resume first.
      const terminated = post(session, 'Runtime.terminateExecution');
      await post(session, 'Debugger.resume');
      await within(terminated, PAUSE_WAIT_MS);
      stoppedAt = sourcePosition(params.callFrames, urls) ?? '';
    } else {
      await post(session, 'Debugger.resume');
    }
    await within(post(session, 'Debugger.disable'), PAUSE_WAIT_MS);
    return stoppedAt;
  } finally {
    session.off('Debugger.scriptParsed', onScript);
  }
}

function watch(input: WatchThreadInput): void {
  const marks = new PolicyCallMarks(input.modulePaths, input.marks);
  const judge = new StuckCallJudge(marks, input.limitMs);
  /** The call the main thread would not pause in (blocked outside JavaScript): said once, not tried again. */
  let unstoppable = 0;
  let stopping = false;
  const timer = setInterval(() => {
    if (stopping) return;
    const stuck = judge.look();
    if (stuck === null || stuck.mark.call === unstoppable) return;
    stopping = true;
    stopMainThread(marks, stuck).then(
      (stoppedAt) => {
        stopping = false;
        if (stoppedAt !== null) {
          clearInterval(timer);
          tell({ type: 'stopped', stuck, ...(stoppedAt !== '' ? { stoppedAt } : {}) });
        } else if (marks.current()?.call === stuck.mark.call) {
          unstoppable = stuck.mark.call;
          // The run cannot hear it (its thread is blocked): say it where the user sees it.
          writeSync(2, `balloonsim: the policy module ${stuck.mark.modulePath}: ${stuck.mark.method}() has not returned for ${Math.round(stuck.wallMs / 1000)} s and cannot be stopped (it is blocked outside JavaScript)\n`);
        }
      },
      (error: unknown) => {
        clearInterval(timer);
        tell({ type: 'failed', error: { name: 'Error', message: `the policy watchdog failed: ${error instanceof Error ? error.message : String(error)}`, code: 'WATCHDOG_FAILED' } });
      },
    );
  }, lookEveryMs(input.limitMs));
}

watch(workerData as WatchThreadInput);
