import { describe, expect, it } from 'vitest';
import { colourEnabled, coloursFor, stripColour } from '../../src/cli/colour.js';
import { startProgress, type ProgressStream } from '../../src/cli/progress.js';

function fakeTerminal(columns = 80): ProgressStream & { text: string } {
  const stream = {
    isTTY: true,
    columns,
    text: '',
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream;
}

describe('progress bar', () => {
  it('draws nothing when the stream is not a terminal', () => {
    expect(startProgress('running', { stream: { isTTY: false, write: () => true } })).toBeNull();
  });

  it('waits a second, then draws a bar with counts and time left, fitted to the width', () => {
    let now = 0;
    const stream = fakeTerminal(100);
    const progress = startProgress('running default', { stream, now: () => now, env: { NO_COLOR: '1' } })!;
    progress.update(10, 1200);
    expect(stream.text).toBe('');
    now = 1500;
    progress.update(300, 1200);
    const line = stream.text.split('\r\x1b[2K').pop()!;
    expect(line).toMatch(/^running default \[=+> +\]  25% 300\/1200 ticks, 1\.5 s, about 4\.7 s left$/);
    expect(line.length).toBeLessThan(100);
    expect(line).not.toContain('\x1b[');
  });

  it('redraws at most every 100 ms, but always at the end; done clears the line', () => {
    let now = 2000;
    const stream = fakeTerminal();
    const progress = startProgress('x', { stream, now: () => now, env: {}, showAfterMs: 0 })!;
    progress.update(1, 10);
    now += 50;
    progress.update(2, 10);
    expect(stream.text.match(/\r/g)).toHaveLength(1);
    now += 10;
    progress.update(10, 10);
    expect(stream.text.match(/\r/g)).toHaveLength(2);
    progress.done();
    expect(stream.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('redraws on time, at least twice a second, when no update comes (a long tick, a long sweep case, a free run)', () => {
    let now = 0;
    let tick: (() => void) | null = null;
    let stopped = false;
    const timer = {
      start(callback: () => void, everyMs: number) {
        expect(everyMs).toBeLessThanOrEqual(500);
        tick = callback;
        return () => {
          stopped = true;
        };
      },
    };
    const stream = fakeTerminal(120);
    const progress = startProgress('running stress-free (free-running)', { stream, now: () => now, timer, env: { NO_COLOR: '1' } })!;
    const lines = (): string[] => stream.text.split('\r\x1b[2K').filter((line) => line !== '');
    now = 400;
    tick!();
    expect(lines()).toHaveLength(0); // nothing in the first second
    now = 1200;
    tick!();
    expect(lines().pop()).toBe('running stress-free (free-running) starting, 1.2 s');
    progress.update(36, 36_000_000);
    // From now on no update comes for a while: the timer keeps the elapsed time and the estimate moving.
    for (let step = 1; step <= 8; step++) {
      now += 250;
      tick!();
    }
    const drawn = lines();
    expect(drawn.length).toBeGreaterThanOrEqual(1 + 8);
    expect(drawn.pop()).toMatch(/^running stress-free \(free-running\) \[> +\]   0% 36\/36000000 ticks, 3\.2 s, about \d+d\d\dh left$/);
    progress.done();
    expect(stopped).toBe(true);
    const after = stream.text.length;
    now += 1000;
    tick!();
    expect(stream.text.length).toBe(after);
  });

  it('estimates the time left from the pace since the first update, not from the set-up before it', () => {
    let now = 0;
    const stream = fakeTerminal(100);
    const progress = startProgress('run', { stream, now: () => now, timer: { start: () => () => undefined }, env: { NO_COLOR: '1' } })!;
    now = 5000; // five seconds booting guests
    progress.update(1, 101);
    now = 6000;
    progress.update(51, 101);
    expect(stream.text.split('\r\x1b[2K').pop()).toMatch(/ 50% 51\/101 ticks, 6\.0 s, about 1\.0 s left$/);
  });

  it('drops the bar on a narrow terminal, and colours it unless NO_COLOR', () => {
    let now = 5000;
    const narrow = fakeTerminal(30);
    startProgress('a long label for the run', { stream: narrow, now: () => now, env: {}, showAfterMs: 0 })!.update(5, 10);
    const line = stripColour(narrow.text.split('\r\x1b[2K').pop()!);
    expect(line.length).toBeLessThan(30);
    expect(line).toMatch(/^a long label for the run +50%/);
    expect(line).not.toContain('[');
    const coloured = fakeTerminal();
    startProgress('x', { stream: coloured, now: () => now, env: { FORCE_COLOR: '1' }, showAfterMs: 0 })!.update(5, 10);
    expect(coloured.text).toContain('\x1b[36m');
    const plain = fakeTerminal();
    startProgress('x', { stream: plain, now: () => now++, env: { NO_COLOR: '1' }, showAfterMs: 0 })!.update(5, 10);
    expect(plain.text).not.toContain('\x1b[36m');
  });
});

describe('colours', () => {
  it('follow NO_COLOR, FORCE_COLOR, TERM=dumb and the terminal', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: '1', NO_COLOR: 'yes' })).toBe(false);
    expect(coloursFor({ isTTY: false }, {}).red('x')).toBe('x');
    expect(coloursFor({ isTTY: true }, {}).red('x')).toBe('\x1b[31mx\x1b[39m');
  });
});
