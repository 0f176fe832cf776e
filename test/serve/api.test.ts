import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, inflateSync } from 'node:zlib';
import { tempDir } from '../helpers/tmp.js';
import { decodeWindow, type Running, rawGet, startServer, writeRecording } from './helpers.js';

const MAX_UPLOAD = 1_000_000;
let srv: Running;
const data = tempDir('celm-serve-');
const files = tempDir('celm-serve-files-');
let recId = '';
let reportId = '';

before(async () => {
  srv = await startServer(data, { maxUploadBytes: MAX_UPLOAD, concurrency: 2 });
});
after(async () => {
  await srv.server.close();
});

const upload = (body: Uint8Array | string, name = 'rec.edf', headers: Record<string, string> = {}) =>
  fetch(`${srv.base}/api/recordings`, {
    method: 'POST',
    headers: { ...srv.auth, 'Content-Type': 'application/octet-stream', 'X-File-Name': name, ...headers },
    body,
  });
const get = (path: string) => fetch(`${srv.base}/api${path}`, { headers: srv.auth });
// biome-ignore lint/suspicious/noExplicitAny: JSON of the API under test
type Json = any;
const json = async (path: string): Promise<Json> => {
  const r = await get(path);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
};

/** Reads the SSE stream of a job until it ends; returns the events. */
async function jobEvents(jobId: string): Promise<{ event: string; data: Json }[]> {
  const res = await get(`/jobs/${jobId}/events`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const text = await res.text(); // the server ends the stream when the job is done or failed
  return text
    .split('\n\n')
    .filter((b) => b.includes('data: '))
    .map((b) => ({
      event: /^event: (\w+)/m.exec(b)?.[1] ?? 'message',
      data: JSON.parse(/^data: (.*)$/m.exec(b)![1]),
    }));
}

/** The text drawn in a PDF (pdfkit: deflated content streams, strings as hex in TJ arrays). */
function pdfText(pdf: Buffer): string {
  let out = '';
  const bin = pdf.toString('latin1');
  for (const m of bin.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(m[1], 'latin1')).toString('latin1');
    } catch {
      continue;
    }
    for (const t of content.matchAll(/\[([^\]]*)\]\s*TJ/g))
      out += `${[...t[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join('')}\n`;
  }
  return out;
}

function storedRecordings(): string[] {
  return readdirSync(join(data, 'recordings'));
}

describe('auth', () => {
  test('health needs no token; every /api/ route does', async () => {
    assert.equal((await fetch(`${srv.base}/api/health`)).status, 200);
    const none = await fetch(`${srv.base}/api/recordings`);
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as Json).error, /missing bearer token/);
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
    const wrong = await fetch(`${srv.base}/api/recordings`, {
      headers: { Authorization: 'Bearer celm_nope' },
    });
    assert.equal(wrong.status, 401);
    assert.match(((await wrong.json()) as Json).error, /invalid token/);
    for (const path of [
      '/%61pi/recordings',
      '/api/%72ecordings',
      '/api/nothing-here',
      '/api/jobs/x/events',
    ]) {
      const r = await fetch(`${srv.base}${path}`);
      assert.ok(r.status === 401 || r.status === 404, `${path}: ${r.status}`);
      assert.notEqual(r.status, 200);
    }
    const up = await fetch(`${srv.base}/api/recordings`, { method: 'POST', body: 'x' });
    assert.equal(up.status, 401);
  });

  test('tokens are stored hashed, never in plain text', () => {
    const rows = srv.server.store.db.prepare('SELECT hash FROM tokens').all() as { hash: string }[];
    assert.ok(rows.length >= 1);
    for (const r of rows) assert.notEqual(r.hash, srv.token);
    assert.ok(!readFileSync(join(data, 'celm.db')).includes(Buffer.from(srv.token)));
  });

  test('the web app is served without a token', async () => {
    const r = await fetch(`${srv.base}/`);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /celm review/);
    assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await fetch(`${srv.base}/app.js`)).status, 200);
    assert.equal((await fetch(`${srv.base}/..%2Fpackage.json`)).status, 404);
  });
});

describe('uploads', () => {
  test('a valid EDF+ upload is accepted, stored and listed by id and file name only', async () => {
    const path = writeRecording(files, 'good.edf', 60);
    const res = await upload(readFileSync(path), 'Patient Jan Jansen/../good.edf');
    assert.equal(res.status, 201);
    const body: Json = await res.json();
    recId = body.id;
    assert.match(recId, /^[0-9a-f]{12}$/);
    assert.equal(body.file_name, 'good.edf');
    assert.equal(body.duration_s, 60);
    assert.equal(body.n_signals, 19);
    assert.deepEqual(storedRecordings(), [recId]);
    const list = await json('/recordings');
    assert.equal(list.length, 1);
    assert.equal(list[0].id, recId);
    assert.ok(!JSON.stringify(list).includes('Jansen'));
    const meta = await json(`/recordings/${recId}`);
    assert.equal(meta.eegChannels, 19);
    assert.equal(meta.annotationCount, 2);
    assert.ok(!JSON.stringify(meta).includes('Jansen'), 'no header text unless asked for');
    const details = await json(`/recordings/${recId}?details=1`);
    assert.equal(details.header.patient.name, 'Jan Jansen');
  });

  test('garbage, a truncated EDF and a non-EEG body are refused with the reader message; nothing is kept', async () => {
    const garbage = await upload('this is not an EDF file at all, just text'.repeat(10), 'notes.edf');
    assert.equal(garbage.status, 422);
    assert.match(((await garbage.json()) as Json).error, /^notes\.edf: .*not an EDF or BDF file/);
    const good = readFileSync(join(files, 'good.edf'));
    const truncated = await upload(good.subarray(0, 700), 'cut.edf');
    assert.equal(truncated.status, 422);
    const msg = ((await truncated.json()) as Json).error as string;
    assert.match(msg, /^cut\.edf: /);
    assert.ok(!msg.includes('.upload'), 'the temporary path is not shown');
    const empty = await upload(new Uint8Array(0), 'empty.edf');
    assert.equal(empty.status, 422);
    const wrongType = await upload('x', 'a.edf', { 'Content-Type': 'text/plain' });
    assert.equal(wrongType.status, 415);
    assert.deepEqual(storedRecordings(), [recId]);
    assert.deepEqual(readdirSync(join(data, 'tmp')), []);
    assert.equal((await json('/recordings')).length, 1);
  });

  test('an upload over the size limit gets 413 and leaves nothing', async () => {
    const big = new Uint8Array(MAX_UPLOAD + 50_000);
    const res = await upload(big, 'big.edf');
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as Json).error, /exceeds the limit/);
    // Chunked (no Content-Length): counted while streaming.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 12; i++) c.enqueue(new Uint8Array(100_000));
        c.close();
      },
    });
    const chunked = await fetch(`${srv.base}/api/recordings`, {
      method: 'POST',
      headers: { ...srv.auth, 'Content-Type': 'application/octet-stream' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(storedRecordings(), [recId]);
    assert.deepEqual(readdirSync(join(data, 'tmp')), []);
  });

  test('unknown recording: 404', async () => {
    assert.equal((await get('/recordings/000000000000')).status, 404);
    assert.equal((await get('/recordings/000000000000/window')).status, 404);
  });
});

describe('traces, annotations and trends', () => {
  test('montages give their derivations; referential marks missing ear electrodes', async () => {
    const expect = { 'double-banana': 18, transverse: 20, average: 20, referential: 22 };
    for (const [m, n] of Object.entries(expect)) {
      const w = await json(`/recordings/${recId}/window?start=10&duration=10&montage=${m}`);
      assert.equal(w.labels.length, n, m);
      assert.equal(w.data.length, n, m);
    }
    const ref = await json(`/recordings/${recId}/window?start=10&duration=10&montage=referential`);
    assert.equal(ref.mask[ref.labels.indexOf('A1')], 0);
    assert.equal(ref.mask[ref.labels.indexOf('O1')], 1);
    const bad = await get(`/recordings/${recId}/window?montage=banana`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as Json).error, /montage must be one of/);
    assert.equal((await get(`/recordings/${recId}/window?start=1000`)).status, 400);
    assert.equal((await get(`/recordings/${recId}/window?lff=abc`)).status, 400);
  });

  test('samples when they fit the screen, min/max pairs per column otherwise; a spike survives decimation', async () => {
    const s = await json(
      `/recordings/${recId}/window?start=20&duration=10&montage=referential&maxPoints=5000`,
    );
    assert.equal(s.mode, 'samples');
    assert.equal(s.sampleRate, 200);
    assert.equal(s.data[0].length, 2000);
    const d = await json(
      `/recordings/${recId}/window?start=20&duration=20&montage=referential&maxPoints=300&lff=off&hff=off`,
    );
    assert.equal(d.mode, 'minmax');
    assert.equal(d.points, 300);
    assert.equal(d.data[0].length, 600);
    const t3 = d.data[d.labels.indexOf('T3')] as number[];
    assert.ok(Math.min(...t3) < -200, `spike kept: min ${Math.min(...t3)}`);
    for (let k = 0; k < 300; k++) assert.ok(t3[2 * k] <= t3[2 * k + 1]);
    // Filters change the traces but keep the shape.
    const f = await json(
      `/recordings/${recId}/window?start=20&duration=20&montage=referential&maxPoints=300&lff=5&hff=15&notch=60`,
    );
    assert.deepEqual(f.filters, { lff: 5, hff: 15, notch: 60 });
    assert.equal(f.data[0].length, 600);
    assert.notDeepEqual(f.data[0], d.data[0]);
  });

  test('binary float32 windows carry the JSON values; JSON and binary are gzipped when the client accepts it', async () => {
    for (const q of [
      'start=20&duration=10&montage=referential&maxPoints=5000',
      'start=20&duration=20&montage=double-banana&maxPoints=300&notch=50',
    ]) {
      const url = `${srv.base}/api/recordings/${recId}/window?${q}`;
      const plain = await rawGet(url, { ...srv.auth, 'Accept-Encoding': 'identity' });
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.match(String(plain.headers.vary), /Accept\b.*Accept-Encoding/);
      const w: Json = JSON.parse(plain.body.toString('utf8'));
      const bin = await rawGet(url, {
        ...srv.auth,
        Accept: 'application/octet-stream',
        'Accept-Encoding': 'identity',
      });
      assert.equal(bin.status, 200);
      assert.equal(bin.headers['content-type'], 'application/octet-stream');
      const { header, data } = decodeWindow(bin.body);
      const { data: _json, ...meta } = w;
      assert.deepEqual(header, { ...meta, valuesPerChannel: w.data[0].length, dtype: 'float32le' });
      for (let c = 0; c < w.data.length; c++)
        for (let i = 0; i < w.data[c].length; i++) {
          const v = w.data[c][i];
          if (v === null) assert.ok(Number.isNaN(data[c][i]));
          // (=== rather than Object.is: JSON writes -0 as 0)
          else assert.ok(data[c][i] === Math.fround(v), `${w.labels[c]}[${i}]: ${data[c][i]} vs ${v}`);
        }
      assert.ok(
        bin.body.length < plain.body.length,
        `binary ${bin.body.length} B, JSON ${plain.body.length} B`,
      );
      // gzip on the wire, the same bytes once decompressed.
      for (const [h, body] of [
        [{}, plain.body],
        [{ Accept: 'application/octet-stream' }, bin.body],
      ] as const) {
        const z = await rawGet(url, { ...srv.auth, ...h, 'Accept-Encoding': 'br, gzip;q=0.8' });
        assert.equal(z.headers['content-encoding'], 'gzip');
        assert.deepEqual(gunzipSync(z.body), body);
        assert.ok(z.body.length < body.length * 0.8, `gzip ${z.body.length} of ${body.length} B`);
      }
      const refused = await rawGet(url, { ...srv.auth, 'Accept-Encoding': 'gzip;q=0' });
      assert.equal(refused.headers['content-encoding'], undefined);
    }
    // Small answers go as they are.
    const h = await rawGet(`${srv.base}/api/health`, { 'Accept-Encoding': 'gzip' });
    assert.equal(h.headers['content-encoding'], undefined);
  });

  test('annotations and whole-recording trends', async () => {
    const a = await json(`/recordings/${recId}/annotations`);
    assert.deepEqual(
      a.map((x: { onset: number; text: string }) => [x.onset, x.text]),
      [
        [5, 'Eyes closed'],
        [30, 'Spike T3'],
      ],
    );
    const f = await json(`/recordings/${recId}/findings`);
    assert.deepEqual(
      f.annotations.map((x: Json) => x.kind),
      ['state', 'discharge'],
    );
    assert.equal(f.artifacts, null, 'not preprocessed yet');
    const t = await json(`/recordings/${recId}/trends`);
    assert.equal(t.step, 10);
    assert.equal(t.t.length, 6);
    assert.equal(t.csa.length, 6);
    assert.equal(t.csa[0].length, t.csaFreqs.length);
    const sum = ['delta', 'theta', 'alpha', 'beta', 'gamma'].reduce((s, b) => s + t.relative[b][0], 0);
    assert.ok(sum > 0.9 && sum <= 1.001, `relative powers sum to ${sum}`);
    // Alpha (10 Hz synthetic rhythm) dominates.
    assert.ok(t.relative.alpha[0] > t.relative.beta[0]);
    assert.deepEqual(await json(`/recordings/${recId}/trends`), t, 'cached');
  });
});

describe('report jobs, reports and exports', () => {
  test('a job runs to done with SSE progress events and leaves a labelled draft', async () => {
    const res = await fetch(`${srv.base}/api/recordings/${recId}/report`, {
      method: 'POST',
      headers: srv.auth,
    });
    assert.equal(res.status, 202);
    const job: Json = await res.json();
    const events = await jobEvents(job.id);
    assert.ok(events.length >= 2, `${events.length} events`);
    const last = events.at(-1)!;
    assert.equal(last.event, 'done');
    assert.equal(last.data.progress, 1);
    const progress = events.map((e) => e.data.progress as number);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1] || i === 1);
    reportId = last.data.report as string;
    const r = await json(`/reports/${reportId}`);
    assert.match(r.source, /^draft from quantitative EEG template \(no report model in use\)$/);
    assert.equal(r.model_output, null);
    assert.equal(r.sections.length, 6);
    assert.equal(r.sections[0].name, 'EEG DESCRIPTION/DETAILS');
    assert.equal(r.sections[0].kind, 'draft');
    assert.equal(typeof r.measurements.pdrHz, 'number');
    assert.equal((await json(`/jobs/${job.id}`)).status, 'done');
    assert.ok(
      Array.isArray((await json(`/recordings/${recId}/findings`)).artifacts),
      'artifact runs after the job',
    );
    assert.deepEqual(
      (await json(`/recordings/${recId}/reports`)).map((x: { id: string }) => x.id),
      [reportId],
    );
    // SSE of a finished job: one 'done' event, then the stream ends.
    const again = await jobEvents(job.id);
    assert.equal(again.length, 1);
    assert.equal(again[0].event, 'done');
  });

  test('concurrent jobs on several recordings all finish', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = writeRecording(files, `c${i}.edf`, 40, 10 + i);
      const r = await upload(readFileSync(p), `c${i}.edf`);
      assert.equal(r.status, 201);
      ids.push(((await r.json()) as Json).id);
    }
    const jobs = await Promise.all(
      [...ids, ...ids].map(async (id) => {
        const r = await fetch(`${srv.base}/api/recordings/${id}/report`, {
          method: 'POST',
          headers: srv.auth,
        });
        assert.equal(r.status, 202);
        return ((await r.json()) as Json).id as string;
      }),
    );
    const ends = await Promise.all(jobs.map((j) => jobEvents(j)));
    for (const e of ends) assert.equal(e.at(-1)!.event, 'done');
    for (const id of ids) assert.equal((await json(`/recordings/${id}/reports`)).length, 2);
  });

  test('section edits make new versions with history; unknown section 404; oversized body 413', async () => {
    const name = encodeURIComponent('EEG DESCRIPTION/DETAILS');
    const put = (text: unknown, section = name) =>
      fetch(`${srv.base}/api/reports/${reportId}/sections/${section}`, {
        method: 'PUT',
        headers: { ...srv.auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ text }),
      });
    const r1 = await put('Routine EEG, 1 minute, awake.');
    assert.equal(r1.status, 200);
    const v: Json = await r1.json();
    assert.equal(v.version, 2);
    assert.equal(v.author, 'dr-test');
    assert.equal((await put('Routine EEG, 1 minute, awake and drowsy.')).status, 200);
    const rep = await json(`/reports/${reportId}`);
    assert.equal(rep.sections[0].text, 'Routine EEG, 1 minute, awake and drowsy.');
    assert.equal(rep.sections[0].version, 3);
    const hist = await json(`/reports/${reportId}/history`);
    const h = hist.filter((x: { section: string }) => x.section === 'EEG DESCRIPTION/DETAILS');
    assert.deepEqual(
      h.map((x: { version: number; kind: string }) => [x.version, x.kind]),
      [
        [1, 'draft'],
        [2, 'edit'],
        [3, 'edit'],
      ],
    );
    assert.equal((await put('x', 'NO%20SUCH')).status, 404);
    assert.equal((await put(42)).status, 400);
    assert.equal((await put('x'.repeat(300_000))).status, 413);
    assert.equal((await get('/reports/nope')).status, 404);
  });

  test('exports: Markdown, FHIR R4 DiagnosticReport, PDF; de-identified on request', async () => {
    const md = await get(`/reports/${reportId}/export?format=md`);
    assert.equal(md.status, 200);
    const mdText = await md.text();
    assert.match(mdText, /^# EEG report/);
    assert.match(mdText, /## BACKGROUND ACTIVITY/);
    assert.match(mdText, /Jan Jansen/);
    assert.match(mdText, /Unsigned draft for a clinician to review/);
    assert.match(mdText, /Draft source: draft from quantitative EEG template/);
    assert.match(mdText, /## Measured values \(quantitative EEG, not generated\)/);
    assert.ok(!/Model output/.test(mdText), 'no model output section for a template draft');
    const fhir: Json = await (await get(`/reports/${reportId}/export?format=fhir`)).json();
    assert.equal(fhir.resourceType, 'DiagnosticReport');
    assert.equal(fhir.status, 'preliminary');
    assert.deepEqual(fhir.code.coding[0], {
      system: 'http://loinc.org',
      code: '11523-8',
      display: 'EEG study',
    });
    assert.equal(fhir.subject.reference, `Patient/${recId}`);
    assert.equal(fhir.effectiveDateTime, '2024-01-01T10:00:00');
    assert.ok(fhir.conclusion.length > 0);
    const text = Buffer.from(fhir.presentedForm[0].data, 'base64').toString('utf8');
    assert.match(text, /IMPRESSION\/INTERPRETATION: /);
    const pdf = await get(`/reports/${reportId}/export?format=pdf`);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    assert.ok(bytes.length > 1000);
    for (const f of ['md', 'fhir']) {
      const d = await (await get(`/reports/${reportId}/export?format=${f}&deidentified=1`)).text();
      assert.ok(!/Jansen|P-001|2024-01-01|good\.edf/.test(d), `${f} de-identified`);
    }
    assert.equal((await get(`/reports/${reportId}/export?format=docx`)).status, 400);
  });

  test('sign-off records who and when, then the report is locked', async () => {
    const sign = (body: unknown) =>
      fetch(`${srv.base}/api/reports/${reportId}/signoff`, {
        method: 'POST',
        headers: { ...srv.auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await sign({})).status, 400);
    const before = Date.now();
    const r = await sign({ name: 'Dr. A. Neurologist' });
    assert.equal(r.status, 200);
    const s: Json = await r.json();
    assert.equal(s.signed_by, 'Dr. A. Neurologist');
    assert.equal(s.signed_token, 'dr-test', 'the signing token is recorded');
    assert.ok(Date.parse(s.signed_at) >= before - 1000);
    assert.equal((await sign({ name: 'Someone else' })).status, 409);
    const rep = await json(`/reports/${reportId}`);
    assert.equal(rep.signed_by, 'Dr. A. Neurologist');
    assert.equal(rep.signed_token, 'dr-test');
    const listed = (await json(`/recordings/${recId}/reports`)).find((x: Json) => x.id === reportId);
    assert.equal(listed.signed_token, 'dr-test');
    const md = await (await get(`/reports/${reportId}/export?format=md`)).text();
    assert.match(md, /- Status: Signed by Dr\. A\. Neurologist \(API token "dr-test"\) at \d{4}-/);
    const pdf = pdfText(
      Buffer.from(await (await get(`/reports/${reportId}/export?format=pdf`)).arrayBuffer()),
    );
    assert.match(pdf, /Signed by Dr\. A\. Neurologist \(API token "dr-test"\) at/);
    const edit = await fetch(`${srv.base}/api/reports/${reportId}/sections/SLEEP`, {
      method: 'PUT',
      headers: { ...srv.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'late change' }),
    });
    assert.equal(edit.status, 409);
    const fhir: Json = await (await get(`/reports/${reportId}/export?format=fhir`)).json();
    assert.equal(fhir.status, 'final');
    assert.equal(fhir.resultsInterpreter[0].display, 'Dr. A. Neurologist (API token "dr-test")');
    assert.deepEqual(fhir.performer, [{ display: 'dr-test' }]);
  });

  test('two sign-offs at once: one wins, the other gets 409; the signing token is the one used', async () => {
    const other = srv.server.store.createToken('dr-second');
    const target = (await json('/recordings'))
      .map((r: Json) => r.latestReport)
      .find((id: string | null) => id && id !== reportId);
    assert.ok(target, 'an unsigned report from the concurrent-jobs test');
    const sign = (token: string, name: string) =>
      fetch(`${srv.base}/api/reports/${target}/signoff`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    const results = await Promise.all([sign(srv.token, 'Dr. One'), sign(other.token, 'Dr. Two')]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    const won: Json = await results.find((r) => r.status === 200)!.json();
    const rep = await json(`/reports/${target}`);
    assert.equal(rep.signed_by, won.signed_by);
    assert.equal(rep.signed_token, won.signed_by === 'Dr. One' ? 'dr-test' : 'dr-second');
  });
});
