/** Array helpers of the signal code. */

/**
 * dst[at + k] = src[from + k] for k < to - from. Typed arrays go through TypedArray.prototype.set, one
 * native copy with exact conversion (float32 -> float64 is exact); an element loop over inputs of
 * mixed types (Float32Array from the reader, Float64Array pads) was megamorphic and about 5x slower.
 */
export function copyInto(
  dst: Float64Array,
  at: number,
  src: ArrayLike<number>,
  from: number,
  to: number,
): void {
  if (to <= from) return;
  if (ArrayBuffer.isView(src)) {
    const s = src as unknown as Float32Array | Float64Array;
    dst.set(from === 0 && to === s.length ? s : s.subarray(from, to), at);
    return;
  }
  for (let k = from; k < to; k++) dst[at + k - from] = src[k];
}

/** The median of v (the mean of the middle two for an even count); NaN when empty. */
export function median(v: number[]): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
