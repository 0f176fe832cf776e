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
  maxRssMiB: number;
  out: string;
}

/** Runs a command and returns its wall time and peak resident memory (GNU time when present). */
export function measure(cmd: string, args: string[]): Measured {
  const useTime = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', cmd, ...args], { encoding: 'utf8' })
    : spawnSync(cmd, args, { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /MAXRSS (\d+)/.exec(r.stderr ?? '');
  return { seconds, maxRssMiB: m ? Number(m[1]) / 1024 : Number.NaN, out: r.stdout };
}

/** Debian's python3 (with python3-mne) — not the pyenv python first on PATH. */
export const debianPython = '/usr/bin/python3';

export function hasMne(): boolean {
  return (
    existsSync(debianPython) &&
    spawnSync(debianPython, ['-c', 'import mne'], { encoding: 'utf8' }).status === 0
  );
}
