/**
 * Recording-level measurements beside the preprocessing output: line noise before the notch and the
 * R-locked ECG artifact (./artifacts.ts, from the source file), the hyperventilation response and the
 * discharges photic stimulation provokes (./procedures.ts, from the annotations and the segments), and
 * lateralized rhythmic delta (./rhythmic-delta.ts), the ictal rhythm (./ictal.ts) and the posterior
 * rhythm's asymmetry (./posterior-asymmetry.ts). Computed once per
 * preprocessed recording and kept as `<preprocessed>/<id>/measures.json` (written atomically; a new
 * MEASURES_VERSION recomputes), so that training and `celm report` read the same numbers.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CelmError } from '../errors.js';
import { EdfReader } from '../formats/edf/index.js';
import { NpyRows, readNpy } from '../formats/npy.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { type EcgArtifact, type LineNoise, measureArtifacts } from './artifacts.js';
import { type SlowingFocus, slowingFocus } from './focal-slowing.js';
import { type IctalRhythm, ictalRhythm } from './ictal.js';
import { type PosteriorAsymmetry, posteriorAsymmetry } from './posterior-asymmetry.js';
import {
  type HyperventilationResponse,
  hyperventilationInterval,
  hyperventilationResponse,
  type PhoticResponse,
  photicResponse,
  photicTrains,
} from './procedures.js';
import { type RhythmicDelta, rhythmicDelta } from './rhythmic-delta.js';

/** 2: photic response and rhythmic delta added; 3: ictal rhythm; 4: its events, posterior asymmetry; 5: slowing focus, the photic response's provoked_hz. */
export const MEASURES_VERSION = 5;
export const MEASURES_FILE = 'measures.json';

export interface RecordingMeasures {
  version: number;
  line_noise: LineNoise | null;
  ecg: EcgArtifact | null;
  /** Null without an annotated hyperventilation (or without segments in its windows). */
  hyperventilation: HyperventilationResponse | null;
  /** Null without annotated flash trains (or without segments inside and away from them). */
  photic: PhoticResponse | null;
  rhythmic_delta: RhythmicDelta;
  /** Null with too few good segments. */
  ictal: IctalRhythm | null;
  /** Null without a prominent PDR (or without a usable posterior pair). */
  posterior_asymmetry: PosteriorAsymmetry | null;
  /** The most lateralized slow activity (version 5); null with too few good segments. */
  slowing_focus: SlowingFocus | null;
}

/**
 * The measures of the preprocessed recording in `preDir`: read from its measures.json when current,
 * else computed from `source` (default: the source path its index.json records, which must still be
 * the same size) and saved there.
 */
export function recordingMeasures(preDir: string, source?: string): RecordingMeasures {
  const cached = join(preDir, MEASURES_FILE);
  if (existsSync(cached)) {
    const m = JSON.parse(readFileSync(cached, 'utf8')) as RecordingMeasures;
    if (m.version === MEASURES_VERSION) return m;
  }
  const idx = JSON.parse(readFileSync(join(preDir, 'index.json'), 'utf8')) as {
    source: { path: string; bytes: number };
    segment_samples: number;
    sample_rate: number;
    quality_fields: string[];
    /** The qEEG summary (qeeg.json's `summary`); null when no segment was clean enough. */
    qeeg: { pdr: { frequencyHz: number; prominence: number } | null } | null;
  };
  const path = source ?? idx.source.path;
  if (!existsSync(path) || statSync(path).size !== idx.source.bytes)
    throw new CelmError(
      'io',
      `${preDir}: its source ${path} is gone or changed (index.json source.bytes ${idx.source.bytes}); give the file`,
    );
  const reader = EdfReader.open(path);
  const segments = new NpyRows(join(preDir, 'segments.npy'));
  try {
    const art = measureArtifacts(reader);
    const annotations = reader.hasAnnotations ? reader.annotations : [];
    const bandpower = readNpy(join(preDir, 'bandpower.npy')).data as Float32Array;
    const starts = readNpy(join(preDir, 'segment_start.npy')).data as Float64Array;
    const mask = readNpy(join(preDir, 'mask.npy')).data as Uint8Array;
    const quality = readNpy(join(preDir, 'quality.npy')).data as Float32Array;
    const nq = idx.quality_fields.length;
    const badAt = idx.quality_fields.indexOf('bad');
    const bad = Float32Array.from(starts, (_, s) => (badAt >= 0 ? quality[s * nq + badAt] : 0));
    const segSeconds = idx.segment_samples / idx.sample_rate;
    const segment = (i: number) => segments.read(i, 1);
    const hv = hyperventilationInterval(annotations, reader.duration);
    const trains = photicTrains(annotations, reader.duration);
    const m: RecordingMeasures = {
      version: MEASURES_VERSION,
      ...art,
      hyperventilation: hv ? hyperventilationResponse(hv, bandpower, starts, mask, segSeconds) : null,
      photic: trains.length
        ? photicResponse(trains, starts, segSeconds, mask, segment, idx.sample_rate)
        : null,
      rhythmic_delta: rhythmicDelta(bandpower, starts.length, mask, segment, idx.sample_rate),
      ictal: ictalRhythm(bandpower, mask, bad, starts),
      posterior_asymmetry: posteriorAsymmetry(bandpower, mask, bad, idx.qeeg?.pdr ?? null),
      slowing_focus: slowingFocus(bandpower, mask, bad),
    };
    writeFileAtomic(cached, `${JSON.stringify(m)}\n`);
    return m;
  } finally {
    segments.close();
    reader.close();
  }
}
