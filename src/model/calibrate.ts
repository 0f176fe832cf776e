/**
 * `celm calibrate`: fits the findings calibration (./calibration.ts) of a trained model on the
 * training split of its benchmark folder and writes `calibration.json` into the model folder, with
 * `phrases.json`: the training reports' sentence openings per finding (./phrasebook.ts), which the
 * guide offers the model for findings it leaves out.
 * Measures come from each preprocessed recording (measures.json, computed from the source file once);
 * segment vectors from the benchmark's embedding cache (the ones `celm train` computed).
 */
import { join } from 'node:path';
import { celmReportToText } from '../clinical/sections.js';
import { CelmError } from '../errors.js';
import { labelReport } from '../eval/clinical/labeler.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { type RecordingMeasures, recordingMeasures } from '../signal/recording-measures.js';
import { type Calibration, type Evidence, fitCalibration, reportEvidence } from './calibration.js';
import { readSplit } from './data.js';
import { recordingVectors } from './embed.js';
import { writeLexicon } from './lexicon.js';
import { loadModelDir } from './model-dir.js';
import { buildPhrasebook } from './phrasebook.js';
import { createRunner } from './runner.js';
import { MODEL_FILES } from './train.js';

export interface CalibrateOptions {
  dataDir: string;
  modelDir: string;
  /** Splits to fit on (default: train). */
  splits?: string[];
  threads?: number;
  quiet?: boolean;
}

export async function calibrateModel(o: CalibrateOptions): Promise<Calibration> {
  const files = loadModelDir(o.modelDir);
  const { meta } = files;
  if (meta.input === 'encoder' || meta.features_version < 2)
    throw new CelmError(
      'usage',
      `${files.dir}: calibration reads the version-2 segment features; this model has input '${meta.input}', features version ${meta.features_version}`,
    );
  const items = (o.splits ?? ['train']).flatMap((s) => readSplit(o.dataDir, s));
  if (!items.length)
    throw new CelmError('data', `${o.dataDir}: no reports in ${(o.splits ?? ['train']).join(', ')}`);
  const runner = await createRunner(files, undefined, o.threads ?? 2);
  const encDim = meta.input === 'features' ? 0 : (runner.embedder?.dim ?? 0);
  const rows: { evidence: Evidence; stated: Set<string> }[] = [];
  const t0 = Date.now();
  try {
    for (const [i, it] of items.entries()) {
      const measures: RecordingMeasures[] = [];
      const vectors: Float32Array[] = [];
      for (const s of it.sessions)
        for (const r of s.recordings) {
          if (!r.preprocessed_id) continue;
          const pre = join(o.dataDir, 'preprocessed', r.preprocessed_id);
          measures.push(recordingMeasures(pre));
          vectors.push(
            await recordingVectors(
              pre,
              runner.embedder,
              meta.input,
              join(o.dataDir, 'embeddings'),
              meta.features_version,
            ),
          );
        }
      const labels = labelReport(celmReportToText({ report_sections: it.report_sections }));
      const stated = new Set<string>(
        labels.findings.filter((f) => f.polarity === 'present').map((f) => f.kind),
      );
      rows.push({ evidence: reportEvidence(measures, vectors, encDim, meta.features_version), stated });
      if (!o.quiet && (i % 10 === 9 || i === items.length - 1)) {
        const el = (Date.now() - t0) / 1000;
        process.stderr.write(
          `\rmeasures: report ${i + 1}/${items.length}, ETA ${((el / (i + 1)) * (items.length - i - 1)).toFixed(0)} s   `,
        );
      }
    }
  } finally {
    await runner.dispose();
  }
  if (!o.quiet) process.stderr.write('\n');
  const cal = fitCalibration(rows, meta.features_version);
  writeFileAtomic(join(files.dir, MODEL_FILES.calibration), `${JSON.stringify(cal, null, 2)}\n`);
  writeFileAtomic(
    join(files.dir, MODEL_FILES.phrases),
    `${JSON.stringify(buildPhrasebook(items.map((it) => it.report_sections)), null, 1)}\n`,
  );
  // models trained before celm train wrote the lexicon, or kept its compounds, get it here, from the same reports
  if (!files.lexicon || ![...files.lexicon].some((w) => w.includes('-')))
    writeLexicon(join(files.dir, MODEL_FILES.lexicon), items);
  return cal;
}
