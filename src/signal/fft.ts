/**
 * Fast Fourier transforms for the signal pipeline: fft.js (radix-4, power-of-two sizes) behind a small
 * typed wrapper with a per-size cache. Every caller here chooses its own block size, so power-of-two
 * sizes suffice (overlap-save blocks, zero-padded Welch windows); no Bluestein step is needed.
 */
import FFTJS from 'fft.js';

const cache = new Map<number, FFTJS>();

/** A cached fft.js instance for `size` (a power of two, at least 2). */
export function fftOf(size: number): FFTJS {
  let f = cache.get(size);
  if (!f) {
    f = new FFTJS(size);
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
