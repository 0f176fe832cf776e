import assert from 'node:assert/strict';
import { readdirSync, readFileSync, truncateSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EdfWriter } from '../../src/formats/edf/index.js';
import { tempDir } from '../helpers/tmp.js';
import { LABELS_1020, writeSynth } from '../signal/synth.js';
import { decodeWindow, startServer, writeRecording } from './helpers.js';

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

test('windows of EDF+D files have null samples in gaps; channels at lower rates are brought to the page rate', async () => {
  const chans = LABELS_1020.map((label) => ({ label: `EEG ${label}-REF` }));
  const gapped = writeSynth(files, 'gapped.edf', chans, { fs: 200, seconds: 20, blocks: 2, gap: 5 });
  const r = await upload(readFileSync(gapped), 'gapped.edf');
  assert.equal(r.status, 201);
  const rec: Json = await r.json();
  assert.equal(rec.duration_s, 45);
  const w: Json = await (
    await fetch(
      `${srv.base}/api/recordings/${rec.id}/window?start=15&duration=15&montage=referential&maxPoints=5000`,
      {
        headers: srv.auth,
      },
    )
  ).json();
  assert.deepEqual(w.gaps, [{ start: 20, end: 25 }]);
  const o1 = w.data[w.labels.indexOf('O1')] as (number | null)[];
  assert.equal(o1.length, 3000);
  assert.ok(o1.slice(0, 1000).every((v) => v !== null));
  assert.ok(
    o1.slice(1000, 2000).every((v) => v === null),
    'gap',
  );
  assert.ok(o1.slice(2000).every((v) => v !== null));
  // Binary: NaN where JSON has null.
  const bin = decodeWindow(
    Buffer.from(
      await (
        await fetch(
          `${srv.base}/api/recordings/${rec.id}/window?start=15&duration=15&montage=referential&maxPoints=5000`,
          { headers: { ...srv.auth, Accept: 'application/octet-stream' } },
        )
      ).arrayBuffer(),
    ),
  );
  const b1 = bin.data[bin.header.labels.indexOf('O1')];
  assert.deepEqual(
    Array.from(b1, (v) => Number.isNaN(v)),
    o1.map((v) => v === null),
  );

  // O2 at 100 Hz among channels at 200 Hz: a 5 Hz sine on O2 must come out at 200 Hz, unchanged.
  const mixed = join(files, 'mixed.edf');
  const wr = EdfWriter.create(mixed, {
    format: 'EDF+C',
    startDateTime: '2024-01-01T10:00:00',
    recordDuration: 1,
    signals: LABELS_1020.map((l) => ({
      label: `EEG ${l}-REF`,
      physicalDimension: 'uV',
      physicalMin: -3276.8,
      physicalMax: 3276.7,
      samplesPerRecord: l === 'O2' ? 100 : 200,
    })),
  });
  wr.writeRecords(
    LABELS_1020.map((l) => {
      const fs = l === 'O2' ? 100 : 200;
      return Float64Array.from({ length: 20 * fs }, (_, k) => 50 * Math.sin((2 * Math.PI * 5 * k) / fs));
    }),
    20,
  );
  wr.close();
  const m = await upload(readFileSync(mixed), 'mixed.edf');
  assert.equal(m.status, 201);
  const mid = ((await m.json()) as Json).id as string;
  const mw: Json = await (
    await fetch(
      `${srv.base}/api/recordings/${mid}/window?start=2&duration=10&montage=average&maxPoints=5000`,
      {
        headers: srv.auth,
      },
    )
  ).json();
  assert.equal(mw.labels.length, 20);
  assert.equal(mw.mask[mw.labels.indexOf('Fpz-AVG')], 0, 'Fpz is not in the recording');
  const rw: Json = await (
    await fetch(
      `${srv.base}/api/recordings/${mid}/window?start=2&duration=10&montage=referential&lff=off&hff=off&maxPoints=5000`,
      {
        headers: srv.auth,
      },
    )
  ).json();
  assert.equal(rw.sampleRate, 200);
  const o2 = rw.data[rw.labels.indexOf('O2')] as number[];
  const ref = rw.data[rw.labels.indexOf('O1')] as number[];
  assert.equal(o2.length, 2000);
  let err = 0;
  for (let k = 0; k < 2000; k++) err = Math.max(err, Math.abs(o2[k] - ref[k]));
  assert.ok(err < 3, `O2 (100 Hz, interpolated) follows O1 (200 Hz): max difference ${err} uV`);
});

test('closing the server ends open progress streams (no hanging connections)', async () => {
  const data2 = tempDir('celm-fail-close-');
  const s2 = await startServer(data2, { concurrency: 1 });
  const r = await fetch(`${s2.base}/api/recordings`, {
    method: 'POST',
    headers: { ...s2.auth, 'Content-Type': 'application/octet-stream' },
    body: readFileSync(writeRecording(files, 'z.edf', 40)),
  });
  const rec: Json = await r.json();
  // Stop the queue first so the job stays queued and its stream stays open.
  await s2.server.queue.stop();
  const job: Json = await (
    await fetch(`${s2.base}/api/recordings/${rec.id}/report`, { method: 'POST', headers: s2.auth })
  ).json();
  const res = await fetch(`${s2.base}/api/jobs/${job.id}/events`, { headers: s2.auth });
  const body = res.text();
  const t0 = Date.now();
  await s2.server.close();
  const text = await body;
  assert.match(text, /"status":"queued"/);
  assert.ok(Date.now() - t0 < 5000);
});

test('an upload larger than the free disk space is refused up front with 507', async () => {
  const s3 = await startServer(tempDir('celm-fail-disk-'), { maxUploadBytes: 2 ** 52 });
  try {
    const url = new URL(`${s3.base}/api/recordings`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...s3.auth, 'Content-Type': 'application/octet-stream', 'Content-Length': 2 ** 51 },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1000));
    });
    assert.equal(status, 507);
  } finally {
    await s3.server.close();
  }
});
