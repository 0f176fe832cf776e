/**
 * The review server: an HTTP API under /api/ (Fastify) and the web application at /. Every /api/ route
 * but /api/health needs `Authorization: Bearer <token>` (tokens from `celm token create`, stored as
 * hashes). Nothing from EDF headers or report text is logged; the optional access log holds method,
 * route pattern, status and time only.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
} from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gzip } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CELM_SECTIONS } from '../clinical/sections.js';
import { CelmError } from '../errors.js';
import { EdfError, EdfReader } from '../formats/edf/index.js';
import { mapToCelm } from '../signal/index.js';
import { deidentify, type ExportReport, toFhir, toMarkdown, toPdf } from './exports.js';
import { findings } from './findings.js';
import { type JobEvent, JobQueue } from './queue.js';
import { type ModelOutput, newId, now, type ReportRow, Store, type TokenUser } from './store.js';
import { encodeWindowF32, parseWindowQuery, traceWindow, traceWindowF32 } from './traces.js';

export interface ServeOptions {
  dataDir: string;
  /** Largest accepted upload in bytes (default 8 GiB). */
  maxUploadBytes?: number;
  /** Largest JSON body in bytes (default 256 KiB). */
  maxJsonBytes?: number;
  /** Report jobs run at once (default 1). */
  concurrency?: number;
  /**
   * Report model folder for drafts (`draftReport`); null or absent: the quantitative-EEG template draft.
   * (`celm serve` passes models/default when it exists; see src/cli/commands/serve.ts.)
   */
  modelDir?: string | null;
  /** A report job running longer is stopped and marked failed (default 30 min; 0: no limit). */
  jobTimeoutMs?: number;
  /** Folder of the web application (default: the package's web/). */
  webDir?: string;
  /** Access log lines (method, route, status, ms) to this function; default none. */
  log?: (line: string) => void;
}

export interface ReviewServer {
  app: FastifyInstance;
  store: Store;
  queue: JobQueue;
  /** Jobs found running at start and queued again. */
  requeued: number;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The identity of the request's token (set for every authenticated /api/ route). */
    user?: TokenUser;
  }
}

const DEFAULT_WEB = fileURLToPath(new URL('../../../web/', import.meta.url));

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A file name safe to store and show: the last path part, printable, at most 200 characters. */
function cleanFileName(raw: string | undefined): string {
  let name = 'recording.edf';
  if (raw) {
    try {
      name = decodeURIComponent(raw);
    } catch {
      name = raw;
    }
  }
  name = basename(name.replace(/\\/g, '/'))
    .replace(/[^\p{L}\p{N} ._()+-]/gu, '_')
    .slice(0, 200);
  return name || 'recording.edf';
}

const gzipAsync = promisify(gzip);

/** Whether a header listing values (Accept, Accept-Encoding) allows one of `names`, not with `q=0`. */
function headerAllows(header: string | string[] | undefined, names: string[]): boolean {
  const h = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of h.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!names.includes(name.trim())) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
    if (q === undefined || Number(q) > 0) return true;
  }
  return false;
}

/** Whether an Accept-Encoding header allows gzip. */
export const acceptsGzip = (h: string | string[] | undefined): boolean => headerAllows(h, ['gzip', '*']);

/** Whether an Accept header asks for application/octet-stream (the binary trace window). */
const wantsBinary = (h: string | undefined): boolean => headerAllows(h, ['application/octet-stream']);

/** Removes a crash's leftovers in a folder: `.tmp-*` (preprocessing) and `*.partial` (vectors). */
function sweepTmp(dir: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir))
    if (f.startsWith('.tmp-') || f.endsWith('.partial'))
      rmSync(join(dir, f), { force: true, recursive: true });
}

export function createReviewServer(options: ServeOptions): ReviewServer {
  const store = new Store(options.dataDir);
  // Preprocessing (and segment vectors) of report jobs, by file hash: `cache/preprocessed/<sha16>/`.
  const cacheDir = join(options.dataDir, 'cache');
  const queue = new JobQueue(store, {
    concurrency: options.concurrency ?? 1,
    cacheDir,
    modelDir: options.modelDir ?? null,
    jobTimeoutMs: options.jobTimeoutMs,
  });
  const maxUpload = options.maxUploadBytes ?? 8 * 2 ** 30;
  const webDir = options.webDir ?? DEFAULT_WEB;
  // Leftovers of uploads interrupted by a crash.
  const tmpDir = join(options.dataDir, 'tmp');
  for (const f of readdirSync(tmpDir)) rmSync(join(tmpDir, f), { force: true, recursive: true });
  // ... and of preprocessing runs in jobs that a crash interrupted (they are rerun from the queue).
  for (const r of store.recordings()) {
    for (const f of readdirSync(store.recordingDir(r.id)))
      if (f.endsWith('.partial')) rmSync(join(store.recordingDir(r.id), f), { force: true });
    sweepTmp(join(store.recordingDir(r.id), 'prep')); // the layout before the shared cache
  }
  sweepTmp(join(cacheDir, 'preprocessed'));
  const embeddings = join(cacheDir, 'embeddings');
  if (existsSync(embeddings)) for (const d of readdirSync(embeddings)) sweepTmp(join(embeddings, d));

  const app = Fastify({ logger: false, bodyLimit: options.maxJsonBytes ?? 256 * 1024 });
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  const readers = new Map<string, EdfReader>();
  const reader = (id: string): EdfReader => {
    let r = readers.get(id);
    if (r) {
      readers.delete(id);
      readers.set(id, r);
      return r;
    }
    if (!store.recording(id)) throw new HttpError(404, `no recording ${id}`);
    r = EdfReader.open(join(store.recordingDir(id), 'recording.edf'));
    readers.set(id, r);
    if (readers.size > 16) {
      const [oldId, old] = readers.entries().next().value as [string, EdfReader];
      old.close();
      readers.delete(oldId);
    }
    return r;
  };

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    // The matched route pattern decides (a percent-encoded path cannot dodge the check), and the raw
    // URL too, so that unknown /api/ paths answer 401 rather than revealing what exists.
    const route = req.routeOptions.url ?? '';
    const api = route.startsWith('/api/') || req.url.toLowerCase().startsWith('/api/');
    if (!api || route === '/api/health') return;
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    const user = m ? store.checkToken(m[1]) : null;
    if (!user || user === 'revoked') {
      reply.header('WWW-Authenticate', 'Bearer realm="celm"');
      const error = !m ? 'missing bearer token' : user === 'revoked' ? 'token revoked' : 'invalid token';
      return reply.code(401).send({ error });
    }
    req.user = user;
  });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    );
  });

  // gzip for JSON (and binary trace windows) over 1 KiB when the client accepts it: a trace window is
  // ~4x smaller, in the thread pool (zlib's async API), off the event loop.
  app.addHook('onSend', async (req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (!/^application\/(json|octet-stream)\b/.test(type) || reply.getHeader('content-encoding'))
      return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const vary = String(reply.getHeader('vary') ?? '');
    if (!/accept-encoding/i.test(vary))
      reply.header('Vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    if (!acceptsGzip(req.headers['accept-encoding']) || Buffer.byteLength(payload) < 1024) return payload;
    reply.header('Content-Encoding', 'gzip');
    reply.removeHeader('content-length');
    return gzipAsync(payload, { level: 4 });
  });

  if (options.log) {
    const log = options.log;
    app.addHook('onResponse', async (req, reply) => {
      log(
        `${req.method} ${req.routeOptions.url ?? '-'} ${reply.statusCode} ${Math.round(reply.elapsedTime)}ms`,
      );
    });
  }

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message });
    if (err instanceof CelmError) return reply.code(400).send({ error: err.message });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return reply.code(err.statusCode).send({ error: err.message });
    options.log?.(`internal error: ${err.name}`);
    return reply.code(500).send({ error: 'internal error' });
  });

  // Health and web app ----------------------------------------------------------------------------------

  app.get('/api/health', async () => ({ ok: true, jobsRunning: queue.active }));

  const sendStatic = (file: string, reply: FastifyReply) => {
    const path = join(webDir, file);
    const type = STATIC_TYPES[extname(file)];
    if (!type || !/^[\w.-]+$/.test(file) || !existsSync(path))
      return reply.code(404).send({ error: 'not found' });
    return reply.type(type).header('Cache-Control', 'no-cache').send(readFileSync(path));
  };
  app.get('/', (_req, reply) => sendStatic('index.html', reply));
  app.get('/:file', (req, reply) => sendStatic((req.params as { file: string }).file, reply));

  // Recordings ------------------------------------------------------------------------------------------

  const recordingSummary = (id: string) => {
    const r = store.recording(id)!;
    const jobs = store.jobs(id);
    const reports = store.reports(id);
    return {
      ...r,
      latestJob: jobs.at(-1) ?? null,
      latestReport: reports.at(-1)?.id ?? null,
    };
  };

  app.post('/api/recordings', async (req, reply) => {
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('application/octet-stream'))
      throw new HttpError(
        415,
        'send the EDF/BDF file as the body with Content-Type: application/octet-stream',
      );
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > maxUpload) {
      reply.header('Connection', 'close');
      throw new HttpError(413, `upload of ${declared} bytes exceeds the limit of ${maxUpload} bytes`);
    }
    if (declared > 0) {
      // Refuse what the disk cannot hold (with 256 MiB to spare) instead of failing halfway.
      const fsInfo = statfsSync(tmpDir);
      if (fsInfo.bavail * fsInfo.bsize < declared + 2 ** 28) {
        reply.header('Connection', 'close');
        throw new HttpError(507, `not enough free disk space for an upload of ${declared} bytes`);
      }
    }
    const fileName = cleanFileName(
      (req.headers['x-file-name'] as string | undefined) ?? (req.query as { name?: string }).name,
    );
    const tmp = join(tmpDir, `${randomUUID()}.upload`);
    const hash = createHash('sha256');
    let bytes = 0;
    const body = req.body as Readable;
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            bytes += chunk.length;
            if (bytes > maxUpload) throw new HttpError(413, `upload exceeds the limit of ${maxUpload} bytes`);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
    } catch (err) {
      rmSync(tmp, { force: true });
      if (err instanceof HttpError) {
        reply.header('Connection', 'close');
        throw err;
      }
      throw new HttpError(400, 'upload interrupted');
    }
    // Validate: the header, the channel layout and a read at each end.
    let duration = 0;
    let nSignals = 0;
    let r: EdfReader | null = null;
    try {
      r = EdfReader.open(tmp);
      nSignals = r.dataSignals.length;
      duration = r.duration;
      if (nSignals === 0 || !(duration > 0)) throw new HttpError(422, `${fileName}: no signal data`);
      const { source } = mapToCelm(r.signals.map((s) => (s.isAnnotation ? 'EDF Annotations' : s.label)));
      if (!source.some((i) => i >= 0))
        throw new HttpError(422, `${fileName}: no 10-20 EEG channel that celm recognises`);
      r.readWindow(0, Math.min(1, duration), { unit: 'uV' });
      r.readWindow(Math.max(0, duration - 1), Math.min(1, duration), { unit: 'uV' });
      void r.annotations;
    } catch (err) {
      r?.close();
      rmSync(tmp, { force: true });
      if (err instanceof HttpError) throw err;
      if (err instanceof EdfError || err instanceof CelmError)
        throw new HttpError(422, err.message.split(tmp).join(fileName).split('\n')[0]);
      throw new HttpError(422, `${fileName}: not a readable EDF/BDF file`);
    }
    r.close();
    const id = newId(6);
    const dir = store.recordingDir(id);
    mkdirSync(dir, { recursive: true });
    renameSync(tmp, join(dir, 'recording.edf'));
    store.addRecording({
      id,
      file_name: fileName,
      bytes,
      sha256: hash.digest('hex'),
      duration_s: duration,
      n_signals: nSignals,
      created_at: now(),
    });
    precomputeTrends(id);
    return reply.code(201).send(recordingSummary(id));
  });

  app.get('/api/recordings', async () => store.recordings().map((r) => recordingSummary(r.id)));

  const recId = (req: FastifyRequest): string => {
    const id = (req.params as { id: string }).id;
    if (!store.recording(id)) throw new HttpError(404, `no recording ${id}`);
    return id;
  };

  app.get('/api/recordings/:id', async (req) => {
    const id = recId(req);
    const r = reader(id);
    const details = (req.query as { details?: string }).details === '1';
    const labels = r.signals.map((s) => (s.isAnnotation ? 'EDF Annotations' : s.label));
    const { source } = mapToCelm(labels);
    return {
      ...recordingSummary(id),
      format: r.header.format,
      signals: r.dataSignals.map((s) => ({
        label: s.label,
        sampleRate: s.sampleRate,
        unit: s.physicalDimension,
      })),
      eegChannels: source.filter((i) => i >= 0).length,
      gaps: r.gaps,
      annotationCount: r.annotations.length,
      // Time of day only (no date): lets the viewer show clock time without an identifying date.
      startClock: r.startDateTime ? r.startDateTime.slice(11, 19) || null : null,
      ...(details
        ? {
            header: {
              patientId: r.header.patientId,
              recordingId: r.header.recordingId,
              patient: r.header.patient,
              recording: r.header.recording,
              startDateTime: r.startDateTime,
            },
          }
        : {}),
    };
  });

  app.get('/api/recordings/:id/window', async (req, reply) => {
    const id = recId(req);
    const q = parseWindowQuery(req.query as Record<string, string>);
    reply.header('Vary', 'Accept');
    if (wantsBinary(req.headers.accept))
      return reply.type('application/octet-stream').send(encodeWindowF32(traceWindowF32(reader(id), q)));
    return traceWindow(reader(id), q);
  });

  app.get('/api/recordings/:id/annotations', async (req) => {
    const id = recId(req);
    return reader(id).annotations.map((a) => ({ onset: a.onset, duration: a.duration, text: a.text }));
  });

  app.get('/api/recordings/:id/findings', async (req) => {
    const id = recId(req);
    const sha16 = store.recording(id)!.sha256.slice(0, 16);
    return findings(reader(id).annotations, [
      join(cacheDir, 'preprocessed', sha16),
      join(store.recordingDir(id), 'prep', sha16), // the layout before the shared cache
    ]);
  });

  const trendRuns = new Map<string, Promise<void>>();
  const trendWorkers = new Set<Worker>();
  let closing = false;
  const trendsPath = (id: string) => join(store.recordingDir(id), 'trends.json');
  /** Computes a recording's trends in a worker thread unless they exist; one run per recording at a time. */
  const ensureTrends = (id: string): Promise<void> => {
    const path = trendsPath(id);
    if (closing || existsSync(path)) return Promise.resolve();
    let run = trendRuns.get(id);
    if (!run) {
      run = new Promise<void>((resolve, reject) => {
        const w = new Worker(new URL('./trends-worker.js', import.meta.url), {
          workerData: { path: join(store.recordingDir(id), 'recording.edf'), out: path },
        });
        trendWorkers.add(w);
        w.once('message', (m: { ok: boolean; error?: string }) =>
          m.ok ? resolve() : reject(new HttpError(422, m.error ?? 'trends failed')),
        );
        w.once('error', reject);
        w.once('exit', () => {
          trendWorkers.delete(w);
          resolve();
        });
      }).finally(() => trendRuns.delete(id));
      trendRuns.set(id, run);
    }
    return run;
  };
  // After each upload the trends are computed in the background, one recording at a time, so that
  // they are ready when the recording is opened (a 24-h file takes seconds).
  let trendChain: Promise<void> = Promise.resolve();
  const precomputeTrends = (id: string) => {
    trendChain = trendChain.then(() => ensureTrends(id)).catch(() => {});
  };

  app.get('/api/recordings/:id/trends', async (req, reply) => {
    const id = recId(req);
    await ensureTrends(id);
    return reply.type('application/json; charset=utf-8').send(readFileSync(trendsPath(id), 'utf8'));
  });

  // Jobs ------------------------------------------------------------------------------------------------

  app.post('/api/recordings/:id/report', async (req, reply) => {
    const id = recId(req);
    const job = store.createJob(id);
    queue.pump();
    return reply.code(202).send(store.job(job.id));
  });

  app.get('/api/recordings/:id/reports', async (req) => {
    const id = recId(req);
    return store.reports(id).map((r) => ({
      id: r.id,
      created_at: r.created_at,
      signed_by: r.signed_by,
      signed_at: r.signed_at,
      signed_token: r.signed_token,
    }));
  });

  app.get('/api/jobs', async () => store.jobs());

  const jobOf = (req: FastifyRequest) => {
    const id = (req.params as { id: string }).id;
    const j = store.job(id);
    if (!j) throw new HttpError(404, `no job ${id}`);
    return j;
  };

  app.get('/api/jobs/:id', async (req) => jobOf(req));

  /** Open progress streams (ended when the server closes). */
  const streams = new Set<() => void>();
  app.get('/api/jobs/:id/events', (req, reply) => {
    const j = jobOf(req);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const send = (ev: JobEvent) =>
      res.write(
        `event: ${ev.status === 'done' || ev.status === 'failed' ? ev.status : 'progress'}\ndata: ${JSON.stringify(ev)}\n\n`,
      );
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      streams.delete(finish);
      queue.off('job', onJob);
      clearInterval(beat);
      res.end();
    };
    streams.add(finish);
    const onJob = (ev: JobEvent) => {
      if (ev.job !== j.id) return;
      send(ev);
      if (ev.status === 'done' || ev.status === 'failed') finish();
    };
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    queue.on('job', onJob);
    res.on('close', finish);
    const cur = store.job(j.id)!;
    onJob({
      job: cur.id,
      status: cur.status,
      stage: cur.stage,
      progress: cur.progress,
      report: cur.report_id,
      error: cur.error,
    });
  });

  // Reports ---------------------------------------------------------------------------------------------

  const reportOf = (req: FastifyRequest): ReportRow => {
    const id = (req.params as { id: string }).id;
    const r = store.report(id);
    if (!r) throw new HttpError(404, `no report ${id}`);
    return r;
  };

  const currentSections = (r: ReportRow) => {
    const latest = new Map<
      string,
      { name: string; text: string; version: number; author: string; kind: string; updated_at: string }
    >();
    for (const v of store.sectionVersions(r.id))
      latest.set(v.section, {
        name: v.section,
        text: v.text,
        version: v.version,
        author: v.author,
        kind: v.kind,
        updated_at: v.created_at,
      });
    const order = (n: string) => {
      const i = (CELM_SECTIONS as readonly string[]).indexOf(n);
      return i < 0 ? 99 : i;
    };
    return [...latest.values()].sort((a, b) => order(a.name) - order(b.name));
  };

  const reportJson = (r: ReportRow) => ({
    id: r.id,
    recording_id: r.recording_id,
    job_id: r.job_id,
    source: r.source,
    created_at: r.created_at,
    signed_by: r.signed_by,
    signed_at: r.signed_at,
    signed_token: r.signed_token,
    measurements: JSON.parse(r.measurements),
    // The report model's own output (estimates, not measurements); null for template drafts.
    model_output: r.model_output ? (JSON.parse(r.model_output) as ModelOutput) : null,
    sections: currentSections(r),
  });

  app.get('/api/reports/:id', async (req) => reportJson(reportOf(req)));

  app.get('/api/reports/:id/history', async (req) => store.sectionVersions(reportOf(req).id));

  app.put('/api/reports/:id/sections/:name', async (req) => {
    const r = reportOf(req);
    const name = (req.params as { name: string }).name;
    const body = req.body as { text?: unknown } | undefined;
    if (!body || typeof body.text !== 'string') throw new HttpError(400, 'body must be JSON {"text": "..."}');
    if (r.signed_by)
      throw new HttpError(409, `report ${r.id} was signed by ${r.signed_by}; it can no longer be edited`);
    const v = store.editSection(r.id, name, body.text, req.user?.name ?? 'unknown');
    if (!v) throw new HttpError(404, `report ${r.id} has no section "${name}"`);
    return v;
  });

  app.post('/api/reports/:id/signoff', async (req) => {
    const r = reportOf(req);
    const body = req.body as { name?: unknown } | undefined;
    const name = typeof body?.name === 'string' ? body.name.trim() : '';
    if (!name || name.length > 200) throw new HttpError(400, 'body must be JSON {"name": "who signs"}');
    const signed = r.signed_by ? null : store.signReport(r.id, name, req.user!);
    if (!signed) {
      const cur = store.report(r.id)!;
      throw new HttpError(409, `report ${r.id} was already signed by ${cur.signed_by} at ${cur.signed_at}`);
    }
    return { id: r.id, ...signed, token_name: signed.signed_token };
  });

  app.get('/api/reports/:id/export', async (req, reply) => {
    const r = reportOf(req);
    const q = req.query as { format?: string; deidentified?: string };
    const rec = store.recording(r.recording_id)!;
    const rd = reader(r.recording_id);
    let doc: ExportReport = {
      id: r.id,
      recordingId: r.recording_id,
      fileName: rec.file_name,
      source: r.source,
      createdAt: r.created_at,
      signedBy: r.signed_by,
      signedAt: r.signed_at,
      signedToken: r.signed_token,
      sections: currentSections(r),
      measurements: JSON.parse(r.measurements),
      modelOutput: r.model_output ? (JSON.parse(r.model_output) as ModelOutput) : null,
      patient: rd.header.patient ? { name: rd.header.patient.name, code: rd.header.patient.code } : null,
      startDateTime: rd.startDateTime,
    };
    if (q.deidentified === '1' || q.deidentified === 'true') doc = deidentify(doc);
    const base = `eeg-report-${r.id}`;
    switch (q.format ?? 'md') {
      case 'md':
        return reply
          .type('text/markdown; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="${base}.md"`)
          .send(toMarkdown(doc));
      case 'fhir':
        return reply
          .type('application/fhir+json; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="${base}.fhir.json"`)
          .send(JSON.stringify(toFhir(doc), null, 2));
      case 'pdf':
        return reply
          .type('application/pdf')
          .header('Content-Disposition', `attachment; filename="${base}.pdf"`)
          .send(await toPdf(doc));
      default:
        throw new HttpError(400, `format must be md, fhir or pdf, got "${q.format}"`);
    }
  });

  let requeued = 0;
  return {
    app,
    store,
    queue,
    get requeued() {
      return requeued;
    },
    async listen(port: number, host = '127.0.0.1') {
      const addr = await app.listen({ port, host });
      requeued = queue.start();
      return addr;
    },
    async close() {
      closing = true;
      await queue.stop();
      for (const end of [...streams]) end();
      await Promise.all([...trendWorkers].map((w) => w.terminate()));
      await app.close();
      for (const r of readers.values()) r.close();
      readers.clear();
      store.close();
    },
  };
}
