/**
 * bench/edf-read: read a 1-h, 21-channel, 256 Hz EDF to physical float32 with celm and with MNE-Python
 * (`read_raw_edf(preload=True)`, Debian python3-mne) on the same file in the same run; print MB/s,
 * peak memory and the ratio. Then random access: 10-s windows anywhere in a 24-h file.
 * Goals (issue #2): >= 1.5x MNE's speed; any 10-s window of a 24-h file in < 50 ms.
 *
 *   npm run bench:edf-read            (add --quick to skip the 24-h file)
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EdfReader } from '../src/formats/edf/index.js';
import { benchRecording, debianPython, hasMne, measure } from './common.js';

const self = fileURLToPath(import.meta.url);

/** Child mode: read the whole file once, print seconds. */
function child(path: string): void {
  const t0 = process.hrtime.bigint();
  const r = EdfReader.open(path);
  const data = r.readPhysical(undefined, 0, r.header.numRecords);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  let check = 0;
  for (const d of data) check += d[d.length - 1];
  r.close();
  console.log(JSON.stringify({ seconds: s, check }));
}

function best<T extends { seconds: number }>(runs: T[]): T {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const oneHour = benchRecording(1);
  const mb = statSync(oneHour).size / 1e6;
  console.log(`file: 1 h, 21 channels, 256 Hz, ${mb.toFixed(1)} MB`);
  const runs = 5;
  const celmRuns = Array.from({ length: runs }, () => {
    const m = measure(process.execPath, [self, '--child', oneHour]);
    return { ...m, inner: JSON.parse(m.out).seconds as number };
  });
  const c = best(celmRuns);
  console.log(
    `celm   read to float32: ${c.inner.toFixed(3)} s in-process (${(mb / c.inner).toFixed(0)} MB/s), ${c.seconds.toFixed(3)} s with node start-up, peak RSS ${c.maxRssMiB.toFixed(0)} MiB`,
  );
  if (hasMne()) {
    const script =
      'import sys,time,mne\nt=time.time()\nraw=mne.io.read_raw_edf(sys.argv[1],preload=True,verbose=False)\nx=raw.get_data()\nprint(time.time()-t)';
    const mneRuns = Array.from({ length: runs }, () => {
      const m = measure(debianPython, ['-c', script, oneHour]);
      return { ...m, inner: Number(m.out.trim()) };
    });
    const p = best(mneRuns);
    console.log(
      `MNE    read_raw_edf(preload=True): ${p.inner.toFixed(3)} s in-process (${(mb / p.inner).toFixed(0)} MB/s), ${p.seconds.toFixed(3)} s with python start-up, peak RSS ${p.maxRssMiB.toFixed(0)} MiB`,
    );
    console.log(
      `ratio  celm is ${(p.inner / c.inner).toFixed(1)}x MNE's speed in-process (${(p.seconds / c.seconds).toFixed(1)}x end to end); memory ${(c.maxRssMiB / p.maxRssMiB).toFixed(2)}x MNE's (goal: >= 1.5x speed)`,
    );
  } else {
    console.log('MNE    not installed (apt-get install python3-mne): no ratio');
  }
  if (quick) return;
  const day = benchRecording(24);
  const r = EdfReader.open(day);
  const times: number[] = [];
  let seed = 42;
  for (let i = 0; i < 300; i++) {
    seed = (seed * 16807) % 2147483647;
    const start = (seed / 2147483647) * (r.duration - 10);
    const t0 = process.hrtime.bigint();
    r.readWindow(start, 10, { unit: 'uV' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  r.close();
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
  console.log(
    `random 10-s windows of a 24-h file (${(statSync(day).size / 1e9).toFixed(2)} GB, 21 ch): median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms (goal < 50 ms; page cache warm after the first reads)`,
  );
}

if (process.argv[2] === '--child') child(process.argv[3]);
else main();
