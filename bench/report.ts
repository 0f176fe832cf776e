/**
 * bench/report: `celm report` end to end (EDF to text) on a synthetic 1-h and 24-h recording, each run in
 * its own process with a fresh, empty cache (cold), against the goals on 2 cores:
 *   a 1-h recording in under 10 s, a 24-h recording in under 3 minutes, peak memory under 2 GiB.
 * Prints per stage (`timings_s` of the report JSON), wall and CPU time, peak resident memory of the
 * child, the fraction of each budget used, and the load average (the machine may be shared: a busy
 * machine makes every number worse). A warm-cache rerun of the 1-h file is printed after the cold runs.
 *
 *   npm run bench:report [-- --model DIR] [--hours 1,24] [--runs N] [--runtime ort|torch]
 *
 * Recordings: `celm synth --count 1 --duration <h>h --single-recording --profile focal-epilepsy
 * --seed 4242` into bench/out/report-<h>h/ (made once, kept for later runs). "Cold" means celm's
 * preprocessing/embedding cache is empty; the operating system's file cache is not dropped (that needs
 * root), so the EDF file may already be in memory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchDir } from './common.js';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const celm = join(repo, 'bin', 'celm.js');
const SEED = 4242;
const PROFILE = 'focal-epilepsy';
/** Goals of the issue: seconds by recording hours, and peak memory. */
const TIME_GOAL_S: Record<number, number> = { 1: 10, 24: 180 };
const MEMORY_GOAL_MIB = 2048;
const STAGES = ['load_s', 'preprocess_s', 'encode_s', 'measures_s', 'compress_s', 'generate_s'] as const;

interface Options {
  model?: string;
  hours: number[];
  runs: number;
  runtime?: 'ort' | 'torch';
}

interface RunResult {
  wallS: number;
  userS: number;
  sysS: number;
  maxRssMiB: number;
  timings: Record<string, number>;
  load: [number, number];
}

function usage(msg: string): never {
  process.stderr.write(
    `bench/report: ${msg}\nusage: node dist/bench/report.js [--model DIR] [--hours 1,24] [--runs N] [--runtime ort|torch]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { hours: [1, 24], runs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--model') o.model = resolve(val());
    else if (a === '--hours') {
      o.hours = val()
        .split(',')
        .map((h) => Number(h.trim()));
      if (o.hours.some((h) => !Number.isFinite(h) || h <= 0 || h > 24))
        usage('--hours takes hours in (0, 24], e.g. 1,24');
    } else if (a === '--runs') {
      o.runs = Number(val());
      if (!Number.isInteger(o.runs) || o.runs < 1) usage('--runs must be a positive integer');
    } else if (a === '--runtime') {
      const r = val();
      if (r !== 'ort' && r !== 'torch') usage(`--runtime must be ort or torch, got "${r}"`);
      o.runtime = r;
    } else usage(`unknown argument "${a}"`);
  }
  return o;
}

/** The synthetic recording of `hours` (and its patient history), generated once by `celm synth`. */
function recording(hours: number): { file: string; history: string; seconds: number } {
  const dir = join(benchDir, `report-${hours}h`);
  const manifest = join(dir, 'manifest.jsonl');
  if (!existsSync(manifest) || !existsSync(join(dir, 'synth.json')) || !synthComplete(dir)) {
    const t0 = Date.now();
    process.stderr.write(`generating the ${hours}-h recording into ${dir} (once) ...\n`);
    const r = spawnSync(
      process.execPath,
      [
        celm,
        'synth',
        '--count',
        '1',
        '--duration',
        `${hours}h`,
        ...(hours < 1 / 3 ? ['--allow-short'] : []),
        '--single-recording',
        '--profile',
        PROFILE,
        '--seed',
        String(SEED),
        '--out',
        dir,
        '--quiet',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`celm synth failed (status ${r.status}): ${r.stderr}`);
    process.stderr.write(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const entry = JSON.parse(readFileSync(manifest, 'utf8').trim().split('\n')[0]) as {
    recordings: string[];
    sections: string;
    duration_s: number;
  };
  const history = (
    JSON.parse(readFileSync(join(dir, entry.sections), 'utf8')) as { patient_history?: string }
  ).patient_history;
  return { file: join(dir, entry.recordings[0]), history: history ?? '', seconds: entry.duration_s };
}

function synthComplete(dir: string): boolean {
  try {
    return (
      (JSON.parse(readFileSync(join(dir, 'synth.json'), 'utf8')) as { status?: string }).status === 'complete'
    );
  } catch {
    return false;
  }
}

/** GNU time when present (CELM_BENCH_NO_GNU_TIME=1 forces the fallback, to test it). */
const hasGnuTime = existsSync('/usr/bin/time') && process.env.CELM_BENCH_NO_GNU_TIME !== '1';

/**
 * Runs `celm report` in a child process: wall time (measured here, node start-up included), CPU time and
 * peak RSS of the child (GNU time; without it, the child's own process.resourceUsage() at exit).
 */
function runReport(file: string, history: string, cache: string, o: Options, scratch: string): RunResult {
  const args = [celm, 'report', file, '--format', 'json', '--quiet', '--cache', cache];
  if (history) args.push('--history', history);
  if (o.model) args.push('--model', o.model);
  if (o.runtime) args.push('--runtime', o.runtime);
  const stats = join(scratch, 'rusage.txt');
  rmSync(stats, { force: true });
  let cmd: string;
  let cmdArgs: string[];
  if (hasGnuTime) {
    cmd = '/usr/bin/time';
    cmdArgs = ['-o', stats, '-f', '%e %U %S %M', process.execPath, ...args];
  } else {
    const hook = join(scratch, 'rusage-hook.mjs');
    writeFileSync(
      hook,
      `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { const u = process.resourceUsage(); writeFileSync(${JSON.stringify(stats)}, \`0 \${u.userCPUTime / 1e6} \${u.systemCPUTime / 1e6} \${u.maxRSS}\`); });\n`,
    );
    cmd = process.execPath;
    cmdArgs = ['--import', pathToFileURL(hook).href, ...args];
  }
  const load0 = loadavg()[0];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const load1 = loadavg()[0];
  if (r.status !== 0)
    throw new Error(`celm report ${file} failed (status ${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
  const [, user, sys, rssKiB] = readFileSync(stats, 'utf8').trim().split(/\s+/).map(Number);
  const json = JSON.parse(r.stdout) as { timings_s?: Record<string, number> };
  return {
    wallS,
    userS: user,
    sysS: sys,
    maxRssMiB: rssKiB / 1024,
    timings: json.timings_s ?? {},
    load: [load0, load1],
  };
}

const s1 = (x: number) => x.toFixed(1);

function runLine(label: string, r: RunResult): string {
  const stages = STAGES.map((k) => `${k.replace(/_s$/, '')} ${s1(r.timings[k] ?? Number.NaN)}`).join(', ');
  const cpu = r.userS + r.sysS;
  return `  ${label.padEnd(10)} wall ${s1(r.wallS).padStart(6)} s  (report total_s ${s1(r.timings.total_s ?? Number.NaN)}: ${stages})  CPU ${s1(cpu)} s (${(cpu / r.wallS).toFixed(2)} cores)  peak RSS ${r.maxRssMiB.toFixed(0)} MiB  load ${r.load[0].toFixed(2)} -> ${r.load[1].toFixed(2)}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function goalLine(hours: number, runs: RunResult[]): string[] {
  const walls = runs.map((r) => r.wallS);
  const best = Math.min(...walls);
  const med = median(walls);
  const peak = Math.max(...runs.map((r) => r.maxRssMiB));
  const cpu = median(runs.map((r) => r.userS + r.sysS));
  const goal = TIME_GOAL_S[hours];
  const timePart =
    goal === undefined
      ? `${hours}-h: best ${s1(best)} s, median ${s1(med)} s, CPU ${s1(cpu)} s (no time goal for ${hours} h)`
      : `${hours}-h: best ${s1(best)} s, median ${s1(med)} s, CPU ${s1(cpu)} s (goal ${goal} s: ${(med / goal).toFixed(2)} of the budget, ${med <= goal ? 'met' : 'NOT met'})`;
  const memPart = `${hours}-h peak memory ${peak.toFixed(0)} MiB (goal 2 GiB: ${(peak / MEMORY_GOAL_MIB).toFixed(2)} of the budget, ${peak <= MEMORY_GOAL_MIB ? 'met' : 'NOT met'})`;
  return [timePart, memPart];
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const model = o.model ?? join(repo, 'models', 'default');
  if (!existsSync(join(model, 'model.json')))
    usage(`no model at ${model} (model.json missing): pass --model DIR`);
  const [l1, l5, l15] = loadavg();
  console.log(
    `celm report, end to end (EDF -> JSON report), cold cache (a fresh --cache per run), ${o.runs} run(s) each`,
  );
  console.log(
    `model ${model}; runtime ${o.runtime ?? process.env.CELM_INFERENCE ?? 'ort'}; ${cpus().length} cores; load average ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)} at start`,
  );
  if (l1 > cpus().length * 0.5)
    console.log(
      `note: the machine is shared and busy (1-min load ${l1.toFixed(2)} on ${cpus().length} cores): times are upper bounds for an idle machine`,
    );
  console.log(
    `peak memory and CPU time of the child by ${hasGnuTime ? 'GNU time' : "the child's process.resourceUsage()"}; wall time includes node start-up`,
  );
  const scratch = mkdtempSync(join(tmpdir(), 'celm-bench-report-'));
  const summary: string[] = [];
  try {
    for (const h of o.hours) {
      const rec = recording(h);
      console.log(`\n${h}-h recording: ${rec.file} (${s1(rec.seconds / 3600)} h, ${PROFILE}, seed ${SEED})`);
      const runs: RunResult[] = [];
      let lastCache = '';
      for (let k = 0; k < o.runs; k++) {
        if (lastCache) rmSync(lastCache, { recursive: true, force: true });
        lastCache = mkdtempSync(join(scratch, 'cache-'));
        const r = runReport(rec.file, rec.history, lastCache, o, scratch);
        runs.push(r);
        console.log(runLine(`cold ${k + 1}`, r));
      }
      summary.push(...goalLine(h, runs));
      if (h === 1 || (h === o.hours[0] && !o.hours.includes(1))) {
        const w = runReport(rec.file, rec.history, lastCache, o, scratch);
        console.log(runLine('warm', w));
        summary.push(`${h}-h warm cache (rerun, preprocessing and embeddings cached): ${s1(w.wallS)} s`);
      }
      rmSync(lastCache, { recursive: true, force: true });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const [e1, e5, e15] = loadavg();
  console.log('\nagainst the goals (median of the cold runs; on 2 cores):');
  for (const line of summary) console.log(`  ${line}`);
  console.log(`load average ${e1.toFixed(2)} ${e5.toFixed(2)} ${e15.toFixed(2)} at the end (shared machine)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
