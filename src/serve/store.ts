/**
 * The review server's persistent state: one SQLite database (`DIR/celm.db`, WAL mode) holding API tokens
 * (hashed; revocable), recordings (id, file name, size, hash — no header text), report jobs and their progress,
 * reports with per-section version history, and sign-offs. Recording files live in
 * `DIR/recordings/<id>/`; everything that must survive a restart is either in the database or written
 * atomically under DIR.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CelmError } from '../errors.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface RecordingRow {
  id: string;
  file_name: string;
  bytes: number;
  sha256: string;
  duration_s: number;
  n_signals: number;
  created_at: string;
}

export interface JobRow {
  id: string;
  recording_id: string;
  status: JobStatus;
  progress: number;
  stage: string;
  error: string | null;
  report_id: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
}

export interface ReportRow {
  id: string;
  recording_id: string;
  job_id: string;
  source: string;
  measurements: string;
  created_at: string;
  /** JSON of ModelOutput when the report model wrote the draft, else null (template draft). */
  model_output: string | null;
  signed_by: string | null;
  signed_at: string | null;
  /** Name and id of the API token that signed: the authenticated identity beside the typed name. */
  signed_token: string | null;
  signed_token_id: string | null;
}

export interface TokenRow {
  id: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

/** The identity behind a request's token. */
export interface TokenUser {
  id: string;
  name: string;
}

/** What the report model said beside the text: its estimates, never measurements. */
export interface ModelOutput {
  model: { name: string; trained_on: string; runtime: string };
  /** The findings head's probability of each finding label for the whole recording. */
  finding_probabilities: Record<string, number>;
  timings_s: Record<string, number>;
}

export interface SectionVersion {
  section: string;
  version: number;
  text: string;
  author: string;
  kind: 'draft' | 'edit';
  created_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recordings (
  id TEXT PRIMARY KEY, file_name TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,
  duration_s REAL NOT NULL, n_signals INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, recording_id TEXT NOT NULL REFERENCES recordings(id), status TEXT NOT NULL,
  progress REAL NOT NULL DEFAULT 0, stage TEXT NOT NULL DEFAULT '', error TEXT, report_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
CREATE TABLE IF NOT EXISTS reports (
  id TEXT PRIMARY KEY, recording_id TEXT NOT NULL REFERENCES recordings(id), job_id TEXT NOT NULL,
  source TEXT NOT NULL, measurements TEXT NOT NULL, created_at TEXT NOT NULL,
  signed_by TEXT, signed_at TEXT
);
CREATE TABLE IF NOT EXISTS section_versions (
  report_id TEXT NOT NULL REFERENCES reports(id), section TEXT NOT NULL, version INTEGER NOT NULL,
  text TEXT NOT NULL, author TEXT NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (report_id, section, version)
);
`;

/** Columns added after the first release: ALTER TABLE on databases made before them. */
const ADDED_COLUMNS: [table: string, column: string, type: string][] = [
  ['reports', 'model_output', 'TEXT'],
  ['tokens', 'revoked_at', 'TEXT'],
  ['reports', 'signed_token', 'TEXT'],
  ['reports', 'signed_token_id', 'TEXT'],
];

export const now = (): string => new Date().toISOString();
export const newId = (bytes = 8): string => randomBytes(bytes).toString('hex');

/** SHA-256 of a token: tokens are 32 random bytes, so a fast hash is enough (no dictionary to try). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class Store {
  readonly db: Database.Database;
  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
    try {
      mkdirSync(join(dataDir, 'recordings'), { recursive: true });
      mkdirSync(join(dataDir, 'tmp'), { recursive: true });
      this.db = new Database(join(dataDir, 'celm.db'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new CelmError(
        'bad-data-dir',
        `${dataDir}: cannot be used as the data directory (${e.code ?? e.message})`,
      );
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    for (const [table, column, type] of ADDED_COLUMNS) {
      const cols = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (!cols.some((c) => c.name === column))
        this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }

  close(): void {
    this.db.close();
  }

  recordingDir(id: string): string {
    return join(this.dataDir, 'recordings', id);
  }

  // Tokens -------------------------------------------------------------------------------------------

  /** Creates a token; returns the plain token (shown once) and its id. */
  createToken(name: string): { id: string; token: string } {
    const id = newId(4);
    const token = `celm_${randomBytes(32).toString('base64url')}`;
    this.db
      .prepare('INSERT INTO tokens (id, name, hash, created_at) VALUES (?, ?, ?, ?)')
      .run(id, name, hashToken(token), now());
    return { id, token };
  }

  /**
   * The token's identity when valid; 'revoked' for a revoked token; null for an unknown one. Read from
   * the database on every request, so a revocation (`celm token revoke`, another process) holds at once.
   */
  checkToken(token: string): TokenUser | 'revoked' | null {
    const h = Buffer.from(hashToken(token), 'hex');
    const row = this.db
      .prepare('SELECT id, name, hash, revoked_at FROM tokens WHERE hash = ?')
      .get(h.toString('hex')) as (TokenRow & { hash: string }) | undefined;
    if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), h)) return null;
    return row.revoked_at ? 'revoked' : { id: row.id, name: row.name };
  }

  tokens(): TokenRow[] {
    return this.db
      .prepare('SELECT id, name, created_at, revoked_at FROM tokens ORDER BY created_at, id')
      .all() as TokenRow[];
  }

  /**
   * Revokes the token with this id, or else the one token with this name that is not revoked yet.
   * Throws a CelmError when nothing matches, when the name is ambiguous (give the id), or when the token
   * is already revoked.
   */
  revokeToken(nameOrId: string): TokenRow {
    return this.db.transaction(() => {
      const all = this.tokens();
      let hits = all.filter((t) => t.id === nameOrId);
      if (!hits.length) {
        hits = all.filter((t) => t.name === nameOrId);
        if (hits.length > 1) {
          const active = hits.filter((t) => !t.revoked_at);
          if (active.length > 1)
            throw new CelmError(
              'ambiguous-token',
              `${active.length} tokens are named "${nameOrId}" (ids ${active.map((t) => t.id).join(', ')}): give the id`,
            );
          hits = active.length ? active : hits.slice(-1);
        }
      }
      if (!hits.length) throw new CelmError('no-token', `no token with the id or name "${nameOrId}"`);
      const t = hits[0];
      if (t.revoked_at)
        throw new CelmError(
          'token-revoked',
          `token ${t.id} ("${t.name}") was already revoked at ${t.revoked_at}`,
        );
      const at = now();
      this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(at, t.id);
      return { ...t, revoked_at: at };
    })();
  }

  // Recordings ---------------------------------------------------------------------------------------

  addRecording(r: RecordingRow): void {
    this.db
      .prepare(
        'INSERT INTO recordings (id, file_name, bytes, sha256, duration_s, n_signals, created_at) VALUES (@id, @file_name, @bytes, @sha256, @duration_s, @n_signals, @created_at)',
      )
      .run(r);
  }

  recording(id: string): RecordingRow | undefined {
    return this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as RecordingRow | undefined;
  }

  recordings(): RecordingRow[] {
    return this.db.prepare('SELECT * FROM recordings ORDER BY created_at, id').all() as RecordingRow[];
  }

  // Jobs ---------------------------------------------------------------------------------------------

  createJob(recordingId: string): JobRow {
    const id = newId();
    const t = now();
    this.db
      .prepare(
        "INSERT INTO jobs (id, recording_id, status, progress, stage, created_at, updated_at) VALUES (?, ?, 'queued', 0, 'queued', ?, ?)",
      )
      .run(id, recordingId, t, t);
    return this.job(id)!;
  }

  job(id: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  }

  jobs(recordingId?: string): JobRow[] {
    return (
      recordingId
        ? this.db.prepare('SELECT * FROM jobs WHERE recording_id = ? ORDER BY created_at').all(recordingId)
        : this.db.prepare('SELECT * FROM jobs ORDER BY created_at').all()
    ) as JobRow[];
  }

  /**
   * Atomically takes the oldest queued job and marks it running, passing over jobs on recordings whose
   * bytes (sha256) are in `busy`: jobs on the same bytes share one preprocessing cache entry, so they
   * run one after the other (the second finds the cache filled).
   */
  claimJob(busy: string[] = []): JobRow | undefined {
    return this.db.transaction(() => {
      const row = this.db
        .prepare(
          `SELECT jobs.* FROM jobs JOIN recordings ON recordings.id = jobs.recording_id
           WHERE jobs.status = 'queued' AND recordings.sha256 NOT IN (SELECT value FROM json_each(?))
           ORDER BY jobs.created_at, jobs.id LIMIT 1`,
        )
        .get(JSON.stringify(busy)) as JobRow | undefined;
      if (!row) return undefined;
      this.db
        .prepare(
          "UPDATE jobs SET status = 'running', attempts = attempts + 1, stage = 'starting', progress = 0, updated_at = ? WHERE id = ?",
        )
        .run(now(), row.id);
      return this.job(row.id);
    })();
  }

  updateJob(
    id: string,
    fields: Partial<Pick<JobRow, 'status' | 'progress' | 'stage' | 'error' | 'report_id'>>,
  ): void {
    const keys = Object.keys(fields) as (keyof typeof fields)[];
    if (keys.length === 0) return;
    const set = keys.map((k) => `${k} = @${k}`).join(', ');
    this.db.prepare(`UPDATE jobs SET ${set}, updated_at = @updated_at WHERE id = @id`).run({
      ...fields,
      id,
      updated_at: now(),
    });
  }

  /** Jobs a killed server left running go back to the queue; returns how many. */
  requeueInterrupted(): number {
    return this.db
      .prepare(
        "UPDATE jobs SET status = 'queued', stage = 'requeued after restart', progress = 0, updated_at = ? WHERE status = 'running'",
      )
      .run(now()).changes;
  }

  // Reports ------------------------------------------------------------------------------------------

  createReport(
    recordingId: string,
    jobId: string,
    source: string,
    sections: { name: string; text: string }[],
    measurements: unknown,
    modelOutput: ModelOutput | null = null,
  ): string {
    const id = newId();
    const t = now();
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO reports (id, recording_id, job_id, source, measurements, model_output, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          id,
          recordingId,
          jobId,
          source,
          JSON.stringify(measurements),
          modelOutput ? JSON.stringify(modelOutput) : null,
          t,
        );
      const ins = this.db.prepare(
        "INSERT INTO section_versions (report_id, section, version, text, author, kind, created_at) VALUES (?, ?, 1, ?, 'celm', 'draft', ?)",
      );
      for (const s of sections) ins.run(id, s.name, s.text, t);
    })();
    return id;
  }

  report(id: string): ReportRow | undefined {
    return this.db.prepare('SELECT * FROM reports WHERE id = ?').get(id) as ReportRow | undefined;
  }

  reports(recordingId: string): ReportRow[] {
    return this.db
      .prepare('SELECT * FROM reports WHERE recording_id = ? ORDER BY created_at')
      .all(recordingId) as ReportRow[];
  }

  /** Every version of every section, oldest first. */
  sectionVersions(reportId: string): SectionVersion[] {
    return this.db
      .prepare(
        'SELECT section, version, text, author, kind, created_at FROM section_versions WHERE report_id = ? ORDER BY rowid',
      )
      .all(reportId) as SectionVersion[];
  }

  /** Adds a version of a section; returns it, or null when the section does not exist. */
  editSection(reportId: string, section: string, text: string, author: string): SectionVersion | null {
    return this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT MAX(version) AS v FROM section_versions WHERE report_id = ? AND section = ?')
        .get(reportId, section) as { v: number | null };
      if (row.v === null) return null;
      const v: SectionVersion = {
        section,
        version: row.v + 1,
        text,
        author,
        kind: 'edit',
        created_at: now(),
      };
      this.db
        .prepare(
          'INSERT INTO section_versions (report_id, section, version, text, author, kind, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(reportId, section, v.version, text, author, v.kind, v.created_at);
      return v;
    })();
  }

  /**
   * Signs a report with the typed name and the signing token's identity. Null when it is signed
   * already: the check and the update are one statement, so of two sign-offs at once only one wins.
   */
  signReport(
    reportId: string,
    name: string,
    token: TokenUser,
  ): { signed_by: string; signed_at: string; signed_token: string; signed_token_id: string } | null {
    const signed_at = now();
    const changed = this.db
      .prepare(
        'UPDATE reports SET signed_by = ?, signed_at = ?, signed_token = ?, signed_token_id = ? WHERE id = ? AND signed_by IS NULL',
      )
      .run(name, signed_at, token.name, token.id, reportId).changes;
    if (!changed) return null;
    return { signed_by: name, signed_at, signed_token: token.name, signed_token_id: token.id };
  }
}
