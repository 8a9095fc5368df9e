/** Unit test of src/util/version.ts: balloonsim's version is its package.json's. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BALLOONSIM_VERSION } from '../../src/util/version.js';

describe('BALLOONSIM_VERSION', () => {
  it('is the version in package.json', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(BALLOONSIM_VERSION).toBe(manifest.version);
    expect(BALLOONSIM_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
