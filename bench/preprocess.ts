/**
 * bench/preprocess: the same generated 1-h (and, with --hours 1,24, 24-h) recordings through
 * `celm preprocess` and through MNE-Python (read, filter, notch, resample, segment), each in its own
 * process: wall time, CPU time, peak resident memory and the ratios.
 *
 *   npx tsc -p . && node dist/bench/preprocess.js [--hours 1,24] [--no-mne] [--jobs N (default 2)]
 *        [--repeat R (default 3)] [--celm path/to/bin/celm.js (another build to compare)]
 *
 * Each of R rounds runs celm with one thread, celm with --jobs N (one recording: its channels shared by
 * N threads) and MNE, interleaved so that a change in the machine's load hits all three alike. Reported:
 * wall time and CPU time (user + system from GNU time's rusage: steadier than wall time on a shared
 * machine), best and median over the rounds, peak RSS, and the load average around each round.
 *
 * Recordings: 21 channels of the 10-20 system at 256 Hz (EDF+C), pink-ish noise with a 10 Hz posterior
 * rhythm, written with celm's EdfWriter into bench/out/ (kept for later runs).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EdfWriter } from '../src/formats/edf/index.js';
import { benchDir, debianPython, hasMne, type Measured, measure, type Summary, summarise } from './common.js';

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

function fmt(name: string, r: Summary | null): string {
  if (!r) return `${name.padEnd(10)} (skipped)`;
  const { best: b, median: m } = r;
  return `${name.padEnd(10)} wall ${b.seconds.toFixed(2).padStart(6)} s best, ${m.seconds.toFixed(2).padStart(6)} s median | CPU ${b.cpuSeconds.toFixed(2).padStart(6)} s best, ${m.cpuSeconds.toFixed(2).padStart(6)} s median | peak RSS ${m.maxRssMiB.toFixed(0).padStart(5)} MiB median (${r.runs} runs)`;
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const hours = (opt('--hours') ?? '1').split(',').map(Number);
  const jobs = opt('--jobs') ?? '2';
  const repeat = Math.max(1, Number(opt('--repeat') ?? '3'));
  // Another build of celm to compare with (e.g. a copy of the previous commit's bin/ + dist/).
  const celmBin = opt('--celm') ?? join(repo, 'bin', 'celm.js');
  const withMne = !args.includes('--no-mne') && hasMne();
  for (const h of hours) {
    const t0 = Date.now();
    const file = eegRecording(h);
    console.log(`\n${h}-h recording: ${file} (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    console.log(`celm: ${celmBin}; ${repeat} rounds, each runs every contender once (interleaved)`);
    const out = mkdtempSync(join(tmpdir(), 'celm-bench-pre-'));
    try {
      const run = (j: string) =>
        measure(process.execPath, [
          celmBin,
          'preprocess',
          file,
          '--out',
          join(out, `celm-${j}`),
          '--force',
          '--quiet',
          '--jobs',
          j,
        ]);
      const c1: Measured[] = [];
      const cN: Measured[] = [];
      const mn: Measured[] = [];
      const loads: string[] = [load()];
      for (let i = 0; i < repeat; i++) {
        const a = run('1');
        c1.push(a);
        const b = jobs !== '1' ? run(jobs) : null;
        if (b) cN.push(b);
        const m = withMne
          ? measure(debianPython, [join(repo, 'bench', 'preprocess_mne.py'), file, join(out, 'mne.npy')])
          : null;
        if (m) mn.push(m);
        const f = (x: Measured | null) =>
          x ? `${x.seconds.toFixed(2)} s / ${x.cpuSeconds.toFixed(2)} s CPU` : '-';
        loads.push(load());
        console.log(
          `round ${i + 1}: celm ${f(a)}; celm -j${jobs} ${f(b)}; MNE ${f(m)}; load average ${loads[loads.length - 1]}`,
        );
      }
      const s1 = summarise(c1);
      const sN = cN.length ? summarise(cN) : null;
      const sM = mn.length ? summarise(mn) : null;
      console.log(`load average (1, 5, 15 min) before and after each round: ${loads.join(' | ')}`);
      console.log(fmt('celm', s1));
      if (sN) console.log(fmt(`celm -j${jobs}`, sN));
      console.log(fmt('MNE', sM));
      if (sM) {
        for (const [name, c] of [
          ['celm', s1],
          [`celm -j${jobs}`, sN],
        ] as const) {
          if (!c) continue;
          const r = (k: 'seconds' | 'cpuSeconds', w: 'best' | 'median') => (sM[w][k] / c[w][k]).toFixed(2);
          console.log(
            `ratio    ${name}: MNE/celm wall ${r('seconds', 'best')}x best, ${r('seconds', 'median')}x median; CPU ${r('cpuSeconds', 'best')}x best, ${r('cpuSeconds', 'median')}x median; celm/MNE peak memory ${(c.median.maxRssMiB / sM.median.maxRssMiB).toFixed(3)}`,
          );
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
