/**
 * bench/serve-load: 20 concurrent uploads and 20 report jobs against a real `celm serve` process on
 * loopback, with the server killed (SIGKILL) while jobs run and started again on the same data
 * directory. Passes when every upload is stored byte-identical (sha256), every job ends 'done' and every
 * report has its six sections: nothing lost.
 *
 * Before the jobs, every recording is paged through (`--pages` 15-s pages at 1600 screen columns, all
 * recordings at once) in each trace-window encoding: JSON, JSON with gzip, binary float32 (`Accept:
 * application/octet-stream`); bytes on the wire and per-page latency are printed. `--windows-only`
 * stops after that.
 *
 *   npm run bench:serve-load [-- --count 20 --minutes 2 --pages 8 --no-kill --windows-only]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdfWriter } from '../src/formats/edf/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'celm.js');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const COUNT = arg('count', 20);
const MINUTES = arg('minutes', 2);
const KILL = !process.argv.includes('--no-kill');
const PAGES = arg('pages', 8);
const WINDOWS_ONLY = process.argv.includes('--windows-only');
const LABELS = [
  'Fp1',
  'Fp2',
  'F3',
  'F4',
  'C3',
  'C4',
  'P3',
  'P4',
  'O1',
  'O2',
  'F7',
  'F8',
  'T3',
  'T4',
  'T5',
  'T6',
  'Fz',
  'Cz',
  'Pz',
];

function makeRecording(path: string, seconds: number, seed: number): void {
  const fs = 200;
  const w = EdfWriter.create(path, {
    format: 'EDF+C',
    startDateTime: '2024-01-01T10:00:00',
    recordDuration: 1,
    signals: LABELS.map((l) => ({
      label: `EEG ${l}-REF`,
      physicalDimension: 'uV',
      physicalMin: -3276.8,
      physicalMax: 3276.7,
      samplesPerRecord: fs,
    })),
  });
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  const data = LABELS.map(() => new Float64Array(seconds * fs));
  for (let c = 0; c < LABELS.length; c++) {
    let brown = 0;
    for (let k = 0; k < seconds * fs; k++) {
      brown = 0.99 * brown + rnd() * 4;
      data[c][k] = brown + rnd() * 6 + (8 + (seed % 5)) * Math.sin((2 * Math.PI * 10 * k) / fs);
    }
  }
  w.writeRecords(data, seconds);
  w.close();
}

function startServer(data: string): Promise<{ proc: ChildProcess; base: string }> {
  const proc = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data', data, '--jobs', '2'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error('server did not start in 20 s')), 20000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ proc, base: m[1] });
      }
    });
    proc.on('exit', (code) => rej(new Error(`server exited with ${code}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A GET counting the bytes on the wire (the body as sent, before any decompression). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; bytes: number; type: string; encoding: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    request(url, { headers }, (r) => {
      let bytes = 0;
      r.on('data', (b: Buffer) => {
        bytes += b.length;
      });
      r.on('end', () =>
        res({
          status: r.statusCode ?? 0,
          bytes,
          type: String(r.headers['content-type'] ?? ''),
          encoding: String(r.headers['content-encoding'] ?? 'identity'),
          ms: performance.now() - t0,
        }),
      );
      r.on('error', rej);
    })
      .on('error', rej)
      .end();
  });
}

const WINDOW_MODES: { name: string; headers: Record<string, string> }[] = [
  { name: 'JSON', headers: { 'Accept-Encoding': 'identity' } },
  { name: 'JSON + gzip', headers: { 'Accept-Encoding': 'gzip' } },
  { name: 'float32', headers: { Accept: 'application/octet-stream', 'Accept-Encoding': 'gzip' } },
];

/** Pages through every recording at once in each encoding; prints bytes and latency per page. */
async function pageWindows(base: string, auth: Record<string, string>, ids: string[]): Promise<void> {
  // The trends computed after each upload would compete with the first measured mode: wait for them.
  for (const id of ids) await fetch(`${base}/api/recordings/${id}/trends`, { headers: auth });
  for (const mode of [{ name: 'warm-up', headers: {} }, ...WINDOW_MODES]) {
    const t0 = performance.now();
    const pages = await Promise.all(
      ids.map(async (id) => {
        const out = [];
        for (let p = 0; p < PAGES; p++) {
          const q = `start=${p * 15}&duration=15&montage=double-banana&lff=1&hff=70&maxPoints=1600`;
          const r = await rawGet(`${base}/api/recordings/${id}/window?${q}`, { ...auth, ...mode.headers });
          if (r.status !== 200) throw new Error(`window ${id} page ${p}: ${r.status}`);
          out.push(r);
        }
        return out;
      }),
    );
    const all = pages.flat();
    const ms = all.map((r) => r.ms).sort((a, b) => a - b);
    const bytes = all.reduce((a, r) => a + r.bytes, 0);
    if (mode.name === 'warm-up') continue;
    console.log(
      `windows, ${mode.name.padEnd(11)}: ${all.length} pages in ${Math.round(performance.now() - t0)} ms, ` +
        `${Math.round(bytes / all.length / 1024)} KiB/page on the wire, latency median ${Math.round(ms[ms.length >> 1])} ms, ` +
        `p95 ${Math.round(ms[Math.floor(ms.length * 0.95)])} ms (${all[0].type.split(';')[0]}, ${all[0].encoding})`,
    );
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'celm-load-'));
  const data = join(work, 'data');
  try {
    const t0 = Date.now();
    const files = Array.from({ length: COUNT }, (_, i) => {
      const p = join(work, `rec${i}.edf`);
      makeRecording(p, MINUTES * 60, 1000 + i);
      return p;
    });
    const sha = files.map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'));
    const tok = spawnSync(process.execPath, [bin, 'token', 'create', '--name', 'load', '--data', data], {
      encoding: 'utf8',
    });
    if (tok.status !== 0) throw new Error(tok.stderr);
    const auth = { Authorization: `Bearer ${tok.stdout.trim()}` };
    let { proc, base } = await startServer(data);
    console.log(`${COUNT} recordings of ${MINUTES} min written in ${Date.now() - t0} ms; server at ${base}`);

    const t1 = Date.now();
    const uploaded = await Promise.all(
      files.map(async (f, i) => {
        const r = await fetch(`${base}/api/recordings`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/octet-stream', 'X-File-Name': `rec${i}.edf` },
          body: readFileSync(f),
        });
        if (r.status !== 201) throw new Error(`upload ${i}: ${r.status} ${await r.text()}`);
        return ((await r.json()) as { id: string; sha256: string }).id;
      }),
    );
    console.log(`${COUNT} concurrent uploads: ${Date.now() - t1} ms`);
    await pageWindows(base, auth, uploaded);
    if (WINDOWS_ONLY) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      return;
    }
    const t2 = Date.now();
    const jobs = await Promise.all(
      uploaded.map(async (id) => {
        const r = await fetch(`${base}/api/recordings/${id}/report`, { method: 'POST', headers: auth });
        if (r.status !== 202) throw new Error(`job for ${id}: ${r.status}`);
        return ((await r.json()) as { id: string }).id;
      }),
    );
    const status = async () =>
      (await (await fetch(`${base}/api/jobs`, { headers: auth })).json()) as { id: string; status: string }[];
    if (KILL) {
      // Kill the server once a few jobs are done and others are running.
      for (let i = 0; i < 600; i++) {
        const s = await status();
        if (s.filter((j) => j.status === 'done').length >= Math.min(3, COUNT - 1)) break;
        await sleep(100);
      }
      const before = await status();
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      console.log(
        `server killed with ${before.filter((j) => j.status === 'done').length} done, ${before.filter((j) => j.status === 'running').length} running`,
      );
      ({ proc, base } = await startServer(data));
    }
    let final: { id: string; status: string }[] = [];
    for (let i = 0; i < 3000; i++) {
      final = await status();
      if (final.every((j) => j.status === 'done' || j.status === 'failed')) break;
      await sleep(100);
    }
    console.log(`${COUNT} report jobs: ${Date.now() - t2} ms`);
    const problems: string[] = [];
    for (const j of jobs) {
      const s = final.find((x) => x.id === j);
      if (s?.status !== 'done') problems.push(`job ${j}: ${s?.status ?? 'missing'}`);
    }
    const recs = (await (await fetch(`${base}/api/recordings`, { headers: auth })).json()) as {
      id: string;
      file_name: string;
      sha256: string;
      latestReport: string | null;
    }[];
    if (recs.length !== COUNT) problems.push(`${recs.length} recordings listed, expected ${COUNT}`);
    for (const [i, id] of uploaded.entries()) {
      const r = recs.find((x) => x.id === id);
      if (!r) problems.push(`recording ${id} lost`);
      else if (r.sha256 !== sha[i]) problems.push(`recording ${id}: hash differs`);
      const onDisk = createHash('sha256')
        .update(readFileSync(join(data, 'recordings', id, 'recording.edf')))
        .digest('hex');
      if (onDisk !== sha[i]) problems.push(`recording ${id}: file on disk differs`);
      if (!r?.latestReport) problems.push(`recording ${id}: no report`);
      else {
        const rep = (await (
          await fetch(`${base}/api/reports/${r.latestReport}`, { headers: auth })
        ).json()) as {
          sections: unknown[];
        };
        if (rep.sections.length !== 6)
          problems.push(`report ${r.latestReport}: ${rep.sections.length} sections`);
      }
    }
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    if (problems.length) {
      console.log(`FAILED: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    } else
      console.log(
        `ok: ${COUNT} uploads stored intact, ${COUNT} jobs done, ${COUNT} reports of 6 sections${KILL ? ' (across a SIGKILL restart)' : ''}`,
      );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
