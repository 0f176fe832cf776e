/**
 * Batch preprocessing: expands inputs, selects a shard, and runs recordings on a pool of worker threads.
 *
 * Sharding: the input list (files found, sorted by absolute path) is split so that shard i of n takes the
 * files whose position k satisfies k % n == i. Every shard sees the same sorted list, so any batch
 * scheduler (e.g. a Slurm array, see docs/preprocessing.md) can run `--shard $i/$n` independently.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CelmError } from '../errors.js';
import type { PreprocessSettings } from './pipeline.js';
import { preprocessRecording } from './preprocess.js';

const EXTENSIONS = new Set(['.edf', '.bdf', '.rec']);

/** Files named by `inputs` (folders searched recursively for .edf/.bdf/.rec), sorted, without duplicates. */
export function expandInputs(inputs: string[]): string[] {
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (EXTENSIONS.has(extname(e.name).toLowerCase())) out.add(resolve(p));
    }
  };
  for (const inp of inputs) {
    if (!existsSync(inp)) throw new CelmError('usage', `${inp}: no such file or folder`);
    if (statSync(inp).isDirectory()) walk(inp);
    else out.add(resolve(inp));
  }
  return [...out].sort();
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2]))
    throw new CelmError('usage', `--shard must be i/n with 0 <= i < n, got "${text}"`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** The files of one shard: positions k with k % count == index in the sorted list. */
export function selectShard<T>(files: T[], shard: Shard): T[] {
  return files.filter((_, k) => k % shard.count === shard.index);
}

export type BatchEvent =
  | { type: 'start'; file: string }
  | { type: 'progress'; file: string; done: number; total: number }
  | { type: 'done'; file: string; id: string; skipped: boolean; segments: number; seconds: number }
  | { type: 'failed'; file: string; message: string };

export interface BatchOptions {
  out: string;
  jobs: number;
  settings: PreprocessSettings;
  force?: boolean;
  onEvent?: (e: BatchEvent) => void;
}

export interface BatchSummary {
  done: number;
  skipped: number;
  failed: { file: string; message: string }[];
}

function errorMessage(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/** Processes files with `jobs` worker threads (in this thread when jobs is 1). */
export async function runBatch(files: string[], options: BatchOptions): Promise<BatchSummary> {
  const summary: BatchSummary = { done: 0, skipped: 0, failed: [] };
  const emit = (e: BatchEvent) => {
    if (e.type === 'done') {
      if (e.skipped) summary.skipped++;
      else summary.done++;
    } else if (e.type === 'failed') summary.failed.push({ file: e.file, message: e.message });
    options.onEvent?.(e);
  };
  if (options.jobs <= 1 || files.length <= 1) {
    for (const file of files) {
      emit({ type: 'start', file });
      try {
        const r = preprocessRecording(file, options.out, options.settings, {
          force: options.force,
          // One recording and several jobs: its channels are shared among threads instead.
          threads: files.length === 1 ? options.jobs : 1,
          onProgress: (done, total) => emit({ type: 'progress', file, done, total }),
        });
        emit({ type: 'done', file, id: r.id, skipped: r.skipped, segments: r.segments, seconds: r.seconds });
      } catch (err) {
        emit({ type: 'failed', file, message: errorMessage(err) });
      }
    }
    return summary;
  }
  const queue = [...files];
  const workerUrl = new URL('./worker.js', import.meta.url);
  const runWorker = () =>
    new Promise<void>((done) => {
      const w = new Worker(workerUrl);
      let current: string | null = null;
      const next = () => {
        current = queue.shift() ?? null;
        if (current === null) {
          void w.terminate().then(() => done());
          return;
        }
        emit({ type: 'start', file: current });
        w.postMessage({ file: current, out: options.out, settings: options.settings, force: options.force });
      };
      w.on('message', (m: BatchEvent) => {
        if (m.type === 'progress') emit(m);
        else {
          emit(m);
          next();
        }
      });
      w.on('error', (err) => {
        if (current) emit({ type: 'failed', file: current, message: `worker crashed: ${errorMessage(err)}` });
        // Replace the crashed worker and go on with the rest.
        void runWorker().then(done);
      });
      next();
    });
  await Promise.all(Array.from({ length: Math.min(options.jobs, files.length) }, () => runWorker()));
  return summary;
}
