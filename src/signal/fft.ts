/**
 * Fast Fourier transforms for the signal pipeline (power-of-two sizes; every caller here chooses its
 * own block size: overlap-save blocks, zero-padded Welch windows, so no Bluestein step is needed).
 *
 * This is fft.js 4.0.4's radix-4 algorithm (the library celm used before), rewritten for speed but
 * doing exactly the same floating-point operations in the same order, so every result is bit-identical
 * to fft.js (test/signal/fft.test.ts checks this). What changed is where the operands come from:
 *  - twiddle factors are copied once per stage into a contiguous Float64Array (fft.js reads a plain
 *    array at k, 2k and 3k: strided, over 1 MB at 65536 points), with the inverse transform's
 *    conjugated copy precomputed instead of multiplied by -1 on every use (-1 * x is exact, so the
 *    values are the same);
 *  - the inverse transform can skip its final 1/size scaling (`inverseTransformUnscaled`), which a
 *    caller can fold into a spectrum it multiplies by anyway (scaling by a power of two is exact);
 *  - no per-call property writes (`this._out`, `this._data`).
 * Measured 1.0-1.25x fft.js's speed (65536-point complex, 1024-point real): the transform is bound by
 * its passes over memory, which the fixed operation order does not let us restructure much.
 * When the native addon is built (native.ts), the public methods run its C twin of complex()/real(),
 * which does the same operations in the same order (bit-identical) several times faster.
 */
import { nativeSignal } from './native.js';

export class Fft {
  readonly size: number;
  private readonly csize: number;
  private readonly width: number;
  /** Bit-reversal table of the first step (also handed to the native transform). */
  readonly bitrev: Int32Array;
  /** Per radix-4 stage (largest step first): [Br, Bi, Cr, Ci, Dr, Di] for each butterfly index. */
  private readonly fwd: Float64Array[] = [];
  private readonly inv: Float64Array[] = [];
  /**
   * The stage tables back to back (views of one buffer each), for the native transform (native.ts):
   * it gets its twiddle factors from here so that they are the very values JavaScript computed.
   */
  readonly twFwd: Float64Array;
  readonly twInv: Float64Array;

  constructor(size: number) {
    if (!(size > 1) || (size & (size - 1)) !== 0)
      throw new Error('FFT size must be a power of two and bigger than 1');
    this.size = size;
    this.csize = size << 1;
    // fft.js's table: table[i] = cos(pi i / size), table[i + 1] = -sin(pi i / size), i even.
    const table = new Float64Array(size * 2);
    for (let i = 0; i < table.length; i += 2) {
      const angle = (Math.PI * i) / size;
      table[i] = Math.cos(angle);
      table[i + 1] = -Math.sin(angle);
    }
    let power = 0;
    for (let t = 1; size > t; t <<= 1) power++;
    // Full radix-4 starts with len 8 (width = power - 1), otherwise with a radix-2 len-4 step.
    this.width = power % 2 === 0 ? power - 1 : power;
    this.bitrev = new Int32Array(1 << this.width);
    for (let j = 0; j < this.bitrev.length; j++) {
      let r = 0;
      for (let shift = 0; shift < this.width; shift += 2) {
        const revShift = this.width - shift - 2;
        r |= ((j >>> shift) & 3) << revShift;
      }
      this.bitrev[j] = r;
    }
    let total = 0;
    for (let step = (1 << this.width) >> 2; step >= 2; step >>= 2)
      total += 6 * ((((this.csize / step) << 1) >>> 3) + 1);
    this.twFwd = new Float64Array(total);
    this.twInv = new Float64Array(total);
    let at = 0;
    for (let step = (1 << this.width) >> 2; step >= 2; step >>= 2) {
      const len = (this.csize / step) << 1;
      // Butterflies per group: quarterLen / 2 (complex); the real transform uses the first half + 1.
      const count = (len >>> 3) + 1;
      const f = this.twFwd.subarray(at, at + 6 * count);
      const g = this.twInv.subarray(at, at + 6 * count);
      at += 6 * count;
      for (let j = 0, k = 0; j < count; j++, k += step) {
        for (let m = 1; m <= 3; m++) {
          const idx = (m * k) % (2 * size); // never wraps for the butterflies used
          f[6 * j + 2 * (m - 1)] = table[idx];
          f[6 * j + 2 * (m - 1) + 1] = table[idx + 1];
          g[6 * j + 2 * (m - 1)] = table[idx];
          g[6 * j + 2 * (m - 1) + 1] = -table[idx + 1];
        }
      }
      this.fwd.push(f);
      this.inv.push(g);
    }
  }

  /** Complex forward transform of interleaved [re, im, ...] (length 2 * size) into `out`. */
  transform(out: Float64Array, data: Float64Array): void {
    if (out === data) throw new Error('Input and output buffers must be different');
    const native = nativeSignal();
    if (native) native.fft(out, data, this.bitrev, this.twFwd, false);
    else this.complex(out, data, false);
  }

  /** Complex inverse transform, scaled by 1/size (as fft.js). */
  inverseTransform(out: Float64Array, data: Float64Array): void {
    if (out === data) throw new Error('Input and output buffers must be different');
    const native = nativeSignal();
    if (native) native.fft(out, data, this.bitrev, this.twInv, true);
    else this.complex(out, data, true);
    const n = this.size;
    for (let i = 0; i < out.length; i++) out[i] /= n;
  }

  /** Complex inverse transform without the 1/size scaling. */
  inverseTransformUnscaled(out: Float64Array, data: Float64Array): void {
    if (out === data) throw new Error('Input and output buffers must be different');
    const native = nativeSignal();
    if (native) native.fft(out, data, this.bitrev, this.twInv, true);
    else this.complex(out, data, true);
  }

  /**
   * Forward transform of real `data` (length size) into interleaved `out` (length 2 * size); as in
   * fft.js only bins 0..size/2 are meaningful (the rest is not filled in).
   */
  realTransform(out: Float64Array, data: Float64Array): void {
    if (out === data) throw new Error('Input and output buffers must be different');
    const native = nativeSignal();
    if (native) native.fftReal(out, data, this.bitrev, this.twFwd);
    else this.real(out, data);
  }

  private complex(out: Float64Array, data: Float64Array, inverse: boolean): void {
    const size = this.csize;
    const width = this.width;
    let step = 1 << width;
    let len = (size / step) << 1;
    const bitrev = this.bitrev;
    const sign = inverse ? -1 : 1;
    if (len === 4) {
      // Radix-2 first step.
      for (let outOff = 0, t = 0; outOff < size; outOff += len, t++) {
        const off = bitrev[t];
        const evenR = data[off];
        const evenI = data[off + 1];
        const oddR = data[off + step];
        const oddI = data[off + step + 1];
        out[outOff] = evenR + oddR;
        out[outOff + 1] = evenI + oddI;
        out[outOff + 2] = evenR - oddR;
        out[outOff + 3] = evenI - oddI;
      }
    } else {
      // Radix-4 first step (len 8).
      const step2 = step * 2;
      const step3 = step * 3;
      for (let outOff = 0, t = 0; outOff < size; outOff += len, t++) {
        const off = bitrev[t];
        const Ar = data[off];
        const Ai = data[off + 1];
        const Br = data[off + step];
        const Bi = data[off + step + 1];
        const Cr = data[off + step2];
        const Ci = data[off + step2 + 1];
        const Dr = data[off + step3];
        const Di = data[off + step3 + 1];
        const T0r = Ar + Cr;
        const T0i = Ai + Ci;
        const T1r = Ar - Cr;
        const T1i = Ai - Ci;
        const T2r = Br + Dr;
        const T2i = Bi + Di;
        const T3r = sign * (Br - Dr);
        const T3i = sign * (Bi - Di);
        out[outOff] = T0r + T2r;
        out[outOff + 1] = T0i + T2i;
        out[outOff + 2] = T1r + T3i;
        out[outOff + 3] = T1i - T3r;
        out[outOff + 4] = T0r - T2r;
        out[outOff + 5] = T0i - T2i;
        out[outOff + 6] = T1r - T3i;
        out[outOff + 7] = T1i + T3r;
      }
    }
    const tables = inverse ? this.inv : this.fwd;
    let stage = 0;
    for (step >>= 2; step >= 2; step >>= 2, stage++) {
      len = (size / step) << 1;
      const quarterLen = len >>> 2;
      const tw = tables[stage];
      for (let outOff = 0; outOff < size; outOff += len) {
        const limit = outOff + quarterLen;
        for (let A = outOff, j = 0; A < limit; A += 2, j += 6) {
          const B = A + quarterLen;
          const C = B + quarterLen;
          const D = C + quarterLen;
          const Ar = out[A];
          const Ai = out[A + 1];
          const Br = out[B];
          const Bi = out[B + 1];
          const Cr = out[C];
          const Ci = out[C + 1];
          const Dr = out[D];
          const Di = out[D + 1];
          const tBr = tw[j];
          const tBi = tw[j + 1];
          const MBr = Br * tBr - Bi * tBi;
          const MBi = Br * tBi + Bi * tBr;
          const tCr = tw[j + 2];
          const tCi = tw[j + 3];
          const MCr = Cr * tCr - Ci * tCi;
          const MCi = Cr * tCi + Ci * tCr;
          const tDr = tw[j + 4];
          const tDi = tw[j + 5];
          const MDr = Dr * tDr - Di * tDi;
          const MDi = Dr * tDi + Di * tDr;
          const T0r = Ar + MCr;
          const T0i = Ai + MCi;
          const T1r = Ar - MCr;
          const T1i = Ai - MCi;
          const T2r = MBr + MDr;
          const T2i = MBi + MDi;
          const T3r = sign * (MBr - MDr);
          const T3i = sign * (MBi - MDi);
          out[A] = T0r + T2r;
          out[A + 1] = T0i + T2i;
          out[B] = T1r + T3i;
          out[B + 1] = T1i - T3r;
          out[C] = T0r - T2r;
          out[C + 1] = T0i - T2i;
          out[D] = T1r - T3i;
          out[D + 1] = T1i + T3r;
        }
      }
    }
  }

  private real(out: Float64Array, data: Float64Array): void {
    const size = this.csize;
    const width = this.width;
    let step = 1 << width;
    let len = (size / step) << 1;
    const bitrev = this.bitrev;
    const hstep = step >>> 1;
    if (len === 4) {
      for (let outOff = 0, t = 0; outOff < size; outOff += len, t++) {
        const off = bitrev[t] >>> 1;
        const evenR = data[off];
        const oddR = data[off + hstep];
        out[outOff] = evenR + oddR;
        out[outOff + 1] = 0;
        out[outOff + 2] = evenR - oddR;
        out[outOff + 3] = 0;
      }
    } else {
      const hstep2 = hstep * 2;
      const hstep3 = hstep * 3;
      for (let outOff = 0, t = 0; outOff < size; outOff += len, t++) {
        const off = bitrev[t] >>> 1;
        const Ar = data[off];
        const Br = data[off + hstep];
        const Cr = data[off + hstep2];
        const Dr = data[off + hstep3];
        const T0r = Ar + Cr;
        const T1r = Ar - Cr;
        const T2r = Br + Dr;
        const T3r = Br - Dr;
        out[outOff] = T0r + T2r;
        out[outOff + 1] = 0;
        out[outOff + 2] = T1r;
        out[outOff + 3] = -T3r;
        out[outOff + 4] = T0r - T2r;
        out[outOff + 5] = 0;
        out[outOff + 6] = T1r;
        out[outOff + 7] = T3r;
      }
    }
    const tables = this.fwd;
    let stage = 0;
    for (step >>= 2; step >= 2; step >>= 2, stage++) {
      len = (size / step) << 1;
      const halfLen = len >>> 1;
      const quarterLen = halfLen >>> 1;
      const hquarterLen = quarterLen >>> 1;
      const tw = tables[stage];
      for (let outOff = 0; outOff < size; outOff += len) {
        for (let i = 0, j = 0; i <= hquarterLen; i += 2, j += 6) {
          const A = outOff + i;
          const B = A + quarterLen;
          const C = B + quarterLen;
          const D = C + quarterLen;
          const Ar = out[A];
          const Ai = out[A + 1];
          const Br = out[B];
          const Bi = out[B + 1];
          const Cr = out[C];
          const Ci = out[C + 1];
          const Dr = out[D];
          const Di = out[D + 1];
          const tBr = tw[j];
          const tBi = tw[j + 1];
          const MBr = Br * tBr - Bi * tBi;
          const MBi = Br * tBi + Bi * tBr;
          const tCr = tw[j + 2];
          const tCi = tw[j + 3];
          const MCr = Cr * tCr - Ci * tCi;
          const MCi = Cr * tCi + Ci * tCr;
          const tDr = tw[j + 4];
          const tDi = tw[j + 5];
          const MDr = Dr * tDr - Di * tDi;
          const MDi = Dr * tDi + Di * tDr;
          const T0r = Ar + MCr;
          const T0i = Ai + MCi;
          const T1r = Ar - MCr;
          const T1i = Ai - MCi;
          const T2r = MBr + MDr;
          const T2i = MBi + MDi;
          const T3r = MBr - MDr;
          const T3i = MBi - MDi;
          out[A] = T0r + T2r;
          out[A + 1] = T0i + T2i;
          out[B] = T1r + T3i;
          out[B + 1] = T1i - T3r;
          if (i === 0) {
            // Final middle point.
            out[C] = T0r - T2r;
            out[C + 1] = T0i - T2i;
            continue;
          }
          if (i === hquarterLen) continue; // do not overwrite ourselves
          // The mirrored butterfly (fft.js: ST0 = conj(T1), ST1 = conj(T0), ST2 = -(T3i, T3r),
          // ST3 = -(T2i, T2r)), written out with the same operations.
          const ST0r = T1r;
          const ST0i = -T1i;
          const ST1r = T0r;
          const ST1i = -T0i;
          const ST2r = -T3i;
          const ST2i = -T3r;
          const ST3r = -T2i;
          const ST3i = -T2r;
          const SA = outOff + quarterLen - i;
          const SB = outOff + halfLen - i;
          out[SA] = ST0r + ST2r;
          out[SA + 1] = ST0i + ST2i;
          out[SB] = ST1r + ST3i;
          out[SB + 1] = ST1i - ST3r;
        }
      }
    }
  }
}

const cache = new Map<number, Fft>();

/** A cached transform for `size` (a power of two, at least 2). */
export function fftOf(size: number): Fft {
  let f = cache.get(size);
  if (!f) {
    f = new Fft(size);
    cache.set(size, f);
  }
  return f;
}

export function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/**
 * One-sided power spectrum helper: real FFT of `input` (length = size) into `out` (interleaved complex,
 * length 2 * size; bins 0..size/2 are filled).
 */
export function realFft(input: Float64Array, out: Float64Array): void {
  fftOf(input.length).realTransform(out, input);
}

/** Complex forward transform of interleaved [re, im, ...] arrays. */
export function complexFft(input: Float64Array, out: Float64Array): void {
  fftOf(input.length >> 1).transform(out, input);
}

/** Complex inverse transform (scaled by 1/size) of interleaved arrays. */
export function complexIfft(input: Float64Array, out: Float64Array): void {
  fftOf(input.length >> 1).inverseTransform(out, input);
}
