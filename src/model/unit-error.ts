/**
 * A single value that is not a valid size, duration or percentage, thrown by the
 * parsers in `units.ts` and `latency.ts`. `where` names the value (`--duration`, `guests[0].memory`);
 * `reason` and `hint` are the parts the scenario loader reuses in its issues.
 */
export class UnitError extends Error {
  readonly code = 'UNIT_INVALID';
  readonly where: string;
  readonly reason: string;
  readonly hint: string | undefined;

  constructor(where: string, reason: string, hint?: string) {
    const prefix = where === '' ? '' : `${where}: `;
    super(`${prefix}${reason}${hint === undefined ? '' : ` (${hint})`}`);
    this.name = 'UnitError';
    this.where = where;
    this.reason = reason;
    this.hint = hint;
  }
}
