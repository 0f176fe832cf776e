/**
 * Loss weights on the tokens of finding sentences (`train.findingWeight`). Most of a section's
 * tokens are boilerplate that any report repeats ("The recording was performed..."); the tokens that
 * depend on the EEG are the few of the sentences that state a finding. The plain next-token loss lets
 * the decoder reach a low loss from the boilerplate alone and learn the finding sentences as a prior
 * over what usually follows (docs/model.md, "The decoder barely reads its conditioning"): weighting
 * those sentences' tokens makes the loss pay for not reading the prefix.
 */
import { sentencesOf } from './lexicon.js';
import { statedKinds } from './phrasebook.js';
import type { Ops, Tensor } from './runtime/index.js';
import type { BpeTokenizer } from './tokenizer.js';

/**
 * Weight of each token of `tok.encode(' ' + text.trim())` (the section body of exampleTokens): `weight`
 * for a token that overlaps a sentence stating a finding of `section` (or the impression's abnormal
 * verdict), 1 elsewhere. Null when no sentence states one (every weight 1).
 */
export function findingTokenWeights(
  tok: BpeTokenizer,
  section: string,
  text: string,
  weight: number,
): Float32Array | null {
  const body = ` ${text.trim()}`;
  // byte spans of the stating sentences within `body` (token boundaries are byte offsets)
  const spans: [number, number][] = [];
  let cursor = 1;
  for (const s of sentencesOf(text.trim())) {
    const at = body.indexOf(s, cursor);
    if (at < 0) continue;
    cursor = at + s.length;
    if (statedKinds(section, s).length === 0) continue;
    const b0 = Buffer.byteLength(body.slice(0, at));
    spans.push([b0, b0 + Buffer.byteLength(s)]);
  }
  if (!spans.length) return null;
  const ids = tok.encode(body);
  const out = new Float32Array(ids.length).fill(1);
  let pos = 0;
  for (const [i, id] of ids.entries()) {
    const end = pos + tok.tokenBytes(id).length;
    if (spans.some(([a, b]) => pos < b && end > a)) out[i] = weight;
    pos = end;
  }
  return out;
}

/**
 * Weighted mean of -log p(target): logits [N, V], targets [N] (-1 = no target), w [N]. With every
 * weight 1 it is the backend's crossEntropy (ignore index -1). Computed as one crossEntropy per
 * distinct weight (two here), combined by their token counts: a dense [N, V] weight matrix instead
 * (no gather in the backend) allocated 12 MB a training step and doubled the step time.
 */
export function weightedCrossEntropy(be: Ops, logits: Tensor, targets: Int32Array, w: Float32Array): Tensor {
  const N = targets.length;
  const byWeight = new Map<number, number>(); // weight -> tokens
  for (let n = 0; n < N; n++) if (targets[n] >= 0) byWeight.set(w[n], (byWeight.get(w[n]) ?? 0) + 1);
  let total = 0;
  for (const [weight, count] of byWeight) total += weight * count;
  let loss: Tensor | null = null;
  for (const [weight, count] of byWeight) {
    const only = Int32Array.from(targets, (t, n) => (t >= 0 && w[n] === weight ? t : -1));
    const part = be.mulScalar(be.crossEntropy(logits, be.tensorInt(only, [N]), -1), (weight * count) / total);
    loss = loss ? be.add(loss, part) : part;
  }
  return loss ?? be.mulScalar(be.sum(logits), 0);
}
