/**
 * Reads a model folder (the layout `celm train` writes, MODEL_FILES in ./train.ts): configuration,
 * tokenizer, report-model weights and the frozen segment encoder. Weights are plain safetensors read
 * from disk: no network, no runtime needed to open them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CelmError } from '../errors.js';
import type { Calibration } from './calibration.js';
import { type EncoderConfig, encoderConfigHash } from './encoder.js';
import type { Lexicon } from './lexicon.js';
import type { Phrasebook } from './phrasebook.js';
import { decodeSafetensors, type NamedArray } from './runtime/index.js';
import { BpeTokenizer } from './tokenizer.js';
import { MODEL_FILES, type ModelJson } from './train.js';

export interface ReportModelFiles {
  dir: string;
  meta: ModelJson;
  tokenizer: BpeTokenizer;
  weights: Map<string, NamedArray>;
  encoder: { config: EncoderConfig; key: string; weights: Map<string, NamedArray> } | null;
  /** A short human description of the training data, for the report footer. */
  trainedOn: string;
  /** The findings calibration (calibration.json), when the folder has one. */
  calibration: Calibration | null;
  /** The words of the training reports (lexicon.json), when the folder has them. */
  lexicon: ReadonlySet<string> | null;
  /** Sentence openings per section and finding (phrases.json), when the folder has them. */
  phrasebook: Phrasebook | null;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CelmError('model', `${path}: not readable JSON (${(e as Error).message})`);
  }
}

function readWeights(path: string): Map<string, NamedArray> {
  try {
    return decodeSafetensors(readFileSync(path)).tensors;
  } catch (e) {
    throw new CelmError('model', `${path}: not a safetensors file (${(e as Error).message})`);
  }
}

export function loadModelDir(dirIn: string): ReportModelFiles {
  const dir = resolve(dirIn);
  const need = (name: string) => {
    const p = join(dir, name);
    if (!existsSync(p))
      throw new CelmError(
        'model',
        `${dir}: not a celm model folder (no ${name}; train one with 'celm train')`,
      );
    return p;
  };
  const meta = readJson(need(MODEL_FILES.config)) as unknown as ModelJson;
  if (meta.format !== 'celm-report-model')
    throw new CelmError(
      'model',
      `${join(dir, MODEL_FILES.config)}: format is '${meta.format}', not celm-report-model`,
    );
  if (meta.version !== 1)
    throw new CelmError(
      'model',
      `${join(dir, MODEL_FILES.config)}: version ${meta.version} is newer than this celm`,
    );
  const tokenizer = BpeTokenizer.load(need(MODEL_FILES.tokenizer));
  if (tokenizer.vocabSize !== meta.model.vocab)
    throw new CelmError(
      'model',
      `${dir}: tokenizer has ${tokenizer.vocabSize} tokens, the model ${meta.model.vocab}`,
    );
  const weights = readWeights(need(MODEL_FILES.weights));
  let encoder: ReportModelFiles['encoder'] = null;
  if (meta.input !== 'features') {
    const ej = readJson(need(MODEL_FILES.encoderConfig));
    const config = (ej.encoder ?? ej.config) as EncoderConfig;
    if (!config)
      throw new CelmError('model', `${join(dir, MODEL_FILES.encoderConfig)}: no encoder configuration`);
    const w = readWeights(need(MODEL_FILES.encoderWeights));
    encoder = { config, key: `${encoderConfigHash(config)}-${weightsDigest(w)}`, weights: w };
  }
  const d = meta.trained_on;
  // a folder path shows as its last part; a description as written
  const source = d.data.startsWith('/') ? d.data.split('/').filter(Boolean).pop() : d.data;
  const trainedOn = `${d.reports} reports of ${source}`;
  const calPath = join(dir, MODEL_FILES.calibration);
  let calibration: Calibration | null = null;
  if (existsSync(calPath)) {
    calibration = readJson(calPath) as unknown as Calibration;
    if (calibration.format !== 'celm-findings-calibration' || calibration.version !== 1)
      throw new CelmError(
        'model',
        `${calPath}: format '${calibration.format}' version ${calibration.version} is not celm-findings-calibration 1`,
      );
    if (calibration.features_version !== meta.features_version)
      throw new CelmError(
        'model',
        `${calPath}: fitted on features version ${calibration.features_version}, the model reads ${meta.features_version}; run 'celm calibrate' again`,
      );
  }
  const lexPath = join(dir, MODEL_FILES.lexicon);
  let lexicon: Set<string> | null = null;
  if (existsSync(lexPath)) {
    const lex = readJson(lexPath) as unknown as Lexicon;
    if (lex.format !== 'celm-lexicon' || !Array.isArray(lex.words))
      throw new CelmError('model', `${lexPath}: not a celm-lexicon file`);
    lexicon = new Set(lex.words);
  }
  const phrasesPath = join(dir, MODEL_FILES.phrases);
  let phrasebook: Phrasebook | null = null;
  if (existsSync(phrasesPath)) {
    phrasebook = readJson(phrasesPath) as unknown as Phrasebook;
    if (
      phrasebook.format !== 'celm-phrasebook' ||
      phrasebook.version !== 1 ||
      typeof phrasebook.openings !== 'object'
    )
      throw new CelmError('model', `${phrasesPath}: not a celm-phrasebook version 1 file`);
  }
  return { dir, meta, tokenizer, weights, encoder, trainedOn, calibration, lexicon, phrasebook };
}

/** A short content digest of a weight map (cache keys change when the weights do). */
export function weightsDigest(w: Map<string, NamedArray>): string {
  let h = 0x811c9dc5;
  for (const [k, a] of w) {
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
    const u = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
    for (let i = 0; i < u.length; i += 7) h = Math.imul(h ^ u[i], 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
