/**
 * Locates ../shared (real EDF files, sample reports, metric references). A user's clone has none:
 * tests that need it call `sharedOrSkip(t)` and are skipped with a message instead of failing.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from dist/test/..., sources live in test/...). */
export const repoRoot = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  existsSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json')) ? '' : '..',
);

export const sharedDir: string | null = (() => {
  const dir = process.env.CELM_SHARED_DIR ?? join(repoRoot, '..', 'shared');
  return existsSync(dir) ? dir : null;
})();

/** Returns the path of a file under ../shared, or skips the test (with a reason) when shared/ is absent. */
export function sharedOrSkip(t: TestContext, ...parts: string[]): string | null {
  if (!sharedDir) {
    t.skip('../shared is absent (fixtures are not part of a clone); skipping');
    return null;
  }
  return join(sharedDir, ...parts);
}
