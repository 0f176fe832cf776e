/**
 * Worker thread computing a recording's whole-recording trends (seconds on a 24-h file), so the server's
 * event loop keeps answering trace windows and progress streams meanwhile. Writes the JSON atomically.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { EdfReader } from '../formats/edf/index.js';
import { computeTrends } from './traces.js';

const { path, out } = workerData as { path: string; out: string };
try {
  const reader = EdfReader.open(path);
  try {
    const part = `${out}.${process.pid}.partial`;
    writeFileSync(part, JSON.stringify(computeTrends(reader)));
    renameSync(part, out);
  } finally {
    reader.close();
  }
  parentPort!.postMessage({ ok: true });
} catch (err) {
  parentPort!.postMessage({ ok: false, error: String((err as Error)?.message ?? err).split('\n')[0] });
}
