import assert from 'node:assert/strict';
import { readdirSync, readFileSync, truncateSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';
import { startServer, writeRecording } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API under test
type Json = any;

const data = tempDir('celm-fail-');
const files = tempDir('celm-fail-files-');
const lines: string[] = [];
const srv = await startServer(data, { log: (l) => lines.push(l) });
after(() => srv.server.close());

const upload = (body: Uint8Array, name: string) =>
  fetch(`${srv.base}/api/recordings`, {
    method: 'POST',
    headers: {
      ...srv.auth,
      'Content-Type': 'application/octet-stream',
      'X-File-Name': encodeURIComponent(name),
    },
    body,
  });

test('a job whose recording became unreadable ends failed, with the error in its last SSE event', async () => {
  const r = await upload(readFileSync(writeRecording(files, 'x.edf', 40)), 'x.edf');
  const rec: Json = await r.json();
  truncateSync(join(data, 'recordings', rec.id, 'recording.edf'), 300);
  const job: Json = await (
    await fetch(`${srv.base}/api/recordings/${rec.id}/report`, { method: 'POST', headers: srv.auth })
  ).json();
  const text = await (await fetch(`${srv.base}/api/jobs/${job.id}/events`, { headers: srv.auth })).text();
  const last = text.trim().split('\n\n').at(-1)!;
  assert.match(last, /^event: failed/);
  const ev = JSON.parse(/^data: (.*)$/m.exec(last)![1]);
  assert.equal(ev.status, 'failed');
  assert.ok(ev.error.length > 0);
  assert.ok(!ev.error.includes('\n'));
});

test('the access log holds method, route pattern, status and time: no ids, names or header text', async () => {
  const name = 'Jansen_Jan_1970.edf';
  const r = await upload(readFileSync(writeRecording(files, 'y.edf', 40)), name);
  assert.equal(r.status, 201);
  const rec: Json = await r.json();
  await fetch(`${srv.base}/api/recordings/${rec.id}?details=1`, { headers: srv.auth });
  await fetch(`${srv.base}/api/recordings/${rec.id}/window?start=1`, { headers: srv.auth });
  await upload(new TextEncoder().encode('Jan Jansen garbage'), name);
  const log = lines.join('\n');
  assert.match(log, /^POST \/api\/recordings 201 \d+ms$/m);
  assert.match(log, /^GET \/api\/recordings\/:id 200 \d+ms$/m);
  assert.match(log, /^POST \/api\/recordings 422 \d+ms$/m);
  for (const secret of ['Jansen', 'Jan', rec.id, 'P-001', '1970', srv.token])
    assert.ok(!log.includes(secret), secret);
});

test('an upload the client abandons halfway leaves nothing behind', async () => {
  const before = (await (await fetch(`${srv.base}/api/recordings`, { headers: srv.auth })).json()) as Json[];
  const url = new URL(`${srv.base}/api/recordings`);
  await new Promise<void>((resolve) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { ...srv.auth, 'Content-Type': 'application/octet-stream', 'Content-Length': 500_000 },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(Buffer.alloc(100_000), () => setTimeout(() => req.destroy(), 100));
  });
  // The server notices the aborted stream and removes the partial file.
  for (let i = 0; i < 100 && readdirSync(join(data, 'tmp')).length > 0; i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(readdirSync(join(data, 'tmp')), []);
  const now = (await (await fetch(`${srv.base}/api/recordings`, { headers: srv.auth })).json()) as Json[];
  assert.equal(now.length, before.length);
});
