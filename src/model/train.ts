/**
 * `celm train`: the report model (projector, perceiver, decoder, auxiliary findings head) on a
 * benchmark folder, with the segment encoder frozen (CELM's recipe). Stages:
 *   1. tokenizer: byte-level BPE trained on the training split's section texts and histories;
 *   2. segment vectors: every recording of the train and val splits through the encoder once, cached
 *      in DATA/embeddings/ (resumable: each recording's file is written atomically);
 *   3. the loop (./trainer.ts): one example = one section of one report; loss = next-token
 *      cross-entropy on the section text + auxWeight x BCE of the findings head.
 * The output folder is a self-contained model (see MODEL_FILES), loadable by `celm report --model`.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CELM_SECTIONS } from '../clinical/sections.js';
import { Rng } from '../datasets/synth/prng.js';
import { CelmError } from '../errors.js';
import {
  bceWithLogits,
  DEFAULT_REPORT_MODEL,
  prefixLength,
  ReportModel,
  type ReportModelConfig,
} from './celm.js';
import {
  AUX_LABELS,
  assembleRows,
  auxTargets,
  type DatasetItem,
  exampleTokens,
  findingsLine,
  type Rows,
  readSplit,
  reportFindings,
  rowBatch,
  SPECIAL_TOKENS,
} from './data.js';
import { recordingVectors, type SegmentInput, segmentVectorDim } from './embed.js';
import { type LoadedEncoder, loadEncoderDir, torchEmbedder } from './encoder-io.js';
import { FEATURES_VERSION } from './features.js';
import { findingTokenWeights, weightedCrossEntropy } from './finding-weights.js';
import { writeLexicon } from './lexicon.js';
import { ortEmbedder } from './runner.js';
import type { Backend } from './runtime/index.js';
import { loadOrt } from './runtime/onnx/index.js';
import { BpeTokenizer } from './tokenizer.js';
import { runTrainingAsync, type TrainSchedule, type TrainSummary } from './trainer.js';

export interface ReportTrainConfig {
  model: typeof DEFAULT_REPORT_MODEL;
  input: SegmentInput;
  vocabSize: number;
  /**
   * The decoder reads a findings line before each section ("findings: focal epileptiform right, ...;
   * abnormal"): the reference's findings in training, the findings head's and the measured sides in
   * `celm report`. Off in the default model.
   */
  findingsPrompt: boolean;
  train: TrainSchedule & {
    batchSize: number;
    /** Distinct reports per batch (their sections share one projector pass). */
    reportsPerBatch: number;
    auxWeight: number;
    maxHistory: number; // history tokens kept
    historyDropout: number; // fraction of training examples shown without the history
    /**
     * Fraction of training examples whose findings token is made from the reference's labels
     * (smoothed to 0.05 / 0.95) instead of the head's probabilities, so that the decoder learns to
     * write what the token says (and `celm report` can set it from a measurement: calibration.ts).
     * 0 = the head's probabilities always (the token then carries only what the head has learnt).
     */
    findingsTeacher: number;
    /**
     * Loss weight of the tokens of sentences that state a finding (./finding-weights.ts); 1 = the
     * plain token mean. Training batches only: the validation loss stays the plain mean.
     */
    findingWeight: number;
    maxRows: number; // segment rows per report (longer reports are subsampled evenly)
    valExamples: number;
  };
}

export const DEFAULT_TRAIN_CONFIG: ReportTrainConfig = {
  model: DEFAULT_REPORT_MODEL,
  input: 'encoder+features',
  vocabSize: 1024,
  findingsPrompt: false,
  train: {
    seed: 1,
    maxSteps: 1800,
    lr: 1e-3,
    minLr: 1e-4,
    warmupSteps: 100,
    weightDecay: 0.05,
    gradClip: 1,
    evalEvery: 100,
    patience: 4,
    batchSize: 12,
    reportsPerBatch: 4,
    auxWeight: 1,
    maxHistory: 40,
    historyDropout: 0.2,
    findingsTeacher: 0,
    findingWeight: 1,
    maxRows: 768,
    valExamples: 96,
  },
};

/** Merges a user config over the defaults; unknown keys are errors naming the key. */
export function resolveTrainConfig(user: unknown, source: string): ReportTrainConfig {
  const merge = (base: Record<string, unknown>, over: unknown, path: string): Record<string, unknown> => {
    if (over === undefined) return { ...base };
    if (typeof over !== 'object' || over === null || Array.isArray(over))
      throw new CelmError('config', `${source}: '${path || 'config'}' must be an object`);
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      if (!(k in base))
        throw new CelmError('config', `${source}: unknown key '${path ? `${path}.` : ''}${k}'`);
      const b = base[k];
      if (typeof b === 'object' && b !== null)
        out[k] = merge(b as Record<string, unknown>, v, path ? `${path}.${k}` : k);
      else {
        if (typeof v !== typeof b)
          throw new CelmError('config', `${source}: '${path ? `${path}.` : ''}${k}' must be a ${typeof b}`);
        out[k] = v;
      }
    }
    return out;
  };
  const cfg = merge(
    DEFAULT_TRAIN_CONFIG as unknown as Record<string, unknown>,
    user,
    '',
  ) as unknown as ReportTrainConfig;
  if (!['encoder+features', 'encoder', 'features'].includes(cfg.input))
    throw new CelmError('config', `${source}: 'input' must be encoder+features, encoder or features`);
  return cfg;
}

/** The files of a model folder (a public layout: `celm report --model DIR` reads it). */
export const MODEL_FILES = {
  config: 'model.json',
  weights: 'model.safetensors',
  tokenizer: 'tokenizer.json',
  encoderWeights: 'encoder.safetensors',
  encoderConfig: 'encoder.json',
  /** Optional: the findings calibration of `celm calibrate` (./calibration.ts). */
  calibration: 'calibration.json',
  /** Optional: the words of the training reports (./lexicon.ts). */
  lexicon: 'lexicon.json',
  /** Optional: the training reports' sentence openings per finding (./phrasebook.ts), by `celm calibrate`. */
  phrases: 'phrases.json',
} as const;

export interface ModelJson {
  format: 'celm-report-model';
  version: 1;
  model: ReportModelConfig;
  input: SegmentInput;
  features_version: number;
  /** The decoder reads a findings prompt (absent: false). */
  findings_prompt?: boolean;
  labels: string[];
  sections: string[];
  max_history: number;
  max_rows: number;
  trained_on: { data: string; reports: number; examples: number };
  training: TrainSummary | null;
  created: string;
}

interface Example {
  item: number;
  section: string;
  ids: number[];
  start: number;
  /** The same example without the patient history (history dropout). */
  bare: { ids: number[]; start: number };
  /** The decoder reads the reference's findings in the findings token (train.findingsTeacher). */
  teacher?: boolean;
  /** Loss weight of each section-text token (train.findingWeight), null = all 1. */
  bodyWeights: Float32Array | null;
}

async function frozenEmbedder(be: Backend, enc: LoadedEncoder, threads: number, log: (l: string) => void) {
  try {
    await loadOrt();
    log('encoder: onnxruntime');
    return ortEmbedder(enc, threads);
  } catch {
    log('encoder: libtorch (onnxruntime-node not available)');
    return torchEmbedder(be, enc);
  }
}

export interface TrainReportOptions {
  dataDir: string;
  encoderDir: string | null;
  outDir: string;
  config: ReportTrainConfig;
  threads?: number;
  restart?: boolean;
  quiet?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export async function trainReportModel(be: Backend, o: TrainReportOptions): Promise<TrainSummary> {
  const { config: cfg } = o;
  const log = o.log ?? ((l: string) => o.quiet || process.stderr.write(`${l}\n`));
  mkdirSync(o.outDir, { recursive: true });
  if (o.threads) be.setNumThreads(o.threads);
  be.manualSeed(cfg.train.seed);
  const train = readSplit(o.dataDir, 'train');
  const val = readSplit(o.dataDir, 'val');
  if (!train.length) throw new CelmError('data', `${o.dataDir}: the train split has no usable report`);
  if (!val.length) throw new CelmError('data', `${o.dataDir}: the val split has no usable report`);
  log(`train: ${train.length} reports, val: ${val.length}`);

  // 1. tokenizer (reused when the folder already holds one: a resumed run must see the same ids)
  const tokPath = join(o.outDir, MODEL_FILES.tokenizer);
  let tok: BpeTokenizer;
  if (existsSync(tokPath) && !o.restart) tok = BpeTokenizer.load(tokPath);
  else {
    const texts = train.flatMap((it) => [
      ...it.report_sections.map((s) => s.section_text),
      it.patient_history,
    ]);
    tok = BpeTokenizer.train(texts, { vocabSize: cfg.vocabSize, specials: SPECIAL_TOKENS });
    tok.save(tokPath);
  }
  log(`tokenizer: ${tok.vocabSize} tokens`);
  writeLexicon(join(o.outDir, MODEL_FILES.lexicon), train);

  // 2. segment vectors
  // The frozen encoder runs on ONNX Runtime when it loads (~2.5x less CPU than libtorch), else libtorch.
  const enc = cfg.input === 'features' ? null : loadEncoderDir(o.encoderDir);
  const embedder = enc ? await frozenEmbedder(be, enc, o.threads ?? 2, log) : null;
  const din = segmentVectorDim(enc?.config.d ?? 0, cfg.input);
  const cacheDir = join(o.dataDir, 'embeddings');
  const rowsOf = async (items: DatasetItem[], label: string): Promise<Rows[]> => {
    const out: Rows[] = [];
    const t0 = Date.now();
    for (const [i, it] of items.entries()) {
      const sessions: Float32Array[][] = [];
      for (const s of it.sessions) {
        const recs: Float32Array[] = [];
        for (const r of s.recordings) {
          if (!r.preprocessed_id) continue;
          const pre = join(o.dataDir, 'preprocessed', r.preprocessed_id);
          recs.push(await recordingVectors(pre, embedder, cfg.input, cacheDir, FEATURES_VERSION));
        }
        if (recs.length) sessions.push(recs);
      }
      out.push(assembleRows(sessions, din, cfg.train.maxRows));
      if (!o.quiet && (i % 10 === 9 || i === items.length - 1)) {
        const el = (Date.now() - t0) / 1000;
        const eta = (el / (i + 1)) * (items.length - i - 1);
        process.stderr.write(`\r${label}: report ${i + 1}/${items.length}, ETA ${eta.toFixed(0)} s   `);
      }
    }
    if (!o.quiet) process.stderr.write('\n');
    return out;
  };
  const trainRows = await rowsOf(train, 'segment vectors (train)');
  const valRows = await rowsOf(val, 'segment vectors (val)');

  // 3. examples
  const mcfg: ReportModelConfig = {
    ...cfg.model,
    segmentDim: din,
    vocab: tok.vocabSize,
    labels: AUX_LABELS.length,
  };
  const prefixLen = prefixLength(mcfg);
  const examplesOf = (items: DatasetItem[]): Example[] =>
    items.flatMap((it, item) => {
      const prompt = cfg.findingsPrompt ? findingsLine(reportFindings(it)) : '';
      return it.report_sections
        .filter((s) => (CELM_SECTIONS as readonly string[]).includes(s.section_name) && s.section_text.trim())
        .map((s) => ({
          item,
          section: s.section_name,
          ...exampleTokens(
            tok,
            it.patient_history,
            s.section_name,
            s.section_text,
            cfg.train.maxHistory,
            mcfg.ctx - prefixLen,
            prompt,
          ),
          bare: exampleTokens(
            tok,
            '',
            s.section_name,
            s.section_text,
            cfg.train.maxHistory,
            mcfg.ctx - prefixLen,
            prompt,
          ),
          bodyWeights:
            cfg.train.findingWeight === 1
              ? null
              : findingTokenWeights(tok, s.section_name, s.section_text, cfg.train.findingWeight),
        }));
    });
  const trainEx = examplesOf(train);
  const valEx = new Rng(cfg.train.seed).shuffle(examplesOf(val)).slice(0, cfg.train.valExamples);
  const trainAux = train.map((it) => auxTargets(it));
  const valAux = val.map((it) => auxTargets(it));
  log(`examples: ${trainEx.length} train, ${valEx.length} val; segment vector ${din} floats`);

  const model = new ReportModel(be, mcfg);
  log(`report model: ${(model.params.count() / 1e6).toFixed(2)} M parameters`);

  const lossOf = (batch: Example[], rows: Rows[], aux: Float32Array[], trainMode: boolean) => {
    // Each distinct report is compressed once; its sections share the prefix.
    const items = [...new Set(batch.map((e) => e.item))];
    const rb = rowBatch(
      be,
      items.map((i) => rows[i]),
      din,
      mcfg.d,
      mcfg.chunk,
    );
    const c = model.compress(rb.rows, rb.rowType, rb.rowPos, rb.chunkPad, rb.rowPad, trainMode);
    const pick = be.tensorInt(
      Int32Array.from(batch, (e) => items.indexOf(e.item)),
      [batch.length],
    );
    let prefix = be.indexSelect(c.prefix, 0, pick); // [B, P, d]
    const auxLogits = be.indexSelect(c.aux, 0, pick); // [B, N]
    if (trainMode && batch.some((e) => e.teacher)) {
      // findings token from the smoothed reference labels on teacher rows, the head's elsewhere
      const N = AUX_LABELS.length;
      const teach = new Float32Array(batch.length * N);
      const m = new Float32Array(batch.length);
      batch.forEach((e, b) => {
        m[b] = e.teacher ? 1 : 0;
        for (let k = 0; k < N; k++) teach[b * N + k] = 0.05 + 0.9 * aux[e.item][k];
      });
      const w = be.tensor(m, [batch.length, 1]); // [B, 1]
      const head = be.div(be.ones([1]), be.addScalar(be.exp(be.neg(auxLogits)), 1)); // sigmoid [B, N]
      const probs = be.add(
        be.mul(head, be.addScalar(be.neg(w), 1)),
        be.mul(be.tensor(teach, [batch.length, N]), w),
      );
      prefix = model.withFindings(prefix, probs);
    }
    const T = Math.max(...batch.map((e) => e.ids.length));
    const ids = new Int32Array(batch.length * T);
    const targets = new Int32Array(batch.length * T).fill(-1);
    batch.forEach((e, b) => {
      for (let t = 0; t < T; t++) ids[b * T + t] = t < e.ids.length ? e.ids[t] : 0;
      for (let t = e.start; t < e.ids.length - 1; t++) targets[b * T + t] = e.ids[t + 1];
    });
    const logits = model.decode(
      prefix,
      be.tensorInt(ids, [batch.length, T]),
      be.causalMask(prefixLen + T),
      trainMode,
    ); // [B, T, V]
    const flat = be.reshape(logits, [batch.length * T, mcfg.vocab]); // [B*T, V]
    const lm =
      trainMode && batch.some((e) => e.bodyWeights)
        ? weightedCrossEntropy(be, flat, targets, tokenWeights(batch, T))
        : be.crossEntropy(flat, be.tensorInt(targets, [batch.length * T]), -1);
    const y = new Float32Array(batch.length * AUX_LABELS.length);
    batch.forEach((e, b) => {
      y.set(aux[e.item], b * AUX_LABELS.length);
    });
    const bce = bceWithLogits(be, auxLogits, be.tensor(y, [batch.length, AUX_LABELS.length]));
    return { total: be.add(lm, be.mulScalar(bce, cfg.train.auxWeight)), lm, bce };
  };

  /** Weight of each target of a batch [B*T]: the weight of the token it predicts (0 = no target). */
  const tokenWeights = (batch: Example[], T: number): Float32Array => {
    const w = new Float32Array(batch.length * T);
    batch.forEach((e, b) => {
      // target t predicts ids[t + 1]; the section text begins at ids[start + 1]
      for (let t = e.start; t < e.ids.length - 1; t++) w[b * T + t] = e.bodyWeights?.[t - e.start] ?? 1;
    });
    return w;
  };

  // A batch: `reportsPerBatch` reports in a per-epoch shuffled order, batchSize / reportsPerBatch of
  // each one's sections drawn at random; a pure function of (seed, step), so resumes see the same data.
  const B = cfg.train.batchSize;
  const R = Math.max(1, Math.min(cfg.train.reportsPerBatch, B));
  const sectionsOf = train.map((_, i) => trainEx.filter((e) => e.item === i));
  const usable = [...train.keys()].filter((i) => sectionsOf[i].length > 0);
  const orders = new Map<number, number[]>();
  const batchFor = (step: number): Example[] => {
    const perEpoch = Math.max(1, Math.floor(usable.length / R));
    const epoch = Math.floor(step / perEpoch);
    let order = orders.get(epoch);
    if (!order) {
      order = new Rng(cfg.train.seed * 1000003 + epoch).shuffle([...usable]);
      orders.clear();
      orders.set(epoch, order);
    }
    const rng = new Rng(cfg.train.seed * 7919 + step);
    const out: Example[] = [];
    for (let r = 0; r < R; r++) {
      const secs = rng.shuffle([...sectionsOf[order[((step % perEpoch) * R + r) % order.length]]]);
      const take = Math.ceil((B - out.length) / (R - r));
      for (let k = 0; k < take; k++) {
        const e = secs[k % secs.length];
        // history dropout: the model must also write when no history is given
        const ex = rng.next() < cfg.train.historyDropout ? { ...e, ...e.bare } : e;
        // drawn only when set, so that older configurations keep their exact batches
        out.push(
          cfg.train.findingsTeacher > 0 ? { ...ex, teacher: rng.next() < cfg.train.findingsTeacher } : ex,
        );
      }
    }
    return out;
  };

  const configHash = createHash('sha256')
    .update(JSON.stringify({ cfg, din, vocab: tok.vocabSize, encoder: enc?.key ?? null, data: train.length }))
    .digest('hex')
    .slice(0, 16);
  const summary = await runTrainingAsync(
    be,
    o.outDir,
    cfg.train,
    {
      params: model.params.map,
      step(step) {
        const { total, lm, bce } = lossOf(batchFor(step), trainRows, trainAux, true);
        total.backward();
        return { loss: total.item(), lm: lm.item(), aux: bce.item() };
      },
      validate() {
        let lm = 0;
        let aux = 0;
        let n = 0;
        for (let i = 0; i < valEx.length; i += B) {
          const batch = valEx.slice(i, i + B);
          be.tidy(() => {
            const r = lossOf(batch, valRows, valAux, false);
            lm += r.lm.item() * batch.length;
            aux += r.bce.item() * batch.length;
          });
          n += batch.length;
        }
        return { loss: (lm + cfg.train.auxWeight * aux) / n, lm: lm / n, aux: aux / n };
      },
    },
    { label: 'train', configHash, quiet: o.quiet, signal: o.signal, restart: o.restart },
  );

  // 4. the model folder
  const best = join(o.outDir, 'best.safetensors');
  if (!existsSync(best)) throw new CelmError('train', `${o.outDir}: training wrote no best.safetensors`);
  copyFileSync(best, join(o.outDir, MODEL_FILES.weights));
  if (enc) {
    copyFileSync(enc.weightsPath, join(o.outDir, MODEL_FILES.encoderWeights));
    writeFileSync(join(o.outDir, MODEL_FILES.encoderConfig), readFileSync(enc.configPath));
  }
  const meta: ModelJson = {
    format: 'celm-report-model',
    version: 1,
    model: mcfg,
    input: cfg.input,
    features_version: FEATURES_VERSION,
    findings_prompt: cfg.findingsPrompt,
    labels: [...AUX_LABELS],
    sections: [...CELM_SECTIONS],
    max_history: cfg.train.maxHistory,
    max_rows: cfg.train.maxRows,
    trained_on: { data: o.dataDir, reports: train.length, examples: trainEx.length },
    training: summary,
    created: new Date().toISOString(),
  };
  const tmp = join(o.outDir, `.${MODEL_FILES.config}.partial`);
  writeFileSync(tmp, `${JSON.stringify(meta, null, 2)}\n`);
  renameSync(tmp, join(o.outDir, MODEL_FILES.config));
  return summary;
}
