/**
 * FIR filter design mirroring MNE-Python 1.3 (`raw.filter(l, h)` and `raw.notch_filter(f)` with their
 * defaults: firwin design, Hamming window, automatic transition bands and length, zero phase), and a
 * streaming overlap-save convolution that reproduces MNE's whole-signal result, edge padding included.
 *
 * MNE's rules (mne/filter.py, 1.3):
 *  - l_trans = min(max(0.25 l, 2), l); h_trans = min(max(0.25 h, 2), fs/2 - h);
 *  - length = ceil(3.3 / min(transitions) * fs) samples, made odd (3.3 = Hamming's length factor);
 *  - `_firwin_design`: the response is built from one windowed-sinc low-pass per transition, each only
 *    as long as that transition needs (round(3.3 fs / width), odd), centred in the full length;
 *  - notch f: band-stop with edges f -+ (f/200/2 + 0.5) and 0.5 Hz transitions;
 *  - zero phase: the odd-length symmetric kernel is applied once with a (len-1)/2 shift, after padding
 *    the signal with len-1 samples at each end by odd reflection ("reflect_limited": 2 x0 - x[k]).
 * celm convolves the band-pass and the notch kernels into one kernel and filters once; this equals
 * MNE's two passes exactly except within half a notch kernel (3.3 s) of a block's ends, where MNE pads
 * the band-passed signal again for its second pass.
 */
import { copyInto } from './arrays.js';
import { complexFft, complexIfft, type Fft, fftOf, nextPow2 } from './fft.js';
import { nativeSignal } from './native.js';

/** Window length factor of the Hamming window in MNE (_length_factors). */
const HAMMING_FACTOR = 3.3;

/** Python's round(): half to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** scipy.signal.firwin(numtaps, cutoff, window='hamming', pass_zero=True) with cutoff in units of Nyquist. */
export function firwinLowpass(numtaps: number, cutoff: number): Float64Array {
  const h = new Float64Array(numtaps);
  const alpha = 0.5 * (numtaps - 1);
  let s = 0;
  for (let n = 0; n < numtaps; n++) {
    const m = n - alpha;
    const fac = -Math.PI + (2 * Math.PI * n) / (numtaps - 1 || 1);
    const w = numtaps === 1 ? 1 : 0.54 + 0.46 * Math.cos(fac);
    h[n] = cutoff * sinc(cutoff * m) * w;
    s += h[n];
  }
  for (let n = 0; n < numtaps; n++) h[n] /= s;
  return h;
}

/** MNE's `_firwin_design`: freq (Hz, from 0 to Nyquist) and gains of 0/1 at those points. */
export function firwinDesign(N: number, freqHz: number[], gain: number[], fs: number): Float64Array {
  const freq = freqHz.map((f) => f / (fs / 2));
  const h = new Float64Array(N);
  let prevFreq = freq[freq.length - 1];
  let prevGain = gain[gain.length - 1];
  if (prevGain === 1) h[N >> 1] = 1;
  for (let i = freq.length - 2; i >= 0; i--) {
    const thisFreq = freq[i];
    const thisGain = gain[i];
    if (thisGain !== prevGain) {
      const transition = (prevFreq - thisFreq) / 2;
      let thisN = pyRound(HAMMING_FACTOR / transition);
      thisN += 1 - (thisN % 2);
      if (thisN > N) throw new Error(`filter length ${N} is too short for a transition needing ${thisN}`);
      const lp = firwinLowpass(thisN, (prevFreq + thisFreq) / 2);
      const offset = (N - thisN) >> 1;
      const sign = thisGain === 0 ? -1 : 1;
      for (let k = 0; k < thisN; k++) h[offset + k] += sign * lp[k];
    }
    prevGain = thisGain;
    prevFreq = thisFreq;
  }
  return h;
}

/** MNE's automatic FIR length for the narrowest transition band (odd number of taps). */
export function mneFilterLength(minTransition: number, fs: number): number {
  const seconds = (HAMMING_FACTOR * 1.0) / minTransition;
  let n = Math.max(Math.ceil(seconds * 1 * fs), 1);
  n += (n - 1) % 2;
  return n;
}

export interface BandpassDesign {
  h: Float64Array;
  lFreq: number | null;
  hFreq: number | null;
  lTrans: number | null;
  hTrans: number | null;
  /** Why an edge was dropped (e.g. the low-pass edge at or above Nyquist). */
  note?: string;
}

/**
 * The kernel of MNE's `filter(lFreq, hFreq)` (either may be null). A low-pass edge at or above the
 * Nyquist frequency is dropped (MNE refuses it; there is nothing above Nyquist to remove).
 */
export function designBandpass(fs: number, lFreq: number | null, hFreq: number | null): BandpassDesign {
  const nyq = fs / 2;
  let note: string | undefined;
  if (hFreq !== null && hFreq >= nyq) {
    note = `low-pass ${hFreq} Hz is at or above Nyquist (${nyq} Hz): not applied`;
    hFreq = null;
  }
  if (lFreq !== null && lFreq <= 0) lFreq = null;
  const lTrans = lFreq === null ? null : Math.min(Math.max(0.25 * lFreq, 2), lFreq);
  const hTrans = hFreq === null ? null : Math.min(Math.max(0.25 * hFreq, 2), nyq - hFreq);
  if (lFreq === null && hFreq === null) return { h: Float64Array.of(1), lFreq, hFreq, lTrans, hTrans, note };
  const N = mneFilterLength(
    Math.min(lTrans ?? Number.POSITIVE_INFINITY, hTrans ?? Number.POSITIVE_INFINITY),
    fs,
  );
  let freq: number[];
  let gain: number[];
  if (lFreq !== null && hFreq !== null) {
    const fs1 = lFreq - lTrans!;
    const fs2 = hFreq + hTrans!;
    freq = [fs1, lFreq, hFreq, fs2];
    gain = [0, 1, 1, 0];
    if (fs2 !== nyq) {
      freq.push(nyq);
      gain.push(0);
    }
    if (fs1 !== 0) {
      freq.unshift(0);
      gain.unshift(0);
    }
  } else if (lFreq !== null) {
    const stop = lFreq - lTrans!;
    freq = [stop, lFreq, nyq];
    gain = [0, 1, 1];
    if (stop !== 0) {
      freq.unshift(0);
      gain.unshift(0);
    }
  } else {
    const stop = hFreq! + hTrans!;
    freq = [0, hFreq!, stop];
    gain = [1, 1, 0];
    if (stop !== nyq) {
      freq.push(nyq);
      gain.push(0);
    }
  }
  return { h: firwinDesign(N, freq, gain, fs), lFreq, hFreq, lTrans, hTrans, note };
}

/**
 * The kernel of MNE's `notch_filter(freqs)` (method 'fir', notch width f/200, 1 Hz transition band).
 * Frequencies at or above Nyquist are skipped.
 */
export function designNotch(fs: number, freqs: number[], transBandwidth = 1): Float64Array {
  const nyq = fs / 2;
  const fl = freqs.filter((f) => f + f / 400 + transBandwidth / 2 < nyq);
  if (fl.length === 0) return Float64Array.of(1);
  const tb2 = transBandwidth / 2;
  const p1: number[] = [];
  const s1: number[] = [];
  const s2: number[] = [];
  const p2: number[] = [];
  for (const f of fl) {
    const nw = f / 200;
    const low = f - nw / 2 - tb2; // MNE's "lows" (passband edge below the notch)
    const high = f + nw / 2 + tb2;
    // _triage_filter_params(reverse=True) with l=low, h=high, both transitions tb2.
    p1.push(low);
    s1.push(low + tb2);
    s2.push(high - tb2);
    p2.push(high);
  }
  const pts: [number, number][] = [];
  for (let i = 0; i < fl.length; i++) pts.push([p1[i], 1], [s1[i], 0], [s2[i], 0], [p2[i], 1]);
  pts.sort((a, b) => a[0] - b[0]);
  const freq = pts.map((p) => p[0]);
  const gain = pts.map((p) => p[1]);
  if (freq[0] !== 0) {
    freq.unshift(0);
    gain.unshift(1);
  }
  if (freq[freq.length - 1] !== nyq) {
    freq.push(nyq);
    gain.push(1);
  }
  const N = mneFilterLength(tb2, fs);
  return firwinDesign(N, freq, gain, fs);
}

/** Full linear convolution of two kernels (used once per design, to merge band-pass and notch). */
export function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  if (a.length * b.length > 4e6) {
    // Long kernels (high sample rates): by FFT, exact to rounding.
    const N = nextPow2(out.length);
    const fa = new Float64Array(2 * N);
    const fb = new Float64Array(2 * N);
    const sa = new Float64Array(2 * N);
    const sb = new Float64Array(2 * N);
    for (let i = 0; i < a.length; i++) fa[2 * i] = a[i];
    for (let i = 0; i < b.length; i++) fb[2 * i] = b[i];
    complexFft(fa, sa);
    complexFft(fb, sb);
    for (let k = 0; k < 2 * N; k += 2) {
      const re = sa[k] * sb[k] - sa[k + 1] * sb[k + 1];
      const im = sa[k] * sb[k + 1] + sa[k + 1] * sb[k];
      sa[k] = re;
      sa[k + 1] = im;
    }
    complexIfft(sa, fa);
    for (let i = 0; i < out.length; i++) out[i] = fa[2 * i];
    return out;
  }
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j] += ai * b[j];
  }
  return out;
}

/** Gain |H(f)| of a zero-phase (symmetric, odd-length) kernel at frequency f (Hz). */
export function firGain(h: Float64Array, fs: number, f: number): number {
  const c = (h.length - 1) / 2;
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * f) / fs;
  for (let k = 0; k < h.length; k++) {
    re += h[k] * Math.cos(w * (k - c));
    im -= h[k] * Math.sin(w * (k - c));
  }
  return Math.hypot(re, im);
}

/**
 * Streaming zero-phase FIR filter of several channels of one block of known length `n`, by overlap-save
 * FFT convolution (two real channels per complex FFT). Output equals MNE's `_overlap_add_filter`
 * (phase 'zero', pad 'reflect_limited') on the whole block, to rounding. Memory: O(FFT size) per channel.
 */
export class FirStream {
  readonly nChannels: number;
  private readonly M: number;
  private readonly N: number;
  private readonly L: number;
  private readonly P: number;
  private readonly skip: number;
  /** Spectrum of the kernel, divided by N (see the constructor). */
  private readonly H: Float64Array;
  private readonly fft: Fft;
  private readonly bufs: Float64Array[];
  private readonly work: Float64Array;
  private readonly spec: Float64Array;
  private fill = 0;
  /** z-index (index into the full convolution of the padded signal) of the next block's first output. */
  private zNext = 0;
  private outDone = 0;
  private xSeen = 0;
  private head: Float64Array[] | null;
  private headLen = 0;
  private readonly tail: Float64Array[];
  private tailPos = 0;
  private started = false;
  /** reuseOutput: per-channel output buffers, and how much of them this push/finish has filled. */
  private readonly reuse: boolean;
  private outBufs: Float64Array[] = [];
  private outLen = 0;

  /**
   * `reuseOutput`: push/finish return views of internal buffers that the next push/finish overwrites,
   * instead of new arrays (for callers that consume the output at once, as a lane does: no allocation
   * and garbage of ~9 MB per FFT block of 21 channels). The values are the same either way.
   */
  constructor(
    h: Float64Array,
    nChannels: number,
    readonly n: number,
    options: { reuseOutput?: boolean } = {},
  ) {
    this.reuse = options.reuseOutput ?? false;
    this.nChannels = nChannels;
    const M = h.length;
    this.M = M;
    this.P = Math.max(Math.min(M, n) - 1, 0);
    this.skip = this.P + (M - 1) / 2;
    let N = nextPow2(Math.max(4 * M, 1024));
    N = Math.min(N, nextPow2(Math.max(n + 2 * this.P + M, 2 * M, 64)));
    this.N = N;
    this.L = N - (M - 1);
    const hh = new Float64Array(2 * N);
    for (let k = 0; k < M; k++) hh[2 * k] = h[k];
    this.H = new Float64Array(2 * N);
    this.fft = fftOf(N);
    this.fft.transform(this.H, hh);
    // The inverse transform's 1/N scaling, folded into the kernel's spectrum: N is a power of two, so
    // this is exact and the result is bit-identical to scaling after the inverse transform.
    for (let k = 0; k < 2 * N; k++) this.H[k] /= N;
    this.bufs = Array.from({ length: nChannels }, () => new Float64Array(N));
    this.work = new Float64Array(2 * N);
    this.spec = new Float64Array(2 * N);
    this.head = Array.from({ length: nChannels }, () => new Float64Array(this.P + 1));
    this.tail = Array.from({ length: nChannels }, () => new Float64Array(this.P + 1));
  }

  /** Feeds the next samples of every channel (equal lengths); returns the filtered samples now ready. */
  push(x: ArrayLike<number>[]): Float64Array[] {
    this.outLen = 0;
    const len = x[0].length;
    const parts: Float64Array[][] = [];
    let at = 0;
    // Head: collect the first P + 1 samples to build the left reflection.
    if (!this.started) {
      const need = Math.min(this.P + 1, this.n) - this.headLen;
      const take = Math.min(need, len);
      for (let c = 0; c < this.nChannels; c++) {
        const hd = this.head![c];
        for (let k = 0; k < take; k++) hd[this.headLen + k] = x[c][k];
      }
      this.headLen += take;
      at = take;
      if (this.headLen >= Math.min(this.P + 1, this.n)) this.start(parts);
      else return this.collect(parts);
    }
    if (at < len) this.feed(x, at, len, parts, true);
    return this.collect(parts);
  }

  /** Ends the block: pads the right edge by reflection and returns the remaining output. */
  finish(): Float64Array[] {
    this.outLen = 0;
    const parts: Float64Array[][] = [];
    if (!this.started) this.start(parts);
    if (this.xSeen !== this.n) throw new Error(`FirStream got ${this.xSeen} samples, expected ${this.n}`);
    // Right pad: 2 x[n-1] - x[n-2-k], k = 0..P-1 (tail ring holds the last P + 1 samples).
    const P = this.P;
    if (P > 0) {
      const pad = Array.from({ length: this.nChannels }, () => new Float64Array(P));
      const R = P + 1;
      for (let c = 0; c < this.nChannels; c++) {
        const t = this.tail[c];
        const last = t[(this.tailPos - 1 + R) % R];
        for (let k = 0; k < P; k++) pad[c][k] = 2 * last - t[(this.tailPos - 2 - k + 2 * R) % R];
      }
      this.feed(pad, 0, P, parts, false);
    }
    const zeros = Array.from({ length: this.nChannels }, () => new Float64Array(this.L));
    while (this.outDone < this.n) this.feed(zeros, 0, this.L, parts, false);
    return this.collect(parts);
  }

  private start(parts: Float64Array[][]): void {
    this.started = true;
    const P = this.P;
    const hd = this.head!;
    this.head = null;
    if (P > 0) {
      const pad = hd.map((h0) => {
        const p = new Float64Array(P);
        for (let k = 0; k < P; k++) p[k] = 2 * h0[0] - h0[P - k];
        return p;
      });
      this.feed(pad, 0, P, parts, false);
    }
    this.feed(hd, 0, this.headLen, parts, true);
  }

  private feed(
    x: ArrayLike<number>[],
    from: number,
    to: number,
    parts: Float64Array[][],
    isSignal: boolean,
  ): void {
    const { M, L } = this;
    let i = from;
    while (i < to) {
      const take = Math.min(to - i, L - this.fill);
      const base = M - 1 + this.fill;
      for (let c = 0; c < this.nChannels; c++) {
        const xc = x[c];
        copyInto(this.bufs[c], base, xc, i, i + take);
        if (isSignal) {
          // The last min(take, R) samples into the tail ring at tailPos (wrapping once at most).
          const t = this.tail[c];
          const R = t.length;
          const from = i + take - Math.min(take, R);
          const first = Math.min(i + take - from, R - this.tailPos);
          copyInto(t, this.tailPos, xc, from, from + first);
          copyInto(t, 0, xc, from + first, i + take);
        }
      }
      if (isSignal) {
        const R = this.P + 1;
        this.tailPos = (this.tailPos + Math.min(take, R)) % R;
        this.xSeen += take;
      }
      this.fill += take;
      i += take;
      if (this.fill === L) this.block(parts);
    }
  }

  private block(parts: Float64Array[][]): void {
    const { M, N, L } = this;
    const z0 = this.zNext;
    this.zNext += L;
    this.fill = 0;
    // Which outputs of this block are wanted: y[i] = z[i + skip], i in [0, n).
    const lo = Math.max(z0, this.skip + this.outDone);
    const hi = Math.min(z0 + L, this.skip + this.n);
    const want = hi > lo;
    const count = hi - lo;
    // Where this block's outputs go: new arrays, or the reused buffers after this call's earlier blocks.
    const at = this.reuse ? this.outLen : 0;
    const dest = want ? this.destinations(count) : [];
    // Buffer position M-1+j holds z[z0 + j].
    const off = M - 1 + (lo - z0);
    for (let c = 0; c < this.nChannels; c += 2) {
      const a = this.bufs[c];
      const b = c + 1 < this.nChannels ? this.bufs[c + 1] : null;
      if (want) {
        const w = this.work;
        const oa = dest[c];
        const ob = b ? dest[c + 1] : null;
        const native = nativeSignal();
        if (native) {
          // The same pack, transform, product and inverse in C, and the copy out (bit-identical).
          const f = this.fft;
          native.firPair(a, b, this.H, w, this.spec, f.bitrev, f.twFwd, f.twInv, oa, ob, off, count, at);
        } else {
          for (let k = 0; k < N; k++) {
            w[2 * k] = a[k];
            w[2 * k + 1] = b ? b[k] : 0;
          }
          const s = this.spec;
          this.fft.transform(s, w);
          const H = this.H;
          for (let k = 0; k < 2 * N; k += 2) {
            const re = s[k] * H[k] - s[k + 1] * H[k + 1];
            const im = s[k] * H[k + 1] + s[k + 1] * H[k];
            s[k] = re;
            s[k + 1] = im;
          }
          this.fft.inverseTransformUnscaled(w, s);
          for (let k = 0; k < count; k++) {
            oa[at + k] = w[2 * (off + k)];
            if (ob) ob[at + k] = w[2 * (off + k) + 1];
          }
        }
      }
      // Keep the last M-1 samples as history.
      a.copyWithin(0, L, N);
      if (b) b.copyWithin(0, L, N);
    }
    if (want) {
      this.outDone += count;
      if (this.reuse) this.outLen += count;
      else parts.push(dest);
    }
  }

  /** Arrays for `count` more outputs per channel: new ones, or the reused buffers (grown if needed). */
  private destinations(count: number): Float64Array[] {
    if (!this.reuse) return Array.from({ length: this.nChannels }, () => new Float64Array(count));
    const need = this.outLen + count;
    if (!this.outBufs.length || this.outBufs[0].length < need) {
      const cap = Math.max(need, 2 * (this.outBufs[0]?.length ?? 0));
      this.outBufs = Array.from({ length: this.nChannels }, (_, c) => {
        const nb = new Float64Array(cap);
        if (this.outBufs[c]) nb.set(this.outBufs[c].subarray(0, this.outLen));
        return nb;
      });
    }
    return this.outBufs;
  }

  private collect(parts: Float64Array[][]): Float64Array[] {
    if (this.reuse)
      return Array.from(
        { length: this.nChannels },
        (_, c) => this.outBufs[c]?.subarray(0, this.outLen) ?? new Float64Array(0),
      );
    if (parts.length === 1) return parts[0];
    const total = parts.reduce((s, p) => s + p[0].length, 0);
    const out = Array.from({ length: this.nChannels }, () => new Float64Array(total));
    let at = 0;
    for (const p of parts) {
      for (let c = 0; c < this.nChannels; c++) out[c].set(p[c], at);
      at += p[0].length;
    }
    return out;
  }
}

/** Zero-phase FIR filtering of whole arrays (MNE-style padding); convenience over FirStream. */
export function firFilter(h: Float64Array, x: ArrayLike<number>[]): Float64Array[] {
  const s = new FirStream(h, x.length, x[0].length);
  const a = s.push(x);
  const b = s.finish();
  return a.map((ai, c) => {
    const o = new Float64Array(ai.length + b[c].length);
    o.set(ai);
    o.set(b[c], ai.length);
    return o;
  });
}

export interface FilterSettings {
  lFreq: number | null;
  hFreq: number | null;
  /** Notch frequencies in Hz (empty: none). */
  notch: number[];
}

const kernelCache = new Map<string, Float64Array>();

/** The combined band-pass + notch kernel for a sample rate (cached). */
export function pipelineKernel(fs: number, s: FilterSettings): Float64Array {
  const key = `${fs}|${s.lFreq}|${s.hFreq}|${s.notch.join(',')}`;
  let h = kernelCache.get(key);
  if (!h) {
    const bp = designBandpass(fs, s.lFreq, s.hFreq).h;
    const notch = s.notch.length ? designNotch(fs, s.notch) : Float64Array.of(1);
    h = notch.length === 1 ? bp.map((v) => v * notch[0]) : convolve(bp, notch);
    kernelCache.set(key, h);
  }
  return h;
}
