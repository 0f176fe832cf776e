/**
 * The benchmark builder end to end, on fixture trees made from synthetic recordings: the TUH layout as
 * the generator writes it, a BIDS tree with channels.tsv and a reports table, CSV and JSONL manifests,
 * and broken trees (missing EDF, empty report, unreadable files, duplicate ids, unmatched recordings).
 * A build killed mid-way (items, then preprocessing) and resumed equals an uninterrupted build; a rerun
 * changes nothing; inputs are never modified.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { buildBenchmark } from '../../../src/datasets/benchmark/build.js';
import { assignSplit, parseRatios } from '../../../src/datasets/benchmark/splits.js';
import { generateCorpus, type ManifestEntry } from '../../../src/datasets/synth/corpus.js';
import { EdfReader } from '../../../src/formats/edf/index.js';
import { celm } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir('celm-bench-build-');
const gen = join(tmp, 'gen');
const manifest: ManifestEntry[] = generateCorpus({ count: 10, out: gen, seed: 21, duration: [30, 30] });

interface Line {
  id: string;
  patient_id: string;
  split: string;
  status: string;
  reason: string | null;
  sessions: {
    session: string;
    recordings: { path: string; start: string; status: string; preprocess: string }[];
  }[];
  report_sections: { section_name: string; section_text: string }[];
  structuring: { valid: boolean } | null;
}

const readLines = (p: string): Line[] =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

/** Hash of every file of a tree (paths, bytes, mtimes): inputs must come out of a build unchanged. */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(`${relative(dir, p)}:${statSync(p).mtimeMs}:`).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

function errorsOf(out: string): { item_key: string; file: string; place: string | null; reason: string }[] {
  const db = new Database(join(out, 'catalog.sqlite'), { readonly: true });
  const rows = db.prepare('SELECT item_key, file, place, reason FROM errors ORDER BY id').all() as {
    item_key: string;
    file: string;
    place: string | null;
    reason: string;
  }[];
  db.close();
  return rows;
}

test('TUH layout from the generator: every report built, sections validated, patient-level splits', async () => {
  const out = join(tmp, 'tuh-out');
  const before = treeHash(gen);
  const s = await buildBenchmark({ source: 'tuh', input: gen, out, seed: 3, preprocess: false });
  assert.equal(treeHash(gen), before, 'inputs unchanged');
  assert.equal(s.ok, manifest.length);
  assert.equal(s.errors, 0);
  const lines = readLines(join(out, 'sections.jsonl'));
  assert.equal(lines.length, manifest.length);
  for (const m of manifest) {
    const l = lines.find((x) => x.id === `${m.patient_id}_${m.session_id.slice(0, 4)}`);
    assert.ok(l, m.report);
    assert.equal(l.status, 'ok');
    assert.equal(l.patient_id, m.patient_id);
    assert.deepEqual(
      l.sessions.flatMap((x) => x.recordings.map((r) => r.path)),
      m.recordings,
    );
    const truth = JSON.parse(readFileSync(join(gen, m.sections), 'utf8')) as {
      report_sections: { section_name: string; section_text: string }[];
    };
    for (const t of truth.report_sections)
      assert.equal(
        l.report_sections.find((x) => x.section_name === t.section_name)?.section_text.replace(/\s+/g, ' '),
        t.section_text.replace(/\s+/g, ' '),
      );
  }
  // No patient in two splits; splits files hold exactly the ok reports.
  const seen = new Map<string, string>();
  let inSplits = 0;
  for (const split of ['train', 'val', 'test']) {
    for (const l of readLines(join(out, 'splits', `${split}.jsonl`))) {
      inSplits++;
      assert.equal(l.split, split);
      assert.equal(seen.get(l.patient_id) ?? split, split, `patient ${l.patient_id} in two splits`);
      seen.set(l.patient_id, split);
      assert.equal(assignSplit(l.patient_id, 3), split);
    }
  }
  assert.equal(inSplits, manifest.length);
  const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
  assert.equal(stats.reports.ok, manifest.length);
  assert.equal(
    stats.recordings.ok,
    manifest.reduce((n, m) => n + m.recordings.length, 0),
  );
  assert.ok(Math.abs(stats.hours - (stats.recordings.ok * 30) / 3600) < 1e-3);
  assert.equal(stats.section_frequency['IMPRESSION/INTERPRETATION'], manifest.length);
  assert.match(readFileSync(join(out, 'stats.svg'), 'utf8'), /^<svg[\s\S]*Recording duration/);
});

test('broken TUH tree: missing EDF, empty report, unreadable report and EDF, duplicate id, orphan session', async () => {
  const root = join(tmp, 'tuh-broken');
  cpSync(gen, root, { recursive: true });
  const single = manifest.filter((m) => m.recordings.length === 1);
  const [mMissing, mEmpty, mBinary, mBadEdf, mDup] = single;
  for (const r of mMissing.recordings) rmSync(join(root, r));
  writeFileSync(join(root, mEmpty.report), '');
  writeFileSync(join(root, mBinary.report), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0xff]));
  writeFileSync(join(root, mBadEdf.recordings[0]), 'this is not an EDF file');
  const dupDir = join(root, 'extra', mDup.patient_id, mDup.session_id);
  cpSync(join(root, mDup.patient_id, mDup.session_id), dupDir, { recursive: true });
  const orphan = join(root, '99999999', 's001_2020_01_01');
  mkdirSync(orphan, { recursive: true });
  cpSync(join(root, mDup.recordings[0]), join(orphan, '99999999_s001_t000.edf'));
  const before = treeHash(root);
  const out = join(tmp, 'tuh-broken-out');
  const r = celm(['dataset', 'build', '--source', 'tuh', root, '--out', out, '--no-preprocess', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(treeHash(root), before, 'inputs unchanged');
  assert.match(
    r.stdout,
    new RegExp(`^${manifest.length - 4} reports built \\(0 failed extraction, 6 items with errors`),
  );
  const errs = errorsOf(out);
  const id = (m: ManifestEntry) => `${m.patient_id}_${m.session_id.slice(0, 4)}`;
  const find = (key: string) => errs.filter((e) => e.item_key === key).map((e) => `${e.file}|${e.reason}`);
  assert.deepEqual(find(id(mMissing)), [
    `${mMissing.report}|missing EDF: no .edf/.bdf in the session folder`,
  ]);
  assert.deepEqual(find(id(mEmpty)), [`${mEmpty.report}|empty report`]);
  assert.deepEqual(find(id(mBinary)), [
    `${mBinary.report}|unreadable file: binary content (NUL bytes), not a text report`,
  ]);
  const bad = find(id(mBadEdf));
  assert.equal(bad.length, 1);
  assert.match(bad[0], new RegExp(`^${mBadEdf.recordings[0]}\\|unreadable EDF: `));
  const dupKey = `dup:${relative(root, join(dupDir, basename(mDup.report)))}`;
  assert.deepEqual(find(dupKey), [
    `${relative(root, join(dupDir, basename(mDup.report)))}|duplicate report id "${id(mDup)}" (first seen at ${mDup.report})`,
  ]);
  assert.ok(
    errs.some(
      (e) =>
        e.item_key.startsWith('unmatched:') && /no report \.txt in 99999999\/s001_2020_01_01/.test(e.reason),
    ),
  );
  // The broken reports stay in sections.jsonl with their status and reason; the rest go on.
  const lines = readLines(join(out, 'sections.jsonl'));
  assert.equal(lines.length, manifest.length);
  assert.equal(lines.find((l) => l.id === id(mEmpty))?.status, 'error');
  assert.equal(lines.find((l) => l.id === id(mDup))?.status, 'ok');
  const st = celm(['dataset', 'stats', out]);
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, /errors: 6 items \(.*missing EDF 1.*\)/);
  assert.match(st.stdout, /duplicate id 1/);
});

test('BIDS tree + reports table: matched by patient and date window, sessions in order, channels.tsv read', async () => {
  const root = join(tmp, 'bids');
  const rows: string[] = ['report_id,participant_id,date,report_text'];
  const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;
  for (const [k, m] of manifest.entries()) {
    m.recordings.forEach((rec, j) => {
      const ses = `ses-${m.session_id.slice(1, 4)}`;
      const dir = join(root, `sub-${m.patient_id}`, ses, 'eeg');
      mkdirSync(dir, { recursive: true });
      const base = `sub-${m.patient_id}_${ses}_task-clinical_run-${j + 1}`;
      cpSync(join(gen, rec), join(dir, `${base}_eeg.edf`));
      if (k === 0 && j === 0) {
        const reader = EdfReader.open(join(gen, rec));
        const labels = reader.signals.filter((s) => !s.isAnnotation).map((s) => s.label);
        reader.close();
        writeFileSync(
          join(dir, `${base}_channels.tsv`),
          [
            'name\ttype\tunits\tstatus',
            ...labels.map((l, i) => `${l}\tEEG\tuV\t${i === 0 ? 'bad' : 'good'}`),
          ].join('\n'),
        );
      }
    });
    rows.push(
      [`R${k}`, `sub-${m.patient_id}`, m.date, csvCell(readFileSync(join(gen, m.report), 'utf8'))].join(','),
    );
  }
  // An earlier session of patient 0, one day before its report, dated by scans.tsv: kept, in order.
  const m0 = manifest[0];
  const earlier = join(root, `sub-${m0.patient_id}`, 'ses-000', 'eeg');
  mkdirSync(earlier, { recursive: true });
  cpSync(
    join(gen, m0.recordings[0]),
    join(earlier, `sub-${m0.patient_id}_ses-000_task-clinical_run-1_eeg.edf`),
  );
  const prevDay = new Date(Date.parse(`${m0.date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  writeFileSync(
    join(root, `sub-${m0.patient_id}`, 'ses-000', `sub-${m0.patient_id}_ses-000_scans.tsv`),
    `filename\tacq_time\neeg/sub-${m0.patient_id}_ses-000_task-clinical_run-1_eeg.edf\t${prevDay}T09:00:00\n`,
  );
  // A report with no recording in the window, and a recording with no report.
  rows.push(`R-far,sub-${m0.patient_id},1999-01-01,${csvCell('IMPRESSION: Normal EEG.')}`);
  const orphan = join(root, 'sub-77777777', 'ses-001', 'eeg');
  mkdirSync(orphan, { recursive: true });
  cpSync(join(gen, m0.recordings[0]), join(orphan, 'sub-77777777_ses-001_task-clinical_run-1_eeg.edf'));
  writeFileSync(join(root, 'reports.csv'), `${rows.join('\r\n')}\r\n`);
  const out = join(tmp, 'bids-out');
  const s = await buildBenchmark({ source: 'bids', input: root, out, seed: 1, preprocess: false });
  assert.equal(s.ok, manifest.length);
  const lines = readLines(join(out, 'sections.jsonl'));
  const r0 = lines.find((l) => l.id === 'R0');
  assert.ok(r0);
  assert.deepEqual(
    r0.sessions.map((x) => x.session),
    ['ses-000', `ses-${m0.session_id.slice(1, 4)}`],
  );
  for (const m of manifest.slice(1)) {
    const l = lines.find(
      (x) =>
        x.patient_id === m.patient_id &&
        x.sessions.some((y) => y.session === `ses-${m.session_id.slice(1, 4)}`),
    );
    assert.ok(l, `report of ${m.patient_id} ${m.session_id}`);
    assert.equal(l.sessions.flatMap((x) => x.recordings).length, m.recordings.length);
  }
  const far = lines.find((l) => l.id === 'R-far');
  assert.equal(far?.status, 'error');
  assert.match(
    far?.reason ?? '',
    /^missing EDF: no recording of patient \d+ within -7\/\+1 days of 1999-01-01$/,
  );
  const errs = errorsOf(out);
  assert.ok(
    errs.some(
      (e) => e.item_key === 'R-far' && /^reports\.csv line \d+$/.test(e.file) && e.place === 'recordings',
    ),
    JSON.stringify(errs),
  );
  assert.ok(
    errs.some((e) => e.item_key.includes('sub-77777777') && /no report for this patient/.test(e.reason)),
  );
  const db = new Database(join(out, 'catalog.sqlite'), { readonly: true });
  const bad = db
    .prepare("SELECT bad_channels FROM recordings WHERE report_id = 'R0' AND rel_path LIKE '%ses-001%run-1%'")
    .get() as { bad_channels: number } | undefined;
  db.close();
  assert.equal(bad?.bad_channels, 1);
});

test('manifests: the generator JSONL directly, and a CSV with broken rows; exit 2 when nothing builds', () => {
  const out = join(tmp, 'man-jsonl');
  const r = celm([
    'dataset',
    'build',
    '--source',
    'manifest',
    gen,
    '--out',
    out,
    '--no-preprocess',
    '--quiet',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${manifest.length} reports built`));
  const g = (p: string) => `gen/${p}`;
  const csv = [
    'id,patient_id,date,report,recordings',
    ...manifest
      .slice(0, 3)
      .map((m, k) => `M-${k},${m.patient_id},${m.date},${g(m.report)},${m.recordings.map(g).join(';')}`),
    `M-nopatient,,2020-01-01,${g(manifest[3].report)},${g(manifest[3].recordings[0])}`,
    `M-ghost,${manifest[4].patient_id},2020-01-01,${g(manifest[4].report)},does/not/exist.edf`,
    `M-0,${manifest[5].patient_id},${manifest[5].date},${g(manifest[5].report)},${g(manifest[5].recordings[0])}`,
  ].join('\n');
  writeFileSync(join(tmp, 'list.csv'), csv);
  const out2 = join(tmp, 'man-csv');
  const r2 = celm([
    'dataset',
    'build',
    '--source',
    'manifest',
    join(tmp, 'list.csv'),
    '--out',
    out2,
    '--no-preprocess',
    '--quiet',
  ]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, /^3 reports built \(0 failed extraction, 3 items with errors/);
  const errs = errorsOf(out2).map((e) => `${e.file}|${e.place}|${e.reason}`);
  assert.ok(errs.includes('list.csv|line 5, field patient_id|missing patient id'), errs.join('\n'));
  assert.ok(
    errs.includes('list.csv|line 6, field recordings|missing EDF: does/not/exist.edf not found'),
    errs.join('\n'),
  );
  assert.ok(
    errs.includes(
      `gen/${manifest[5].report}|id|duplicate report id "M-0" (first seen at gen/${manifest[0].report})`,
    ),
    errs.join('\n'),
  );
  // Nothing buildable: exit 2 with a summary.
  writeFileSync(
    join(tmp, 'none.jsonl'),
    '{"patient_id":"1","report_text":"IMPRESSION: Normal.","recordings":["nope.edf"]}\n',
  );
  const r3 = celm([
    'dataset',
    'build',
    '--source',
    'manifest',
    join(tmp, 'none.jsonl'),
    '--out',
    join(tmp, 'none-out'),
    '--quiet',
  ]);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /nothing could be built/);
  // One build per output folder: a live holder of the lock refuses a second build.
  const locked = join(tmp, 'locked-out');
  mkdirSync(locked);
  writeFileSync(join(locked, '.build.lock'), String(process.pid));
  const r5 = celm(['dataset', 'build', '--source', 'manifest', gen, '--out', locked, '--quiet']);
  assert.equal(r5.status, 2);
  assert.equal(r5.stderr.trim(), `celm: ${locked}: another build (pid ${process.pid}) is writing here`);
  const r4 = celm(['dataset', 'build', '--source', 'edf', gen, '--out', join(tmp, 'x')]);
  assert.equal(r4.status, 2);
  assert.equal(r4.stderr.trim(), 'celm: --source must be tuh, bids or manifest, got "edf"');
});

test('killed builds (during items, then during preprocessing) resume to the uninterrupted result; reruns change nothing', () => {
  const src = join(tmp, 'small');
  mkdirSync(src);
  const few = manifest.slice(0, 6);
  for (const m of few) cpSync(join(gen, m.patient_id), join(src, m.patient_id), { recursive: true });
  const args = (out: string) => ['dataset', 'build', '--source', 'tuh', src, '--out', out, '--seed', '9'];
  const a = join(tmp, 'resume-a');
  const ra = celm(args(a));
  assert.equal(ra.status, 0, ra.stderr);
  assert.match(ra.stderr, /items \d+\/\d+ .*ETA/);
  const b = join(tmp, 'resume-b');
  const kill1 = celm(args(b), { env: { CELM_BENCHMARK_EXIT_AFTER: '2' } });
  assert.equal(kill1.status, 99);
  const dbMid = new Database(join(b, 'catalog.sqlite'), { readonly: true });
  assert.equal((dbMid.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n, 2);
  dbMid.close();
  const nItems = new Set(few.map((m) => `${m.patient_id}_${m.session_id}`)).size;
  // Builds the remaining items, then dies after one preprocessed recording.
  const kill2 = celm(args(b), { env: { CELM_BENCHMARK_EXIT_AFTER: String(nItems - 2 + 1) } });
  assert.equal(kill2.status, 99);
  const rb = celm(args(b));
  assert.equal(rb.status, 0, rb.stderr);
  assert.match(rb.stdout, new RegExp(`\\(0 failed extraction, 0 items with errors; ${nItems} unchanged\\)`));
  for (const f of [
    'sections.jsonl',
    'splits/train.jsonl',
    'splits/val.jsonl',
    'splits/test.jsonl',
    'stats.json',
  ])
    assert.equal(readFileSync(join(b, f), 'utf8'), readFileSync(join(a, f), 'utf8'), f);
  const lines = readLines(join(b, 'sections.jsonl'));
  assert.ok(lines.every((l) => l.sessions.every((s) => s.recordings.every((r) => r.preprocess === 'done'))));
  assert.deepEqual(readdirSync(join(b, 'preprocessed')).sort(), readdirSync(join(a, 'preprocessed')).sort());
  // Idempotent: a rerun skips everything and rewrites identical outputs.
  const again = celm(args(a));
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${nItems} unchanged`));
  assert.equal(
    readFileSync(join(a, 'sections.jsonl'), 'utf8'),
    readFileSync(join(b, 'sections.jsonl'), 'utf8'),
  );
});

test('splits: deterministic for a seed, stable when patients are added, near the requested proportions', () => {
  const ids = Array.from({ length: 4000 }, (_, i) => `P${i}`);
  const first = ids.slice(0, 1000).map((id) => assignSplit(id, 5));
  assert.deepEqual(
    ids.slice(0, 1000).map((id) => assignSplit(id, 5)),
    first,
  );
  const all = ids.map((id) => assignSplit(id, 5));
  assert.deepEqual(all.slice(0, 1000), first);
  const frac = (s: string) => all.filter((x) => x === s).length / all.length;
  assert.ok(
    Math.abs(frac('train') - 0.8) < 0.03 && Math.abs(frac('val') - 0.1) < 0.02,
    `${frac('train')} ${frac('val')}`,
  );
  assert.notDeepEqual(
    ids.slice(0, 200).map((id) => assignSplit(id, 6)),
    ids.slice(0, 200).map((id) => assignSplit(id, 5)),
  );
  const r = parseRatios('70/15/15');
  assert.ok(Math.abs(r.train - 0.7) < 1e-12 && Math.abs(r.test - 0.15) < 1e-12);
  assert.throws(() => parseRatios('80/20'), /--split must be train\/val\/test/);
});
