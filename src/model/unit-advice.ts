/**
 * Advice for unit spellings the parsers refuse: bits for bytes, wrong case, a bare
 * prefix, a word, a unit of the other kind. Used by `units.ts` only.
 */
import { closest } from '../util/suggest.js';

/** Accepted size units and their size in bytes. Case-sensitive. */
export const SIZE_UNIT_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
};

/** Accepted duration units and their length in milliseconds. Case-sensitive. */
export const DURATION_UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export const SIZE_UNITS_TEXT = 'B, KiB, MiB, GiB, TiB (powers of 2) or KB, MB, GB, TB (powers of 10)';
export const DURATION_UNITS_TEXT = 'ms, s, m (minutes), h or d';

/** Why a unit is refused, and what to write instead. */
export interface UnitAdvice {
  reason: string;
  hint: string;
}

const PREFIX_EXPONENT: Readonly<Record<string, [decimal: number, binary: number]>> = {
  K: [3, 10],
  M: [6, 20],
  G: [9, 30],
  T: [12, 40],
};

/** `MB (10^6 bytes) or MiB (2^20 bytes)`, `MiB (2^20 bytes)` or `B (bytes)`. */
function spellings(prefix: string, binaryOnly: boolean): string {
  const exponents = PREFIX_EXPONENT[prefix];
  if (exponents === undefined) return 'B (bytes)';
  const binary = `${prefix}iB (2^${exponents[1]} bytes)`;
  return binaryOnly ? binary : `${prefix}B (10^${exponents[0]} bytes) or ${binary}`;
}

const SIZE_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/^bytes?$/i, 'B'],
  [/^kilobytes?$/i, 'KB'],
  [/^kibibytes?$/i, 'KiB'],
  [/^megabytes?$/i, 'MB'],
  [/^mebibytes?$/i, 'MiB'],
  [/^gigabytes?$/i, 'GB'],
  [/^gibibytes?$/i, 'GiB'],
  [/^terabytes?$/i, 'TB'],
  [/^tebibytes?$/i, 'TiB'],
];

/** Advice for a size written as `${numberText}${unit}` whose unit is not accepted. */
export function sizeUnitAdvice(text: string, numberText: string, unit: string): UnitAdvice {
  const quoted = JSON.stringify(text);
  const bits = /^([KMGT]i?|k)?(b|bits?)$/.exec(unit);
  if (bits !== null) {
    const prefix = (bits[1] ?? '').charAt(0).toUpperCase();
    const binaryOnly = (bits[1] ?? '').endsWith('i');
    const spelled = prefix === '' ? 'B (bytes)' : spellings(prefix, binaryOnly);
    return { reason: `${quoted} is in bits (lowercase b), not bytes`, hint: `b is bits; write ${spelled}` };
  }
  const caseMatch = Object.keys(SIZE_UNIT_BYTES).find((accepted) => accepted.toLowerCase() === unit.toLowerCase());
  if (caseMatch !== undefined) {
    const prefix = caseMatch.charAt(0);
    const spelled = caseMatch === 'B' ? 'B (bytes)' : spellings(prefix, caseMatch.includes('i'));
    return { reason: `${quoted}: units are case-sensitive and ${unit} is not one`, hint: `write ${spelled}` };
  }
  const bare = /^([kKmMgGtT])(i?)$/.exec(unit);
  if (bare !== null) {
    const prefix = (bare[1] ?? '').toUpperCase();
    return { reason: `${quoted}: ${unit} is only a prefix; a size unit ends in B`, hint: `write ${spellings(prefix, bare[2] === 'i')}` };
  }
  for (const [pattern, accepted] of SIZE_WORDS) {
    if (pattern.test(unit)) return { reason: `${quoted}: write the unit as a symbol`, hint: `write ${numberText}${accepted}` };
  }
  if (/^[PE]i?B$/.test(unit)) {
    return { reason: `${quoted}: the largest units are TiB and TB`, hint: `write it in TiB or TB` };
  }
  if (DURATION_UNIT_MS[unit] !== undefined) {
    return { reason: `${quoted} is a duration, but a size is expected here`, hint: `write a size such as ${numberText}MiB` };
  }
  if (unit === '%') {
    return { reason: `${quoted}: a percentage is not accepted here`, hint: `write a size such as 512MiB` };
  }
  const near = closest(unit, Object.keys(SIZE_UNIT_BYTES));
  return {
    reason: `${quoted} has an unknown unit ${JSON.stringify(unit)}; accepted units: ${SIZE_UNITS_TEXT}`,
    hint: near === undefined ? `for example 512MiB` : `did you mean ${numberText}${near}?`,
  };
}

const DURATION_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/^(msecs?|millis|milliseconds?|MS|Ms|mS)$/, 'ms'],
  [/^(secs?|seconds?|S)$/i, 's'],
  [/^(mins?|minutes?|M)$/i, 'm'],
  [/^(hrs?|hours?|H)$/i, 'h'],
  [/^(days?|D)$/i, 'd'],
];

/** Advice for a duration written as `${numberText}${unit}` whose unit is not accepted. */
export function durationUnitAdvice(text: string, numberText: string, unit: string): UnitAdvice {
  const quoted = JSON.stringify(text);
  for (const [pattern, accepted] of DURATION_WORDS) {
    if (pattern.test(unit)) return { reason: `${quoted} has an unknown unit ${JSON.stringify(unit)}`, hint: `write ${numberText}${accepted}` };
  }
  if (/^(us|µs|μs|ns|usecs?|nsecs?|micro\w*|nano\w*)$/i.test(unit)) {
    return { reason: `${quoted}: durations are whole milliseconds and the smallest unit is ms`, hint: 'write 1ms or more' };
  }
  if (/^[a-z]+\d/i.test(unit)) {
    return { reason: `${quoted}: combined durations are not accepted`, hint: 'write one number and one unit, e.g. 90m instead of 1h30m' };
  }
  if (/^(w|wk|weeks?|y|yrs?|years?)$/i.test(unit)) {
    return { reason: `${quoted}: the largest unit is d (days)`, hint: 'write it in days, e.g. 7d' };
  }
  if (SIZE_UNIT_BYTES[unit] !== undefined) {
    return { reason: `${quoted} is a size, but a duration is expected here`, hint: `write a duration such as ${numberText}s` };
  }
  const near = closest(unit, Object.keys(DURATION_UNIT_MS));
  return {
    reason: `${quoted} has an unknown unit ${JSON.stringify(unit)}; accepted units: ${DURATION_UNITS_TEXT}`,
    hint: near === undefined ? 'for example 30s' : `did you mean ${numberText}${near}?`,
  };
}
