/** The user asked for something that cannot be done as asked (a bad flag or value). The CLI exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
