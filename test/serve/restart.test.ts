import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { celm } from '../helpers/cli.js';
import { repoRoot } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { startServer, waitFor, writeRecording } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API under test
type Json = any;

test('a job left running by a killed server is queued again and finishes on the next start; nothing is lost', async () => {
  const data = tempDir('celm-restart-');
  const files = tempDir('celm-restart-files-');
  // First server: an upload, one finished report, then a job that the "crash" leaves running.
  const a = await startServer(data);
  const up = await fetch(`${a.base}/api/recordings`, {
    method: 'POST',
    headers: { ...a.auth, 'Content-Type': 'application/octet-stream', 'X-File-Name': 'r.edf' },
    body: readFileSync(writeRecording(files, 'r.edf', 40)),
  });
  assert.equal(up.status, 201);
  const rec: Json = await up.json();
  const job1: Json = await (
    await fetch(`${a.base}/api/recordings/${rec.id}/report`, { method: 'POST', headers: a.auth })
  ).json();
  const done1: Json = await waitFor(async () => {
    const j: Json = await (await fetch(`${a.base}/api/jobs/${job1.id}`, { headers: a.auth })).json();
    return j.status === 'done' ? j : null;
  });
  await a.server.close();

  // The crash: a job marked running (as a killed server leaves it), written straight into the database.
  const db = new Database(join(data, 'celm.db'));
  const t = new Date().toISOString();
  db.prepare(
    "INSERT INTO jobs (id, recording_id, status, progress, stage, attempts, created_at, updated_at) VALUES ('crashedjob', ?, 'running', 0.4, 'preprocessing', 1, ?, ?)",
  ).run(rec.id, t, t);
  db.close();

  const b = await startServer(data);
  try {
    assert.equal(b.server.requeued, 1);
    const j: Json = await waitFor(async () => {
      const x: Json = await (await fetch(`${b.base}/api/jobs/crashedjob`, { headers: b.auth })).json();
      return x.status === 'done' ? x : null;
    });
    assert.equal(j.attempts, 2);
    assert.ok(j.report_id);
    // The upload and the first report are still there.
    const list: Json = await (await fetch(`${b.base}/api/recordings`, { headers: b.auth })).json();
    assert.deepEqual(
      list.map((r: Json) => r.id),
      [rec.id],
    );
    const r1 = await fetch(`${b.base}/api/reports/${done1.report_id}`, { headers: b.auth });
    assert.equal(r1.status, 200);
    assert.ok(existsSync(join(data, 'recordings', rec.id, 'recording.edf')));
  } finally {
    await b.server.close();
  }
});

test('celm token create prints a token once and stores only its hash', () => {
  const data = tempDir('celm-token-');
  const r = celm(['token', 'create', '--name', 'dr-cli', '--data', data]);
  assert.equal(r.status, 0, r.stderr);
  const token = r.stdout.trim();
  assert.match(token, /^celm_[A-Za-z0-9_-]{43}$/);
  assert.match(r.stderr, /stored hashed/);
  const list = celm(['token', 'list', '--data', data]);
  assert.match(list.stdout, /dr-cli/);
  assert.ok(!list.stdout.includes(token));
  const db = new Database(join(data, 'celm.db'), { readonly: true });
  const rows = db.prepare('SELECT * FROM tokens').all() as { hash: string; name: string }[];
  db.close();
  assert.equal(rows.length, 1);
  assert.notEqual(rows[0].hash, token);
  const bad = celm(['token', 'create', '--name', ' ', '--data', data]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^celm: --name must be/);
  const notDir = celm(['token', 'create', '--name', 'x', '--data', join(data, 'celm.db')]);
  assert.equal(notDir.status, 2);
  assert.match(notDir.stderr, /^celm: .*celm\.db: cannot be used as the data directory/);
  const port = celm(['serve', '--port', 'abc', '--data', data]);
  assert.equal(port.status, 2);
  assert.match(port.stderr, /--port must be an integer/);
});

test('celm serve starts on a free port, answers, and stops cleanly on SIGTERM', async () => {
  const data = tempDir('celm-servecli-');
  const proc = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'celm.js'), 'serve', '--port', '0', '--data', data],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no address in 15 s: ${out}`)), 15000);
      proc.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const h = await fetch(`${base}/api/health`);
    assert.equal(h.status, 200);
    assert.equal((await fetch(`${base}/api/recordings`)).status, 401);
  } finally {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});
