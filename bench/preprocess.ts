/**
 * bench/preprocess: the same generated 1-h (and, with --hours 1,24, 24-h) recordings through
 * `celm preprocess` and through MNE-Python (read, filter, notch, resample, segment), each in its own
 * process: wall time, peak resident memory and the ratios.
 *
 *   npx tsc -p . && node dist/bench/preprocess.js [--hours 1,24] [--no-mne] [--jobs N (default 2)]
 *
 * celm runs once with one thread and once with --jobs N (one recording: its channels shared by N threads).
 *
 * Recordings: 21 channels of the 10-20 system at 256 Hz (EDF+C), pink-ish noise with a 10 Hz posterior
 * rhythm, written with celm's EdfWriter into bench/out/ (kept for later runs).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EdfWriter } from '../src/formats/edf/index.js';
import { benchDir, debianPython, hasMne, type Measured, measure } from './common.js';

const LABELS = [
  'Fp1',
  'Fp2',
  'F3',
  'F4',
  'C3',
  'C4',
  'P3',
  'P4',
  'O1',
  'O2',
  'F7',
  'F8',
  'T3',
  'T4',
  'T5',
  'T6',
  'Fz',
  'Cz',
  'Pz',
  'A1',
  'A2',
];
const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** A 21-channel 256 Hz EDF+C of `hours`, made once. */
export function eegRecording(hours: number, fs = 256): string {
  mkdirSync(benchDir, { recursive: true });
  const path = join(benchDir, `preprocess-${hours}h-21ch-${fs}Hz.edf`);
  if (existsSync(path)) return path;
  const signals = LABELS.map((l) => ({
    label: `EEG ${l}-REF`,
    physicalDimension: 'uV',
    physicalMin: -3276.8,
    physicalMax: 3276.7,
    samplesPerRecord: fs,
  }));
  const w = EdfWriter.create(path, {
    format: 'EDF+C',
    startDateTime: '2024-01-01T00:00:00',
    recordDuration: 1,
    signals,
  });
  const per = 60;
  const block = signals.map(() => new Float64Array(fs * per));
  const state = signals.map(() => [0, 0, 0]);
  let s = 1;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  for (let m = 0; m < hours * 60; m++) {
    block.forEach((b, c) => {
      const st = state[c];
      const posterior = c >= 6 && c <= 9 ? 25 : 8;
      for (let k = 0; k < b.length; k++) {
        // Brown-ish + white noise, a 10 Hz rhythm, a little 60 Hz mains.
        st[0] = 0.995 * st[0] + rnd() * 6;
        const t = (m * 60 * fs + k) / fs;
        b[k] =
          st[0] +
          rnd() * 10 +
          posterior * Math.sin(2 * Math.PI * 10 * t + c) +
          3 * Math.sin(2 * Math.PI * 60 * t);
      }
    });
    w.writeRecords(block, per);
  }
  w.close();
  return path;
}

function row(name: string, m: Measured | null): string {
  return m
    ? `${name.padEnd(8)} ${m.seconds.toFixed(1).padStart(8)} s ${m.maxRssMiB.toFixed(0).padStart(7)} MiB`
    : `${name.padEnd(10)} (skipped)`;
}

function main(): void {
  const args = process.argv.slice(2);
  const hi = args.indexOf('--hours');
  const hours = hi >= 0 ? args[hi + 1].split(',').map(Number) : [1];
  const ji = args.indexOf('--jobs');
  const jobs = ji >= 0 ? args[ji + 1] : '2';
  const withMne = !args.includes('--no-mne') && hasMne();
  for (const h of hours) {
    const t0 = Date.now();
    const file = eegRecording(h);
    console.log(`\n${h}-h recording: ${file} (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const out = mkdtempSync(join(tmpdir(), 'celm-bench-pre-'));
    try {
      const run = (j: string) =>
        measure(process.execPath, [
          join(repo, 'bin', 'celm.js'),
          'preprocess',
          file,
          '--out',
          join(out, `celm-${j}`),
          '--force',
          '--quiet',
          '--jobs',
          j,
        ]);
      const celm1 = run('1');
      const celmN = jobs !== '1' ? run(jobs) : null;
      const mne = withMne
        ? measure(debianPython, [join(repo, 'bench', 'preprocess_mne.py'), file, join(out, 'mne.npy')])
        : null;
      console.log(row('celm', celm1));
      if (celmN) console.log(row(`celm -j${jobs}`, celmN));
      console.log(row('MNE', mne));
      if (mne) {
        for (const [name, c] of [
          ['celm', celm1],
          [`celm -j${jobs}`, celmN],
        ] as const) {
          if (!c) continue;
          console.log(
            `ratio    ${name}: MNE/celm time ${(mne.seconds / c.seconds).toFixed(2)}x, celm/MNE peak memory ${(c.maxRssMiB / mne.maxRssMiB).toFixed(3)}`,
          );
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
