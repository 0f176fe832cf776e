import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  designBandpass,
  designNotch,
  FirStream,
  firFilter,
  firGain,
  mneResampleTiming,
  pipelineKernel,
  ResampleStream,
  resample,
} from '../../src/signal/index.js';
import { lcg } from './synth.js';

const db = (g: number) => 20 * Math.log10(g);

function sine(f: number, fs: number, seconds: number, amp = 1): Float64Array {
  const n = Math.round(fs * seconds);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * f * i) / fs);
  return x;
}

function rmsAmp(x: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt((2 * s) / (to - from));
}

test("band-pass mirrors MNE's automatic design (length, edges)", () => {
  const bp = designBandpass(500, 0.1, 75);
  assert.equal(bp.h.length, 16501); // 3.3 / 0.1 Hz * 500, odd
  assert.equal(bp.hTrans, 18.75);
  assert.equal(designBandpass(256, 0.1, 75).h.length, 8449);
  assert.equal(designNotch(500, [60]).length, 3301);
  // 160 Hz: the upper transition is clipped at Nyquist (MNE: min(18.75, 80 - 75)).
  assert.equal(designBandpass(160, 0.1, 75).hTrans, 5);
  // 128 Hz: a 75 Hz low-pass is above Nyquist and dropped.
  assert.equal(designBandpass(128, 0.1, 75).hFreq, null);
});

test('band-pass + notch frequency response: flat passband, stopband and notch attenuation', () => {
  for (const fs of [256, 500]) {
    const h = pipelineKernel(fs, { lFreq: 0.1, hFreq: 75, notch: [60] });
    for (const f of [1, 5, 10, 20, 40, 55, 65, 70]) {
      const g = db(firGain(h, fs, f));
      assert.ok(Math.abs(g) < 0.05, `${fs} Hz: passband ${f} Hz gain ${g.toFixed(3)} dB`);
    }
    assert.ok(db(firGain(h, fs, 60)) < -40, `${fs} Hz: notch at 60 Hz only ${db(firGain(h, fs, 60))} dB`);
    // MNE's -6 dB points: 0.05 Hz and 84.375 Hz.
    assert.ok(Math.abs(db(firGain(h, fs, 84.375)) + 6.02) < 0.2);
    for (const f of [95, 100, 110, 127]) {
      const g = db(firGain(h, fs, f));
      assert.ok(g < -50, `${fs} Hz: stopband ${f} Hz only ${g.toFixed(1)} dB`);
    }
    assert.ok(db(firGain(h, fs, 0.005)) < -20, 'DC and drifts removed');
  }
});

test('notch removes a 60 Hz sine and keeps 10 Hz (filtered sines)', () => {
  const fs = 250;
  const x = sine(60, fs, 60, 50);
  const alpha = sine(10, fs, 60, 20);
  for (let i = 0; i < x.length; i++) x[i] += alpha[i];
  const h = pipelineKernel(fs, { lFreq: 0.1, hFreq: 75, notch: [60] });
  const y = firFilter(h, [x])[0];
  const mid = [10 * fs, 50 * fs] as const;
  const res = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) res[i] = y[i] - alpha[i];
  // >= 34 dB (measured about 38 dB: MNE's 6.6-s Hamming notch at exactly 60 Hz).
  assert.ok(rmsAmp(res, ...mid) < 1, `residual ${rmsAmp(res, ...mid)} uV of a 50 uV 60 Hz sine`);
  // 50 Hz notch leaves 60 Hz alone.
  const y50 = firFilter(pipelineKernel(fs, { lFreq: 0.1, hFreq: 75, notch: [50] }), [
    sine(60, fs, 60, 50),
  ])[0];
  assert.ok(Math.abs(rmsAmp(y50, ...mid) - 50) < 0.1);
});

test('streaming FIR equals whole-array filtering for any chunking', () => {
  const fs = 200;
  const x = sine(7, fs, 30);
  for (let i = 0; i < x.length; i++) x[i] += ((i * 7919) % 101) / 50 - 1;
  const h = pipelineKernel(fs, { lFreq: 0.5, hFreq: 40, notch: [] });
  const whole = firFilter(h, [x, x.map((v) => -v)]);
  for (const chunk of [1, 977, 4096, 100000]) {
    const s = new FirStream(h, 2, x.length);
    const outs: number[][] = [[], []];
    for (let a = 0; a < x.length; a += chunk) {
      const part = [x.subarray(a, a + chunk), x.subarray(a, a + chunk).map((v) => -v)];
      for (const [c, o] of s.push(part).entries()) outs[c].push(...o);
    }
    for (const [c, o] of s.finish().entries()) outs[c].push(...o);
    assert.equal(outs[0].length, x.length);
    for (let i = 0; i < x.length; i += 37) {
      assert.ok(Math.abs(outs[0][i] - whole[0][i]) < 1e-9);
      assert.ok(Math.abs(outs[1][i] + whole[0][i]) < 1e-9);
    }
  }
});

test('resampling to 200 Hz preserves a 10 Hz sine from common and odd rates', () => {
  for (const fs of [128, 160, 250, 256, 400, 500, 512, 1000, 173.61]) {
    const x = sine(10, fs, 20);
    const y = resample([x], fs, 200, { timing: 'exact' })[0];
    assert.equal(y.length, Math.round(20 * 200));
    let err = 0;
    for (let k = 200; k < y.length - 200; k++)
      err = Math.max(err, Math.abs(y[k] - Math.sin((2 * Math.PI * 10 * k) / 200)));
    assert.ok(err < 1e-3, `${fs} Hz: max error ${err}`);
  }
});

test('resampling removes content above the new Nyquist (100 Hz) instead of aliasing it', () => {
  for (const fs of [256, 500, 1000]) {
    for (const f of [115, 127]) {
      const y = resample([sine(f, fs, 20, 100)], fs, 200, { timing: 'exact' })[0];
      const a = rmsAmp(y, 400, y.length - 400);
      assert.ok(a < 0.1, `${fs} Hz: ${f} Hz sine left ${a} of 100`); // >= 60 dB down
    }
  }
});

test("MNE timing: output length round(n * 200 / fs) and MNE's padding offset", () => {
  const t = mneResampleTiming(91000, 500, 200);
  assert.equal(t.nOut, 36400);
  // npad 'auto' pads 91000 to 131072 (20036 each side); 0.4 * 131072 rounds to 52429.
  assert.ok(Math.abs(t.step - 131072 / 52429) < 1e-12);
  assert.ok(Math.abs(t.t0 - (8014 * t.step - 20036)) < 1e-9);
  // Streaming in chunks equals one push.
  const x = sine(10, 500, 30);
  const whole = resample([x], 500, 200)[0];
  const s = new ResampleStream(500, 200, 1, x.length);
  const out: number[] = [];
  for (let a = 0; a < x.length; a += 333) out.push(...s.push([x.subarray(a, a + 333)])[0]);
  out.push(...s.finish()[0]);
  assert.deepEqual(Float32Array.from(out), whole);
});

test('FirStream reuseOutput: the same values as new arrays, with several, one or no FFT blocks per push', () => {
  const h = pipelineKernel(256, { lFreq: 0.1, hFreq: 75, notch: [60] });
  const n = 256 * 700 + 5;
  const rnd = lcg(21);
  const x = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => 50 * rnd()));
  const run = (reuseOutput: boolean) => {
    const s = new FirStream(h, x.length, n, { reuseOutput });
    // Copies taken at once (a reused output is only valid until the next call).
    const got: Float64Array[][] = x.map(() => []);
    const keep = (out: Float64Array[]) => {
      out.forEach((o, c) => {
        got[c].push(o.slice());
      });
    };
    // 1 sample, then pushes far longer than a block (several blocks at once), then 60-s chunks.
    const sizes = [1, 200_000, 7, 15_360];
    for (let at = 0, i = 0; at < n; i++) {
      const end = Math.min(n, at + sizes[Math.min(i, sizes.length - 1)]);
      keep(s.push(x.map((c) => c.subarray(at, end))));
      at = end;
    }
    keep(s.finish());
    return got.map((parts) => {
      const o = new Float64Array(parts.reduce((k, p) => k + p.length, 0));
      let at = 0;
      for (const p of parts) {
        o.set(p, at);
        at += p.length;
      }
      return o;
    });
  };
  const fresh = run(false);
  const reused = run(true);
  assert.equal(fresh[0].length, n);
  reused.forEach((r, c) => {
    assert.ok(Buffer.from(r.buffer).equals(Buffer.from(fresh[c].buffer)), `channel ${c}`);
  });
});
