// The repository's test fixtures (test/fixtures, see its README): small public files the tests
// read. Nothing outside the repository is read, so a fresh clone passes on any machine.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** Absolute path of a fixture; throws naming it when it is absent (a test must not pass without it). */
export function fixture(name: string): string {
  const file = path.join(FIXTURES_DIR, name);
  if (!existsSync(file)) throw new Error(`test fixture ${name} is missing from ${FIXTURES_DIR} (see its README.md)`);
  return file;
}

/** A fixture's text; `.gz` fixtures are unpacked. */
export function fixtureText(name: string, encoding: BufferEncoding = 'utf8'): string {
  const raw = readFileSync(fixture(name));
  return (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString(encoding);
}

/** A `.gz` fixture unpacked into a fresh temporary directory (for commands that take a file); returns its path. */
export function unpackFixture(
  name: string,
  dir: string = mkdtempSync(path.join(os.tmpdir(), 'dsa110-fixture-')),
): string {
  const file = path.join(dir, path.basename(name).replace(/\.gz$/, ''));
  writeFileSync(file, gunzipSync(readFileSync(fixture(name))));
  return file;
}
