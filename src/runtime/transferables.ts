/**
 * Buffers to move (not copy) when a tick's messages cross to another thread:
 * the ArrayBuffers behind their frame batches. Shared buffers are skipped
 * (they are shared, not moved) and each buffer is listed once.
 */
export function transferablesOf(batches: ReadonlyArray<ReadonlyArray<object>>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const batch of batches) {
    for (const message of batch) {
      for (const value of Object.values(message)) {
        if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) {
          buffers.add(value.buffer);
        }
      }
    }
  }
  return [...buffers];
}
