/**
 * Input layouts of the benchmark builder. Each source turns a tree (or a table) into report items: one
 * report, its patient, its date, and the recordings it describes in order. Problems found while
 * discovering (a session with no report, a report with no EDF, a duplicate id, a bad table row) are
 * attached to the item with the file and the field or line, so the builder records them and goes on.
 *
 *   tuh       DIR/.../<patient>/<sNNN_YYYY_MM_DD>/ with <patient>_sNNN.txt and *.edf (also in sub-folders)
 *   bids      DIR/sub-<id>/[ses-<id>/]eeg/<name>_eeg.edf (+ _channels.tsv) and a reports table (CSV/TSV) giving
 *             patient, date and report text or path; reports are matched to the recordings of the same
 *             patient within a window of days
 *   manifest  a CSV or JSONL file: report (path) or report_text, recordings, patient_id, date
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { CelmError } from '../../errors.js';
import { EdfReader } from '../../formats/edf/index.js';

export type SourceKind = 'tuh' | 'bids' | 'manifest';

export interface ItemProblem {
  file: string;
  /** Field, line or column the problem is in (e.g. "line 4, field recordings"). */
  where?: string;
  reason: string;
}

export interface SourceRecording {
  path: string;
  /** Session the recording belongs to (folder name or BIDS ses-). */
  session: string;
  /** ISO date-time when known at discovery (BIDS scans.tsv / header). */
  start?: string | null;
}

export interface SourceItem {
  id: string;
  patientId: string;
  date: string | null;
  /** Report file, or null when the text is inline (table). */
  reportPath: string | null;
  reportText?: string;
  /** Where the report comes from, for messages: a path or "reports.csv line 5". */
  reportRef: string;
  recordings: SourceRecording[];
  problems: ItemProblem[];
}

export interface Discovery {
  source: SourceKind;
  root: string;
  items: SourceItem[];
  /** Recordings no report claimed (BIDS), or sessions without a report (TUH). */
  unmatched: { path: string; patientId: string; reason: string }[];
}

const EDF_EXT = new Set(['.edf', '.bdf']);

function listDir(dir: string): { name: string; dir: boolean }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => ({ name: e.name, dir: e.isDirectory() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function filesUnder(dir: string, pred: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of listDir(dir)) {
    const p = join(dir, e.name);
    if (e.dir) out.push(...filesUnder(p, pred));
    else if (pred(e.name)) out.push(p);
  }
  return out;
}

const isEdf = (n: string) => EDF_EXT.has(extname(n).toLowerCase());
const SESSION_RE = /^s(\d{3})(?:_(\d{4})_(\d{2})_(\d{2})|_(\d{4}))?$/;

/** Marks later items whose id repeats an earlier one. */
function markDuplicates(items: SourceItem[]): void {
  const seen = new Map<string, SourceItem>();
  for (const it of items) {
    const first = seen.get(it.id);
    if (first)
      it.problems.push({
        file: it.reportRef,
        where: 'id',
        reason: `duplicate report id "${it.id}" (first seen at ${first.reportRef})`,
      });
    else seen.set(it.id, it);
  }
}

// ---------------------------------------------------------------------------------------------------
// TUH

/** TUH EEG layout: session folders named sNNN[_YYYY_MM_DD] under patient folders. */
export function discoverTuh(root: string): Discovery {
  const items: SourceItem[] = [];
  const unmatched: Discovery['unmatched'] = [];
  const sessions: string[] = [];
  const walk = (dir: string) => {
    for (const e of listDir(dir)) {
      if (!e.dir) continue;
      const p = join(dir, e.name);
      if (SESSION_RE.test(e.name)) sessions.push(p);
      else walk(p);
    }
  };
  walk(root);
  for (const dir of sessions) {
    const session = basename(dir);
    const patientId = basename(dirname(dir));
    const m = SESSION_RE.exec(session) as RegExpExecArray;
    const date = m[2] ? `${m[2]}-${m[3]}-${m[4]}` : null;
    const edfs = filesUnder(dir, isEdf);
    let txts = filesUnder(dir, (n) => extname(n).toLowerCase() === '.txt');
    const stem = `${patientId}_s${m[1]}`;
    if (txts.length > 1) {
      const named = txts.filter((t) => basename(t, '.txt') === stem);
      if (named.length === 1) txts = named;
    }
    const rel = relative(root, dir) || '.';
    if (txts.length === 0) {
      for (const e of edfs) unmatched.push({ path: e, patientId, reason: `no report .txt in ${rel}` });
      continue;
    }
    if (txts.length > 1) {
      items.push({
        id: stem,
        patientId,
        date,
        reportPath: null,
        reportRef: rel,
        recordings: edfs.map((path) => ({ path, session })),
        problems: [
          {
            file: rel,
            reason: `several report files (${txts.map((t) => basename(t)).join(', ')}); expected one named ${stem}.txt`,
          },
        ],
      });
      continue;
    }
    const problems: ItemProblem[] = [];
    if (edfs.length === 0)
      problems.push({
        file: relative(root, txts[0]),
        reason: 'missing EDF: no .edf/.bdf in the session folder',
      });
    items.push({
      id: basename(txts[0], '.txt'),
      patientId,
      date,
      reportPath: txts[0],
      reportRef: relative(root, txts[0]),
      recordings: edfs.map((path) => ({ path, session })),
      problems,
    });
  }
  markDuplicates(items);
  return { source: 'tuh', root, items, unmatched };
}

// ---------------------------------------------------------------------------------------------------
// Tables (CSV / TSV / JSONL)

/** Parses CSV (RFC 4180 quotes, embedded newlines) or TSV; returns rows with their 1-based line. */
export function parseDelimited(text: string, sep: ',' | '\t'): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0].trim() === '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === sep) {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (cell !== '' || cells.length) endRow();
  return rows;
}

interface TableRow {
  line: number;
  get(...names: string[]): string | undefined;
  raw: Record<string, unknown>;
}

function readTable(path: string): TableRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CelmError('input', `${path}: cannot read: ${(err as Error).message}`);
  }
  if (/\.jsonl?$/i.test(path)) {
    const out: TableRow[] = [];
    text.split(/\r?\n/).forEach((l, i) => {
      if (l.trim() === '') return;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(l) as Record<string, unknown>;
      } catch (err) {
        obj = { __error: `not JSON: ${(err as Error).message}` };
      }
      const lower = new Map(Object.entries(obj).map(([k, v]) => [k.toLowerCase(), v]));
      out.push({
        line: i + 1,
        raw: obj,
        get: (...names) => {
          for (const n of names) {
            const v = lower.get(n);
            if (v === undefined || v === null) continue;
            return Array.isArray(v) ? JSON.stringify(v) : String(v);
          }
          return undefined;
        },
      });
    });
    return out;
  }
  const rows = parseDelimited(text, /\.tsv$/i.test(path) ? '\t' : ',');
  if (rows.length === 0) throw new CelmError('input', `${path}: empty table`);
  const head = rows[0].cells.map((h) => h.trim().toLowerCase());
  return rows.slice(1).map((r) => {
    const raw: Record<string, unknown> = {};
    head.forEach((h, k) => {
      raw[h] = r.cells[k];
    });
    return {
      line: r.line,
      raw,
      get: (...names) => {
        for (const n of names) {
          const k = head.indexOf(n);
          if (k >= 0 && r.cells[k] !== undefined && r.cells[k].trim() !== '') return r.cells[k];
        }
        return undefined;
      },
    };
  });
}

function splitList(v: string | undefined): string[] {
  if (!v) return [];
  const t = v.trim();
  if (t.startsWith('[')) {
    try {
      const a = JSON.parse(t) as unknown;
      if (Array.isArray(a)) return a.map(String);
    } catch {
      // fall through to separators
    }
  }
  return t
    .split(/[;|]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function normDate(v: string | undefined): string | null {
  if (!v) return null;
  const m = /(\d{4})[-_/]?(\d{2})[-_/]?(\d{2})/.exec(v);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

function within(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

// ---------------------------------------------------------------------------------------------------
// Manifest

/** A generic manifest (CSV or JSONL); celm synth's manifest.jsonl is one. */
export function discoverManifest(path: string): Discovery {
  if (!existsSync(path)) throw new CelmError('usage', `${path}: no such manifest`);
  const base = dirname(resolve(path));
  const name = basename(path);
  const items: SourceItem[] = [];
  for (const row of readTable(path)) {
    const ref = `${name} line ${row.line}`;
    const problems: ItemProblem[] = [];
    if (row.raw.__error)
      problems.push({ file: name, where: `line ${row.line}`, reason: String(row.raw.__error) });
    const patientId = row.get('patient_id', 'patient', 'participant_id', 'subject') ?? '';
    if (!patientId && !row.raw.__error)
      problems.push({
        file: name,
        where: `line ${row.line}, field patient_id`,
        reason: 'missing patient id',
      });
    const session = row.get('session_id', 'session') ?? '';
    const reportPathRel = row.get('report', 'report_path');
    const reportText = row.get('report_text', 'text');
    if (!reportPathRel && reportText === undefined && !row.raw.__error)
      problems.push({
        file: name,
        where: `line ${row.line}, field report`,
        reason: 'no report path or report_text',
      });
    const recs = splitList(row.get('recordings', 'recording', 'edf', 'edfs'));
    if (recs.length === 0 && !row.raw.__error)
      problems.push({
        file: name,
        where: `line ${row.line}, field recordings`,
        reason: 'missing EDF: no recordings listed',
      });
    const recordings: SourceRecording[] = [];
    for (const r of recs) {
      const p = within(base, r);
      if (!existsSync(p))
        problems.push({
          file: name,
          where: `line ${row.line}, field recordings`,
          reason: `missing EDF: ${r} not found`,
        });
      recordings.push({ path: p, session: session || basename(dirname(p)) });
    }
    const id =
      row.get('id', 'report_id') ??
      (patientId && session
        ? `${patientId}_${session}`
        : reportPathRel
          ? basename(reportPathRel).replace(/\.[^.]+$/, '')
          : `line-${row.line}`);
    items.push({
      id,
      patientId: patientId || `unknown-${row.line}`,
      date: normDate(row.get('date', 'report_date', 'study_date')),
      reportPath: reportPathRel ? within(base, reportPathRel) : null,
      reportText: reportPathRel ? undefined : reportText,
      reportRef: reportPathRel ?? ref,
      recordings,
      problems,
    });
  }
  markDuplicates(items);
  return { source: 'manifest', root: base, items, unmatched: [] };
}

// ---------------------------------------------------------------------------------------------------
// BIDS

export interface BidsOptions {
  /** Reports table (CSV/TSV/JSONL); default DIR/reports.csv, reports.tsv or reports.jsonl. */
  reports?: string;
  /** Days a recording may precede its report (default 7). */
  windowBefore?: number;
  /** Days a recording may follow its report (default 1). */
  windowAfter?: number;
}

function stripSub(p: string): string {
  return p.replace(/^sub-/, '');
}

function scansStarts(subDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of filesUnder(subDir, (n) => n.endsWith('_scans.tsv'))) {
    const rows = parseDelimited(readFileSync(f, 'utf8'), '\t');
    if (rows.length < 2) continue;
    const head = rows[0].cells.map((h) => h.trim().toLowerCase());
    const fi = head.indexOf('filename');
    const ti = head.indexOf('acq_time');
    if (fi < 0 || ti < 0) continue;
    for (const r of rows.slice(1))
      if (r.cells[fi] && r.cells[ti]) out.set(resolve(dirname(f), r.cells[fi].trim()), r.cells[ti].trim());
  }
  return out;
}

function dayNumber(iso: string): number {
  return Math.floor(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / 86_400_000);
}

/** BIDS-like tree plus a reports table; matches reports to recordings of the same patient by date. */
export function discoverBids(root: string, o: BidsOptions = {}): Discovery {
  const before = o.windowBefore ?? 7;
  const after = o.windowAfter ?? 1;
  const table =
    o.reports ??
    ['reports.csv', 'reports.tsv', 'reports.jsonl'].map((n) => join(root, n)).find((p) => existsSync(p));
  if (!table || !existsSync(table))
    throw new CelmError('usage', `${root}: no reports table (reports.csv/.tsv/.jsonl); pass --reports FILE`);
  const tableName = basename(table);
  const tableBase = dirname(resolve(table));
  const items: SourceItem[] = [];
  const unmatched: Discovery['unmatched'] = [];
  // Recordings per patient.
  const recs = new Map<string, (SourceRecording & { day: number | null; problem?: string })[]>();
  for (const e of listDir(root)) {
    if (!e.dir || !e.name.startsWith('sub-')) continue;
    const subDir = join(root, e.name);
    const starts = scansStarts(subDir);
    const patient = stripSub(e.name);
    const list = recs.get(patient) ?? [];
    for (const f of filesUnder(subDir, isEdf)) {
      if (basename(dirname(f)) !== 'eeg') continue;
      const ses = /(?:^|_)(ses-[^_]+)/.exec(basename(f))?.[1] ?? basename(dirname(dirname(f)));
      let start: string | null = starts.get(resolve(f)) ?? null;
      let problem: string | undefined;
      if (!start) {
        try {
          const r = EdfReader.open(f);
          start = r.startDateTime;
          r.close();
        } catch (err) {
          problem = `unreadable EDF header: ${(err as Error).message}`;
        }
      }
      list.push({ path: f, session: ses, start, day: start ? dayNumber(start) : null, problem });
    }
    recs.set(patient, list);
  }
  const rows = readTable(table);
  interface Pending {
    item: SourceItem;
    day: number | null;
  }
  const byPatient = new Map<string, Pending[]>();
  for (const row of rows) {
    const ref = `${tableName} line ${row.line}`;
    const problems: ItemProblem[] = [];
    const patientRaw = row.get('patient_id', 'participant_id', 'subject', 'sub', 'patient') ?? '';
    const patientId = stripSub(patientRaw.trim());
    const date = normDate(row.get('date', 'report_date', 'study_date'));
    if (!patientId)
      problems.push({
        file: tableName,
        where: `line ${row.line}, field patient_id`,
        reason: 'missing patient id',
      });
    if (!date)
      problems.push({
        file: tableName,
        where: `line ${row.line}, field date`,
        reason: 'missing or unreadable date',
      });
    const reportPathRel = row.get('report_path', 'path', 'report_file');
    const reportText = row.get('report_text', 'text', 'report');
    if (!reportPathRel && reportText === undefined)
      problems.push({
        file: tableName,
        where: `line ${row.line}, field report_text`,
        reason: 'no report text or path',
      });
    const id = row.get('report_id', 'id') ?? `${patientId || 'unknown'}_${date ?? `line${row.line}`}`;
    const item: SourceItem = {
      id,
      patientId: patientId || `unknown-${row.line}`,
      date,
      reportPath: reportPathRel ? within(tableBase, reportPathRel) : null,
      reportText: reportPathRel ? undefined : reportText,
      reportRef: reportPathRel ?? ref,
      recordings: [],
      problems,
    };
    items.push(item);
    const list = byPatient.get(item.patientId) ?? [];
    list.push({ item, day: date ? dayNumber(date) : null });
    byPatient.set(item.patientId, list);
  }
  // Each recording goes to the nearest report of its patient inside [report - before, report + after].
  for (const [patient, list] of recs) {
    const reports = byPatient.get(patient) ?? [];
    for (const r of list) {
      if (r.day === null) {
        unmatched.push({ path: r.path, patientId: patient, reason: r.problem ?? 'no recording date' });
        continue;
      }
      let best: Pending | null = null;
      let bestScore = Number.POSITIVE_INFINITY;
      for (const p of reports) {
        if (p.day === null) continue;
        const d = r.day - p.day; // negative: recording before the report
        if (d < -before || d > after) continue;
        const score = Math.abs(d) + (d > 0 ? 0.5 : 0);
        if (score < bestScore) {
          best = p;
          bestScore = score;
        }
      }
      if (best) best.item.recordings.push({ path: r.path, session: r.session, start: r.start });
      else
        unmatched.push({
          path: r.path,
          patientId: patient,
          reason: reports.length
            ? `no report within -${before}/+${after} days`
            : 'no report for this patient',
        });
    }
  }
  for (const it of items) {
    it.recordings.sort((a, b) =>
      (a.start ?? '') < (b.start ?? '')
        ? -1
        : (a.start ?? '') > (b.start ?? '')
          ? 1
          : a.path < b.path
            ? -1
            : 1,
    );
    if (it.recordings.length === 0 && it.problems.length === 0)
      it.problems.push({
        file: it.reportRef,
        where: 'recordings',
        reason: `missing EDF: no recording of patient ${it.patientId} within -${before}/+${after} days of ${it.date}`,
      });
  }
  markDuplicates(items);
  return { source: 'bids', root, items, unmatched };
}

export function discover(kind: SourceKind, path: string, bids: BidsOptions = {}): Discovery {
  if (!existsSync(path)) throw new CelmError('usage', `${path}: no such file or folder`);
  if (kind === 'manifest') {
    if (statSync(path).isDirectory()) {
      const m = ['manifest.jsonl', 'manifest.csv'].map((n) => join(path, n)).find((p) => existsSync(p));
      if (!m) throw new CelmError('usage', `${path}: no manifest.jsonl or manifest.csv in this folder`);
      return discoverManifest(m);
    }
    return discoverManifest(path);
  }
  if (!statSync(path).isDirectory()) throw new CelmError('usage', `${path}: --source ${kind} needs a folder`);
  return kind === 'tuh' ? discoverTuh(resolve(path)) : discoverBids(resolve(path), bids);
}
