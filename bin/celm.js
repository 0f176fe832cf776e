#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/cli/main.ts by `npm run build` (run by `npm ci` via "prepare").
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(`celm: ${err && err.message ? err.message : err}`);
  console.error('celm: has the project been built? run `npm ci` (or `npm run build`) first.');
  process.exit(2);
});
