/**
 * The report job queue: jobs live in SQLite (src/serve/store.ts), so a server killed mid-job finds them
 * marked 'running' on start and queues them again (preprocessing writes atomically, so a rerun starts
 * clean). Each job runs in a worker thread (./job-worker.ts): the report model's draft when a model
 * folder is configured, else the quantitative-EEG template's; progress goes to the database and to
 * listeners (SSE). Jobs on recordings with the same bytes run one after the other (they share a
 * preprocessing cache entry). A job running longer than the job timeout is stopped (its worker
 * terminated), marked failed, and the queue goes on.
 */
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JobInput, JobMessage } from './job-worker.js';
import type { JobRow, Store } from './store.js';

/** The label of template drafts (no report model configured): API `source`, web app, exports. */
export const TEMPLATE_SOURCE = 'draft from quantitative EEG template (no report model in use)';

export interface QueueOptions {
  /** Report jobs run at once (default 1). */
  concurrency?: number;
  /** Preprocessing and segment-vector cache shared by all jobs (`<data dir>/cache`). */
  cacheDir: string;
  /** Report model folder; null: template drafts. */
  modelDir?: string | null;
  /** A job running longer is stopped (its worker terminated) and marked failed; 0: no limit. Default 30 min. */
  jobTimeoutMs?: number;
}

export const DEFAULT_JOB_TIMEOUT_MS = 30 * 60 * 1000;

/** "30 min", "90 s", "1.5 h", "300 ms": a duration for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${Number(s.toFixed(1))} s`;
  if (s < 7200) return `${Number((s / 60).toFixed(1))} min`;
  return `${Number((s / 3600).toFixed(2))} h`;
}

export interface JobEvent {
  job: string;
  status: JobRow['status'];
  stage: string;
  progress: number;
  report?: string | null;
  error?: string | null;
}

export class JobQueue extends EventEmitter {
  private readonly running = new Map<string, { worker: Worker; sha256: string }>();
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly concurrency: number;
  readonly cacheDir: string;
  readonly modelDir: string | null;
  /** Read when each job starts (a change applies to jobs started afterwards). */
  jobTimeoutMs: number;

  constructor(
    private readonly store: Store,
    options: QueueOptions,
  ) {
    super();
    this.setMaxListeners(0);
    this.concurrency = options.concurrency ?? 1;
    this.cacheDir = options.cacheDir;
    this.modelDir = options.modelDir ?? null;
    this.jobTimeoutMs = options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  }

  /** Re-queues jobs a previous server left running, then starts taking jobs. Returns the re-queued count. */
  start(): number {
    const n = this.store.requeueInterrupted();
    this.pump();
    // A slow poll as a safety net (jobs created by another process sharing the database).
    this.timer = setInterval(() => this.pump(), 2000);
    this.timer.unref();
    return n;
  }

  /** Wakes the queue after a job was added. */
  pump(): void {
    while (!this.stopped && this.running.size < this.concurrency) {
      const job = this.store.claimJob([...this.running.values()].map((r) => r.sha256));
      if (!job) return;
      this.run(job);
    }
  }

  private emitJob(id: string): void {
    const j = this.store.job(id);
    if (!j) return;
    const ev: JobEvent = {
      job: j.id,
      status: j.status,
      stage: j.stage,
      progress: j.progress,
      report: j.report_id,
      error: j.error,
    };
    this.emit('job', ev);
  }

  private run(job: JobRow): void {
    const rec = this.store.recording(job.recording_id);
    if (!rec) {
      this.store.updateJob(job.id, { status: 'failed', error: 'recording not found', stage: 'failed' });
      this.emitJob(job.id);
      return;
    }
    const input: JobInput = {
      path: join(this.store.recordingDir(rec.id), 'recording.edf'),
      cacheDir: this.cacheDir,
      modelDir: this.modelDir,
    };
    const worker = new Worker(new URL('./job-worker.js', import.meta.url), { workerData: input });
    this.running.set(job.id, { worker, sha256: rec.sha256 });
    this.emitJob(job.id);
    let finished = false;
    let timedOut = false;
    const limit = this.jobTimeoutMs;
    const timer =
      limit > 0
        ? setTimeout(() => {
            if (finished || this.stopped) return;
            finished = true;
            timedOut = true;
            this.store.updateJob(job.id, {
              status: 'failed',
              stage: 'failed',
              error: `stopped after ${formatDuration(limit)}: the report job ran longer than the job timeout (--job-timeout)`,
            });
            this.emitJob(job.id);
            // The slot is freed when the worker has exited (see 'exit'); then the queue goes on.
            void worker.terminate();
          }, limit)
        : null;
    worker.on('message', (m: JobMessage) => {
      if (finished) return; // e.g. a message already in flight when the job timed out
      if (m.type === 'progress') {
        this.store.updateJob(job.id, { stage: m.stage, progress: m.progress });
      } else if (m.type === 'done') {
        finished = true;
        const reportId = this.store.createReport(
          rec.id,
          job.id,
          m.source ?? TEMPLATE_SOURCE,
          m.sections,
          m.measurements,
          m.modelOutput,
        );
        this.store.updateJob(job.id, { status: 'done', stage: 'done', progress: 1, report_id: reportId });
      } else {
        finished = true;
        this.store.updateJob(job.id, { status: 'failed', stage: 'failed', error: m.message });
      }
      this.emitJob(job.id);
    });
    worker.on('error', (err) => {
      if (finished || this.stopped) return;
      finished = true;
      this.store.updateJob(job.id, { status: 'failed', stage: 'failed', error: err.message.split('\n')[0] });
      this.emitJob(job.id);
    });
    worker.on('exit', () => {
      if (timer) clearTimeout(timer);
      this.running.delete(job.id);
      if (timedOut) this.removePartials(rec.sha256);
      if (!finished && !this.stopped) {
        this.store.updateJob(job.id, { status: 'failed', stage: 'failed', error: 'worker exited' });
        this.emitJob(job.id);
      }
      this.pump();
    });
  }

  /**
   * Removes what a terminated job on these bytes left half-written: its preprocessing temporary folder
   * and partial segment vectors. Safe because jobs on the same bytes never run at once (pump()).
   */
  private removePartials(sha256: string): void {
    const id = sha256.slice(0, 16);
    const prep = join(this.cacheDir, 'preprocessed');
    const emb = join(this.cacheDir, 'embeddings', id);
    try {
      if (existsSync(prep))
        for (const f of readdirSync(prep))
          if (f.startsWith(`.tmp-${id}-`)) rmSync(join(prep, f), { recursive: true, force: true });
      if (existsSync(emb))
        for (const f of readdirSync(emb)) if (f.endsWith('.partial')) rmSync(join(emb, f), { force: true });
    } catch {
      // Left for the sweep at the next start.
    }
  }

  get active(): number {
    return this.running.size;
  }

  /**
   * Stops taking jobs and ends running workers; their jobs are left 'running' in the database, exactly as
   * after a crash, and are queued again when a server starts on the same directory.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.running.values()].map((r) => r.worker.terminate()));
    this.running.clear();
  }
}
