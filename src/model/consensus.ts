/**
 * Consensus decoding: greedy decoding that, at each sentence start, chooses among the ways the model
 * would word the same statement the one that agrees best with the others. Reports word one fact
 * several ways ("No sleep was obtained." / "Sleep was not recorded." / "The patient remained awake
 * throughout the recording."), and which one a given report uses is not in the EEG. Greedy decoding
 * takes the model's favourite, which on a small training set is whichever wording the nearest
 * training reports happened to use (held-out: "The patient remained awake..." 0.47, "No sleep..."
 * 0.32, "Sleep was not..." 0.09 for one recording; the training reports use each a third of the time).
 * The wording that shares the most words with the others is the better guess of an unknown one
 * (minimum Bayes risk, ./mbr.ts, here sentence by sentence over the model's alternatives, each
 * counted alike: the model's preference among them is the overfit part; weighted by its
 * probabilities the choice stayed the greedy one and ROUGE-1 did not move, docs/model.md).
 *
 *   sentence start -> branch on the likely first two tokens (p >= BRANCH_P each, <= 4 x 2 rows)
 *   -> each branch continued greedily to its sentence end -> of the branches that say what the
 *   greedy one says (`ConsensusGuide.key`), keep the one with the highest mean ROUGE-1 against the
 *   others (ties: the greedy one) -> next sentence
 */
import { type Decoder, type GenerateOptions, logSoftmax, penalize } from './generate.js';
import { mbrSelect, mbrSelectAgainst } from './mbr.js';

export interface ConsensusGuide {
  /** True when token `t`, after `prev`, ends a sentence (a '.', '!' or '?' that is no decimal point). */
  endsSentence(t: number, prev: number | undefined): boolean;
  /**
   * What a sentence states (findings, sides, numbers), after the section's text so far; sentences with
   * the same key are wordings of one statement. Null: not a candidate (a derailed sentence).
   */
  key(sentence: number[], before: number[]): string | null;
  /**
   * The training reports' wordings of what these candidate sentences state, weighted by how often
   * each was written; null or empty when there are none (then the candidates are scored against
   * each other).
   */
  evidence?(candidates: string[]): readonly [string, number][] | null;
  /** The text of token ids (for ROUGE-1). */
  decode(ids: number[]): string;
  /** A branch with a continuation token less probable than this (log, untempered) is not a candidate. */
  minLogp: number;
}

/** A first or second token is a branch when the model gives it at least this probability. */
const BRANCH_P = 0.05;
/** Branches per position: first tokens, and second tokens after each. */
const FIRST_BRANCHES = 4;
const SECOND_BRANCHES = 2;
/** White-space tokens taken greedily before the branching ones. */
const MAX_LEAD = 2;

interface Branch {
  ids: number[];
  /** Smallest log-probability of a greedy continuation token. */
  worst: number;
  /** The section ended within this sentence (the end token, or the token limit). */
  ended: boolean;
}

/** The most probable token (the first of equals). */
function argmax(lp: Float32Array): number {
  let best = 0;
  for (let t = 1; t < lp.length; t++) if (lp[t] > lp[best]) best = t;
  return best;
}

/** Top tokens of a log-distribution with log p >= log(BRANCH_P), best first, at most n (the best always). */
function topTokens(lp: Float32Array, n: number): number[] {
  const min = Math.log(BRANCH_P);
  const out: number[] = [];
  for (let t = 0; t < lp.length; t++) if (lp[t] >= min) out.push(t);
  const best = argmax(lp);
  if (!out.includes(best)) out.push(best);
  return out.sort((a, b) => lp[b] - lp[a]).slice(0, n);
}

/**
 * Writes the section after `context` sentence by sentence as described above; returns the generated
 * ids without the end token. With one branch at every sentence start it is greedy decoding.
 */
export async function consensusDecode(
  dec: Decoder,
  context: number[],
  eos: number,
  o: GenerateOptions,
  guide: ConsensusGuide,
  banned: ReadonlySet<number> = new Set(),
): Promise<number[]> {
  let text: number[] = [];
  while (text.length < o.maxTokens) {
    const branches = await branchRollouts(dec, context, text, eos, o, guide, banned);
    const greedy = branches[0];
    const key = guide.key(greedy.ids, text);
    const group =
      key === null
        ? [greedy]
        : branches.filter(
            (b, i) =>
              i === 0 ||
              (b.worst >= guide.minLogp && b.ended === greedy.ended && guide.key(b.ids, text) === key),
          );
    const texts = group.map((b) => guide.decode(b.ids));
    const evidence = group.length > 1 ? guide.evidence?.(texts) : null;
    text = [...text, ...group[evidence?.length ? mbrSelectAgainst(texts, evidence) : mbrSelect(texts)].ids];
    if (greedy.ended) break;
  }
  return text;
}

/**
 * The next sentence's branches: the likely first tokens, the likely second tokens after each, each
 * pair continued greedily to a sentence end or the end token, in one decoding (key/value cache) of at
 * most FIRST_BRANCHES x SECOND_BRANCHES rows. Branch 0 is the greedy sentence. An end token as the
 * first token ends the section (when it is the greedy choice) or is no branch.
 */
async function branchRollouts(
  dec: Decoder,
  context: number[],
  text: number[],
  eos: number,
  o: GenerateOptions,
  guide: ConsensusGuide,
  banned: ReadonlySet<number>,
): Promise<Branch[]> {
  const { decoding, logits: first } = await dec.start(
    [...context, ...text],
    FIRST_BRANCHES * SECOND_BRANCHES,
  );
  try {
    // a sentence that begins with white space (" " then "Normal", "\n" then "Clinical") branches
    // after it: the greedy white space leads every branch
    const lead: number[] = [];
    let l0: Float32Array = Float32Array.from(first);
    for (;;) {
      penalize(l0, [...text, ...lead], o, banned);
      if (text.length + lead.length < o.minTokens) l0[eos] = Number.NEGATIVE_INFINITY;
      const lp = logSoftmax(l0);
      const top = argmax(lp);
      if (top === eos || lead.length >= MAX_LEAD || guide.decode([top]).trim() !== '') break;
      lead.push(top);
      [l0] = await decoding.step([0], [top]);
    }
    const before = [...text, ...lead];
    const lp0 = logSoftmax(l0);
    const firsts = topTokens(lp0, FIRST_BRANCHES);
    if (firsts[0] === eos) return [{ ids: lead, worst: 0, ended: true }];
    const heads = firsts.filter((t) => t !== eos);
    // second tokens after each first one
    const second = await decoding.step(
      heads.map(() => 0),
      heads,
    );
    const rows: (Branch & { row: number; live: boolean })[] = [];
    const from: number[] = [];
    const tokens: number[] = [];
    heads.forEach((t1, i) => {
      const gen = [...before, t1];
      const ids = [...lead, t1];
      if (guide.endsSentence(t1, before[before.length - 1]) || gen.length >= o.maxTokens) {
        rows.push({ ids, worst: 0, ended: gen.length >= o.maxTokens, row: -1, live: false });
        return;
      }
      const l1 = second[i];
      penalize(l1, gen, o, banned);
      const lp1 = logSoftmax(l1);
      for (const t2 of topTokens(lp1, SECOND_BRANCHES)) {
        const branch = {
          ids: [...ids],
          worst: 0,
          ended: false,
          row: -1,
          live: false,
        };
        if (t2 === eos) branch.ended = true;
        else {
          branch.ids.push(t2);
          branch.live = !guide.endsSentence(t2, t1) && gen.length + 1 < o.maxTokens;
          branch.ended = gen.length + 1 >= o.maxTokens;
          if (branch.live) {
            branch.row = from.length;
            from.push(i);
            tokens.push(t2);
          }
        }
        rows.push(branch);
      }
    });
    // greedy continuations of the live branches, all rows in one step
    let live = rows.filter((r) => r.live);
    let logits = live.length ? await decoding.step(from, tokens) : [];
    while (live.length) {
      const next: number[] = [];
      const still: typeof live = [];
      live.forEach((r) => {
        const gen = [...text, ...r.ids];
        const l = logits[r.row];
        penalize(l, gen, o, banned);
        const lp = logSoftmax(l);
        const t = argmax(lp);
        r.worst = Math.min(r.worst, lp[t]);
        if (t === eos) {
          r.ended = true;
          return;
        }
        r.ids.push(t);
        if (gen.length + 1 >= o.maxTokens) r.ended = true;
        else if (!guide.endsSentence(t, gen[gen.length - 1])) {
          next.push(r.row);
          still.push(r);
        }
      });
      if (!still.length) break;
      logits = await decoding.step(
        next,
        still.map((r) => r.ids[r.ids.length - 1]),
      );
      still.forEach((r, i) => {
        r.row = i;
      });
      live = still;
    }
    // in creation order: the best first token's best second token first (the greedy sentence); whether
    // the section ends after a sentence is asked at the next sentence start
    return rows.map(({ ids, worst, ended }) => ({ ids, worst, ended }));
  } finally {
    decoding.close();
  }
}
