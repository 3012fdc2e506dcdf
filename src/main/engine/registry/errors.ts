// Errors of the data registry: each names the product, the file or field, and what was expected.

/**
 * `invalid`: the caller asked for something malformed (an id or path that escapes its root);
 * `not_found`: no such product; `conflict`: the lifecycle or the files forbid it now;
 * `io`: the file system failed (after retries, for transient failures).
 */
export type RegistryErrorCode = 'invalid' | 'not_found' | 'conflict' | 'io';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

/** The errno code of a Node file-system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
