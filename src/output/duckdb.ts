/**
 * DuckDB, the one engine behind balloonsim's Parquet files and `query`:
 * `@duckdb/node-api`, whose native library comes prebuilt in a package of
 * the npm registry (no download at install time). It is loaded only when a
 * command writes or reads Parquet, so that a plain `run` does not pay for it.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { importModule } from '../util/import-module.js';

/** The API module, loaded once. */
export type DuckDBModule = typeof import('@duckdb/node-api');

let loaded: Promise<DuckDBModule> | null = null;

/** Loads `@duckdb/node-api`, or throws an error that says how to get it. */
export function duckdbModule(): Promise<DuckDBModule> {
  loaded ??= (importModule('@duckdb/node-api') as Promise<DuckDBModule>).catch((error: unknown) => {
    loaded = null;
    throw new Error(
      `DuckDB (the package @duckdb/node-api, which writes and reads balloonsim's Parquet files) could not be loaded: ${error instanceof Error ? error.message : String(error)}. ` +
        'Reinstall balloonsim\'s dependencies with `npm ci`; DuckDB ships prebuilt for Linux, macOS and Windows on x64 and arm64.',
    );
  });
  return loaded;
}

/** An in-memory database and a connection to it. Close it with `close`. */
export interface DuckDB {
  module: DuckDBModule;
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/**
 * Opens an in-memory DuckDB. It never installs extensions from the network
 * (Parquet and JSON are built in).
 *
 * @param threads DuckDB's worker threads; 1 (the default) makes the Parquet
 *   it writes the same byte for byte from run to run, and leaves the cores to
 *   the simulations of a sweep
 */
export async function openDuckDB(threads = 1): Promise<DuckDB> {
  const module = await duckdbModule();
  const instance = await module.DuckDBInstance.create(':memory:', {
    threads: String(threads),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
  });
  const connection = await instance.connect();
  let closed = false;
  return {
    module,
    instance,
    connection,
    close(): void {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A name or path as an SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A column or table name as an SQL identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
