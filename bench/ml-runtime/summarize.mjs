// Table from run.sh's results.jsonl: per backend and thread count, the best wall time over all runs,
// the median of the runs' medians, the best CPU time, and the ratio to tfjs-wasm (CPU best vs CPU best).
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8')
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const groups = new Map();
for (const r of rows) {
  const k = typeof r.threads === 'number' ? `${r.name} ${r.threads}T` : `${r.name} ${r.threads}`;
  if (!groups.has(k)) groups.set(k, []);
  groups.get(k).push(r);
}
const base = groups.get('tfjs-wasm 1T')?.[0];
const f = (x) => (x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log('| workload | backend | wall best ms | wall median ms | CPU best ms | vs tfjs-wasm (CPU best) |');
console.log('|---|---|---|---|---|---|');
for (const w of ['train', 'fwd', 'encode', 'gemm']) {
  for (const [k, rs] of groups) {
    const xs = rs.map((r) => r[w]).filter(Boolean);
    if (!xs.length) continue;
    const best = Math.min(...xs.map((x) => x.best));
    const cpuBest = Math.min(...xs.map((x) => x.cpuBest));
    const ratio =
      base?.[w] && !k.startsWith('tfjs') ? `${(base[w].cpuBest / cpuBest).toFixed(1)}x less CPU` : '';
    console.log(
      `| ${w} | ${k} (${xs.length} runs) | ${f(best)} | ${f(med(xs.map((x) => x.median)))} | ${f(cpuBest)} | ${ratio} |`,
    );
  }
}
for (const [k, rs] of groups) {
  const g = rs.map((r) => r.matmul_gflops).filter(Boolean);
  if (g.length) console.log(`\nmatmul 1024³ ${k}: best ${Math.max(...g).toFixed(1)} GFLOP/s`);
}
const load = rows.map((r) => r.load).filter((x) => x !== undefined);
if (load.length)
  console.log(
    `\n1-min load average at the start of the torch runs: ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on 2 CPUs (shared machine).`,
  );
