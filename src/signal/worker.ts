/** Worker thread of `celm preprocess --jobs N`: preprocesses the recordings the main thread sends. */
import { parentPort } from 'node:worker_threads';
import type { BatchEvent } from './batch.js';
import type { PreprocessSettings } from './pipeline.js';
import { preprocessRecording } from './preprocess.js';

interface Job {
  file: string;
  out: string;
  settings: PreprocessSettings;
  force?: boolean;
}

parentPort!.on('message', (job: Job) => {
  const send = (e: BatchEvent) => parentPort!.postMessage(e);
  let last = 0;
  try {
    const r = preprocessRecording(job.file, job.out, job.settings, {
      force: job.force,
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - last > 250 || done === total) {
          last = now;
          send({ type: 'progress', file: job.file, done, total });
        }
      },
    });
    send({
      type: 'done',
      file: job.file,
      id: r.id,
      skipped: r.skipped,
      segments: r.segments,
      seconds: r.seconds,
    });
  } catch (err) {
    send({ type: 'failed', file: job.file, message: (err as Error)?.message ?? String(err) });
  }
});
