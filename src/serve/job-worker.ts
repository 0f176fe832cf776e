/**
 * Worker thread of a report job. With a model folder, the draft is the learned report model's
 * (`draftReport`, src/model/report.ts): preprocessing (cached by file hash), segment vectors, text,
 * the measured values and the findings head's probabilities. Without one, the draft is the
 * quantitative-EEG template baseline (src/eval/baselines), labelled as such.
 *
 * Either way the preprocessing goes to `<cacheDir>/preprocessed/<sha16>/` (the layout
 * `preprocessRecording` writes and `draftReport` caches in), which the viewer reads too (artifact runs
 * on the findings timeline): one preprocessing pass per recording's bytes.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { templateInputFromSignal, templateReport } from '../eval/baselines/index.js';
import type { MeasuredValues } from '../model/report.js';
import { DEFAULT_SETTINGS, preprocessRecording, type QeegSummary } from '../signal/index.js';
import type { ModelOutput } from './store.js';

export interface JobInput {
  path: string;
  /** Preprocessing (and segment-vector) cache: `<data dir>/cache`. */
  cacheDir: string;
  /** Report model folder, or null for the template draft. */
  modelDir: string | null;
}

export type JobMessage =
  | { type: 'progress'; stage: string; progress: number }
  | {
      type: 'done';
      /** The label of the draft's source; null for the template (the queue labels it). */
      source: string | null;
      sections: { name: string; text: string }[];
      measurements: Record<string, unknown>;
      modelOutput: ModelOutput | null;
    }
  | { type: 'error'; message: string };

const post = (m: JobMessage): void => parentPort!.postMessage(m);

/** Progress of each stage maps onto this share of the whole job. */
const STAGES: Record<string, [from: number, to: number]> = {
  'loading model': [0, 0.02],
  preprocessing: [0.02, 0.5],
  encoding: [0.5, 0.7],
  writing: [0.7, 0.99],
};

let lastStage = '';
let lastP = -1;
function progress(stage: string, done: number, total: number): void {
  const [a, b] = STAGES[stage] ?? [0, 0.99];
  const p = Math.round((a + (b - a) * (total > 0 ? done / total : 0)) * 1000) / 1000;
  if (stage === lastStage && p - lastP < 0.02 && done !== total) return;
  lastStage = stage;
  lastP = p;
  post({ type: 'progress', stage, progress: p });
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** draftReport's stage names ("preprocess 1/1", "encode 1/1", "write") -> the job's. */
function stageOf(s: string): string {
  if (s.startsWith('preprocess')) return 'preprocessing';
  if (s.startsWith('encode')) return 'encoding';
  if (s.startsWith('write')) return 'writing';
  return s;
}

async function modelDraft(input: JobInput, modelDir: string): Promise<void> {
  progress('loading model', 0, 1);
  const { draftReport, findingMeasures } = await import('../model/report.js');
  const r = await draftReport({
    files: [input.path],
    cacheDir: input.cacheDir,
    modelDir,
    onProgress: (stage, done, total) => progress(stageOf(stage), done, total),
  });
  const m = r.measured.recordings[0] as MeasuredValues['recordings'][number];
  const name = basename(r.model.dir);
  post({
    type: 'done',
    source: `celm report model ${name}, trained on ${r.model.trained_on}`,
    sections: r.report_sections.map((s) => ({ name: s.section_name, text: s.section_text })),
    // The model's measured values (from the preprocessing, never generated), named as the template's.
    measurements: {
      durationSec: m.duration_s,
      pdrHz: m.pdr_hz != null ? Math.round(m.pdr_hz * 10) / 10 : null,
      pdrSource: m.pdr_source,
      globalRelative: m.relative_band_power,
      asymmetryAlpha: m.asymmetry_alpha,
      usableChannels: m.channels_usable,
      badSegments: m.bad_segments,
      segments: m.segments,
      sharpTransients: m.sharp_transients,
      // asymmetry, lateralized slowing and rhythmic delta, photic, ictal rises: worded as in `celm report`
      findingMeasures: findingMeasures(m),
    },
    modelOutput: {
      model: { name, trained_on: r.model.trained_on, runtime: r.model.runtime },
      finding_probabilities: r.finding_probabilities,
      timings_s: Object.fromEntries(Object.entries(r.timings_s).map(([k, v]) => [k, r3(v)])),
    },
  });
}

function templateDraft(input: JobInput): void {
  progress('preprocessing', 0, 1);
  const out = preprocessRecording(input.path, join(input.cacheDir, 'preprocessed'), DEFAULT_SETTINGS, {
    onProgress: (done, total) => progress('preprocessing', done, total),
  });
  progress('writing', 0, 1);
  // A cache hit has no in-memory result: the same numbers are in the folder's index.json.
  const idx = out.result
    ? null
    : (JSON.parse(readFileSync(join(out.dir, 'index.json'), 'utf8')) as {
        qeeg: QeegSummary;
        duration_s: number;
        mask: number[];
        n_segments: number;
      });
  const q = out.result?.qeeg ?? idx!.qeeg;
  const durationSec = out.result?.durationSeconds ?? idx!.duration_s;
  const mask = out.result ? Array.from(out.result.mask) : idx!.mask;
  const report = templateReport(templateInputFromSignal(q, { durationSec, sleepSeen: false }));
  post({
    type: 'done',
    source: null,
    sections: report.report_sections.map((s) => ({ name: s.section_name, text: s.section_text })),
    measurements: {
      durationSec,
      pdrHz: q.pdr?.frequencyHz != null ? Math.round(q.pdr.frequencyHz * 10) / 10 : null,
      globalRelative: Object.fromEntries(Object.entries(q.global.relative).map(([k, v]) => [k, r3(v)])),
      sef90: q.global.sef90 != null ? r3(q.global.sef90) : null,
      segmentsUsed: q.segmentsUsed,
      usableChannels: mask.reduce((a, b) => a + b, 0),
      segments: out.result?.nSegments ?? idx!.n_segments,
    },
    modelOutput: null,
  });
}

const input = workerData as JobInput;
try {
  if (input.modelDir) await modelDraft(input, input.modelDir);
  else templateDraft(input);
} catch (err) {
  post({ type: 'error', message: String((err as Error)?.message ?? err).split('\n')[0] });
}
