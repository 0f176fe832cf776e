/**
 * Training data for the report model, read from a benchmark folder built by `celm dataset build`
 * (splits/{train,val,test}.jsonl + preprocessed/<id>/) and the per-recording segment vectors of the
 * embedding cache (./embed.ts). One example = one section of one report; the EEG rows of a report
 * are all of its sessions' segments, a separator row between sessions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ABNORMAL_KINDS, FINDING_KINDS } from '../clinical/findings.js';
import { CELM_SECTIONS, type CelmReport, celmReportToText } from '../clinical/sections.js';
import { CelmError } from '../errors.js';
import { labelReport } from '../eval/clinical/labeler.js';
import { ROW_PAD, ROW_SEGMENT, ROW_SESSION_SEP } from './celm.js';
import { type FindingSides, SIDED_KINDS } from './features.js';
import { sinusoid } from './layers.js';
import type { Backend, Tensor } from './runtime/index.js';
import type { BpeTokenizer } from './tokenizer.js';

export interface DatasetRecording {
  path: string;
  preprocessed_id: string | null;
  preprocess?: string;
}
export interface DatasetItem {
  id: string;
  patient_id: string;
  split: string;
  sessions: { session: string; recordings: DatasetRecording[] }[];
  report_sections: CelmReport['report_sections'];
  patient_history: string;
}

/** Reads splits/<split>.jsonl of a benchmark folder; items with no usable recording are left out. */
export function readSplit(dataDir: string, split: string): DatasetItem[] {
  const p = join(dataDir, 'splits', `${split}.jsonl`);
  if (!existsSync(p))
    throw new CelmError('data', `${dataDir}: no splits/${split}.jsonl (build it with 'celm dataset build')`);
  const items: DatasetItem[] = [];
  readFileSync(p, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let it: DatasetItem;
      try {
        it = JSON.parse(line);
      } catch {
        throw new CelmError('data', `${p}: line ${i + 1} is not JSON`);
      }
      if (!Array.isArray(it.sessions) || !Array.isArray(it.report_sections))
        throw new CelmError('data', `${p}: line ${i + 1} has no sessions / report_sections`);
      const usable = it.sessions.some((s) => s.recordings.some((r) => r.preprocessed_id));
      if (usable && it.report_sections.some((s) => s.section_text.trim())) items.push(it);
    });
  return items;
}

/**
 * What the findings prompt (config `findingsPrompt`) states: the present finding kinds (in AUX_LABELS
 * order), the side of focal ones, and the verdict. In training they come from the labeler on the
 * reference; in `celm report`, from the findings head and the measured sides.
 */
export interface PromptFindings {
  kinds: string[];
  sides: FindingSides;
  abnormal: boolean | null;
}

/** "findings: focal epileptiform right, seizure, drowsiness; abnormal" */
export function findingsLine(f: PromptFindings): string {
  const side = (k: string) => f.sides[k as keyof FindingSides];
  const kinds = f.kinds.map((k) => `${k.replace(/_/g, ' ')}${side(k) ? ` ${side(k)}` : ''}`);
  const verdict = f.abnormal === null ? '' : f.abnormal ? '; abnormal' : '; normal';
  return `findings: ${kinds.length ? kinds.join(', ') : 'none'}${verdict}`;
}

/** The prompt findings of a reference report (the labeler's reading). */
export function reportFindings(report: CelmReport): PromptFindings {
  const labels = labelReport(celmReportToText(report));
  const present = labels.findings.filter((f) => f.polarity === 'present');
  const kinds = FINDING_KINDS.filter((k) => present.some((f) => f.kind === k));
  const sides: PromptFindings['sides'] = {};
  for (const k of SIDED_KINDS) {
    const side = present.find((f) => f.kind === k && (f.side === 'left' || f.side === 'right'))?.side;
    if (side === 'left' || side === 'right') sides[k] = side;
  }
  const abnormal = labels.abnormal ?? present.some((f) => ABNORMAL_KINDS.has(f.kind));
  return { kinds, sides, abnormal };
}

/** Auxiliary targets: every finding kind (present = 1) plus 'abnormal'; from the labeler on the report. */
export const AUX_LABELS = [...FINDING_KINDS, 'abnormal'] as const;

export function auxTargets(report: CelmReport): Float32Array {
  const labels = labelReport(celmReportToText(report));
  const y = new Float32Array(AUX_LABELS.length);
  for (const f of labels.findings) if (f.polarity === 'present') y[FINDING_KINDS.indexOf(f.kind)] = 1;
  const abnormal =
    labels.abnormal ?? labels.findings.some((f) => f.polarity === 'present' && ABNORMAL_KINDS.has(f.kind));
  y[AUX_LABELS.length - 1] = abnormal ? 1 : 0;
  return y;
}

/** Section tokens: one special per CELM section (and the history marker), in a fixed order. */
export const SECTION_TOKENS = CELM_SECTIONS.map(
  (s) =>
    `<sec:${s
      .toLowerCase()
      .replace(/[^a-z]+/g, '-')
      .replace(/-$/, '')}>`,
);
export const SPECIAL_TOKENS = ['<pad>', '<eos>', '<hist>', '<unk>', ...SECTION_TOKENS];

export function sectionToken(name: string): string {
  const i = CELM_SECTIONS.indexOf(name as (typeof CELM_SECTIONS)[number]);
  if (i < 0) throw new CelmError('usage', `unknown section '${name}' (known: ${CELM_SECTIONS.join(', ')})`);
  return SECTION_TOKENS[i];
}

/** The EEG rows of one report: its segment vectors, sessions separated. */
export interface Rows {
  data: Float32Array; // [S, Din]
  type: Uint8Array; // [S] ROW_*
  pos: Float32Array; // [S] position (segments since the session start)
}

/** Joins sessions' segment vectors ([n_i, Din] each) with separator rows; keeps at most maxRows. */
export function assembleRows(sessions: Float32Array[][], din: number, maxRows = Infinity): Rows {
  const parts: { v: Float32Array; type: number; pos: number }[] = [];
  sessions.forEach((recs, si) => {
    if (si > 0) parts.push({ v: new Float32Array(0), type: ROW_SESSION_SEP, pos: 0 });
    let pos = 0;
    for (const r of recs) {
      const n = r.length / din;
      for (let i = 0; i < n; i++)
        parts.push({ v: r.subarray(i * din, (i + 1) * din), type: ROW_SEGMENT, pos: pos++ });
    }
  });
  // Too long: keep evenly spaced rows (every k-th) so the whole recording stays represented.
  let keep = parts;
  if (parts.length > maxRows) {
    keep = Array.from({ length: maxRows }, (_, i) => parts[Math.floor((i * parts.length) / maxRows)]);
  }
  const S = keep.length;
  const data = new Float32Array(S * din);
  const type = new Uint8Array(S);
  const pos = new Float32Array(S);
  keep.forEach((p, i) => {
    if (p.type === ROW_SEGMENT) data.set(p.v, i * din);
    type[i] = p.type;
    pos[i] = p.pos;
  });
  return { data, type, pos };
}

/** Projector inputs for a batch of row sets, padded to a common multiple of `chunk`. */
export interface RowBatch {
  rows: Tensor; // float [B, S, Din]
  rowType: Tensor; // int64 [B, S]
  rowPos: Tensor; // float [B, S, d]
  chunkPad: Tensor; // bool [B*S/chunk, 1, 1, chunk]
  rowPad: Tensor; // bool [B, 1, 1, S]
}

export function paddedLength(n: number, chunk: number): number {
  return Math.max(chunk, Math.ceil(n / chunk) * chunk);
}

export function rowBatchArrays(sets: Rows[], din: number, d: number, chunk: number, S?: number) {
  const B = sets.length;
  const len = S ?? paddedLength(Math.max(...sets.map((r) => r.type.length)), chunk);
  const rows = new Float32Array(B * len * din);
  const type = new Int32Array(B * len);
  const posIdx = new Float32Array(B * len);
  sets.forEach((r, b) => {
    rows.set(r.data, b * len * din);
    for (let i = 0; i < r.type.length; i++) type[b * len + i] = r.type[i];
    posIdx.set(r.pos, b * len);
  });
  const rowPos = sinusoid(posIdx, d);
  const rowPad = new Uint8Array(B * len);
  for (let i = 0; i < B * len; i++) rowPad[i] = type[i] === ROW_PAD ? 1 : 0;
  // A window of padding only would hide every key (softmax of nothing): let it see its first row.
  const chunkPad = rowPad.slice();
  for (let w = 0; w < (B * len) / chunk; w++) {
    let all = true;
    for (let j = 0; j < chunk && all; j++) all = chunkPad[w * chunk + j] === 1;
    if (all) chunkPad[w * chunk] = 0;
  }
  return { B, S: len, rows, type, rowPos, rowPad, chunkPad };
}

export function rowBatch(
  be: Backend,
  sets: Rows[],
  din: number,
  d: number,
  chunk: number,
  S?: number,
): RowBatch {
  const a = rowBatchArrays(sets, din, d, chunk, S);
  return {
    rows: be.tensor(a.rows, [a.B, a.S, din]),
    rowType: be.tensorInt(a.type, [a.B, a.S]),
    rowPos: be.tensor(a.rowPos, [a.B, a.S, d]),
    chunkPad: be.tensorBool(a.chunkPad, [(a.B * a.S) / chunk, 1, 1, chunk]),
    rowPad: be.tensorBool(a.rowPad, [a.B, 1, 1, a.S]),
  };
}

/** Tokens of the findings prompt kept at most. */
export const MAX_PROMPT_TOKENS = 64;

/**
 * Decoder token ids of one example: <hist> history [findings prompt] <sec:NAME> text <eos>, truncated
 * to `room` tokens; returns the ids and where the section token sits (the loss starts there).
 */

export function exampleTokens(
  tok: BpeTokenizer,
  history: string,
  section: string,
  text: string | null,
  maxHistory: number,
  room: number,
  prompt = '',
): { ids: number[]; start: number } {
  const hist = history.trim() ? tok.encode(` ${history.trim()}`).slice(0, maxHistory) : [];
  const said = prompt ? tok.encode(` ${prompt}`).slice(0, MAX_PROMPT_TOKENS) : [];
  const ids = [tok.tokenId('<hist>'), ...hist, ...said, tok.tokenId(sectionToken(section))];
  const start = ids.length - 1;
  if (text !== null) {
    const body = tok.encode(` ${text.trim()}`);
    ids.push(...body.slice(0, Math.max(0, room - ids.length - 1)), tok.tokenId('<eos>'));
  }
  return { ids: ids.slice(0, room), start };
}
