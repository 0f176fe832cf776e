/**
 * Where a built N-API addon of this checkout is: `$<envVar>` when set (null if that file is missing),
 * else `<relPath>` under the first of this module's ancestor folders that holds it (the repository
 * root, whether running from src/ through tsx or from dist/).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findAddon(envVar: string, relPath: string): string | null {
  const env = process.env[envVar];
  if (env) return existsSync(env) ? env : null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, relPath);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return null;
}
