import { writeRecordingEdf } from '../../src/datasets/synth/edf.js';
import type { RecordingSpec } from '../../src/datasets/synth/spec.js';

/** The EDF header fields the tests write synthetic recordings with (TUH labels). */
export const TEST_SITE = { labelStyle: 'tuh-ref' as const, equipment: 'test', prefilter: 'HP:0.5Hz LP:70Hz' };
export const TEST_PATIENT = {
  code: 'T1',
  sex: 'F' as const,
  birthdate: '1990-01-01',
  admincode: 'S1',
  technician: 'X',
};

/** Renders `spec` into an EDF+ file at `path`. */
export function writeSynthEdf(spec: RecordingSpec, path: string): void {
  writeRecordingEdf(spec, path, TEST_SITE, TEST_PATIENT);
}
