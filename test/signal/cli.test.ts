import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readNpy } from '../../src/formats/npy.js';
import { selectShard } from '../../src/signal/index.js';
import { celm } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { LABELS_1020, writeSynth } from './synth.js';

function outputs(out: string): { dir: string; index: Record<string, unknown> }[] {
  return readdirSync(out)
    .filter((d) => !d.startsWith('.'))
    .map((d) => ({ dir: join(out, d), index: JSON.parse(readFileSync(join(out, d, 'index.json'), 'utf8')) }));
}

test('shard selection: k % n == i over the sorted list, disjoint and complete', () => {
  const files = ['a', 'b', 'c', 'd', 'e'];
  assert.deepEqual(selectShard(files, { index: 0, count: 2 }), ['a', 'c', 'e']);
  assert.deepEqual(selectShard(files, { index: 1, count: 2 }), ['b', 'd']);
  assert.deepEqual(selectShard(files, { index: 0, count: 1 }), files);
});

test('celm preprocess: outputs, skip on rerun, corrupt file reported while the others finish', () => {
  const dir = tempDir();
  const inDir = join(dir, 'in');
  const out = join(dir, 'out');
  mkdirSync(inDir, { recursive: true });
  writeSynth(
    inDir,
    'a.edf',
    LABELS_1020.map((l) => ({ label: `EEG ${l}-REF` })),
    { seconds: 25, fs: 250 },
  );
  writeSynth(inDir, 'b.edf', [...LABELS_1020.map((l) => ({ label: l })), { label: 'ECG' }], {
    seconds: 21,
    fs: 256,
    seed: 7,
  });
  writeFileSync(join(inDir, 'broken.edf'), 'this is not an EDF file at all'.repeat(20));

  const r = celm(['preprocess', inDir, '--out', out, '--jobs', '2']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /failed: .*broken\.edf: /);
  assert.match(r.stderr, /recordings/);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.recordings, 3);
  assert.equal(summary.processed, 2);
  assert.equal(summary.failed.length, 1);
  const outs = outputs(out);
  assert.equal(outs.length, 2);
  for (const { dir: d, index } of outs) {
    const segs = readNpy(join(d, 'segments.npy'));
    assert.equal(segs.dtype, '<f4');
    assert.deepEqual(segs.shape, [2, 22, 2000]);
    const mask = readNpy(join(d, 'mask.npy'));
    assert.deepEqual(mask.shape, [22]);
    assert.deepEqual(Array.from(mask.data), index.mask);
    assert.deepEqual(readNpy(join(d, 'quality.npy')).shape, [2, 5]);
    assert.deepEqual(readNpy(join(d, 'bandpower.npy')).shape, [2, 22, 5]);
    assert.deepEqual(Array.from(readNpy(join(d, 'segment_start.npy')).data), [0, 10]);
    assert.equal(index.n_segments, 2);
    assert.equal(index.sample_rate, 200);
    assert.equal((index.channels as string[]).length, 22);
    assert.match(String((index.source as { sha256: string }).sha256), /^[0-9a-f]{64}$/);
    assert.match(String(index.settings_hash), /^[0-9a-f]{64}$/);
    assert.ok(existsSync(join(d, 'qeeg.json')));
    // Fpz, A1, A2 are absent from these recordings: masked and zero.
    const m = index.mask as number[];
    assert.deepEqual([m[12], m[20], m[21]], [0, 0, 0]);
    assert.ok(segs.data.subarray(12 * 2000, 13 * 2000).every((v) => v === 0));
  }
  // Rerun: both are up to date and skipped; the broken one fails again.
  const again = celm(['preprocess', inDir, '--out', out]);
  assert.equal(again.status, 2);
  assert.equal(JSON.parse(again.stdout).skipped, 2);
  assert.match(again.stderr, /skipped \(up to date\)/);
  // Other settings make a recording out of date.
  const seg5 = celm(['preprocess', join(inDir, 'a.edf'), '--out', out, '--segment', '5', '--quiet']);
  assert.equal(seg5.status, 0, seg5.stderr);
  assert.equal(JSON.parse(seg5.stdout).processed, 1);
});

test('celm preprocess --shard splits the sorted inputs; usage errors are one line, exit 2', () => {
  const dir = tempDir();
  const files = ['x1.edf', 'x2.edf', 'x3.edf'].map((n, i) =>
    writeSynth(
      dir,
      n,
      LABELS_1020.map((l) => ({ label: l })),
      { seconds: 10, fs: 128, seed: i + 2 },
    ),
  );
  const ids = (shard: string) => {
    const out = join(dir, `out-${shard.replace('/', '-')}`);
    const r = celm(['preprocess', ...files, '--out', out, '--shard', shard, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    return outputs(out).map((o) => (o.index.source as { path: string }).path.split('/').pop());
  };
  assert.deepEqual(ids('0/2').sort(), ['x1.edf', 'x3.edf']);
  assert.deepEqual(ids('1/2'), ['x2.edf']);
  const bad = celm(['preprocess', files[0], '--out', join(dir, 'o'), '--shard', '2/2']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /--shard/);
  const missing = celm(['preprocess', join(dir, 'nope.edf'), '--out', join(dir, 'o')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.edf: no such file/);
});
