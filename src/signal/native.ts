import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findAddon } from '../native-addon.js';

/** What the addon exports. Arguments are checked natively (types, sizes, bounds); it throws on misuse. */
export interface SignalAddon {
  /** Complex FFT of interleaved `data` into `out` (inverse: unscaled), with Fft's tables. */
  fft(
    out: Float64Array,
    data: Float64Array,
    bitrev: Int32Array,
    twiddles: Float64Array,
    inverse: boolean,
  ): void;
  /** Real-input forward FFT (bins 0..size/2 of `out`). */
  fftReal(out: Float64Array, data: Float64Array, bitrev: Int32Array, twiddles: Float64Array): void;
  /**
   * FirStream.block's convolution of one channel pair: `work` ends up holding the filtered pair
   * (interleaved), and with outA: outA[at + k] = work[2 (off + k)], outB[at + k] = work[2 (off + k) + 1]
   * for k < count.
   */
  firPair(
    a: Float64Array,
    b: Float64Array | null,
    H: Float64Array,
    work: Float64Array,
    spec: Float64Array,
    bitrev: Int32Array,
    twFwd: Float64Array,
    twInv: Float64Array,
    outA?: Float64Array,
    outB?: Float64Array | null,
    off?: number,
    count?: number,
    at?: number,
  ): void;
  /** out[c][q] = sum over t of data[c][bases[q] + t] * table[rows[q] + t], for every channel c. */
  polyphase(
    data: Float64Array[],
    out: Float32Array[],
    table: Float64Array,
    taps: number,
    bases: Int32Array,
    rows: Int32Array,
    count: number,
  ): void;
  /** Welch.psd: returns the number of windows averaged. */
  welchPsd(
    x: Float32Array | Float64Array,
    from: number,
    length: number,
    win: Float64Array,
    noverlap: number,
    buf: Float64Array,
    out: Float64Array,
    psd: Float64Array,
    bitrev: Int32Array,
    twiddles: Float64Array,
    scale: number,
  ): number;
  /**
   * The pipeline's per-second clipping counts of one chunk (x starts at t0 seconds, fs samples per
   * second): samples at or beyond lo/hi into clipBins, all samples into sampleBins, saturating at 65535.
   */
  clipCounts(
    x: Float32Array,
    t0: number,
    fs: number,
    lo: number,
    hi: number,
    clipBins: Uint16Array,
    sampleBins: Uint16Array,
  ): void;
  /** out = [sum, sum of squares, max |x| of each of nWin windows of winLen] of x[from, from + len). */
  segmentStats(
    x: Float32Array,
    from: number,
    len: number,
    nWin: number,
    winLen: number,
    out: Float64Array,
  ): void;
  /** Turns the AVX2 paths on or off (tests compare both); returns the previous setting. */
  setSimd(on: boolean): boolean;
  info(): { simd: 'avx2' | 'none' };
}

const ADDON = join('native', 'signal', 'build', 'Release', 'celm_signal.node');

/** The built addon's path ($CELM_SIGNAL_ADDON, else native/signal/build/Release/ in this checkout), or null. */
export function signalAddonPath(): string | null {
  return findAddon('CELM_SIGNAL_ADDON', ADDON);
}

let loaded: SignalAddon | null | undefined;
let loadError: string | null = null;

/** Loads the addon once (null when not built or not loadable; JavaScript is then used). */
export function loadSignalAddon(): SignalAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const path = signalAddonPath();
  if (!path) {
    const env = process.env.CELM_SIGNAL_ADDON;
    loadError = env
      ? `CELM_SIGNAL_ADDON=${env} does not exist`
      : `${ADDON} is not built (npm run build:native)`;
    return null;
  }
  try {
    loaded = createRequire(import.meta.url)(path) as SignalAddon;
  } catch (e) {
    // A stale or foreign build (other Node ABI, other CPU): fall back to JavaScript, say why on request.
    loadError = `${path} failed to load: ${(e as Error).message.split('\n')[0]}`;
  }
  return loaded;
}

let active: SignalAddon | null = process.env.CELM_SIGNAL_NATIVE === '0' ? null : loadSignalAddon();

/** The addon the signal code should call, or null for JavaScript. */
export function nativeSignal(): SignalAddon | null {
  return active;
}

/**
 * Switches the native kernels on or off in this thread (tests and benchmarks compare both); returns
 * whether they are on afterwards (false when asked for but not built). Worker threads decide for
 * themselves from CELM_SIGNAL_NATIVE.
 */
export function useNativeSignal(on: boolean): boolean {
  active = on ? loadSignalAddon() : null;
  return active !== null;
}

/** Why the addon is not available (null when it is loaded). */
export function signalAddonError(): string | null {
  loadSignalAddon();
  return loadError;
}
