/** Shared bench helpers: generated test recordings, child-process timing with peak memory, Python peers. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdfWriter } from '../src/formats/edf/index.js';

export const benchDir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bench', 'out');

/** A continuous EDF+ recording of noise-like EEG (21 channels), made once and reused across runs. */
export function benchRecording(hours: number, fs = 256, channels = 21): string {
  mkdirSync(benchDir, { recursive: true });
  const path = join(benchDir, `bench-${hours}h-${channels}ch-${fs}Hz.edf`);
  if (existsSync(path)) return path;
  const signals = Array.from({ length: channels }, (_, i) => ({
    label: `EEG ${i}`,
    physicalDimension: 'uV',
    physicalMin: -3276.8,
    physicalMax: 3276.7,
    samplesPerRecord: fs,
  }));
  const w = EdfWriter.create(
    path,
    { format: 'EDF+C', startDateTime: '2024-01-01T00:00:00', recordDuration: 1, signals },
    { annotations: [] },
  );
  const per = 60;
  const block = signals.map(() => new Float64Array(fs * per));
  let s = 1;
  for (let m = 0; m < hours * 60; m++) {
    for (const b of block) {
      for (let k = 0; k < b.length; k++) {
        s = (s * 16807) % 2147483647;
        b[k] = (s / 2147483647 - 0.5) * 200;
      }
    }
    w.writeRecords(block, per);
  }
  w.close();
  return path;
}

export interface Measured {
  seconds: number;
  /**
   * CPU time (user + system, all threads and waited-for children) from GNU time's rusage; NaN without
   * /usr/bin/time. On a shared machine this moves far less than wall time.
   */
  cpuSeconds: number;
  maxRssMiB: number;
  out: string;
}

/** Runs a command and returns its wall time, CPU time and peak resident memory (GNU time when present). */
export function measure(cmd: string, args: string[]): Measured {
  const useTime = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', cmd, ...args], { encoding: 'utf8' })
    : spawnSync(cmd, args, { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return {
    seconds,
    cpuSeconds: m ? Number(m[2]) + Number(m[3]) : Number.NaN,
    maxRssMiB: m ? Number(m[1]) / 1024 : Number.NaN,
    out: r.stdout,
  };
}

/** Best and median of repeated measurements (wall, CPU, memory each taken separately). */
export interface Summary {
  runs: number;
  best: { seconds: number; cpuSeconds: number; maxRssMiB: number };
  median: { seconds: number; cpuSeconds: number; maxRssMiB: number };
}

export function summarise(ms: Measured[]): Summary {
  const pick = (f: (m: Measured) => number, which: 'best' | 'median') => {
    const v = ms.map(f).sort((a, b) => a - b);
    if (which === 'best') return v[0];
    const h = v.length >> 1;
    return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
  };
  const at = (which: 'best' | 'median') => ({
    seconds: pick((m) => m.seconds, which),
    cpuSeconds: pick((m) => m.cpuSeconds, which),
    maxRssMiB: pick((m) => m.maxRssMiB, which),
  });
  return { runs: ms.length, best: at('best'), median: at('median') };
}

/** Debian's python3 (with python3-mne) — not the pyenv python first on PATH. */
export const debianPython = '/usr/bin/python3';

export function hasMne(): boolean {
  return (
    existsSync(debianPython) &&
    spawnSync(debianPython, ['-c', 'import mne'], { encoding: 'utf8' }).status === 0
  );
}
