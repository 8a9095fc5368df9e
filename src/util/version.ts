/** balloonsim's own version, read once from its package.json (beside src/ and dist/). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The version of this balloonsim, as its package.json says (`0.1.0`). */
export const BALLOONSIM_VERSION: string = readVersion();
