/**
 * The generic training loop every celm model uses (`celm pretrain`, `celm train`): AdamW with weight
 * decay on matrices only, linear warmup then cosine decay to minLr, gradient-norm clipping, periodic
 * validation with early stopping, and files a person can inspect or resume from:
 *
 *   OUT/metrics.csv          one row per evaluation: step, lr, train_loss (mean since the previous
 *                            evaluation), val_loss, elapsed_s, grad_norm (mean, before clipping),
 *                            then the extra metrics (step extras by name, validation extras as val_<name>)
 *   OUT/loss.svg, loss.png   train and validation loss against step
 *   OUT/best.safetensors     the weights with the lowest validation loss so far
 *   OUT/checkpoint/          weights.safetensors, optimizer-*.pt (backend AdamW state), state.json
 *                            (step, best, evals since best, elapsed, configHash, running means);
 *                            written into a temporary folder and renamed into place
 *
 * Resume is bit-exact: the caller's batch for step s is a pure function of (seed, s), the backend's
 * RNG is re-seeded from (seed, s) before every step, and the checkpoint holds the weights, the AdamW
 * moments and step counts, and the running means of the current evaluation interval. A checkpoint
 * written for another configuration (configHash) is refused unless `restart` is set.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CelmError } from '../errors.js';
import { linePlotSvg, type Series, svgToPngSync } from '../plot/svg.js';
import { type Backend, loadWeights, type Optimizer, saveWeights, type Tensor } from './runtime/index.js';

export interface TrainSchedule {
  seed: number;
  maxSteps: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  weightDecay: number;
  /** Max global gradient norm; 0 = no clipping (the norm is still measured). */
  gradClip: number;
  evalEvery: number;
  /** Evaluations without a validation improvement before stopping; 0 = never stop early. */
  patience: number;
}

export interface StepStats {
  loss: number;
  [metric: string]: number;
}

export interface TrainHooks {
  /** Trainable parameters by checkpoint name. */
  params: Map<string, Tensor>;
  /**
   * Forward + backward of the batch for `step`. The batch must be a pure function of (seed, step)
   * so a resumed run sees the same batches. Runs inside be.tidy (the trainer's), with the backend's
   * RNG freshly seeded from (seed, step).
   */
  step(step: number): StepStats;
  /** Validation loss (lower is better); runs inside be.tidy and be.noGrad. */
  validate(): StepStats;
}

export interface TrainOptions {
  /** Prefix of progress lines ("pretrain", "train"). */
  label: string;
  /** Identifies everything that shapes the run (model, data, schedule); a checkpoint with another one is refused. */
  configHash: string;
  /** No progress on stderr (onLog still receives every line). */
  quiet?: boolean;
  onLog?: (line: string) => void;
  /** Ends the loop after the current step, with a checkpoint written (an AbortSignal does). */
  signal?: { readonly aborted: boolean };
  /** Discard an existing checkpoint (and the old run's files) instead of resuming or refusing. */
  restart?: boolean;
  /** Also write a checkpoint when this many seconds passed since the last one (default 300). */
  checkpointSeconds?: number;
  /** More metrics.csv columns drawn (dashed) on the loss plot, e.g. a baseline's validation loss. */
  plotColumns?: { column: string; label: string }[];
}

export type StopReason = 'max-steps' | 'early-stop' | 'aborted';

export interface TrainSummary {
  stopReason: StopReason;
  /** Steps completed in total (including those before a resume). */
  steps: number;
  maxSteps: number;
  /** The step this session resumed from, or null for a fresh start. */
  resumedFrom: number | null;
  evals: number;
  bestStep: number | null;
  bestValLoss: number | null;
  lastValLoss: number | null;
  lastTrainLoss: number | null;
  /** Training time over all sessions (s). */
  elapsedS: number;
  /** Steps run by this session, and their speed (without evaluation time). */
  sessionSteps: number;
  stepsPerSecond: number;
  configHash: string;
}

/** Learning rate of step s (0-based): linear warmup to lr, then cosine to minLr at maxSteps. */
export function lrAt(s: TrainSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.maxSteps - s.warmupSteps);
  const p = Math.min(1, (step - s.warmupSteps) / span);
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * p));
}

/** A 31-bit seed derived from (seed, ...parts) (splitmix32-style mixing), for the backend RNG and samplers. */
export function mixSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const p of [...parts, parts.length]) {
    h = (h + (p | 0) + 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h & 0x7fffffff;
}

/** Checks a schedule's fields (types and ranges); throws CelmError naming the field. */
export function validateSchedule(s: TrainSchedule, where = 'train'): void {
  const int = (k: keyof TrainSchedule, min: number) => {
    const v = s[k];
    if (!Number.isInteger(v) || v < min)
      throw new CelmError('config', `${where}.${k} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  };
  const num = (k: keyof TrainSchedule, min: number, strict: boolean) => {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (strict && v === min))
      throw new CelmError(
        'config',
        `${where}.${k} must be a number ${strict ? '>' : '>='} ${min}, got ${JSON.stringify(v)}`,
      );
  };
  int('seed', 0);
  int('maxSteps', 1);
  int('warmupSteps', 0);
  int('evalEvery', 1);
  int('patience', 0);
  num('lr', 0, true);
  num('minLr', 0, false);
  num('weightDecay', 0, false);
  num('gradClip', 0, false);
  if (s.minLr > s.lr)
    throw new CelmError('config', `${where}.minLr (${s.minLr}) is above ${where}.lr (${s.lr})`);
}

// ---------------------------------------------------------------------------------------------
// Checkpoint state

interface Accumulator {
  n: number;
  loss: number;
  gradNorm: number;
  extras: Record<string, number>;
}

interface TrainState {
  format: 'celm-train-checkpoint';
  version: 1;
  label: string;
  configHash: string;
  step: number;
  evals: number;
  bestVal: number | null;
  bestStep: number | null;
  evalsSinceBest: number;
  lastVal: number | null;
  lastTrain: number | null;
  elapsedS: number;
  acc: Accumulator;
  columns: string[] | null;
  finished: StopReason | null;
}

const BASE_COLUMNS = ['step', 'lr', 'train_loss', 'val_loss', 'elapsed_s', 'grad_norm'];
const CHECKPOINT = 'checkpoint';
const OLD_CHECKPOINT = '.checkpoint-old';

interface OptGroup {
  file: string;
  opt: Optimizer;
}

function emptyAcc(): Accumulator {
  return { n: 0, loss: 0, gradNorm: 0, extras: {} };
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
}

/** Puts a checkpoint back if a previous run died between the two renames of writeCheckpoint. */
function recoverCheckpoint(outDir: string): void {
  const cp = join(outDir, CHECKPOINT);
  const old = join(outDir, OLD_CHECKPOINT);
  if (!existsSync(cp) && existsSync(join(old, 'state.json'))) renameSync(old, cp);
  for (const f of readdirSync(outDir))
    if (f.startsWith('.checkpoint-tmp-') || f === OLD_CHECKPOINT)
      rmSync(join(outDir, f), { recursive: true, force: true });
}

function readState(path: string): TrainState {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as TrainState;
    if (s.format !== 'celm-train-checkpoint') throw new Error('not a celm training checkpoint');
    return s;
  } catch (e) {
    throw new CelmError('checkpoint', `${path}: unreadable checkpoint state (${(e as Error).message})`);
  }
}

function parseCsv(path: string): { header: string[]; rows: string[][] } {
  if (!existsSync(path)) return { header: [], rows: [] };
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return { header: (lines[0] ?? '').split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** Writes loss.svg (and loss.png when @resvg/resvg-js is there) from metrics.csv. */
export function plotLossCurve(
  outDir: string,
  title: string,
  extra: { column: string; label: string }[] = [],
): void {
  const { header, rows } = parseCsv(join(outDir, 'metrics.csv'));
  const col = (name: string) => header.indexOf(name);
  const [iStep, iTrain, iVal] = [col('step'), col('train_loss'), col('val_loss')];
  if (iStep < 0 || rows.length === 0) return;
  const pick = (i: number) => {
    const x: number[] = [];
    const y: number[] = [];
    for (const r of rows) {
      const v = r[i] === '' ? Number.NaN : Number(r[i]);
      if (Number.isFinite(v)) {
        x.push(Number(r[iStep]));
        y.push(v);
      }
    }
    return { x, y };
  };
  const series: Series[] = [
    { label: 'train (mean since previous eval)', ...pick(iTrain) },
    { label: 'validation', ...pick(iVal) },
    ...extra
      .filter((e) => col(e.column) >= 0)
      .map((e) => ({ label: e.label, dashed: true, ...pick(col(e.column)) })),
  ];
  const all = series.flatMap((s) => s.y as number[]);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const logY = lo > 0 && hi / lo > 20;
  const svg = linePlotSvg({
    series,
    title,
    xLabel: 'step',
    yLabel: logY ? 'loss (log scale)' : 'loss',
    logY,
    width: 720,
    height: 420,
  });
  writeFileSync(join(outDir, 'loss.svg'), svg);
  const png = svgToPngSync(svg);
  if (png) {
    const tmp = join(outDir, `.loss.png.${process.pid}.partial`);
    writeFileSync(tmp, png);
    renameSync(tmp, join(outDir, 'loss.png'));
  }
}

// ---------------------------------------------------------------------------------------------
// The loop

/**
 * Runs (or resumes) a training to its end and returns why it stopped. Synchronous: signal handlers
 * cannot run while it does, so a CLI that wires SIGINT/SIGTERM to `options.signal` uses
 * runTrainingAsync, which yields to the event loop between steps.
 */
export function runTraining(
  be: Backend,
  outDir: string,
  schedule: TrainSchedule,
  hooks: TrainHooks,
  options: TrainOptions,
): TrainSummary {
  const g = trainLoop(be, outDir, schedule, hooks, options);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/** runTraining that yields to the event loop after every step (so SIGINT handlers can abort it). */
export async function runTrainingAsync(
  be: Backend,
  outDir: string,
  schedule: TrainSchedule,
  hooks: TrainHooks,
  options: TrainOptions,
): Promise<TrainSummary> {
  const g = trainLoop(be, outDir, schedule, hooks, options);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    await new Promise<void>((res) => setImmediate(res));
  }
}

/** The loop, as a generator that yields after each step. */
function* trainLoop(
  be: Backend,
  outDir: string,
  schedule: TrainSchedule,
  hooks: TrainHooks,
  options: TrainOptions,
): Generator<void, TrainSummary, void> {
  validateSchedule(schedule);
  mkdirSync(outDir, { recursive: true });
  recoverCheckpoint(outDir);
  const cpDir = join(outDir, CHECKPOINT);
  const metricsPath = join(outDir, 'metrics.csv');
  const bestPath = join(outDir, 'best.safetensors');
  const tty = process.stderr.isTTY === true;
  let transientShown = false;
  const log = (line: string, transient = false) => {
    options.onLog?.(line);
    if (options.quiet) return;
    if (tty && transient) {
      process.stderr.write(`\r${line}\x1b[K`);
      transientShown = true;
    } else {
      process.stderr.write(`${transientShown ? '\r\x1b[K' : ''}${line}\n`);
      transientShown = false;
    }
  };

  // Optimizers: AdamW with weight decay on matrices (rank >= 2), without on biases, norms, vectors.
  const named = [...hooks.params.entries()];
  const all = named.map(([, t]) => t);
  const decay = named.filter(([, t]) => t.shape.length >= 2).map(([, t]) => t);
  const noDecay = named.filter(([, t]) => t.shape.length < 2).map(([, t]) => t);
  const groups: OptGroup[] = [];
  if (decay.length)
    groups.push({
      file: 'optimizer-decay.pt',
      opt: be.adamw(decay, { lr: schedule.lr, weightDecay: schedule.weightDecay }),
    });
  if (noDecay.length)
    groups.push({
      file: 'optimizer-nodecay.pt',
      opt: be.adamw(noDecay, { lr: schedule.lr, weightDecay: 0 }),
    });

  // Fresh start or resume.
  let state: TrainState = {
    format: 'celm-train-checkpoint',
    version: 1,
    label: options.label,
    configHash: options.configHash,
    step: 0,
    evals: 0,
    bestVal: null,
    bestStep: null,
    evalsSinceBest: 0,
    lastVal: null,
    lastTrain: null,
    elapsedS: 0,
    acc: emptyAcc(),
    columns: null,
    finished: null,
  };
  let resumedFrom: number | null = null;
  if (existsSync(join(cpDir, 'state.json')) && !options.restart) {
    const saved = readState(join(cpDir, 'state.json'));
    if (saved.configHash !== options.configHash)
      throw new CelmError(
        'checkpoint',
        `${cpDir} belongs to a run with another configuration (config hash ${saved.configHash}, this run ${options.configHash}); ` +
          'use another output folder, or restart to discard it (celm: --restart)',
      );
    loadWeights(be, join(cpDir, 'weights.safetensors'), hooks.params);
    for (const g of groups) g.opt.load(join(cpDir, g.file));
    state = saved;
    resumedFrom = saved.step;
    // Drop evaluation rows a killed run appended after its last checkpoint.
    const { header, rows } = parseCsv(metricsPath);
    if (header.length > 1) {
      const kept = rows.filter((r) => Number(r[0]) <= saved.step);
      writeFileSync(metricsPath, [header, ...kept].map((r) => `${r.join(',')}\n`).join(''));
    }
  } else {
    for (const f of [CHECKPOINT, 'metrics.csv', 'best.safetensors', 'loss.svg', 'loss.png'])
      rmSync(join(outDir, f), { recursive: true, force: true });
  }

  const summary = (reason: StopReason, sessionSteps: number, trainSeconds: number): TrainSummary => ({
    stopReason: reason,
    steps: state.step,
    maxSteps: schedule.maxSteps,
    resumedFrom,
    evals: state.evals,
    bestStep: state.bestStep,
    bestValLoss: state.bestVal,
    lastValLoss: state.lastVal,
    lastTrainLoss: state.lastTrain,
    elapsedS: state.elapsedS,
    sessionSteps,
    stepsPerSecond: trainSeconds > 0 ? sessionSteps / trainSeconds : 0,
    configHash: options.configHash,
  });

  if (state.finished) {
    log(
      `${options.label}: ${outDir} already finished (${state.finished} at step ${state.step}); nothing to do`,
    );
    return summary(state.finished, 0, 0);
  }
  if (resumedFrom !== null) log(`${options.label}: resuming from step ${resumedFrom} (${cpDir})`);

  const writeCheckpoint = () => {
    const tmp = join(outDir, `.checkpoint-tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    saveWeights(join(tmp, 'weights.safetensors'), hooks.params, {
      step: String(state.step),
      config_hash: options.configHash,
    });
    for (const g of groups) g.opt.save(join(tmp, g.file));
    writeFileSync(join(tmp, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
    const old = join(outDir, OLD_CHECKPOINT);
    if (existsSync(cpDir)) {
      rmSync(old, { recursive: true, force: true });
      renameSync(cpDir, old);
    }
    renameSync(tmp, cpDir);
    rmSync(old, { recursive: true, force: true });
  };

  const sessionStart = Date.now();
  const elapsedBefore = state.elapsedS;
  const elapsed = () => elapsedBefore + (Date.now() - sessionStart) / 1000;
  let trainSeconds = 0;
  let sessionSteps = 0;
  let lastCheckpoint = Date.now();
  let lastProgress = 0;
  const checkpointMs = (options.checkpointSeconds ?? 300) * 1000;
  const clip = schedule.gradClip > 0 ? schedule.gradClip : Number.POSITIVE_INFINITY;

  const evaluate = (lr: number): void => {
    be.manualSeed(mixSeed(schedule.seed, 0x7a11d));
    const v = be.tidy(() => be.noGrad(() => hooks.validate()));
    if (!Number.isFinite(v.loss))
      throw new CelmError(
        'train-diverged',
        `${options.label}: validation loss is ${v.loss} at step ${state.step}`,
      );
    const acc = state.acc;
    const trainLoss = acc.n > 0 ? acc.loss / acc.n : Number.NaN;
    const extraTrain = Object.keys(acc.extras).sort();
    const extraVal = Object.keys(v)
      .filter((k) => k !== 'loss')
      .sort()
      .map((k) => `val_${k}`);
    if (!state.columns) {
      state.columns = [...BASE_COLUMNS, ...extraTrain, ...extraVal];
      writeFileSync(metricsPath, `${state.columns.join(',')}\n`);
    }
    const values: Record<string, number> = {
      step: state.step,
      lr,
      train_loss: trainLoss,
      val_loss: v.loss,
      elapsed_s: Math.round(elapsed() * 10) / 10,
      grad_norm: acc.n > 0 ? acc.gradNorm / acc.n : Number.NaN,
    };
    for (const k of extraTrain) values[k] = acc.extras[k] / acc.n;
    for (const k of Object.keys(v)) if (k !== 'loss') values[`val_${k}`] = v[k];
    appendFileSync(
      metricsPath,
      `${state.columns.map((c) => (c in values && Number.isFinite(values[c]) ? String(values[c]) : '')).join(',')}\n`,
    );
    state.evals++;
    state.lastVal = v.loss;
    state.lastTrain = Number.isFinite(trainLoss) ? trainLoss : null;
    state.acc = emptyAcc();
    const improved = state.bestVal === null || v.loss < state.bestVal;
    if (improved) {
      state.bestVal = v.loss;
      state.bestStep = state.step;
      state.evalsSinceBest = 0;
      saveWeights(bestPath, hooks.params, {
        step: String(state.step),
        val_loss: String(v.loss),
        config_hash: options.configHash,
      });
    } else state.evalsSinceBest++;
    plotLossCurve(
      outDir,
      `${options.label}: loss (config ${options.configHash.slice(0, 12)})`,
      options.plotColumns,
    );
    log(
      `${options.label}: eval at step ${state.step}: val ${fmtNum(v.loss)}${improved ? ' (best)' : ` (best ${fmtNum(state.bestVal as number)} at step ${state.bestStep})`}, train ${fmtNum(trainLoss)}` +
        extraVal.map((k) => `, ${k} ${fmtNum(values[k])}`).join(''),
    );
  };

  let reason: StopReason | null = null;
  let dirty = false; // steps since the last checkpoint
  while (reason === null) {
    if (state.step >= schedule.maxSteps) {
      reason = 'max-steps';
      break;
    }
    if (options.signal?.aborted) {
      reason = 'aborted';
      if (dirty) {
        state.elapsedS = elapsed();
        writeCheckpoint();
      }
      break;
    }
    const step = state.step;
    const lr = lrAt(schedule, step);
    const t0 = Date.now();
    for (const g of groups) {
      g.opt.setLr(lr);
      g.opt.zeroGrad();
    }
    be.manualSeed(mixSeed(schedule.seed, step));
    const stats = be.tidy(() => hooks.step(step));
    if (!Number.isFinite(stats.loss))
      throw new CelmError(
        'train-diverged',
        `${options.label}: loss is ${stats.loss} at step ${step} (a lower lr or gradClip may help); the last checkpoint is at step ${state.step}`,
      );
    const gradNorm = be.clipGradNorm(all, clip);
    for (const g of groups) g.opt.step();
    state.step++;
    sessionSteps++;
    trainSeconds += (Date.now() - t0) / 1000;
    const acc = state.acc;
    acc.n++;
    acc.loss += stats.loss;
    acc.gradNorm += gradNorm;
    for (const [k, v] of Object.entries(stats)) if (k !== 'loss') acc.extras[k] = (acc.extras[k] ?? 0) + v;

    const now = Date.now();
    if (now - lastProgress >= (tty ? 1000 : 10000) || sessionSteps === 1) {
      lastProgress = now;
      const rate = sessionSteps / Math.max(trainSeconds, 1e-9);
      log(
        `${options.label}: step ${state.step}/${schedule.maxSteps}  loss ${fmtNum(stats.loss)}  lr ${lr.toExponential(2)}  ${rate.toFixed(2)} steps/s  ETA ${fmtTime((schedule.maxSteps - state.step) / rate)}`,
        true,
      );
    }

    dirty = true;
    const evalNow = state.step % schedule.evalEvery === 0 || state.step === schedule.maxSteps;
    if (evalNow) {
      evaluate(lr);
      if (schedule.patience > 0 && state.evalsSinceBest >= schedule.patience) reason = 'early-stop';
      else if (state.step >= schedule.maxSteps) reason = 'max-steps';
      state.finished = reason;
    }
    if (evalNow || Date.now() - lastCheckpoint >= checkpointMs) {
      state.elapsedS = elapsed();
      writeCheckpoint();
      lastCheckpoint = Date.now();
      dirty = false;
    }
    if (reason === null) yield;
  }
  state.elapsedS = elapsed();
  const s = summary(reason, sessionSteps, trainSeconds);
  const why =
    reason === 'max-steps'
      ? `reached ${schedule.maxSteps} steps`
      : reason === 'early-stop'
        ? `stopped early: no validation improvement in ${schedule.patience} evaluations`
        : `interrupted at step ${state.step}; rerun the same command to resume`;
  log(
    `${options.label}: ${why}; best val ${s.bestValLoss === null ? '-' : fmtNum(s.bestValLoss)} at step ${s.bestStep ?? '-'}; ${fmtTime(s.elapsedS)} of training`,
  );
  return s;
}
