/** Synthetic recording specs for tests: the first seed whose spec has what a test needs. */
import { Rng } from '../../src/datasets/synth/prng.js';
import {
  type Profile,
  type RecordingSpec,
  type SpecOptions,
  sampleSpec,
} from '../../src/datasets/synth/spec.js';

export function findSpec(
  profile: Profile,
  duration: number,
  ok: (s: RecordingSpec) => boolean,
  extra: Partial<SpecOptions> = {},
): RecordingSpec {
  for (let seed = 1; seed < 3000; seed++) {
    const s = sampleSpec(
      new Rng(seed),
      {
        profile,
        duration,
        sampleRate: 200,
        lineHz: 60,
        startDateTime: '2020-05-06T10:00:00',
        age: 40,
        ecgChannel: true,
        eogChannel: true,
        annotationStyle: 0,
        setting: profile === 'icu' ? 'icu' : 'routine',
        ...extra,
      },
      seed,
    );
    if (ok(s)) return s;
  }
  throw new Error(`no ${profile} spec found`);
}
