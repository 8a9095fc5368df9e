/** Unit tests of src/cli/options.ts: parsing flag values, with a UsageError (exit 2) for a bad one. */
import { describe, expect, it } from 'vitest';
import { choiceFlag, durationFlag, integerFlag, overrideFlags } from '../../src/cli/options.js';
import { UsageError } from '../../src/cli/usage-error.js';

describe('integerFlag', () => {
  it('reads whole numbers, at least the minimum', () => {
    expect(integerFlag('--workers', '4')).toBe(4);
    expect(integerFlag('--workers', ' 0 ')).toBe(0);
    expect(integerFlag('--workers', '1', 1)).toBe(1);
  });
  it('refuses anything else, naming the flag and the value', () => {
    expect(() => integerFlag('--workers', '0', 1)).toThrow(new UsageError('--workers takes a whole number of at least 1, got "0"'));
    expect(() => integerFlag('--seed', '-1')).toThrow(new UsageError('--seed takes a whole number, got "-1"'));
    expect(() => integerFlag('--seed', '1.5')).toThrow(UsageError);
    expect(() => integerFlag('--seed', '1e3')).toThrow(UsageError);
    expect(() => integerFlag('--seed', '')).toThrow(UsageError);
    expect(() => integerFlag('--seed', '9007199254740993')).toThrow(UsageError);
  });
});

describe('durationFlag', () => {
  it('reads a duration with a unit into milliseconds', () => {
    expect(durationFlag('--duration', '90s')).toBe(90_000);
    expect(durationFlag('--duration', '10m')).toBe(600_000);
  });
  it('refuses zero, a bare number and nonsense, as usage errors', () => {
    expect(() => durationFlag('--duration', '0s')).toThrow(new UsageError('--duration must be longer than 0, got "0s"'));
    expect(() => durationFlag('--duration', '90')).toThrow(UsageError);
    expect(() => durationFlag('--duration', '90')).toThrow(/--duration/);
    expect(() => durationFlag('--duration', 'soon')).toThrow(UsageError);
  });
});

describe('choiceFlag', () => {
  it('takes one of the choices and refuses the rest, listing them', () => {
    expect(choiceFlag('--mode', 'free', ['lockstep', 'free'])).toBe('free');
    expect(() => choiceFlag('--mode', 'Free', ['lockstep', 'free'])).toThrow(new UsageError('--mode takes one of lockstep, free; got "Free"'));
  });
});

describe('overrideFlags', () => {
  it('parses each --set PATH=VALUE, none when not given', () => {
    expect(overrideFlags(undefined)).toEqual([]);
    expect(overrideFlags(['host.memory=2GiB', 'guests[0].name=a=b'])).toEqual([
      { path: 'host.memory', value: '2GiB' },
      { path: 'guests[0].name', value: 'a=b' },
    ]);
  });
  it('turns a malformed one into a usage error', () => {
    expect(() => overrideFlags(['seed=1', 'no-equals-sign'])).toThrow(
      new UsageError('--set takes PATH=VALUE, such as host.policy.tau=0, guests[0].memory=2GiB or guests[name=web].memory=2GiB; got "no-equals-sign"'),
    );
  });
});
