/**
 * Physical-dimension normalisation. EDF stores the unit as free text ("uV", "µV" in latin-1 or UTF-8,
 * "mV", "V"); celm works in microvolts, so voltage signals can be scaled on request.
 */
const VOLT_PREFIX: Record<string, number> = { n: 1e-3, u: 1, µ: 1, μ: 1, m: 1e3, '': 1e6, k: 1e9 };

/** Factor that turns values in `dimension` into microvolts, or null when it is not a voltage unit. */
export function microvoltFactor(dimension: string): number | null {
  const m = /^([nuµμmk]?)V$/i.exec(dimension.trim().replace(/\s+/g, ''));
  if (!m) return null;
  // Only the prefix letter is case-sensitive in SI (m vs M); "UV" and "uv" are common spellings of uV.
  const prefix = m[1] === 'U' ? 'u' : m[1] === 'K' ? 'k' : m[1];
  if (prefix === 'M') return null;
  return VOLT_PREFIX[prefix] ?? null;
}
