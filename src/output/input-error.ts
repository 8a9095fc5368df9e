/** A file given to merge or compare that cannot be used as given (missing, of another kind, from another grid). The CLI exits with 2. */
export class InputError extends Error {
  override name = 'InputError';
}
