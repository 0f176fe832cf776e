/** Shared by the review-server tests: a server on 127.0.0.1 with an ephemeral port, and small recordings. */
import assert from 'node:assert/strict';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { EdfWriter } from '../../src/formats/edf/index.js';
import { createReviewServer, type ReviewServer, type ServeOptions } from '../../src/serve/server.js';
import { eegLike, LABELS_1020, lcg } from '../signal/synth.js';

export interface Running {
  server: ReviewServer;
  base: string;
  token: string;
  auth: Record<string, string>;
}

export async function startServer(dataDir: string, options: Partial<ServeOptions> = {}): Promise<Running> {
  const server = createReviewServer({ dataDir, ...options });
  const { token } = server.store.createToken('dr-test');
  const base = await server.listen(0, '127.0.0.1');
  return { server, base, token, auth: { Authorization: `Bearer ${token}` } };
}

/** A small EDF+ recording (19 x 10-20 channels at 200 Hz) with a patient name and annotations. */
export function writeRecording(dir: string, name: string, seconds = 60, seed = 1): string {
  const path = join(dir, name);
  const fs = 200;
  const w = EdfWriter.create(
    path,
    {
      format: 'EDF+C',
      patient: { code: 'P-001', sex: 'M', birthdate: '1970-05-04', name: 'Jan_Jansen' },
      startDateTime: '2024-01-01T10:00:00',
      recordDuration: 1,
      signals: LABELS_1020.map((l) => ({
        label: `EEG ${l}-REF`,
        physicalDimension: 'uV',
        physicalMin: -3276.8,
        physicalMax: 3276.7,
        samplesPerRecord: fs,
      })),
    },
    {
      annotations: [
        { onset: 5, duration: 0, text: 'Eyes closed' },
        { onset: 30, duration: 2, text: 'Spike T3' },
      ],
      expectedRecords: seconds,
    },
  );
  const rnd = lcg(seed);
  const fns = LABELS_1020.map(() => eegLike());
  const data = LABELS_1020.map(() => new Float64Array(seconds * fs));
  for (let k = 0; k < seconds * fs; k++) {
    const t = k / fs;
    for (let c = 0; c < LABELS_1020.length; c++) {
      data[c][k] = fns[c](t, rnd);
      // A 300 uV, 40 ms spike on T3 at 30 s: narrower than a screen column at 2000 columns per page.
      if (LABELS_1020[c] === 'T3' && Math.abs(t - 30) < 0.02) data[c][k] -= 300;
    }
  }
  w.writeRecords(data, seconds);
  w.close();
  return path;
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined>, timeoutMs = 30000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A GET with node:http: the body as sent on the wire (no decompression), status and headers. */
export function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Decodes a binary trace window (src/serve/traces.ts encodeWindowF32): the header and float32 channels. */
// biome-ignore lint/suspicious/noExplicitAny: the header is the window JSON without data
export function decodeWindow(buf: Buffer): { header: any; data: Float32Array[] } {
  const n = buf.readUInt32LE(0);
  assert.equal((4 + n) % 4, 0, 'values aligned to 4 bytes');
  const header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8'));
  const per = header.valuesPerChannel as number;
  assert.equal(buf.length, 4 + n + header.labels.length * per * 4, 'length matches the header');
  const data = (header.labels as string[]).map((_, c) =>
    Float32Array.from({ length: per }, (_x, i) => buf.readFloatLE(4 + n + (c * per + i) * 4)),
  );
  return { header, data };
}
