/** Runs CLI code in this process and keeps what it writes to stdout and stderr (nothing reaches the terminal). */
import { vi } from 'vitest';

export interface Captured<T> {
  value: T;
  stdout: string;
  stderr: string;
}

export async function capture<T>(run: () => Promise<T> | T): Promise<Captured<T>> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const value = await run();
    return { value, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
