/**
 * Time to write one 1-hour synthetic recording (256 Hz, 21 EEG + ECG + EOG channels) as EDF+,
 * against the 5-second goal. `npm run bench:synth` (or node dist/bench/synth.js [hours] [rate]).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRecordingEdf } from '../src/datasets/synth/edf.js';
import { Rng } from '../src/datasets/synth/prng.js';
import { type Profile, sampleSpec } from '../src/datasets/synth/spec.js';

const hours = Number(process.argv[2] ?? 1);
const rate = Number(process.argv[3] ?? 256);
const dir = mkdtempSync(join(tmpdir(), 'celm-bench-synth-'));
try {
  for (const profile of ['normal', 'focal-epilepsy', 'icu'] as Profile[]) {
    const spec = sampleSpec(
      new Rng(42),
      {
        profile,
        duration: hours * 3600,
        sampleRate: rate,
        lineHz: 60,
        startDateTime: '2022-01-01T09:00:00',
        age: 45,
        ecgChannel: true,
        eogChannel: true,
        annotationStyle: 0,
        setting: profile === 'icu' ? 'icu' : 'routine',
      },
      42,
    );
    const path = join(dir, `${profile}.edf`);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    writeRecordingEdf(
      spec,
      path,
      { labelStyle: 'tuh-ref', equipment: 'bench', prefilter: '' },
      {
        code: 'B',
        sex: 'F',
        birthdate: '1980-01-01',
        admincode: 'B',
        technician: 'X',
      },
    );
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const goal = 5 * hours;
    const mb = statSync(path).size / 1e6;
    console.log(
      `${profile.padEnd(15)} ${hours} h at ${rate} Hz, 23 channels: ${s.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU (${(s / goal).toFixed(2)} / ${(cpuS / goal).toFixed(2)} of the ${goal}-s goal), ${mb.toFixed(0)} MB, ${((hours * 3600) / s).toFixed(0)}x real time`,
    );
    rmSync(path);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
