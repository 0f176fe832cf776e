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
