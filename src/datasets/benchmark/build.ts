/**
 * The benchmark builder: discovers report items in a TUH / BIDS / manifest source, structures each
 * report (rules, or an OpenAI-compatible model) with CELM's validation, reads the headers of its
 * recordings, records everything in the SQLite catalog one item per transaction, optionally runs celm's
 * preprocessing for every recording (worker threads via runBatch), assigns patient-level splits and
 * writes sections.jsonl, splits/*.jsonl and the statistics. Resumable and idempotent: an item whose
 * inputs are unchanged is skipped; a killed run loses at most the item in flight. Inputs are never
 * modified; output files are written atomically.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CelmError } from '../../errors.js';
import { EdfReader } from '../../formats/edf/index.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { runBatch } from '../../signal/batch.js';
import { bidsChannelStatus, DEFAULT_SETTINGS, type PreprocessSettings } from '../../signal/pipeline.js';
import { clearItem, type Db, openCatalog } from './catalog.js';
import { type LlmOptions, structureWithLlm } from './llm.js';
import {
  type BidsOptions,
  type Discovery,
  discover,
  type ItemProblem,
  type SourceItem,
  type SourceKind,
} from './sources.js';
import { assignSplit, DEFAULT_RATIOS, SPLIT_NAMES, type SplitRatios, splitValue } from './splits.js';
import { computeStats, writeStats } from './stats.js';
import { type StructuredReport, structureReport } from './structure.js';

/** Bump when the structurer or the item record changes: items are rebuilt. */
export const BUILDER_VERSION = '1';

export interface BuildProgress {
  phase: 'items' | 'preprocess';
  done: number;
  total: number;
  skipped: number;
  errors: number;
  /** Seconds remaining, estimated from the items done in this run. */
  etaS: number | null;
}

export interface BuildOptions {
  source: SourceKind;
  input: string;
  out: string;
  seed?: number;
  ratios?: SplitRatios;
  /** Run celm's preprocessing into OUT/preprocessed (default true). */
  preprocess?: boolean;
  jobs?: number;
  settings?: PreprocessSettings;
  llm?: LlmOptions;
  minOverlap?: number;
  bids?: BidsOptions;
  onProgress?: (p: BuildProgress) => void;
  /** Test hook: exit the process (status 99) after this many items were committed in this run. */
  exitAfter?: number;
}

export interface BuildSummary {
  items: number;
  built: number;
  skipped: number;
  ok: number;
  failed: number;
  errors: number;
  recordings: number;
  preprocessed: number;
  preprocessFailed: number;
  out: string;
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${Math.round(s.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}

function itemKey(it: SourceItem): string {
  return it.problems.some((p) => p.where === 'id') ? `dup:${it.reportRef}` : it.id;
}

function inputHash(it: SourceItem, o: BuildOptions): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      v: BUILDER_VERSION,
      id: it.id,
      patient: it.patientId,
      date: it.date,
      ref: it.reportRef,
      report: it.reportPath
        ? fileStamp(it.reportPath)
        : createHash('sha256')
            .update(it.reportText ?? '')
            .digest('hex'),
      recs: it.recordings.map((r) => [r.path, r.session, fileStamp(r.path)]),
      problems: it.problems,
      minOverlap: o.minOverlap ?? 0.9,
      llm: o.llm ? [o.llm.url, o.llm.model] : null,
    }),
  );
  return h.digest('hex');
}

interface RecordingRow {
  ord: number;
  sessionOrd: number;
  path: string;
  relPath: string;
  start: string | null;
  duration: number | null;
  nSignals: number | null;
  sampleRate: number | null;
  badChannels: number | null;
  status: 'ok' | 'error';
  error: string | null;
}

function readRecording(path: string): Omit<RecordingRow, 'ord' | 'sessionOrd' | 'path' | 'relPath'> {
  let reader: EdfReader | null = null;
  try {
    reader = EdfReader.open(path);
    const eeg = reader.signals.filter((s) => !s.isAnnotation);
    const status = bidsChannelStatus(path);
    const bad = status ? [...status.values()].filter((v) => v === 'bad').length : null;
    return {
      start: reader.startDateTime,
      duration: reader.duration,
      nSignals: eeg.length,
      sampleRate: eeg.length ? Math.max(...eeg.map((s) => s.sampleRate ?? 0)) : null,
      badChannels: bad,
      status: 'ok',
      error: null,
    };
  } catch (err) {
    return {
      start: null,
      duration: null,
      nSignals: null,
      sampleRate: null,
      badChannels: null,
      status: 'error',
      error: existsSync(path) ? `unreadable EDF: ${(err as Error).message}` : 'missing EDF: file not found',
    };
  } finally {
    reader?.close();
  }
}

function readReportText(it: SourceItem): { text: string | null; problem: string | null } {
  if (!it.reportPath)
    return { text: it.reportText ?? null, problem: it.reportText === undefined ? 'no report' : null };
  let buf: Buffer;
  try {
    buf = readFileSync(it.reportPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { text: null, problem: `unreadable file (${code ?? (err as Error).message})` };
  }
  if (buf.includes(0))
    return { text: null, problem: 'unreadable file: binary content (NUL bytes), not a text report' };
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD')) return { text: buf.toString('latin1'), problem: null };
  return { text, problem: null };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One build per output folder: DIR/.build.lock holds the builder's pid (a dead holder's lock is taken over). */
function lockOut(out: string): () => void {
  const path = join(out, '.build.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new CelmError('usage', `${out}: another build (pid ${pid}) is writing here`);
      rmSync(path, { force: true });
    }
  }
  throw new CelmError('usage', `${out}: cannot take ${path}`);
}

/** Builds (or resumes) a benchmark into options.out. */
export async function buildBenchmark(o: BuildOptions): Promise<BuildSummary> {
  const out = resolve(o.out);
  const disc: Discovery = discover(o.source, o.input, o.bids);
  mkdirSync(out, { recursive: true });
  const unlock = lockOut(out);
  try {
    return await buildLocked(o, out, disc);
  } finally {
    unlock();
  }
}

async function buildLocked(o: BuildOptions, out: string, disc: Discovery): Promise<BuildSummary> {
  const db = openCatalog(join(out, 'catalog.sqlite'));
  const buildId = Number(
    db.prepare('INSERT INTO builds (started, source, input, options, status) VALUES (?, ?, ?, ?, ?)').run(
      new Date().toISOString(),
      o.source,
      resolve(o.input),
      JSON.stringify({
        seed: o.seed ?? 0,
        ratios: o.ratios ?? DEFAULT_RATIOS,
        preprocess: o.preprocess ?? true,
        llm: o.llm ? { url: o.llm.url, model: o.llm.model } : null,
      }),
      'running',
    ).lastInsertRowid,
  );
  const summary: BuildSummary = {
    items: disc.items.length,
    built: 0,
    skipped: 0,
    ok: 0,
    failed: 0,
    errors: 0,
    recordings: 0,
    preprocessed: 0,
    preprocessFailed: 0,
    out,
  };
  const getItem = db.prepare('SELECT input_hash, status FROM items WHERE key = ?');
  let t0 = Date.now();
  let phaseNow: BuildProgress['phase'] = 'items';
  let committed = 0;
  const progress = (phase: BuildProgress['phase'], done: number, total: number) => {
    if (phase !== phaseNow) {
      phaseNow = phase;
      t0 = Date.now();
    }
    const elapsed = (Date.now() - t0) / 1000;
    const work = phase === 'items' ? done - summary.skipped : done;
    o.onProgress?.({
      phase,
      done,
      total,
      skipped: summary.skipped,
      errors: summary.errors,
      etaS: work > 0 ? (elapsed / work) * (total - done) : null,
    });
  };
  for (let i = 0; i < disc.items.length; i++) {
    const it = disc.items[i];
    const key = itemKey(it);
    const hash = inputHash(it, o);
    const prev = getItem.get(key) as { input_hash: string; status: string } | undefined;
    if (prev && prev.input_hash === hash) {
      summary.skipped++;
      progress('items', i + 1, disc.items.length);
      continue;
    }
    await buildItem(db, disc, it, key, hash, o, buildId);
    summary.built++;
    committed++;
    progress('items', i + 1, disc.items.length);
    if (o.exitAfter !== undefined && committed >= o.exitAfter) {
      db.close();
      process.exit(99);
    }
  }
  // Unmatched recordings are errors of their own items.
  db.transaction(() => {
    db.prepare("DELETE FROM errors WHERE item_key LIKE 'unmatched:%'").run();
    const ins = db.prepare(
      'INSERT INTO errors (item_key, file, place, reason, build_id) VALUES (?, ?, ?, ?, ?)',
    );
    for (const u of disc.unmatched)
      ins.run(
        `unmatched:${u.path}`,
        relative(disc.root, u.path),
        'recording',
        `unmatched recording: ${u.reason}`,
        buildId,
      );
  })();
  // Items that disappeared from the source are removed so the catalog mirrors it.
  const keys = new Set(disc.items.map(itemKey));
  const ids = new Set(disc.items.filter((x) => itemKey(x) === x.id).map((x) => x.id));
  db.transaction(() => {
    for (const row of db.prepare('SELECT key FROM items').all() as { key: string }[])
      if (!keys.has(row.key)) {
        clearItem(db, row.key, row.key.startsWith('dup:') ? null : row.key);
        db.prepare('DELETE FROM items WHERE key = ?').run(row.key);
      }
    for (const row of db.prepare('SELECT id FROM reports').all() as { id: string }[])
      if (!ids.has(row.id)) clearItem(db, row.id, row.id);
  })();
  if (o.preprocess ?? true) await preprocessAll(db, out, o, summary, progress, committed);
  // Splits (recomputed for every patient: the seed or ratios may have changed).
  const seed = o.seed ?? 0;
  const ratios = o.ratios ?? DEFAULT_RATIOS;
  db.transaction(() => {
    db.prepare('DELETE FROM patients').run();
    const ins = db.prepare('INSERT INTO patients (id, split, split_u) VALUES (?, ?, ?)');
    for (const { patient_id } of db
      .prepare('SELECT DISTINCT patient_id FROM reports ORDER BY patient_id')
      .all() as {
      patient_id: string;
    }[])
      ins.run(patient_id, assignSplit(patient_id, seed, ratios), splitValue(patient_id, seed));
  })();
  writeOutputs(db, out);
  const counts = db.prepare('SELECT status, COUNT(*) AS n FROM reports GROUP BY status').all() as {
    status: string;
    n: number;
  }[];
  for (const c of counts) {
    if (c.status === 'ok') summary.ok = c.n;
    else if (c.status === 'failed') summary.failed = c.n;
  }
  summary.errors = (db.prepare('SELECT COUNT(DISTINCT item_key) AS n FROM errors').get() as { n: number }).n;
  summary.recordings = (
    db.prepare("SELECT COUNT(*) AS n FROM recordings WHERE status = 'ok'").get() as { n: number }
  ).n;
  db.prepare('UPDATE builds SET finished = ?, status = ? WHERE id = ?').run(
    new Date().toISOString(),
    'complete',
    buildId,
  );
  const stats = computeStats(db);
  await writeStats(out, stats);
  db.close();
  return summary;
}

async function buildItem(
  db: Db,
  disc: Discovery,
  it: SourceItem,
  key: string,
  hash: string,
  o: BuildOptions,
  buildId: number,
): Promise<void> {
  const problems: ItemProblem[] = [...it.problems];
  const duplicate = key !== it.id;
  let text: string | null = null;
  let structured: StructuredReport | null = null;
  if (!duplicate) {
    const r = readReportText(it);
    text = r.text;
    if (r.problem) problems.push({ file: it.reportRef, reason: r.problem });
    else if (text !== null && text.trim() === '')
      problems.push({ file: it.reportRef, reason: 'empty report' });
    if (text !== null && text.trim() !== '')
      structured = o.llm
        ? await structureWithLlm(text, o.llm, { minOverlap: o.minOverlap })
        : structureReport(text, { minOverlap: o.minOverlap });
  }
  const recs: RecordingRow[] = [];
  const sessions: string[] = [];
  if (!duplicate)
    it.recordings.forEach((r, k) => {
      let s = sessions.indexOf(r.session);
      if (s < 0) {
        sessions.push(r.session);
        s = sessions.length - 1;
      }
      const info = readRecording(r.path);
      if (info.error)
        problems.push({ file: relative(disc.root, r.path), where: 'recording', reason: info.error });
      recs.push({ ord: k, sessionOrd: s, path: r.path, relPath: relative(disc.root, r.path), ...info });
    });
  // Order recordings by start time within the report (sessions follow their first recording).
  recs.sort((a, b) =>
    (a.start ?? '') < (b.start ?? '') ? -1 : (a.start ?? '') > (b.start ?? '') ? 1 : a.ord - b.ord,
  );
  const usable = recs.filter((r) => r.status === 'ok').length;
  // Any problem with the report or one of its recordings keeps the item out of the splits.
  const blocking = duplicate || problems.length > 0 || text === null || text.trim() === '' || usable === 0;
  const status = blocking ? 'error' : structured?.status === 'ok' ? 'ok' : 'failed';
  const reason = blocking
    ? problems.map((p) => p.reason).join('; ')
    : structured && structured.status !== 'ok'
      ? structured.validation.reasons.join('; ')
      : problems.length
        ? problems.map((p) => p.reason).join('; ')
        : null;
  const preprocessState = (o.preprocess ?? true) ? 'pending' : 'off';
  db.transaction(() => {
    clearItem(db, key, duplicate ? null : it.id);
    const insErr = db.prepare(
      'INSERT INTO errors (item_key, file, place, reason, build_id) VALUES (?, ?, ?, ?, ?)',
    );
    for (const p of problems) insErr.run(key, p.file, p.where ?? null, p.reason, buildId);
    if (structured && structured.status !== 'ok')
      for (const r of structured.validation.reasons)
        insErr.run(key, it.reportRef, 'structuring', `extraction failed: ${r}`, buildId);
    if (!duplicate) {
      db.prepare(
        'INSERT INTO reports (id, patient_id, date, source_ref, text_sha256, status, reason, method, n_sections, structured, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        it.id,
        it.patientId,
        it.date ?? recs.find((r) => r.start)?.start?.slice(0, 10) ?? null,
        it.reportRef,
        text === null ? null : createHash('sha256').update(text).digest('hex'),
        status,
        reason,
        structured?.method ?? null,
        structured?.report_sections.length ?? 0,
        structured ? JSON.stringify(structured) : null,
        text,
      );
      const insSec = db.prepare(
        'INSERT INTO sections (report_id, ord, header, category, name, text, line, derived) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      structured?.sections.forEach((s, k) => {
        insSec.run(it.id, k, s.header, s.category, s.name, s.text, s.line, s.derived ?? null);
      });
      const insSes = db.prepare('INSERT INTO sessions (report_id, ord, session, date) VALUES (?, ?, ?, ?)');
      sessions.forEach((s, k) => {
        const first = recs.find((r) => r.sessionOrd === k && r.start);
        insSes.run(it.id, k, s, first?.start?.slice(0, 10) ?? null);
      });
      const insRec = db.prepare(
        'INSERT INTO recordings (report_id, ord, session_ord, path, rel_path, start, duration_s, n_signals, sample_rate, bad_channels, status, error, preprocess_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      recs.forEach((r, k) => {
        insRec.run(
          it.id,
          k,
          r.sessionOrd,
          r.path,
          r.relPath,
          r.start,
          r.duration,
          r.nSignals,
          r.sampleRate,
          r.badChannels,
          r.status,
          r.error,
          r.status === 'ok' && status !== 'error' ? preprocessState : 'skipped',
        );
      });
    }
    db.prepare(
      'INSERT INTO items (key, input_hash, status, build_id, finished) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET input_hash = excluded.input_hash, status = excluded.status, build_id = excluded.build_id, finished = excluded.finished',
    ).run(key, hash, status, buildId, new Date().toISOString());
  })();
}

async function preprocessAll(
  db: Db,
  out: string,
  o: BuildOptions,
  summary: BuildSummary,
  progress: (phase: BuildProgress['phase'], done: number, total: number) => void,
  committedBefore: number,
): Promise<void> {
  const pending = db
    .prepare(
      "SELECT DISTINCT path FROM recordings WHERE status = 'ok' AND preprocess_status IN ('pending', 'off', 'failed') ORDER BY path",
    )
    .all() as { path: string }[];
  const files = pending.map((r) => r.path);
  if (files.length === 0) return;
  db.prepare(
    "UPDATE recordings SET preprocess_status = 'pending' WHERE status = 'ok' AND preprocess_status = 'off'",
  ).run();
  const update = db.prepare(
    'UPDATE recordings SET preprocess_status = ?, preprocessed_id = ?, segments = ?, preprocess_error = ? WHERE path = ?',
  );
  let done = 0;
  let committed = committedBefore;
  await runBatch(files, {
    out: join(out, 'preprocessed'),
    jobs: Math.max(1, o.jobs ?? 1),
    settings: o.settings ?? DEFAULT_SETTINGS,
    onEvent: (e) => {
      if (e.type === 'done') {
        update.run('done', e.id, e.segments, null, e.file);
        summary.preprocessed++;
      } else if (e.type === 'failed') {
        update.run('failed', null, null, e.message, e.file);
        summary.preprocessFailed++;
      } else return;
      done++;
      committed++;
      progress('preprocess', done, files.length);
      if (o.exitAfter !== undefined && committed >= o.exitAfter) {
        db.close();
        process.exit(99);
      }
    },
  });
}

interface ReportRow {
  id: string;
  patient_id: string;
  date: string | null;
  source_ref: string;
  status: string;
  reason: string | null;
  structured: string | null;
  split: string;
}

/** sections.jsonl and splits/*.jsonl from the catalog (sorted by report id; no timestamps). */
export function writeOutputs(db: Db, out: string): void {
  const reports = db
    .prepare(
      'SELECT r.id, r.patient_id, r.date, r.source_ref, r.status, r.reason, r.structured, p.split FROM reports r JOIN patients p ON p.id = r.patient_id ORDER BY r.id',
    )
    .all() as ReportRow[];
  const recStmt = db.prepare(
    'SELECT r.session_ord, s.session, r.rel_path, r.start, r.duration_s, r.status, r.error, r.preprocess_status, r.preprocessed_id FROM recordings r JOIN sessions s ON s.report_id = r.report_id AND s.ord = r.session_ord WHERE r.report_id = ? ORDER BY r.ord',
  );
  const lines: string[] = [];
  const bySplit: Record<string, string[]> = { train: [], val: [], test: [] };
  for (const r of reports) {
    const st = r.structured ? (JSON.parse(r.structured) as StructuredReport) : null;
    const recs = recStmt.all(r.id) as {
      session_ord: number;
      session: string;
      rel_path: string;
      start: string | null;
      duration_s: number | null;
      status: string;
      error: string | null;
      preprocess_status: string;
      preprocessed_id: string | null;
    }[];
    const sessions: { session: string; recordings: unknown[] }[] = [];
    for (const x of recs) {
      let s = sessions.find((y) => y.session === x.session);
      if (!s) {
        s = { session: x.session, recordings: [] };
        sessions.push(s);
      }
      s.recordings.push({
        path: x.rel_path,
        start: x.start,
        duration_s: x.duration_s,
        status: x.status,
        ...(x.error ? { error: x.error } : {}),
        preprocess: x.preprocess_status,
        preprocessed_id: x.preprocessed_id,
      });
    }
    const line = JSON.stringify({
      id: r.id,
      patient_id: r.patient_id,
      split: r.split,
      date: r.date,
      report: r.source_ref,
      status: r.status,
      reason: r.reason,
      sessions,
      report_sections: st?.report_sections ?? [],
      other_sections: st?.other_sections ?? [],
      patient_history: st?.patient_history ?? '',
      structuring: st
        ? {
            method: st.method,
            valid: st.validation.ok,
            reasons: st.validation.reasons,
            checks: st.validation.checks,
            warnings: st.warnings,
          }
        : null,
    });
    lines.push(line);
    if (r.status === 'ok') bySplit[r.split].push(line);
  }
  writeFileAtomic(join(out, 'sections.jsonl'), lines.length ? `${lines.join('\n')}\n` : '');
  mkdirSync(join(out, 'splits'), { recursive: true });
  for (const s of SPLIT_NAMES)
    writeFileAtomic(join(out, 'splits', `${s}.jsonl`), bySplit[s].length ? `${bySplit[s].join('\n')}\n` : '');
}
