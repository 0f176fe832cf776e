/** Recordings of celm's synthetic generator, for the tests: as EDF files or as CELM model input. */
import { writeRecordingEdf } from '../../src/datasets/synth/edf.js';
import { SignalSynth } from '../../src/datasets/synth/generate.js';
import type { RecordingSpec } from '../../src/datasets/synth/spec.js';
import { CELM_CHANNELS } from '../../src/signal/channels.js';

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

/**
 * Every whole 10-s segment of a spec rendered at its rate (200 Hz for findSpec's specs), as
 * [22, 2000] in CELM's channel order, without preprocessing; `t0` is its start in s.
 */
export function* celmSegments(spec: RecordingSpec): Generator<{ t0: number; x: Float32Array }> {
  const L = 2000;
  const C = CELM_CHANNELS.length;
  const synth = new SignalSynth(spec);
  const rows = CELM_CHANNELS.map((n) => synth.names.indexOf(n));
  for (let s = 0; (s + 1) * L <= spec.duration * spec.sampleRate; s++) {
    const block = synth.render(s * L, L);
    const x = new Float32Array(C * L);
    for (const [c, r] of rows.entries()) x.set(block[r], c * L);
    yield { t0: (s * L) / spec.sampleRate, x };
  }
}
