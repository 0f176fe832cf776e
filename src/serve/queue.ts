/**
 * The report job queue: jobs live in SQLite (src/serve/store.ts), so a server killed mid-job finds them
 * marked 'running' on start and queues them again (preprocessing writes atomically, so a rerun starts
 * clean). Each job runs in a worker thread (./job-worker.ts): the report model's draft when a model
 * folder is configured, else the quantitative-EEG template's; progress goes to the database and to
 * listeners (SSE). Jobs on recordings with the same bytes run one after the other (they share a
 * preprocessing cache entry).
 */
import { EventEmitter } from 'node:events';
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

  constructor(
    private readonly store: Store,
    options: QueueOptions,
  ) {
    super();
    this.setMaxListeners(0);
    this.concurrency = options.concurrency ?? 1;
    this.cacheDir = options.cacheDir;
    this.modelDir = options.modelDir ?? null;
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
    worker.on('message', (m: JobMessage) => {
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
      this.running.delete(job.id);
      if (!finished && !this.stopped) {
        this.store.updateJob(job.id, { status: 'failed', stage: 'failed', error: 'worker exited' });
        this.emitJob(job.id);
      }
      this.pump();
    });
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
