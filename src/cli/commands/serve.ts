/**
 * `celm serve` (the review server and web app) and `celm token create|list|revoke` (API tokens, printed
 * once and stored hashed in the data directory's database; revoked tokens stay listed as such).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CelmError } from '../../errors.js';
import { loadModelDir } from '../../model/model-dir.js';
import { defaultModelDir } from '../../model/report.js';
import { createReviewServer } from '../../serve/server.js';
import { Store } from '../../serve/store.js';

function intOption(name: string, v: string, lo: number, hi: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new CelmError('bad-option', `${name} must be an integer from ${lo} to ${hi}, got "${v}"`);
  return n;
}

function sizeOption(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new CelmError('bad-option', `--max-upload must be a size like 2G or 500M, got "${v}"`);
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[
    m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'
  ];
  return Math.round(Number(m[1]) * mult);
}

/**
 * The model folder drafts come from: `--model DIR` (must be a model folder), `--model none` (template
 * drafts), or by default the bundled models/default when it holds a model. Returns the folder (or null)
 * and a line saying which drafts the server writes.
 */
export function resolveServeModel(option: string | undefined): { dir: string | null; note: string } {
  const template = 'drafts from the quantitative-EEG template';
  if (option === 'none') return { dir: null, note: `${template} (--model none)` };
  const explicit = option !== undefined;
  const dir = resolve(option ?? defaultModelDir());
  if (!explicit && !existsSync(join(dir, 'model.json')))
    return { dir: null, note: `${template}: no report model at ${dir} (give one with --model DIR)` };
  try {
    const m = loadModelDir(dir);
    return { dir, note: `drafts by the report model in ${dir} (trained on ${m.trainedOn})` };
  } catch (err) {
    if (explicit || !(err instanceof CelmError)) throw err;
    return { dir: null, note: `${template}: ${err.message}` };
  }
}

/** `--job-timeout`: 30m, 90s, 2h, 500ms (a bare number is seconds); 0 or off: no limit. */
export function durationOption(v: string): number {
  if (/^(off|0)$/i.test(v.trim())) return 0;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(v.trim());
  if (!m)
    throw new CelmError(
      'bad-option',
      `--job-timeout must be a duration like 30m, 90s or 2h (or off), got "${v}"`,
    );
  const unit = (m[2] ?? 's').toLowerCase();
  const mult = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000;
  const ms = Math.round(Number(m[1]) * mult);
  if (ms < 1 || ms > 2 ** 31 - 1)
    throw new CelmError('bad-option', `--job-timeout must be from 1 ms to 24 days, got "${v}"`);
  return ms;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('the clinician review app: HTTP API under /api/ and the web application at /')
    .option('--port <P>', 'port (0 picks a free one)', '8080')
    .option('--host <H>', 'address to listen on', '127.0.0.1')
    .option('--data <DIR>', 'data directory (database, recordings, reports)', 'celm-data')
    .option('--max-upload <SIZE>', 'largest accepted upload', '8G')
    .option('--jobs <N>', 'report jobs run at once', '1')
    .option(
      '--model <DIR>',
      'report model folder for drafts; "none": quantitative-EEG template drafts (default: models/default when it exists)',
    )
    .option(
      '--job-timeout <DURATION>',
      'stop a report job running longer (30m, 90s, 2h; off: no limit); it is marked failed',
      '30m',
    )
    .option('--access-log', 'print method, route, status and time of each request (no patient data)')
    .action(
      async (opts: {
        port: string;
        host: string;
        data: string;
        maxUpload: string;
        jobs: string;
        model?: string;
        jobTimeout: string;
        accessLog?: boolean;
      }) => {
        const port = intOption('--port', opts.port, 0, 65535);
        const model = resolveServeModel(opts.model);
        const server = createReviewServer({
          dataDir: opts.data,
          maxUploadBytes: sizeOption(opts.maxUpload),
          concurrency: intOption('--jobs', opts.jobs, 1, 64),
          modelDir: model.dir,
          jobTimeoutMs: durationOption(opts.jobTimeout),
          log: opts.accessLog ? (line) => console.log(line) : undefined,
        });
        const addr = await server.listen(port, opts.host);
        const tokens = server.store.db.prepare('SELECT COUNT(*) AS n FROM tokens').get() as { n: number };
        console.log(`celm review app on ${addr}/ (data ${opts.data})`);
        console.log(model.note);
        if (server.requeued) console.log(`${server.requeued} interrupted job(s) queued again`);
        if (tokens.n === 0)
          console.log(
            `no API token yet: create one with "celm token create --name NAME --data ${opts.data}"`,
          );
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            server.close().then(resolve, resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      },
    );

  const token = program.command('token').description('API tokens of the review server');
  token
    .command('create')
    .description('create a token; it is printed once and stored only as a hash')
    .requiredOption('--name <N>', 'who or what the token is for (recorded as the author of edits)')
    .option('--data <DIR>', 'data directory', 'celm-data')
    .action((opts: { name: string; data: string }) => {
      const name = opts.name.trim();
      if (!name || name.length > 100) throw new CelmError('bad-option', '--name must be 1 to 100 characters');
      const store = new Store(opts.data);
      try {
        const t = store.createToken(name);
        console.log(t.token);
        console.error(
          `token ${t.id} for "${name}" stored hashed in ${opts.data}/celm.db; it is not shown again`,
        );
      } finally {
        store.close();
      }
    });
  token
    .command('list')
    .description('token ids, creation times, names and revocations (never the tokens)')
    .option('--data <DIR>', 'data directory', 'celm-data')
    .action((opts: { data: string }) => {
      const store = new Store(opts.data);
      try {
        for (const r of store.tokens())
          console.log(
            `${r.id}  ${r.created_at}  ${r.revoked_at ? `REVOKED ${r.revoked_at}` : 'active'}  ${r.name}`,
          );
      } finally {
        store.close();
      }
    });
  token
    .command('revoke')
    .description(
      'revoke a token (by id, or by name when one active token has it); a running server refuses it at once',
    )
    .argument('<name-or-id>', 'the token id (from "celm token list") or its name')
    .option('--data <DIR>', 'data directory', 'celm-data')
    .action((nameOrId: string, opts: { data: string }) => {
      const store = new Store(opts.data);
      try {
        const t = store.revokeToken(nameOrId);
        console.log(`token ${t.id} ("${t.name}") revoked at ${t.revoked_at}`);
      } finally {
        store.close();
      }
    });
}
