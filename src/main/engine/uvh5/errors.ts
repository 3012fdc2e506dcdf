// The one error type of the UVH5 reader and writer: it names the file and the field at fault.

export class Uvh5Error extends Error {
  override readonly name = 'Uvh5Error';
  constructor(
    /** The file (path) concerned. */
    readonly file: string,
    /** The dataset, group or property at fault (e.g. `Header/Nblts`, `Data/visdata`, `file name`). */
    readonly field: string,
    /** What is wrong and what was expected. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${field}: ${detail}`, options);
  }
}
