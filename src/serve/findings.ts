/**
 * The findings timeline of a recording: its annotations, each given a kind so the viewer can colour it,
 * and (once a report job has preprocessed the recording) the stretches whose 10-s segments the quality
 * checks flagged as artifact. (The report model's finding probabilities are for the whole recording,
 * not times in it: they are shown with the report, not on the timeline.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Annotation } from '../formats/edf/index.js';
import { readNpy } from '../formats/npy.js';

export type FindingKind = 'seizure' | 'discharge' | 'activation' | 'state' | 'artifact' | 'other';

export interface Findings {
  annotations: { onset: number; duration: number; text: string; kind: FindingKind }[];
  /** Merged runs of bad segments from the last preprocessing, or null when not preprocessed yet. */
  artifacts: { start: number; end: number }[] | null;
}

export function findingKind(text: string): FindingKind {
  if (/seiz|ictal|status/i.test(text)) return 'seizure';
  if (/spike|sharp|discharge|\b[LG]?PDs?\b|\bL?RDA\b|polyspike|epileptiform/i.test(text)) return 'discharge';
  if (/\bHV\b|hyperv|photic|IPS\b|stimul/i.test(text)) return 'activation';
  if (/artifact|artefact|movement|muscle|electrode|chewing|blink/i.test(text)) return 'artifact';
  if (/eyes|sleep|awake|drows|\bN[123]\b|\bREM\b|arous|wake/i.test(text)) return 'state';
  return 'other';
}

/**
 * Bad-segment runs from the first complete preprocessed folder among `dirs` (`<dir>/quality.npy`, last
 * column: bad), or null when none exists yet.
 */
export function artifactRuns(dirs: string[]): { start: number; end: number }[] | null {
  for (const dir of dirs) {
    const idxPath = join(dir, 'index.json');
    if (!existsSync(idxPath)) continue;
    const idx = JSON.parse(readFileSync(idxPath, 'utf8')) as {
      complete?: boolean;
      n_segments: number;
      quality_fields: string[];
      segment_samples: number;
      sample_rate: number;
    };
    if (!idx.complete) continue;
    const q = readNpy(join(dir, 'quality.npy'));
    const starts = readNpy(join(dir, 'segment_start.npy'));
    const Q = idx.quality_fields.length;
    const len = idx.segment_samples / idx.sample_rate;
    const runs: { start: number; end: number }[] = [];
    for (let s = 0; s < idx.n_segments; s++) {
      if (!(q.data[s * Q + Q - 1] > 0)) continue;
      const a = starts.data[s];
      const last = runs.at(-1);
      if (last && a <= last.end + 1e-6) last.end = a + len;
      else runs.push({ start: a, end: a + len });
    }
    return runs;
  }
  return null;
}

/** `prepDirs`: the recording's preprocessed folder candidates, in order (see artifactRuns). */
export function findings(annotations: Annotation[], prepDirs: string[]): Findings {
  return {
    annotations: annotations.map((a) => ({
      onset: a.onset,
      duration: a.duration,
      text: a.text,
      kind: findingKind(a.text),
    })),
    artifacts: artifactRuns(prepDirs),
  };
}
