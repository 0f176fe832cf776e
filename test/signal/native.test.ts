import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { Fft } from '../../src/signal/fft.js';
import { FirStream, pipelineKernel } from '../../src/signal/filter.js';
import { loadSignalAddon, signalAddonError, useNativeSignal } from '../../src/signal/native.js';
import { ResampleStream } from '../../src/signal/resample.js';
import { Welch } from '../../src/signal/spectral.js';
import { celm } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { LABELS_1020, lcg, writeSynth } from './synth.js';

// The native kernels (native/signal/celm_signal.c) promise the JavaScript's results bit for bit: every
// comparison here is of the bytes, not of values within a tolerance.

const addon = loadSignalAddon();

function needAddon(t: TestContext): boolean {
  if (addon) return true;
  t.skip(`the native signal addon is not available (${signalAddonError()}); skipping`);
  return false;
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function assertSameBits(a: ArrayBufferView[], b: ArrayBufferView[], what: string): void {
  assert.equal(a.length, b.length, `${what}: channel count`);
  a.forEach((x, i) => {
    assert.equal(x.byteLength, b[i].byteLength, `${what}: length of channel ${i}`);
    assert.ok(bytes(x).equals(bytes(b[i])), `${what}: channel ${i} differs`);
  });
}

/** Runs `f` with JavaScript kernels, then native ones with SIMD off, then on; returns the three results. */
function threeWays<T>(f: () => T): [T, T, T] {
  try {
    useNativeSignal(false);
    const js = f();
    useNativeSignal(true);
    addon!.setSimd(false);
    const scalar = f();
    addon!.setSimd(true);
    return [js, scalar, f()];
  } finally {
    addon?.setSimd(true);
    useNativeSignal(true);
  }
}

function noise(n: number, seed: number, scale = 100): Float32Array {
  const rnd = lcg(seed);
  let brown = 0;
  return Float32Array.from({ length: n }, () => {
    brown = 0.99 * brown + rnd();
    return scale * (brown + rnd());
  });
}

test('native FFT equals the JavaScript bit for bit: complex, inverse, unscaled inverse, real; sizes 2..65536', (t) => {
  if (!needAddon(t)) return;
  const rnd = lcg(11);
  for (let size = 2; size <= 65536; size *= 2) {
    const f = new Fft(size);
    const data = Float64Array.from({ length: 2 * size }, () => rnd() * 1e3);
    // Edge values: zeros of both signs, tiny and huge magnitudes, a constant run.
    data[0] = -0;
    data[1] = 0;
    if (size > 4) {
      data[2] = 1e-310;
      data[3] = -1e300;
      data.fill(3.5, 4, Math.min(2 * size, 12));
    }
    const real = Float64Array.from({ length: size }, () => rnd() * 1e3);
    const [js, scalar, simd] = threeWays(() => {
      const o = [1, 2, 3, 4].map(() => new Float64Array(2 * size));
      f.transform(o[0], data);
      f.inverseTransform(o[1], data);
      f.inverseTransformUnscaled(o[2], data);
      f.realTransform(o[3], real);
      return o;
    });
    assertSameBits(scalar, js, `FFT ${size} scalar`);
    assertSameBits(simd, js, `FFT ${size} SIMD`);
  }
});

function concat<T extends Float32Array | Float64Array>(parts: T[]): T {
  const out = new (parts[0].constructor as new (n: number) => T)(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Filters x through FirStream in chunks of the given sizes (cycled), concatenating the output. */
function firChunks(h: Float64Array, x: Float32Array[], sizes: number[]): Float64Array[] {
  const n = x[0].length;
  const s = new FirStream(h, x.length, n);
  const parts: Float64Array[][] = [];
  for (let at = 0, i = 0; at < n; i++) {
    const end = Math.min(n, at + sizes[i % sizes.length]);
    parts.push(s.push(x.map((c) => c.subarray(at, end))));
    at = end;
  }
  parts.push(s.finish());
  return x.map((_, c) => concat(parts.map((p) => p[c])));
}

const RATES = [128, 250, 256, 400, 500, 512, 1000, 333];

test('native overlap-save filter equals the JavaScript bit for bit at every input rate, odd lengths and chunkings', (t) => {
  if (!needAddon(t)) return;
  for (const fs of RATES) {
    const h = pipelineKernel(fs, { lFreq: 0.1, hFreq: 75, notch: [60] });
    // Long enough for several FFT blocks (first, middle and last), odd, and an odd channel count.
    const n = Math.round(fs * 240) + 13;
    const x = [0, 1, 2].map((c) => noise(n, 3 + c + fs));
    const L = 65536 - (h.length - 1); // a block's new samples when the FFT has 65536 points
    const [js, scalar, simd] = threeWays(() => firChunks(h, x, [fs * 60, 1, L - 1, L, L + 1, 7]));
    assertSameBits(scalar, js, `filter ${fs} Hz scalar`);
    assertSameBits(simd, js, `filter ${fs} Hz SIMD`);
  }
  // Blocks shorter than the kernel (the reflection is limited), one and two channels.
  const h = pipelineKernel(256, { lFreq: 0.5, hFreq: 40, notch: [50] });
  for (const n of [1, 2, 5, 100, h.length - 1, h.length, h.length + 1])
    for (const nc of [1, 2]) {
      const x = Array.from({ length: nc }, (_, c) => noise(n, n + c));
      const [js, , simd] = threeWays(() => firChunks(h, x, [n]));
      assertSameBits(simd, js, `short filter n=${n} channels=${nc}`);
    }
});

/** Resamples x in chunks (cycled sizes) through ResampleStream. */
function resampleChunks(
  x: Float64Array[],
  fsIn: number,
  timing: 'mne' | 'exact',
  sizes: number[],
): Float32Array[] {
  const n = x[0].length;
  const s = new ResampleStream(fsIn, 200, x.length, n, { timing });
  const parts: Float32Array[][] = [];
  for (let at = 0, i = 0; at < n; i++) {
    const end = Math.min(n, at + sizes[i % sizes.length]);
    parts.push(s.push(x.map((c) => c.subarray(at, end))));
    at = end;
  }
  parts.push(s.finish());
  return x.map((_, c) => concat(parts.map((p) => p[c])));
}

test('native polyphase resampler equals the JavaScript bit for bit at every input rate, both timings, 1..9 channels', (t) => {
  if (!needAddon(t)) return;
  for (const fs of RATES)
    for (const timing of ['mne', 'exact'] as const) {
      const n = Math.round(fs * 130) + 7;
      // 9 channels: two groups of four (the native pass width) and one left over; 1..3 below.
      const x = Array.from({ length: 9 }, (_, c) => Float64Array.from(noise(n, 100 + c + fs)));
      const [js, scalar, simd] = threeWays(() => resampleChunks(x, fs, timing, [fs * 60, 3, 5000]));
      assertSameBits(scalar, js, `resample ${fs} Hz ${timing} scalar`);
      assertSameBits(simd, js, `resample ${fs} Hz ${timing} SIMD`);
      for (const k of [1, 2, 3]) {
        const [j1, , s1] = threeWays(() => resampleChunks(x.slice(0, k), fs, timing, [n]));
        assertSameBits(s1, j1, `resample ${fs} Hz ${timing} ${k} channels`);
      }
    }
  // Very short blocks (fewer samples than the kernel).
  for (const n of [1, 2, 17, 60]) {
    const x = [Float64Array.from(noise(n, n))];
    const [js, , simd] = threeWays(() => resampleChunks(x, 256, 'mne', [n]));
    assertSameBits(simd, js, `short resample n=${n}`);
  }
});

test('native Welch spectra equal the JavaScript bit for bit (float32 and float64 input, offsets, too-short input)', (t) => {
  if (!needAddon(t)) return;
  const x32 = noise(6000, 5);
  const x64 = Float64Array.from(noise(6000, 6));
  for (const [fs, nperseg] of [
    [200, 800],
    [256, 512],
    [250, 500],
    [200, 2000],
    [128, 100],
  ]) {
    const w = new Welch(fs, nperseg);
    const [js, scalar, simd] = threeWays(() => {
      const out: Float64Array[] = [];
      for (const [x, from, len] of [
        [x32, 0, 2000],
        [x32, 1234, 4000],
        [x64, 17, 5000],
        [x64, 0, nperseg - 1], // no window fits: zeros
        [x32.subarray(100, 2100), 0, 2000],
      ] as const) {
        const psd = new Float64Array(w.freqs.length).fill(Number.NaN);
        const windows = w.psd(x, psd, from, len);
        out.push(psd, Float64Array.of(windows));
      }
      return out;
    });
    assertSameBits(scalar, js, `Welch ${fs} Hz ${nperseg} scalar`);
    assertSameBits(simd, js, `Welch ${fs} Hz ${nperseg} SIMD`);
  }
});

test('the native addon checks its arguments instead of reading out of bounds', (t) => {
  if (!needAddon(t)) return;
  const f = new Fft(64);
  assert.throws(
    () => addon!.fft(new Float64Array(64), new Float64Array(128), f.bitrev, f.twFwd, false),
    RangeError,
  );
  assert.throws(() =>
    addon!.fft(new Float64Array(128), new Float64Array(128), f.bitrev, f.twInv.subarray(1), false),
  );
  assert.throws(() =>
    addon!.polyphase(
      [new Float64Array(10)],
      [new Float32Array(1)],
      new Float64Array(8),
      4,
      Int32Array.of(8),
      Int32Array.of(0),
      1,
    ),
  );
  assert.throws(
    () =>
      addon!.fft(
        new Float32Array(128) as unknown as Float64Array,
        new Float64Array(128),
        f.bitrev,
        f.twFwd,
        false,
      ),
    TypeError,
  );
});

test('celm preprocess writes the same bytes with and without the native kernels (--jobs 1 and 2)', (t) => {
  if (!needAddon(t)) return;
  const dir = tempDir();
  const inDir = join(dir, 'in');
  mkdirSync(inDir, { recursive: true });
  // Three rates: 256 Hz with 19 10-20 channels + A1/A2, and an odd 333 Hz EDF+D of three blocks.
  writeSynth(
    inDir,
    'a.edf',
    [...LABELS_1020, 'A1', 'A2'].map((l) => ({ label: `EEG ${l}-REF` })),
    { seconds: 200, fs: 256 },
  );
  writeSynth(
    inDir,
    'b.edf',
    LABELS_1020.map((l) => ({ label: l })),
    { seconds: 45, fs: 333, blocks: 3, seed: 9 },
  );
  // Saturated stretches (clipping counts, artifact flags) and a flat channel, at 250 Hz.
  writeSynth(
    inDir,
    'c.edf',
    LABELS_1020.map((l, i) => ({
      label: l,
      fn:
        i === 0
          ? (t: number) => (t % 7 < 2 ? 9000 : 30 * Math.sin(t * 60))
          : i === 1
            ? () => 0
            : i === 2
              ? (t: number, rnd: () => number) => (t % 5 < 1 ? -9000 : 40 * rnd())
              : undefined,
    })),
    { seconds: 60, fs: 250, seed: 3 },
  );
  const runs: Record<string, Map<string, Buffer>> = {};
  for (const native of ['1', '0'])
    for (const jobs of ['1', '2']) {
      const out = join(dir, `out-${native}-${jobs}`);
      const r = celm(['preprocess', inDir, '--out', out, '--jobs', jobs], {
        env: { CELM_SIGNAL_NATIVE: native },
      });
      assert.equal(r.status, 0, r.stderr);
      const files = new Map<string, Buffer>();
      for (const rec of readdirSync(out).filter((d) => !d.startsWith('.')))
        for (const f of readdirSync(join(out, rec))) {
          let b = readFileSync(join(out, rec, f));
          // index.json records when it was made; everything else must match byte for byte.
          if (f === 'index.json')
            b = Buffer.from(b.toString().replace(/"created": "[^"]*"/, '"created": ""'));
          files.set(`${rec}/${f}`, b);
        }
      runs[`native=${native} jobs=${jobs}`] = files;
    }
  const [refName, ref] = Object.entries(runs)[0];
  assert.ok(ref.size >= 21, `expected three recordings' outputs, got ${[...ref.keys()].join(', ')}`);
  for (const name of ['segments.npy', 'bandpower.npy', 'qeeg.json', 'quality.npy', 'mask.npy', 'index.json'])
    assert.ok(
      [...ref.keys()].some((k) => k.endsWith(name)),
      `${name} missing`,
    );
  for (const [name, files] of Object.entries(runs)) {
    assert.deepEqual([...files.keys()].sort(), [...ref.keys()].sort(), `${name}: file list`);
    for (const [k, b] of files) assert.ok(b.equals(ref.get(k)!), `${name} vs ${refName}: ${k} differs`);
  }
});
