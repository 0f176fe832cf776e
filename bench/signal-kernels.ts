/**
 * bench/signal-kernels: CPU time of the preprocessing's hot kernels in JavaScript and in the native
 * addon (native/signal, src/signal/native.ts) on one hour of 21 channels at 256 Hz, streamed in 60-s
 * chunks as `celm preprocess` does: overlap-save filtering (0.1-75 Hz + 60 Hz notch kernel, 65536-point
 * FFTs), resampling to 200 Hz, and Welch spectra of 10-s segments. Also checks that both give the same
 * bits. CPU time (process.cpuUsage, this thread only does the work) is steadier than wall time on a
 * shared machine; the load average is printed beside it.
 *
 *   npx tsc -p . && node dist/bench/signal-kernels.js [--hours H (default 1)] [--repeat R (default 3)]
 */
import { loadavg } from 'node:os';
import { FirStream, pipelineKernel } from '../src/signal/filter.js';
import { nativeSignal, signalAddonError, useNativeSignal } from '../src/signal/native.js';
import { ResampleStream } from '../src/signal/resample.js';
import { Welch } from '../src/signal/spectral.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const hours = opt('--hours', 1);
const repeat = opt('--repeat', 3);
const fs = 256;
const nCh = 21;
const n = Math.round(hours * 3600 * fs);
const chunk = 60 * fs;

let seed = 7;
const rnd = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647 - 0.5;
};
const input = Array.from({ length: nCh }, () => {
  const x = new Float32Array(n);
  let b = 0;
  for (let k = 0; k < n; k++) {
    b = 0.995 * b + rnd();
    x[k] = 20 * b + 10 * rnd();
  }
  return x;
});
const kernel = pipelineKernel(fs, { lFreq: 0.1, hFreq: 75, notch: [60] });

const cpu = (f: () => void): number => {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1e6;
};

interface Result {
  filter: number;
  resample: number;
  welch: number;
  out: Float32Array[];
  psd: Float64Array;
}

function run(): Result {
  const fir = new FirStream(kernel, nCh, n);
  const rs = new ResampleStream(fs, 200, nCh, n);
  const filtered: Float64Array[][] = [];
  let filter = cpu(() => {
    for (let at = 0; at < n; at += chunk)
      filtered.push(fir.push(input.map((x) => x.subarray(at, Math.min(n, at + chunk)))));
  });
  filter += cpu(() => {
    filtered.push(fir.finish());
  });
  const parts: Float32Array[][] = [];
  const resample = cpu(() => {
    for (const f of filtered) parts.push(rs.push(f));
    parts.push(rs.finish());
  });
  const out = Array.from({ length: nCh }, (_, c) => {
    const o = new Float32Array(parts.reduce((s, p) => s + p[c].length, 0));
    let at = 0;
    for (const p of parts) {
      o.set(p[c], at);
      at += p[c].length;
    }
    return o;
  });
  // Welch of every 10-s segment of every channel, 4-s windows (as the pipeline's analysis).
  const w = new Welch(200, 800);
  const psd = new Float64Array(w.freqs.length);
  const acc = new Float64Array(w.freqs.length);
  const welch = cpu(() => {
    for (const o of out)
      for (let s = 0; s + 2000 <= o.length; s += 2000) {
        w.psd(o.subarray(s, s + 2000), psd);
        for (let k = 0; k < psd.length; k++) acc[k] += psd[k];
      }
  });
  return { filter, resample, welch, out, psd: acc };
}

const sameBits = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

if (!useNativeSignal(true)) {
  console.log(`native addon not available: ${signalAddonError()}`);
  process.exit(1);
}
console.log(
  `${hours} h, ${nCh} channels at ${fs} Hz, kernel ${kernel.length} taps; native: ${JSON.stringify(nativeSignal()?.info())}`,
);
const rows: Record<string, number[]> = {};
let ref: Result | null = null;
let identical = true;
for (let r = 0; r < repeat; r++) {
  for (const mode of ['js', 'native'] as const) {
    useNativeSignal(mode === 'native');
    const load = loadavg()[0];
    const res = run();
    for (const k of ['filter', 'resample', 'welch'] as const) {
      const key = `${mode} ${k}`;
      rows[key] = [...(rows[key] ?? []), res[k]];
    }
    console.log(
      `round ${r + 1} ${mode.padEnd(6)} filter ${res.filter.toFixed(3)} s  resample ${res.resample.toFixed(3)} s  welch ${res.welch.toFixed(3)} s CPU  (load ${load.toFixed(2)} -> ${loadavg()[0].toFixed(2)})`,
    );
    if (!ref) ref = res;
    else identical &&= res.out.every((o, c) => sameBits(o, ref!.out[c])) && sameBits(res.psd, ref.psd);
  }
}
const best = (k: string) => Math.min(...rows[k]);
console.log('\nbest CPU seconds (JavaScript / native = speedup):');
for (const k of ['filter', 'resample', 'welch'])
  console.log(
    `  ${k.padEnd(9)} ${best(`js ${k}`).toFixed(3)} / ${best(`native ${k}`).toFixed(3)} = ${(best(`js ${k}`) / best(`native ${k}`)).toFixed(2)}x`,
  );
console.log(`outputs bit-identical: ${identical}`);
