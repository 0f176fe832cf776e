/** Welch power spectral density (Hann windows, 50% overlap) with a small radix-2 FFT. */

export function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/** PSD in uV^2/Hz at frequencies k * fs / nfft (k = 0..nfft/2). `nfft` must be a power of two. */
export function welch(
  x: ArrayLike<number>,
  fs: number,
  nfft = 512,
): { freqs: Float64Array; psd: Float64Array } {
  const half = nfft / 2;
  const psd = new Float64Array(half + 1);
  const win = new Float64Array(nfft);
  let wss = 0;
  for (let i = 0; i < nfft; i++) {
    win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nfft);
    wss += win[i] * win[i];
  }
  const re = new Float64Array(nfft);
  const im = new Float64Array(nfft);
  let segs = 0;
  for (let s = 0; s + nfft <= x.length; s += half) {
    let mean = 0;
    for (let i = 0; i < nfft; i++) mean += x[s + i];
    mean /= nfft;
    for (let i = 0; i < nfft; i++) {
      re[i] = (x[s + i] - mean) * win[i];
      im[i] = 0;
    }
    fftInPlace(re, im);
    for (let k = 0; k <= half; k++)
      psd[k] += (re[k] * re[k] + im[k] * im[k]) * (k === 0 || k === half ? 1 : 2);
    segs++;
  }
  for (let k = 0; k <= half; k++) psd[k] /= Math.max(1, segs) * wss * fs;
  const freqs = Float64Array.from({ length: half + 1 }, (_, k) => (k * fs) / nfft);
  return { freqs, psd };
}

/** Mean PSD over [lo, hi] Hz. */
export function bandPower(spec: { freqs: Float64Array; psd: Float64Array }, lo: number, hi: number): number {
  let s = 0;
  let n = 0;
  for (let k = 0; k < spec.freqs.length; k++)
    if (spec.freqs[k] >= lo && spec.freqs[k] <= hi) {
      s += spec.psd[k];
      n++;
    }
  return n ? s / n : 0;
}
