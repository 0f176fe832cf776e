/**
 * The report job queue: jobs live in SQLite (src/serve/store.ts), so a server killed mid-job finds them
 * marked 'running' on start and queues them again (preprocessing writes atomically, so a rerun starts
 * clean). Each job runs in a worker thread; progress goes to the database and to listeners (SSE).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JobInput, JobMessage } from './job-worker.js';
import type { JobRow, Store } from './store.js';

export const DRAFT_SOURCE = 'draft from quantitative EEG template; the learned model is not trained yet';

export interface JobEvent {
  job: string;
  status: JobRow['status'];
  stage: string;
  progress: number;
  report?: string | null;
  error?: string | null;
}

export class JobQueue extends EventEmitter {
  private readonly running = new Map<string, Worker>();
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly concurrency = 1,
  ) {
    super();
    this.setMaxListeners(0);
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
      const job = this.store.claimJob();
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
    const dir = this.store.recordingDir(rec.id);
    const input: JobInput = { path: join(dir, 'recording.edf'), outDir: join(dir, 'prep') };
    const worker = new Worker(new URL('./job-worker.js', import.meta.url), { workerData: input });
    this.running.set(job.id, worker);
    this.emitJob(job.id);
    let finished = false;
    worker.on('message', (m: JobMessage) => {
      if (m.type === 'progress') {
        this.store.updateJob(job.id, { stage: m.stage, progress: m.progress });
      } else if (m.type === 'done') {
        finished = true;
        const reportId = this.store.createReport(rec.id, job.id, DRAFT_SOURCE, m.sections, m.measurements);
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
    await Promise.all([...this.running.values()].map((w) => w.terminate()));
    this.running.clear();
  }
}
