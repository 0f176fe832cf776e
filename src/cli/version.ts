import { readFileSync } from 'node:fs';

/** The package version, read from package.json beside the compiled tree (dist/src/cli -> ../../..). */
export function version(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
