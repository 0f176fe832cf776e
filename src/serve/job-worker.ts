/**
 * Worker thread of a report job: preprocessing + quantitative EEG (src/signal) and the draft report.
 * The learned report model is not trained yet, so the draft is the quantitative-EEG template baseline
 * (src/eval/baselines), labelled as such. Runs off the server's event loop; posts progress messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { templateInputFromSignal, templateReport } from '../eval/baselines/index.js';
import { DEFAULT_SETTINGS, preprocessRecording } from '../signal/index.js';

export interface JobInput {
  path: string;
  outDir: string;
}

export type JobMessage =
  | { type: 'progress'; stage: string; progress: number }
  | {
      type: 'done';
      sections: { name: string; text: string }[];
      measurements: Record<string, unknown>;
    }
  | { type: 'error'; message: string };

const post = (m: JobMessage): void => parentPort!.postMessage(m);

function run(input: JobInput): void {
  post({ type: 'progress', stage: 'preprocessing', progress: 0 });
  let last = 0;
  const out = preprocessRecording(input.path, input.outDir, DEFAULT_SETTINGS, {
    force: true,
    onProgress: (done, total) => {
      const p = total > 0 ? done / total : 0;
      if (p - last >= 0.02 || done === total) {
        last = p;
        post({ type: 'progress', stage: 'preprocessing', progress: Math.round(p * 0.9 * 1000) / 1000 });
      }
    },
  });
  post({ type: 'progress', stage: 'drafting report', progress: 0.92 });
  const result = out.result!;
  const input2 = templateInputFromSignal(result.qeeg, {
    durationSec: result.durationSeconds,
    sleepSeen: false,
  });
  const report = templateReport(input2);
  const q = result.qeeg;
  const r3 = (v: number): number => Math.round(v * 1000) / 1000;
  post({
    type: 'done',
    sections: report.report_sections.map((s) => ({ name: s.section_name, text: s.section_text })),
    measurements: {
      durationSec: result.durationSeconds,
      pdrHz: q.pdr ? Math.round(q.pdr.frequencyHz * 10) / 10 : null,
      globalRelative: Object.fromEntries(Object.entries(q.global.relative).map(([k, v]) => [k, r3(v)])),
      sef90: r3(q.global.sef90),
      segmentsUsed: q.segmentsUsed,
      usableChannels: Array.from(result.mask).reduce((a, b) => a + b, 0),
      segments: result.nSegments,
    },
  });
}

try {
  run(workerData as JobInput);
} catch (err) {
  post({ type: 'error', message: String((err as Error)?.message ?? err).split('\n')[0] });
}
