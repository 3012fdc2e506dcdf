// Errors of the casacore table layer: every message names the file and what was expected.

export class CasacoreError extends Error {
  constructor(
    /** The file (or table directory) the problem was found in. */
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'CasacoreError';
  }
}
