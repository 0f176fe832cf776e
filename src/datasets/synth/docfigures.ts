/**
 * Makes the pictures of docs/synth/: `node dist/src/datasets/synth/docfigures.js docs/synth`.
 * Each picture comes from a recording written to EDF+ and read back with celm's reader.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRecordingEdf } from './edf.js';
import { bipolarPage, saveFigure, spectrumPlot } from './figures.js';
import { findSpec as findFirstSpec, type Profile, type RecordingSpec, type SpecOptions } from './spec.js';

/** Figures use 256 Hz recordings of a 35-year-old without an EOG channel, dated 2021. */
const findSpec = (
  profile: Profile,
  duration: number,
  ok: (s: RecordingSpec) => boolean,
  extra: Partial<SpecOptions> = {},
): RecordingSpec =>
  findFirstSpec(profile, duration, ok, {
    sampleRate: 256,
    startDateTime: '2021-03-04T09:30:00',
    age: 35,
    eogChannel: false,
    ...extra,
  });

function state(s: RecordingSpec, t: number): string {
  return s.states.find((x) => t >= x.start && t < x.start + x.duration)?.state ?? '';
}

function quiet(s: RecordingSpec, a: number, b: number): boolean {
  const art = s.artifacts;
  return (
    !art.blinks.some((t) => t > a - 1 && t < b) &&
    !art.muscle.some((m) => m.start < b && m.start + m.duration > a) &&
    !art.saccades.some((x) => x.t > a - 3 && x.t < b) &&
    !art.pops.some((p) => p.t > a - 2 && p.t < b)
  );
}

const site = { labelStyle: 'tuh-ref' as const, equipment: 'celm_synth', prefilter: 'HP:0.5Hz LP:70Hz' };
const patient = {
  code: 'DOC',
  sex: 'F' as const,
  birthdate: '1985-01-01',
  admincode: 'DOC',
  technician: 'X',
};

export async function makeDocFigures(out: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'celm-docfig-'));
  try {
    // 1) Normal awake record: eyes closed alpha, eyes opening.
    const normal = findSpec(
      'normal',
      20 * 60,
      (s) =>
        s.pdr !== null &&
        s.pdr.amplitudeUv >= 40 &&
        s.artifacts.lineNoiseUv === 0 &&
        !s.artifacts.badElectrode,
    );
    const fNormal = join(tmp, 'normal.edf');
    writeRecordingEdf(normal, fNormal, site, patient);
    const eo = normal.states.find(
      (x, i) =>
        i > 0 &&
        x.state === 'eo' &&
        normal.states[i - 1].state === 'ec' &&
        normal.states[i - 1].duration > 15 &&
        !normal.artifacts.muscle.some((m) => m.start < x.start + 3 && m.start + m.duration > x.start - 8),
    )!;
    await saveFigure(
      bipolarPage(
        fNormal,
        Math.floor(eo.start) - 7,
        10,
        `Normal awake EEG: ${normal.pdr!.hz} Hz posterior dominant rhythm, attenuating on eye opening`,
        100,
      ),
      join(out, 'normal-awake'),
    );
    const ecSeg = normal.states.filter((x) => x.state === 'ec').sort((a, b) => b.duration - a.duration)[0];
    const eoSeg = normal.states.filter((x) => x.state === 'eo').sort((a, b) => b.duration - a.duration)[0];
    await saveFigure(
      spectrumPlot(
        fNormal,
        [
          {
            label: 'O1, eyes closed',
            electrode: 'O1',
            start: ecSeg.start + 2,
            duration: Math.min(120, ecSeg.duration - 4),
          },
          {
            label: 'O1, eyes open',
            electrode: 'O1',
            start: eoSeg.start + 2,
            duration: Math.min(120, eoSeg.duration - 4),
            dashed: true,
          },
          {
            label: 'F3, eyes closed',
            electrode: 'F3',
            start: ecSeg.start + 2,
            duration: Math.min(120, ecSeg.duration - 4),
          },
        ],
        'Spectra of a normal record (Welch, 2-s Hann windows)',
        [{ x: normal.pdr!.hz, text: `PDR ${normal.pdr!.hz} Hz (ground truth)` }],
      ),
      join(out, 'spectra-normal'),
    );
    // 2) Focal spikes (left temporal), eyes closed.
    const focal = findSpec(
      'focal-epilepsy',
      20 * 60,
      (s) =>
        s.ieds[0]?.type === 'spike' &&
        s.ieds[0].afterSlowWave &&
        s.ieds[0].times.filter((t) => state(s, t) === 'ec' && quiet(s, t - 5, t + 5)).length >= 2 &&
        s.artifacts.lineNoiseUv === 0,
      { focus: { side: 'left', region: 'temporal' } },
    );
    const fFocal = join(tmp, 'focal.edf');
    writeRecordingEdf(focal, fFocal, site, patient);
    const ts = focal.ieds[0].times.filter((t) => state(focal, t) === 'ec' && quiet(focal, t - 5, t + 5));
    const t0 = Math.floor(ts[0]) - 4;
    await saveFigure(
      bipolarPage(
        fFocal,
        t0,
        10,
        `Left temporal spike-and-slow-wave (${focal.ieds[0].durationMs} ms spike, ${focal.ieds[0].amplitudeUv} µV): phase reversal at T3`,
        100,
        focal.ieds[0].times
          .filter((t) => t >= t0 && t < t0 + 10)
          .map((t) => ({ time: t, text: 'spike', color: '#2c7fb8' })),
      ),
      join(out, 'spike-left-temporal'),
    );
    // 3) Focal seizure onset and evolution.
    const sz = findSpec(
      'focal-epilepsy',
      20 * 60,
      (s) => s.seizures.length > 0 && s.seizures[0].duration > 50 && s.seizures[0].contralateralSpread > 0.4,
      {
        focus: { side: 'right', region: 'temporal' },
      },
    );
    const fSz = join(tmp, 'seizure.edf');
    writeRecordingEdf(sz, fSz, site, patient);
    const z = sz.seizures[0];
    const onsetMark = [{ time: z.onset, text: 'seizure onset (truth)', color: '#2c7fb8' }];
    await saveFigure(
      bipolarPage(
        fSz,
        Math.floor(z.onset) - 5,
        15,
        `Right temporal seizure onset: ${z.startHz} Hz rhythm at T4/F8`,
        150,
        onsetMark,
      ),
      join(out, 'seizure-onset'),
    );
    const mid = Math.floor(z.onset + z.duration * 0.6);
    await saveFigure(
      bipolarPage(
        fSz,
        mid,
        10,
        `Same seizure ${Math.round(mid - z.onset)} s later: slower (toward ${z.endHz} Hz), higher, wider field`,
        200,
      ),
      join(out, 'seizure-evolution'),
    );
    await saveFigure(
      bipolarPage(
        fSz,
        Math.floor(z.onset + z.duration) - 5,
        15,
        'Seizure offset, post-ictal right-sided slowing',
        150,
        [{ time: z.onset + z.duration, text: 'offset (truth)', color: '#2c7fb8' }],
      ),
      join(out, 'seizure-offset'),
    );
    // 4) N2 sleep: spindles and a K-complex.
    const sl = findSpec(
      'sleep',
      45 * 60,
      (s) => s.sleep.kComplexes.length > 3 && s.artifacts.lineNoiseUv === 0,
    );
    const fSl = join(tmp, 'sleep.edf');
    writeRecordingEdf(sl, fSl, site, patient);
    const k =
      sl.sleep.kComplexes.find(
        (t) =>
          state(sl, t) === 'n2' &&
          sl.sleep.spindles.some((x) => Math.abs(x.t - t) < 6 && Math.abs(x.t - t) > 1.5),
      ) ?? sl.sleep.kComplexes[0];
    const marks = [
      ...sl.sleep.spindles
        .filter((x) => x.t > k - 5 && x.t < k + 5)
        .map((x) => ({ time: x.t, text: 'spindle', color: '#2c7fb8' })),
      { time: k, text: 'K-complex', color: '#8e44ad' },
    ];
    await saveFigure(
      bipolarPage(fSl, Math.floor(k) - 5, 10, 'Stage N2 sleep: sleep spindles and a K-complex', 150, marks),
      join(out, 'n2-spindles-kcomplex'),
    );
    const n2 = sl.states.filter((x) => x.state === 'n2').sort((a, b) => b.duration - a.duration)[0];
    const wake = sl.states.filter((x) => x.state === 'ec').sort((a, b) => b.duration - a.duration)[0];
    await saveFigure(
      spectrumPlot(
        fSl,
        [
          {
            label: 'Cz, N2 sleep',
            electrode: 'Cz',
            start: n2.start + 5,
            duration: Math.min(300, n2.duration - 10),
          },
          {
            label: 'Cz, awake eyes closed',
            electrode: 'Cz',
            start: wake.start + 2,
            duration: Math.min(120, wake.duration - 4),
            dashed: true,
          },
        ],
        'Sleep vs wake at Cz: sigma (spindle) peak and more delta in N2',
      ),
      join(out, 'spectra-sleep'),
    );
    // 5) ICU: LPDs.
    const icu = findSpec(
      'icu',
      20 * 60,
      (s) =>
        s.periodic.some((p) => p.kind === 'lpd' && p.prevalence === 'continuous') && s.seizures.length === 0,
    );
    const fIcu = join(tmp, 'icu.edf');
    writeRecordingEdf(icu, fIcu, site, patient);
    const lpd = icu.periodic.find((p) => p.kind === 'lpd')!;
    await saveFigure(
      bipolarPage(
        fIcu,
        300,
        10,
        `ICU: ${lpd.focus?.side} ${lpd.focus?.region} LPDs at ${lpd.hz} Hz on a slow background`,
        150,
      ),
      join(out, 'icu-lpds'),
    );
    // 6) Generalised 3-Hz spike-and-wave.
    const gen = findSpec('generalized-epilepsy', 20 * 60, (s) => s.ieds[0]?.type === 'gsw');
    const fGen = join(tmp, 'gen.edf');
    writeRecordingEdf(gen, fGen, site, patient);
    const g0 = gen.ieds[0].times[0];
    await saveFigure(
      bipolarPage(
        fGen,
        Math.floor(g0) - 3,
        10,
        `Generalized ${gen.ieds[0].burstHz} Hz spike-and-wave burst`,
        200,
        [{ time: g0, text: 'burst (truth)', color: '#2c7fb8' }],
      ),
      join(out, 'generalized-spike-wave'),
    );
    // 7) Artifacts: blinks with eyes open, muscle, an electrode pop, line noise at the bad electrode.
    const art = findSpec('normal', 20 * 60, (s) =>
      s.artifacts.pops.some(
        (p) =>
          state(s, p.t) === 'eo' &&
          s.artifacts.blinks.some((b) => Math.abs(b - p.t) < 4) &&
          s.artifacts.muscle.some(
            (m) => m.start < p.t + 5 && m.start + m.duration > p.t - 5 && m.duration > 1,
          ),
      ),
    );
    const fArt = join(tmp, 'artifacts.edf');
    writeRecordingEdf(art, fArt, site, patient);
    const pop = art.artifacts.pops.find(
      (p) =>
        state(art, p.t) === 'eo' &&
        art.artifacts.blinks.some((b) => Math.abs(b - p.t) < 4) &&
        art.artifacts.muscle.some(
          (m) => m.start < p.t + 5 && m.start + m.duration > p.t - 5 && m.duration > 1,
        ),
    )!;
    const a0 = Math.floor(pop.t) - 5;
    await saveFigure(
      bipolarPage(
        fArt,
        a0,
        10,
        `Artifacts: eye blinks (Fp1/Fp2), muscle, electrode pop at ${pop.electrode}`,
        150,
        [
          ...art.artifacts.blinks
            .filter((t) => t >= a0 && t < a0 + 10)
            .map((t) => ({ time: t, text: 'blink', color: '#2c7fb8' })),
          { time: pop.t, text: `pop ${pop.electrode}`, color: '#8e44ad' },
        ],
      ),
      join(out, 'artifacts'),
    );
    // 8) Photic driving (adult, a train above the alpha band) and hyperventilation build-up in a child.
    const ph = findSpec(
      'normal',
      20 * 60,
      (s) => (s.photic?.drivingUv ?? 0) > 15 && s.photic!.trains.some((t) => t.hz >= 14 && t.hz <= 17),
    );
    const fPh = join(tmp, 'photic.edf');
    writeRecordingEdf(ph, fPh, site, patient);
    const train = ph.photic!.trains.find((t) => t.hz >= 14 && t.hz <= 17)!;
    await saveFigure(
      bipolarPage(
        fPh,
        Math.floor(train.start) - 3,
        10,
        `Photic stimulation at ${train.hz} Hz: occipital driving at the flash rate`,
        100,
      ),
      join(out, 'photic-driving'),
    );
    const act = findSpec('normal', 20 * 60, (s) => (s.hv?.slowingUv ?? 0) > 150 && !s.hv?.poorEffort, {
      age: 10,
    });
    const fAct = join(tmp, 'activation.edf');
    writeRecordingEdf(act, fAct, site, patient);
    const hv = act.hv!;
    await saveFigure(
      bipolarPage(
        fAct,
        Math.floor(hv.start + hv.duration) - 8,
        10,
        'End of hyperventilation in a 10-year-old: frontal rhythmic delta build-up',
        200,
      ),
      join(out, 'hyperventilation'),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('docfigures.js')) {
  await makeDocFigures(process.argv[2] ?? 'docs/synth');
}
