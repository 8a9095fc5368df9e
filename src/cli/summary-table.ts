import type { HostEvent, HostEventKind } from '../host/event-log.js';
import type { RunSummary } from '../runtime/summary.js';
import { formatBytesApprox as formatBytes, formatDuration } from '../model/units.js';
import { GUEST_TABLE_HEADER, guestTableRow } from '../output/guest-table.js';
import { coloursFor, type Colours } from './colour.js';

/** Lays out rows as a plain text table with right-aligned numbers (the first column, and those in `leftColumns`, aligned left). */
export function formatTable(header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, leftColumns: ReadonlyArray<number> = []): string {
  // A loop, not Math.max(...rows): spreading 120,000 rows or more into one call overflows the stack.
  const widths = header.map((title, column) => rows.reduce((width, row) => Math.max(width, (row[column] ?? '').length), title.length));
  const line = (cells: ReadonlyArray<string>): string =>
    cells.map((cell, column) => (column === 0 || leftColumns.includes(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function size(bytes: number): string {
  return formatBytes(bytes);
}

/** The readable summary `balloonsim run` prints by default (coloured only if `colours` says so). */
export function formatSummary(summary: RunSummary, colours: Colours = coloursFor({}, {})): string {
  const host = summary.host;
  const lines: string[] = [];
  lines.push(
    `balloonsim: ${summary.scenario}, seed ${summary.seed}, ${summary.simulatedSeconds} simulated seconds in ${summary.ticks} ticks ` +
      `(${summary.timing.wallSeconds.toFixed(2)} s wall, ${summary.timing.placement} on ${summary.timing.threads} thread${summary.timing.threads === 1 ? '' : 's'})`,
  );
  lines.push(
    `host: ${size(host.memoryBytes)} in ${host.frames} frames of ${size(host.frameBytes)}; ` +
      `free ${size(host.freeBytes)}, guests hold ${size(host.guestFrames * host.frameBytes)}, hypervisor ${size(host.hypervisorFrames * host.frameBytes)}; ` +
      `policy ${host.policy.name}${host.policy.paused ? ' (paused)' : ''}, backing ${host.backing}`,
  );
  const ticks = host.stateTicks;
  if (ticks.soft + ticks.hard + ticks.low > 0) {
    lines.push(`host free-memory states: ${ticks.high} ticks high, ${ticks.soft} soft, ${ticks.hard} hard, ${ticks.low} low`);
  }
  if (host.swapOutPages > 0) {
    const pages = (count: number): string => size(count * host.frameBytes);
    const faults = summary.guests.reduce((sum, g) => sum + g.hostSwapFaults, 0);
    const doubled = summary.guests.reduce((sum, g) => sum + g.doublePagingPages, 0);
    lines.push(
      `host paging: ${pages(host.swapOutPages)} paged out to host swap in ${host.pagingTicks} ticks, ${pages(host.swapInPages)} read back; ` +
        `${size(host.swapUsedBytes)} of ${size(host.swapBytes)} in use; guests took ${faults} host swap faults (${doubled} pages double-paged)`,
    );
  }
  lines.push('');
  const rows = summary.guests.map((g) => guestTableRow(g, String));
  const table = formatTable(GUEST_TABLE_HEADER, rows).split('\n');
  lines.push(colours.bold(table[0]!), ...table.slice(1));
  lines.push('');
  const audit = summary.audit;
  const verdict = `${audit.violations} violation${audit.violations === 1 ? '' : 's'}`;
  lines.push(
    `audit: ${audit.checks} checks (${audit.fullChecks} full), ${audit.violations === 0 ? colours.green(verdict) : colours.red(verdict)}; ` +
      `protocol violations refused by the host: ${host.protocolViolations}`,
  );
  for (const violation of audit.firstViolations) lines.push(colours.red(`  violation: ${violation}`));
  lines.push(...robustnessLines(summary));
  return lines.join('\n');
}

/** Event kinds an operator wants to read after a run: what the administrator asked, what the guard said, back-pressure and growth. */
const NOTABLE: ReadonlySet<HostEventKind> = new Set(['guardRefusal', 'guardWarning', 'dryRun', 'setPolicy', 'pausePolicy', 'resumePolicy', 'setReserved', 'backPressure', 'hotplug']);

/** Most notable events printed; the rest are counted. */
const NOTABLE_SHOWN_MAX = 20;

/** Guard refusals, unit warnings, dry runs, forced targets and policy switches, one line each (empty if none). */
export function formatNotableEvents(events: ReadonlyArray<HostEvent>): string {
  const notable = events.filter((event) => NOTABLE.has(event.kind) || (event.kind === 'setTarget' && event.detail.includes('(forced)')));
  if (notable.length === 0) return '';
  const lines = notable.slice(0, NOTABLE_SHOWN_MAX).map((event) => `  ${formatDuration(event.timeMs)} ${event.kind}${event.guest !== undefined ? ` ${event.guest}` : ''}: ${event.detail}`);
  if (notable.length > NOTABLE_SHOWN_MAX) lines.push(`  ... and ${notable.length - NOTABLE_SHOWN_MAX} more`);
  return ['events:', ...lines].join('\n');
}

/** Free-running audit, quarantines, hostile guests and fault injection, when the run had any. */
function robustnessLines(summary: RunSummary): string[] {
  const lines: string[] = [];
  const concurrent = summary.audit.concurrent;
  if (concurrent !== undefined) {
    lines.push(
      `free-running: concurrent audit made ${concurrent.checks} checks in ${concurrent.sweeps} sweeps ` +
        `(${concurrent.tableEntriesChecked} table entries, ${concurrent.mappedPagesChecked} mapped pages; ${concurrent.unstableChunks} chunks read again), ${concurrent.violations} violations`,
    );
  }
  for (const guest of summary.guests) {
    const hostile = guest.hostile;
    if (hostile === undefined && !guest.quarantined) continue;
    const tried = hostile !== undefined ? `${hostile.attackMessages} attack messages in ${hostile.rounds} rounds, ${hostile.attacksAccepted} accepted; ` : '';
    lines.push(`hostile guest ${guest.name}: ${tried}${guest.protocolViolations} violations counted by the host${guest.quarantined ? `, quarantined (${guest.quarantinedMessages} messages refused)` : ''}`);
  }
  const faults = summary.faults;
  if (faults !== undefined) {
    const crashes = faults.crashes.map((crash) => `${crash.guest} at ${crash.timeSeconds} s (${crash.how})`);
    lines.push(`faults until ${faults.untilSeconds} s: ${faults.crashes.length} crashes${crashes.length > 0 ? ` (${crashes.slice(0, 8).join(', ')}${crashes.length > 8 ? ', ...' : ''})` : ''}, ${faults.delayedBatches} batches delayed`);
    const live = faults.liveness;
    lines.push(
      live.checked
        ? `liveness: ${live.reached} live guests reached their targets by ${live.deadlineSeconds} s, ${live.missed.length} did not${live.missed.length > 0 ? `: ${live.missed.map((m) => m.guest).join(', ')}` : ''}`
        : `liveness: not checked (the run ended before ${live.deadlineSeconds} s)`,
    );
  }
  return lines;
}
