/** `celm info`, `celm export` and `celm anonymize` as a user runs them. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EdfReader } from '../../src/formats/edf/index.js';
import { readNpy } from '../../src/formats/npy.js';
import { validEdf } from '../formats/edf/build.js';
import { celm } from '../helpers/cli.js';
import { repoRoot } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
validEdf(dir, 'rec.edf', 10);
const rec = join(dir, 'rec.edf');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

test('celm info --json prints the documented shape', () => {
  const r = celm(['info', rec, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(info), [
    'file',
    'format',
    'discontinuous',
    'patientId',
    'recordingId',
    'patient',
    'recording',
    'startDateTime',
    'duration',
    'records',
    'declaredRecords',
    'recordDuration',
    'signals',
    'annotations',
    'gaps',
    'warnings',
  ]);
  assert.equal(info.format, 'EDF+C');
  assert.equal(info.startDateTime, '2011-04-04T12:57:02');
  assert.equal(info.duration, 10);
  assert.equal(info.signals.length, 3);
  assert.deepEqual(Object.keys(info.signals[0]), [
    'index',
    'label',
    'transducer',
    'physicalDimension',
    'physicalMin',
    'physicalMax',
    'digitalMin',
    'digitalMax',
    'prefiltering',
    'samplesPerRecord',
    'sampleRate',
    'isAnnotation',
  ]);
  assert.equal(info.signals[0].sampleRate, 8);
  assert.deepEqual(info.annotations, [{ onset: 2, duration: 1, text: 'Eyes closed' }]);
  const text = celm(['info', rec]);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /EEG Fp1-REF/);
  assert.match(text.stdout, /Eyes closed/);
});

test('bad input: one line on stderr, exit status 2; --debug adds the stack', () => {
  const bad = join(dir, 'bad.edf');
  writeFileSync(bad, readFileSync(rec).subarray(0, 300));
  const before = sha(bad);
  const r = celm(['info', bad]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /bad\.edf: .*byte \d+/);
  assert.equal(sha(bad), before, 'the input is never modified');
  const d = celm(['info', bad, '--debug']);
  assert.equal(d.status, 2);
  assert.match(d.stderr, /at .*header\.js/);
  assert.equal(celm(['info', join(dir, 'missing.edf')]).status, 2);
  assert.equal(celm(['export', rec, '--format', 'xml']).status, 2);
});

test('celm export: CSV like EDFbrowser, npy that numpy can load, same values as the reader', () => {
  const csv = celm([
    'export',
    rec,
    '--start',
    '2',
    '--duration',
    '1.5',
    '--channels',
    'EEG O2-REF,0',
    '--format',
    'csv',
  ]);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines[0], 'Time,"EEG O2-REF (uV)","EEG Fp1-REF (uV)"');
  assert.equal(lines.length, 1 + 12);
  const r = EdfReader.open(rec);
  const win = r.readWindow(2, 1.5, { channels: [1, 0] });
  lines.slice(1).forEach((line, k) => {
    const [t, a, b] = line.split(',').map(Number);
    assert.ok(Math.abs(t - (2 + k / 8)) < 1e-9);
    assert.ok(Math.abs(a - win.data[0][k]) < 1e-3);
    assert.ok(Math.abs(b - win.data[1][k]) < 1e-3);
  });
  const out = join(dir, 'x.npy');
  const npy = celm(['export', rec, '--format', 'npy', '--out', out, '--unit', 'uV']);
  assert.equal(npy.status, 0, npy.stderr);
  const arr = readNpy(out);
  assert.deepEqual(arr.shape, [2, 80]);
  assert.equal(arr.dtype, '<f4');
  const all = r.readPhysical(undefined, 0, 10);
  assert.deepEqual(arr.data.subarray(80, 160), all[1]);
  const meta = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
  assert.equal(meta.sampleRate, 8);
  r.close();
});

test('celm anonymize: identifying fields replaced, data bytes unchanged, input never overwritten', () => {
  const before = sha(rec);
  const out = join(dir, 'anon.edf');
  const r = celm(['anonymize', rec, out, '--shift-days', '-3', '--patient-code', 'STUDY-7']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(sha(rec), before);
  const a = EdfReader.open(out);
  assert.deepEqual(a.header.patient, {
    code: 'STUDY-7',
    sex: null,
    birthdate: null,
    name: null,
    additional: '',
  });
  assert.equal(a.header.recording?.technician, null);
  assert.equal(a.startDateTime, '2011-04-01T12:57:02');
  assert.deepEqual(a.warnings, []);
  const src = readFileSync(rec);
  const dst = readFileSync(out);
  assert.ok(
    src.subarray(a.header.headerBytes).equals(dst.subarray(a.header.headerBytes)),
    'data records unchanged',
  );
  assert.ok(!dst.includes('Jan_Jansen'));
  a.close();
  const same = celm(['anonymize', rec, rec]);
  assert.equal(same.status, 2);
  assert.match(same.stderr, /refusing to overwrite the input/);
  assert.equal(sha(rec), before);
  const removed = join(dir, 'anon2.edf');
  assert.equal(celm(['anonymize', rec, removed, '--remove-date']).status, 0);
  const b = EdfReader.open(removed);
  assert.equal(b.header.startDateTime, '1985-01-01T12:57:02');
  assert.equal(b.header.recording?.startdate, null);
  b.close();
});

test('a reader that stops early (celm export ... | head -1) ends celm quietly with status 0', () => {
  const edf = join(repoRoot, 'data', 'demo', '64280360', 's001_2013_09_23', '64280360_s001_t000.edf');
  // pipefail: the status is celm's, not head's
  const r = spawnSync(
    'bash',
    [
      '-c',
      `set -o pipefail; "${process.execPath}" "${join(repoRoot, 'bin', 'celm.js')}" export "${edf}" --format csv | head -1`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
  assert.equal(r.stderr, '', r.stderr);
});
