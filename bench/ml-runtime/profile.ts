/**
 * Per-op time of one GPT train step and one encoder batch under libtorch's profiler: prints the top
 * ops by self time (where non-GEMM time goes) and leaves chrome://tracing files in bench/out/.
 *   node dist/bench/ml-runtime/profile.js [--threads 1]
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBackend } from '../../src/model/runtime/index.js';
import { benchDir } from '../common.js';
import { GPT, SegmentEncoder } from './models.js';

const args = process.argv.slice(2);
const threads = Number(args[args.indexOf('--threads') + 1] || 1);
const be = loadBackend('torch');
be.setNumThreads(threads);
be.manualSeed(1);
mkdirSync(benchDir, { recursive: true });

function summarize(path: string, label: string) {
  const j = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents?: unknown[] } | unknown[];
  const ev = (Array.isArray(j) ? j : (j.traceEvents ?? [])) as {
    name: string;
    dur?: number;
    ts: number;
    tid?: number;
    ph: string;
  }[];
  // Self time: subtract children nested on the same thread.
  const xs = ev
    .filter((e) => e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const stack: { end: number; name: string; child: number; dur: number }[] = [];
  const pop = () => {
    const s = stack.pop()!;
    self.set(s.name, (self.get(s.name) ?? 0) + s.dur - s.child);
    if (stack.length) stack[stack.length - 1].child += s.dur;
  };
  for (const e of xs) {
    while (stack.length && stack[stack.length - 1].end <= e.ts) pop();
    stack.push({ end: e.ts + e.dur!, name: e.name, child: 0, dur: e.dur! });
  }
  while (stack.length) pop();
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${label}: ${(total / 1000).toFixed(1)} ms in ops (self time, top 15)`);
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(
      `  ${k.padEnd(40)} ${(v / 1000).toFixed(1).padStart(8)} ms  ${((100 * v) / total).toFixed(0).padStart(3)}%`,
    );
}

const rnd = (n: number, v: number) => Int32Array.from({ length: n }, (_, i) => (i * 7919 + 13) % v);
const gpt = new GPT(be, { vocab: 4000, ctx: 256, d: 128, layers: 4, heads: 4 });
const idx = be.keep(be.tensorInt(rnd(8 * 256, 4000), [8, 256]));
const opt = be.adamw(gpt.params.list(), { lr: 1e-3 });
const step = () =>
  be.tidy(() => {
    opt.zeroGrad();
    const l = gpt.loss(idx, idx);
    l.backward();
    be.clipGradNorm(gpt.params.list(), 1);
    opt.step();
  });
step();
const p1 = join(benchDir, 'profile-train-step.json');
be.profile!(p1, step);
summarize(p1, 'GPT train step');

const enc = new SegmentEncoder(be, { channels: 22, patches: 10, patchLen: 200, d: 128, layers: 4, heads: 4 });
const x = be.keep(be.randn([60, 22, 10, 200], 1));
const fwd = () => be.noGrad(() => be.tidy(() => void enc.forward(x).toFloat32Array()));
fwd();
const p2 = join(benchDir, 'profile-encode-batch60.json');
be.profile!(p2, fwd);
summarize(p2, 'encoder batch of 60 segments');
