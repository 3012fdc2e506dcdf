// Database errors that say which file, table and field failed and what was expected.
import type { z } from 'zod';

export class DbError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbError';
  }
}

/** The write lock could not be taken within the retry budget (a stuck writer, not contention). */
export class DbBusyError extends DbError {
  constructor(file: string, attempts: number, waitedMs: number, cause: unknown) {
    super(
      `${file}: database stayed locked by another writer for ${waitedMs} ms (${attempts} attempts); is another process holding a long transaction?`,
      { cause },
    );
    this.name = 'DbBusyError';
  }
}

/** A UNIQUE, CHECK, NOT NULL or FOREIGN KEY constraint rejected a write. */
export class DbConstraintError extends DbError {
  constructor(
    message: string,
    readonly code: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'DbConstraintError';
  }
}

/** A value given to a repository (or read back from the file) does not match the model. */
export class DbValidationError extends DbError {
  constructor(file: string, what: string, error: z.ZodError) {
    const issues = error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(value)'}: ${i.message}`).join('; ');
    super(`${file}: invalid ${what}: ${issues}`, { cause: error });
    this.name = 'DbValidationError';
  }
}

/** A row that should exist does not. */
export class DbNotFoundError extends DbError {
  constructor(file: string, what: string, key: string) {
    super(`${file}: no ${what} with ${key}`);
    this.name = 'DbNotFoundError';
  }
}
