// The test tiers of vitest.config.ts: every file named there exists, each test file is in
// exactly one tier, and package.json runs them (all through `npm test`, one each through
// test:unit, test:interop, test:e2e).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_TESTS, INTEROP_TESTS } from '../../vitest.config';

const ROOT = path.resolve(__dirname, '..', '..');

function testFiles(dir = 'test'): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(rel);
    return rel.endsWith('.test.ts') ? [rel] : [];
  });
}

/** A glob of the config (`**` any folders, `*` within a name) as a RegExp. */
function globRe(glob: string): RegExp {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '(?:.*/)?')
    .replace(/\*/g, '[^/]*');
  return new RegExp(`^${re}$`);
}

describe('test tiers', () => {
  const files = testFiles();
  const tierOf = (f: string): string[] => [
    ...(INTEROP_TESTS.some((g) => globRe(g).test(f)) ? ['interop'] : []),
    ...(E2E_TESTS.some((g) => globRe(g).test(f)) ? ['e2e'] : []),
  ];

  it('names existing files, each in one tier', () => {
    for (const g of [...INTEROP_TESTS, ...E2E_TESTS]) {
      expect(
        files.some((f) => globRe(g).test(f)),
        `${g} matches no test file`,
      ).toBe(true);
    }
    const twice = files.filter((f) => tierOf(f).length > 1);
    expect(twice).toEqual([]);
    const unit = files.filter((f) => tierOf(f).length === 0);
    expect(unit.length).toBeGreaterThan(40);
    expect(unit).toContain('test/lint/tiers.test.ts');
    expect(tierOf('test/astro/astropy.interop.test.ts')).toEqual(['interop']);
    expect(tierOf('test/orchestrator/e2e.test.ts')).toEqual(['e2e']);
  });

  it('runs all tiers in npm test and each on its own', () => {
    const scripts = (
      JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.test).toMatch(/vitest run$/);
    expect(scripts['test:unit']).toBe('vitest run --project unit');
    expect(scripts['test:interop']).toBe('vitest run --project interop');
    expect(scripts['test:e2e']).toBe('vitest run --project e2e');
  });
});
