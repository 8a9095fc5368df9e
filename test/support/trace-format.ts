/**
 * Checks a parsed trace file against the Chrome trace event format (the JSON
 * object form that Perfetto and chrome://tracing load), for the phases
 * balloonsim writes: counters (C), instants (i), metadata (M), and the
 * begin (B) and end (E) of slices, which must pair up on each thread, in
 * time order, as a timeline viewer nests them.
 */

const METADATA_NAMES = new Set(['process_name', 'process_sort_index', 'thread_name', 'thread_sort_index', 'process_labels']);

/** Problems found (empty for a good trace). */
export function traceProblems(trace: unknown): string[] {
  const problems: string[] = [];
  if (trace === null || typeof trace !== 'object' || Array.isArray(trace)) return ['a trace file in the object form is a JSON object with traceEvents'];
  const file = trace as Record<string, unknown>;
  if (!Array.isArray(file['traceEvents'])) return ['traceEvents is not an array'];
  if (file['displayTimeUnit'] !== undefined && file['displayTimeUnit'] !== 'ms' && file['displayTimeUnit'] !== 'ns') problems.push('displayTimeUnit is ms or ns');
  const lastTs = new Map<string, number>();
  /** Open slices on each thread (pid/tid): name and begin time. */
  const open = new Map<string, Array<{ name: string; ts: number; where: string }>>();
  const lastSliceTs = new Map<string, number>();
  (file['traceEvents'] as unknown[]).forEach((raw, i) => {
    const where = `traceEvents[${i}]`;
    if (raw === null || typeof raw !== 'object') {
      problems.push(`${where} is not an object`);
      return;
    }
    const e = raw as Record<string, unknown>;
    if (typeof e['name'] !== 'string' || e['name'] === '') problems.push(`${where}: name must be a non-empty string`);
    if (!Number.isInteger(e['pid'])) problems.push(`${where}: pid must be an integer`);
    if (!Number.isInteger(e['tid'])) problems.push(`${where}: tid must be an integer`);
    const args = e['args'];
    if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) problems.push(`${where}: args must be an object`);
    switch (e['ph']) {
      case 'M':
        if (!METADATA_NAMES.has(String(e['name']))) problems.push(`${where}: unknown metadata event ${String(e['name'])}`);
        break;
      case 'C':
      case 'i': {
        const ts = e['ts'];
        if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) problems.push(`${where}: ts must be a finite number of microseconds`);
        if (e['ph'] === 'C') {
          const values = Object.values((args ?? {}) as Record<string, unknown>);
          if (values.length === 0 || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) problems.push(`${where}: a counter's args are its numeric values`);
          const key = `${String(e['pid'])}/${String(e['name'])}`;
          if (typeof ts === 'number' && ts < (lastTs.get(key) ?? -1)) problems.push(`${where}: counter ${key} goes back in time`);
          if (typeof ts === 'number') lastTs.set(key, ts);
        } else if (e['s'] !== undefined && !['g', 'p', 't'].includes(String(e['s']))) {
          problems.push(`${where}: an instant's scope s is g, p or t`);
        }
        break;
      }
      case 'B':
      case 'E': {
        const ts = e['ts'];
        if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
          problems.push(`${where}: ts must be a finite number of microseconds`);
          break;
        }
        const thread = `${String(e['pid'])}/${String(e['tid'])}`;
        if (ts < (lastSliceTs.get(thread) ?? -1)) problems.push(`${where}: a slice on thread ${thread} goes back in time`);
        lastSliceTs.set(thread, ts);
        const stack = open.get(thread) ?? [];
        open.set(thread, stack);
        if (e['ph'] === 'B') stack.push({ name: String(e['name']), ts, where });
        else {
          const begin = stack.pop();
          if (begin === undefined) problems.push(`${where}: an end (E) with no slice open on thread ${thread}`);
          else if (begin.name !== e['name']) problems.push(`${where}: ends ${String(e['name'])}, but ${begin.name} (${begin.where}) is the slice open`);
        }
        break;
      }
      default:
        problems.push(`${where}: phase ${JSON.stringify(e['ph'])} is not one balloonsim writes (C, i, M, B, E)`);
    }
  });
  for (const [thread, stack] of open) for (const slice of stack) problems.push(`${slice.where}: slice ${slice.name} on thread ${thread} never ends`);
  return problems;
}
