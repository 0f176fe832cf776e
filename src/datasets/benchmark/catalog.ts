/**
 * The benchmark catalog: one SQLite file (DIR/catalog.sqlite, WAL mode) holding patients, reports,
 * sessions, recordings, sections, splits, preprocessing state and per-item errors. Every report item is
 * written in one transaction together with its `items` row, so a killed build loses at most the item in
 * flight and a rerun skips the items whose inputs have not changed. Schema in docs/benchmark-builder.md.
 */
import Database from 'better-sqlite3';
import { CelmError } from '../../errors.js';

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS builds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started TEXT NOT NULL, finished TEXT, source TEXT NOT NULL, input TEXT NOT NULL,
  options TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS patients (
  id TEXT PRIMARY KEY, split TEXT NOT NULL, split_u REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
  key TEXT PRIMARY KEY, input_hash TEXT NOT NULL, status TEXT NOT NULL, build_id INTEGER, finished TEXT
);
CREATE TABLE IF NOT EXISTS reports (
  id TEXT PRIMARY KEY, patient_id TEXT NOT NULL, date TEXT, source_ref TEXT NOT NULL,
  text_sha256 TEXT, status TEXT NOT NULL, reason TEXT, method TEXT, n_sections INTEGER NOT NULL DEFAULT 0,
  structured TEXT, text TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
  report_id TEXT NOT NULL, ord INTEGER NOT NULL, session TEXT NOT NULL, date TEXT,
  PRIMARY KEY (report_id, ord)
);
CREATE TABLE IF NOT EXISTS recordings (
  report_id TEXT NOT NULL, ord INTEGER NOT NULL, session_ord INTEGER NOT NULL,
  path TEXT NOT NULL, rel_path TEXT NOT NULL, start TEXT, duration_s REAL, n_signals INTEGER,
  sample_rate REAL, bad_channels INTEGER, status TEXT NOT NULL, error TEXT,
  preprocess_status TEXT NOT NULL, preprocessed_id TEXT, segments INTEGER, preprocess_error TEXT,
  PRIMARY KEY (report_id, ord)
);
CREATE INDEX IF NOT EXISTS recordings_path ON recordings(path);
CREATE TABLE IF NOT EXISTS sections (
  report_id TEXT NOT NULL, ord INTEGER NOT NULL, header TEXT NOT NULL, category TEXT NOT NULL,
  name TEXT NOT NULL, text TEXT NOT NULL, line INTEGER, derived TEXT,
  PRIMARY KEY (report_id, ord)
);
CREATE TABLE IF NOT EXISTS errors (
  id INTEGER PRIMARY KEY AUTOINCREMENT, item_key TEXT NOT NULL, file TEXT NOT NULL, place TEXT,
  reason TEXT NOT NULL, build_id INTEGER
);
CREATE INDEX IF NOT EXISTS errors_item ON errors(item_key);
`;

export type Db = Database.Database;

/** Opens (creating when needed) the catalog and checks its schema version. */
export function openCatalog(path: string): Db {
  let db: Db;
  try {
    db = new Database(path);
  } catch (err) {
    throw new CelmError('input', `${path}: cannot open catalog: ${(err as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
  else if (row.version !== SCHEMA_VERSION) {
    db.close();
    throw new CelmError(
      'input',
      `${path}: catalog schema version ${row.version}, this celm writes ${SCHEMA_VERSION}; use another --out`,
    );
  }
  return db;
}

/** Deletes everything recorded for one item (before it is written again). */
export function clearItem(db: Db, key: string, reportId: string | null): void {
  db.prepare('DELETE FROM errors WHERE item_key = ?').run(key);
  if (reportId !== null) {
    db.prepare('DELETE FROM sections WHERE report_id = ?').run(reportId);
    db.prepare('DELETE FROM recordings WHERE report_id = ?').run(reportId);
    db.prepare('DELETE FROM sessions WHERE report_id = ?').run(reportId);
    db.prepare('DELETE FROM reports WHERE id = ?').run(reportId);
  }
}
