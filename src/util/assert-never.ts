/** Ends an exhaustive `switch`: adding a case to a union breaks the build until it is handled. */
export function assertNever(value: never, where: string): never {
  throw new Error(`${where}: unhandled case ${JSON.stringify(value)}`);
}
