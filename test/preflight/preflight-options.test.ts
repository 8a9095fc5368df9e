/** Unit tests of src/preflight/preflight-options.ts: options the preflight cannot use are refused, not taken for their defaults. */
import { describe, expect, it } from 'vitest';
import { preflight } from '../../src/preflight/preflight.js';
import { checkPreflightOptions } from '../../src/preflight/preflight-options.js';
import { guest, MiB, scenario } from '../support/scenarios.js';

const s = scenario({ guests: [guest('a', { memoryBytes: 16 * MiB, maxMemoryBytes: 16 * MiB })] });

describe('checkPreflightOptions', () => {
  it('takes the options every caller passes, and none', () => {
    expect(() => checkPreflightOptions({}, 'f')).not.toThrow();
    expect(() =>
      checkPreflightOptions(
        { placement: 'workers', mode: 'free', workers: 2, samples: 0, samplesFlag: '--sample-every', machine: { totalBytes: 2 ** 30, availableBytes: 0, source: 'a test' }, heapLimitBytes: 2 ** 30, durationOverridden: true },
        'f',
      ),
    ).not.toThrow();
  });
});

describe('preflight of options it cannot use', () => {
  it('refuses an unknown placement or mode, which it took for the default and answered about another run', () => {
    expect(() => preflight(s, { placement: 'bogus' as never })).toThrow(new RangeError(`preflight: placement must be 'inline' or 'workers', got "bogus"`));
    expect(() => preflight(s, { placement: 'inlin' as never })).toThrow(new RangeError(`preflight: placement must be 'inline' or 'workers', got "inlin" (did you mean "inline"?)`));
    expect(() => preflight(s, { mode: 'fre' as never })).toThrow(new RangeError(`preflight: mode must be 'lockstep' or 'free', got "fre" (did you mean "free"?)`));
  });

  it('refuses worker counts that are not whole numbers of at least 1: -1 and 0 counted as the default, 1.5 as 1.5 threads, null as NaN bytes', () => {
    for (const [workers, shown] of [[0, '0'], [-1, '-1'], [1.5, '1.5'], [null, 'null'], ['2', '"2"']] as const) {
      expect(() => preflight(s, { workers: workers as never })).toThrow(new RangeError(`preflight: workers must be a whole number of at least 1, got ${shown}`));
    }
    expect(() => preflight(s, { guestsPerWorker: 0 })).toThrow(new RangeError('preflight: guestsPerWorker must be a whole number of at least 1, got 0'));
    expect(() => preflight(s, { workers: 2, guestsPerWorker: 2 })).toThrow(new RangeError('preflight: give workers or guestsPerWorker, not both'));
  });

  it('refuses a sample count that is not a whole number, which gave an estimate of NaN or Infinity bytes', () => {
    expect(() => preflight(s, { samples: Number.NaN })).toThrow(new RangeError('preflight: samples must be a whole number of at least 0, got NaN'));
    expect(() => preflight(s, { samples: Number.POSITIVE_INFINITY })).toThrow(new RangeError('preflight: samples must be a whole number of at least 0, got Infinity'));
  });

  it('refuses a misspelt option, which was ignored, naming the closest one', () => {
    expect(() => preflight(s, { placment: 'inline' } as never)).toThrow(/^preflight: unknown option "placment" \(did you mean "placement"\? the options are placement, mode, workers/);
  });

  it('refuses options that are not an object, instead of reading machine of null', () => {
    expect(() => preflight(s, null as never)).toThrow(
      new TypeError('preflight: options must be an object ({ placement, mode, workers, guestsPerWorker, samples, samplesFlag, machine, heapLimitBytes, durationOverridden, runFlags }, each optional), got null (an empty value)'),
    );
  });

  it('refuses a machine or a heap limit that is not a number of bytes, which compared as if the machine had none', () => {
    expect(() => preflight(s, { machine: {} as never })).toThrow(
      new RangeError('preflight: machine.totalBytes must be a positive number of bytes (as machineMemory() gives it, or leave it out to read this machine), got nothing'),
    );
    expect(() => preflight(s, { machine: { totalBytes: 2 ** 30, availableBytes: Number.NaN, source: 'x' } })).toThrow(/^preflight: machine.availableBytes must be a number of bytes of at least 0 .*got NaN$/);
    expect(() => preflight(s, { machine: { totalBytes: 2 ** 30, availableBytes: 1, source: '' } })).toThrow(/^preflight: machine.source must say where the figures come from/);
    expect(() => preflight(s, { heapLimitBytes: -1 })).toThrow(new RangeError("preflight: heapLimitBytes must be a positive number of bytes (V8's heap limit; leave it out for this process's), got -1"));
  });

  it('refuses a samplesFlag that is not a flag and a durationOverridden that is not true or false', () => {
    expect(() => preflight(s, { samplesFlag: '' })).toThrow(/^preflight: samplesFlag must be the name of the flag that sets the sample interval \(such as --sample-every\), got ""$/);
    expect(() => preflight(s, { durationOverridden: 'yes' as never })).toThrow(new TypeError('preflight: durationOverridden must be true or false, got "yes"'));
    expect(() => preflight(s, { runFlags: 0 as never })).toThrow(new TypeError('preflight: runFlags must be true or false, got 0'));
  });
});
