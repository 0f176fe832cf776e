/**
 * Streaming sample-rate conversion by polyphase windowed-sinc interpolation (Kaiser window), for any
 * input rate (rational ratios use an exact phase table; others a 4096-phase table).
 *
 * MNE's `resample` (what CELM used) is one FFT over the whole signal: an ideal low-pass at the lower
 * Nyquist frequency. A whole-signal FFT cannot stream, so celm uses a windowed sinc with the same cutoff
 * (the new Nyquist when downsampling). The two agree except in a band of about +-12 Hz around that
 * cutoff (88-112 Hz for 200 Hz output, with the default 16 zero crossings), where the pipeline's 75 Hz
 * low-pass has already removed the signal (>= 53 dB down above 93.75 Hz); see docs/preprocessing.md for
 * the measured difference. Output length is round(n * fsOut / fsIn), as in MNE; sample k is at time
 * k / fsOut from the block's first input sample. Edges are padded by odd reflection, as MNE does.
 */
import { copyInto } from './arrays.js';
import { nativeSignal } from './native.js';

export interface ResampleOptions {
  /** Sinc zero crossings on each side of the kernel centre (kernel length scales with it). Default 16. */
  zeroCrossings?: number;
  /** Kaiser window beta. Default 8 (about 80 dB side-lobe rejection). */
  beta?: number;
  /**
   * Where output samples fall. 'mne' (default) reproduces MNE's FFT resample timing exactly: it pads the
   * block to a power of two and rounds the padded length and the padding, so output k sits at input
   * position (k + r0) * origLen / newLen - npad0 (up to about one input sample early, and a stretch of
   * up to half an output sample over the block). 'exact' puts output k at k * fsIn / fsOut.
   */
  timing?: 'mne' | 'exact';
}

/** Python's round(): half to even. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** MNE's resample bookkeeping for a block of n samples (npad='auto'): output k sits at t0 + k * step. */
export function mneResampleTiming(
  n: number,
  fsIn: number,
  fsOut: number,
): { t0: number; step: number; nOut: number } {
  const ratio = fsOut / fsIn;
  const minAdd = Math.min(Math.floor(n / 8), 100) * 2;
  const npadTotal = 2 ** Math.ceil(Math.log2(n + minAdd)) - n;
  const npad0 = Math.floor(npadTotal / 2);
  const origLen = n + npadTotal;
  const newLen = Math.max(pyRound(ratio * origLen), 1);
  const r0 = pyRound(ratio * npad0);
  const step = origLen / newLen;
  return { t0: r0 * step - npad0, step, nOut: Math.max(pyRound(ratio * n), 1) };
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Finds up/down with up/down = ratio (to 1e-12) and down <= 20000, else null. */
export function rationalRatio(ratio: number): { up: number; down: number } | null {
  for (let down = 1; down <= 20000; down++) {
    const up = Math.round(ratio * down);
    if (up > 0 && Math.abs(up / down - ratio) <= 1e-12 * ratio) return { up, down };
  }
  return null;
}

interface Kernel {
  taps: number; // 2 * hw
  hw: number;
  phases: number;
  table: Float64Array; // phases x taps
}

const kernelCache = new Map<string, Kernel>();

function makeKernel(fsIn: number, fsOut: number, phases: number, z: number, beta: number): Kernel {
  const key = `${fsIn}|${fsOut}|${phases}|${z}|${beta}`;
  const hit = kernelCache.get(key);
  if (hit) return hit;
  const fc2 = Math.min(1, fsOut / fsIn); // cutoff relative to the input Nyquist
  const hw = Math.ceil(z / fc2);
  const taps = 2 * hw;
  const table = new Float64Array(phases * taps);
  const i0b = besselI0(beta);
  for (let p = 0; p < phases; p++) {
    const frac = p / phases;
    let s = 0;
    for (let t = 0; t < taps; t++) {
      const j = t - hw + 1;
      const tau = frac - j;
      const u = tau / hw;
      const w = Math.abs(u) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - u * u)) / i0b;
      const x = fc2 * tau;
      const v = fc2 * (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x)) * w;
      table[p * taps + t] = v;
      s += v;
    }
    for (let t = 0; t < taps; t++) table[p * taps + t] /= s; // unit DC gain for every phase
  }
  const k = { taps, hw, phases, table };
  kernelCache.set(key, k);
  return k;
}

function polyphase(
  d: Float64Array,
  table: Float64Array,
  taps: number,
  bases: Int32Array,
  rows: Int32Array,
  count: number,
  out: Float32Array,
): void {
  for (let q = 0; q < count; q++) {
    const b = bases[q];
    const r = rows[q];
    // Four partial sums: shorter dependency chains than one running sum.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let t = 0;
    for (; t + 3 < taps; t += 4) {
      s0 += d[b + t] * table[r + t];
      s1 += d[b + t + 1] * table[r + t + 1];
      s2 += d[b + t + 2] * table[r + t + 2];
      s3 += d[b + t + 3] * table[r + t + 3];
    }
    for (; t < taps; t++) s0 += d[b + t] * table[r + t];
    out[q] = s0 + s1 + s2 + s3;
  }
}

/**
 * polyphase() for two channels at once: each table weight is loaded once and used for both, which
 * takes about a quarter off the resampler's time. Each channel's sums are formed in exactly the same
 * order as in polyphase(), so the output is bit-identical.
 */
function polyphase2(
  d: Float64Array,
  e: Float64Array,
  table: Float64Array,
  taps: number,
  bases: Int32Array,
  rows: Int32Array,
  count: number,
  out: Float32Array,
  out2: Float32Array,
): void {
  for (let q = 0; q < count; q++) {
    const b = bases[q];
    const r = rows[q];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let u0 = 0;
    let u1 = 0;
    let u2 = 0;
    let u3 = 0;
    let t = 0;
    for (; t + 3 < taps; t += 4) {
      const w0 = table[r + t];
      const w1 = table[r + t + 1];
      const w2 = table[r + t + 2];
      const w3 = table[r + t + 3];
      s0 += d[b + t] * w0;
      s1 += d[b + t + 1] * w1;
      s2 += d[b + t + 2] * w2;
      s3 += d[b + t + 3] * w3;
      u0 += e[b + t] * w0;
      u1 += e[b + t + 1] * w1;
      u2 += e[b + t + 2] * w2;
      u3 += e[b + t + 3] * w3;
    }
    for (; t < taps; t++) {
      const w = table[r + t];
      s0 += d[b + t] * w;
      u0 += e[b + t] * w;
    }
    out[q] = s0 + s1 + s2 + s3;
    out2[q] = u0 + u1 + u2 + u3;
  }
}

/** Streams several channels of one block of `nIn` samples from fsIn to fsOut. */
export class ResampleStream {
  readonly nOut: number;
  private readonly k: Kernel;
  private readonly rational: { up: number; down: number } | null;
  private readonly step: number;
  private readonly t0: number;
  private readonly pad: number;
  private data: Float64Array[];
  private len = 0;
  /** Input index of data[c][0] (negative while the left reflection is held). */
  private origin = 0;
  private seen = 0;
  private started = false;
  private pending: Float64Array[][] = [];
  private bases = new Int32Array(0);
  private rows = new Int32Array(0);
  private outK = 0;
  // Position of output outK: input index i + num / up (rational) or i + frac.
  private i = 0;
  private num = 0;

  constructor(
    readonly fsIn: number,
    readonly fsOut: number,
    readonly nChannels: number,
    readonly nIn: number,
    options: ResampleOptions = {},
  ) {
    const timing = options.timing ?? 'mne';
    if (timing === 'mne') {
      const t = mneResampleTiming(nIn, fsIn, fsOut);
      this.nOut = t.nOut;
      this.t0 = t.t0;
      this.step = t.step;
      this.rational = null;
    } else {
      this.nOut = Math.max(pyRound((nIn * fsOut) / fsIn), 1);
      this.t0 = 0;
      this.step = fsIn / fsOut;
      this.rational = rationalRatio(fsOut / fsIn);
      if (this.rational && this.rational.up > 4096) this.rational = null;
    }
    const phases = this.rational ? this.rational.up : 4096;
    this.k = makeKernel(fsIn, fsOut, phases, options.zeroCrossings ?? 16, options.beta ?? 8);
    this.pad = this.k.hw + Math.ceil(Math.abs(this.t0)) + Math.ceil(this.step) + 2;
    this.i = this.rational ? 0 : Math.floor(this.t0);
    this.data = Array.from({ length: nChannels }, () => new Float64Array(Math.max(4096, 4 * this.k.taps)));
  }

  push(x: ArrayLike<number>[]): Float32Array[] {
    const n = x[0].length;
    this.seen += n;
    if (!this.started) {
      this.pending.push(x.map((xc) => Float64Array.from(xc)));
      if (this.seen < Math.min(this.pad + 1, this.nIn))
        return this.nChannels ? x.map(() => new Float32Array(0)) : [];
      this.start();
    } else this.append(x, n);
    return this.produce();
  }

  finish(): Float32Array[] {
    if (!this.started) this.start();
    if (this.seen !== this.nIn)
      throw new Error(`ResampleStream got ${this.seen} samples, expected ${this.nIn}`);
    const P = this.pad;
    const pad = Array.from({ length: this.nChannels }, () => new Float64Array(P));
    const end = this.origin + this.len; // == nIn
    for (let c = 0; c < this.nChannels; c++) {
      const d = this.data[c];
      const last = d[end - 1 - this.origin];
      for (let m = 1; m <= P; m++) {
        const idx = end - 1 - m - this.origin;
        pad[c][m - 1] = idx >= 0 && end - 1 - m >= 0 ? 2 * last - d[idx] : 0;
      }
    }
    this.append(pad, P);
    return this.produce();
  }

  private start(): void {
    this.started = true;
    const P = this.pad;
    const pending = this.pending;
    this.pending = [];
    // Left reflection for input indices -P .. -1: 2 x[0] - x[m].
    this.origin = -P;
    this.len = P;
    for (const p of pending) this.append(p, p[0].length);
    for (let c = 0; c < this.nChannels; c++) {
      const d = this.data[c];
      for (let m = 1; m <= P; m++) d[P - m] = m < Math.min(this.len - P, this.nIn) ? 2 * d[P] - d[P + m] : 0;
    }
  }

  private append(x: ArrayLike<number>[], n: number): void {
    if (this.len + n > this.data[0].length) {
      const cap = Math.max(2 * this.data[0].length, this.len + n);
      this.data = this.data.map((d) => {
        const nd = new Float64Array(cap);
        nd.set(d.subarray(0, this.len));
        return nd;
      });
    }
    for (let c = 0; c < this.nChannels; c++) copyInto(this.data[c], this.len, x[c], 0, n);
    this.len += n;
  }

  private produce(): Float32Array[] {
    const { taps, hw, phases, table } = this.k;
    const avail = this.origin + this.len; // first input index not held
    // Count outputs whose kernel support [i - hw + 1, i + hw] is available.
    let count = 0;
    {
      let i = this.i;
      let num = this.num;
      let k = this.outK;
      while (k < this.nOut && i + hw < avail) {
        count++;
        k++;
        if (this.rational) {
          num += this.rational.down;
          i += Math.floor(num / this.rational.up);
          num %= this.rational.up;
        } else i = Math.floor(this.t0 + k * this.step) + 1;
      }
    }
    const out = Array.from({ length: this.nChannels }, () => new Float32Array(count));
    // Positions first (input index of the first tap, table row), then one tight loop per channel.
    if (this.bases.length < count) {
      this.bases = new Int32Array(count);
      this.rows = new Int32Array(count);
    }
    const bases = this.bases;
    const rows = this.rows;
    for (let q = 0; q < count; q++) {
      let phase: number;
      let i = this.i;
      if (this.rational) phase = this.num;
      else {
        const t = this.t0 + this.outK * this.step;
        i = Math.floor(t);
        phase = Math.round((t - i) * phases);
        if (phase === phases) {
          phase = 0;
          i++;
        }
      }
      rows[q] = phase * taps;
      bases[q] = i - hw + 1 - this.origin;
      this.outK++;
      if (this.rational) {
        this.num += this.rational.down;
        this.i += Math.floor(this.num / this.rational.up);
        this.num %= this.rational.up;
      } else this.i = Math.floor(this.t0 + this.outK * this.step);
    }
    const native = nativeSignal();
    // Natively, all channels per output position: each table row is fetched once (bit-identical sums).
    if (native) native.polyphase(this.data, out, table, taps, bases, rows, count);
    else this.polyphaseJs(out, table, taps, bases, rows, count);
    // Drop what no later output needs (keep hw + 2 samples for the right reflection).
    const keepFrom = Math.min(this.i - hw, this.origin + this.len - (this.pad + 2));
    const drop = keepFrom - this.origin;
    if (drop > 4096) {
      for (const d of this.data) d.copyWithin(0, drop, this.len);
      this.len -= drop;
      this.origin += drop;
    }
    return out;
  }

  /** The JavaScript kernels: two channels per pass, then the odd one out. */
  private polyphaseJs(
    out: Float32Array[],
    table: Float64Array,
    taps: number,
    bases: Int32Array,
    rows: Int32Array,
    count: number,
  ): void {
    let c = 0;
    for (; c + 1 < this.nChannels; c += 2)
      polyphase2(this.data[c], this.data[c + 1], table, taps, bases, rows, count, out[c], out[c + 1]);
    if (c < this.nChannels) polyphase(this.data[c], table, taps, bases, rows, count, out[c]);
  }
}

/** Resamples whole arrays (convenience over ResampleStream). */
export function resample(
  x: ArrayLike<number>[],
  fsIn: number,
  fsOut: number,
  options: ResampleOptions = {},
): Float32Array[] {
  const s = new ResampleStream(fsIn, fsOut, x.length, x[0].length, options);
  const a = s.push(x);
  const b = s.finish();
  return a.map((ai, c) => {
    const o = new Float32Array(ai.length + b[c].length);
    o.set(ai);
    o.set(b[c], ai.length);
    return o;
  });
}
