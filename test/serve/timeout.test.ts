import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { durationOption } from '../../src/cli/commands/serve.js';
import { CelmError } from '../../src/errors.js';
import { celm } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { startServer, waitFor, writeRecording } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API under test
type Json = any;

test('a job running longer than the job timeout is stopped and marked failed; the queue goes on', async () => {
  const data = tempDir('celm-timeout-');
  const files = tempDir('celm-timeout-files-');
  // 300 ms: far less than starting a worker and preprocessing 10 minutes of EEG.
  const srv = await startServer(data, { jobTimeoutMs: 300, concurrency: 1 });
  try {
    const upload = async (name: string, seconds: number, seed: number) => {
      const r = await fetch(`${srv.base}/api/recordings`, {
        method: 'POST',
        headers: { ...srv.auth, 'Content-Type': 'application/octet-stream', 'X-File-Name': name },
        body: readFileSync(writeRecording(files, name, seconds, seed)),
      });
      assert.equal(r.status, 201);
      return (await r.json()) as Json;
    };
    const long = await upload('long.edf', 600, 3);
    const short = await upload('short.edf', 40, 4);
    const post = async (id: string) =>
      (await (
        await fetch(`${srv.base}/api/recordings/${id}/report`, { method: 'POST', headers: srv.auth })
      ).json()) as Json;
    const job = (id: string) =>
      fetch(`${srv.base}/api/jobs/${id}`, { headers: srv.auth }).then((r) => r.json() as Promise<Json>);

    const slow = await post(long.id);
    await waitFor(async () => (await job(slow.id)).status === 'running');
    // Jobs started from now on get a generous limit: the next job must run to the end.
    srv.server.queue.jobTimeoutMs = 120_000;
    const next = await post(short.id);

    const events = await (
      await fetch(`${srv.base}/api/jobs/${slow.id}/events`, { headers: srv.auth })
    ).text();
    assert.match(events.trim().split('\n\n').at(-1)!, /^event: failed/);
    const failed = await job(slow.id);
    assert.equal(failed.status, 'failed');
    assert.equal(
      failed.error,
      'stopped after 300 ms: the report job ran longer than the job timeout (--job-timeout)',
    );
    assert.equal(failed.report_id, null);

    const done = await waitFor(async () => {
      const j = await job(next.id);
      return j.status === 'done' || j.status === 'failed' ? j : null;
    }, 60_000);
    assert.equal(done.status, 'done', done.error);
    assert.ok(done.report_id);
    // The stopped job left no half-written preprocessing behind, and no report.
    const prep = join(data, 'cache', 'preprocessed');
    await waitFor(async () => srv.server.queue.active === 0);
    const left = existsSync(prep) ? readdirSync(prep) : [];
    assert.deepEqual(
      left.filter((f) => f.startsWith('.tmp-')),
      [],
    );
    assert.ok(!left.includes(long.sha256.slice(0, 16)), 'the long recording was not preprocessed');
    const reports = await (
      await fetch(`${srv.base}/api/recordings/${long.id}/reports`, { headers: srv.auth })
    ).json();
    assert.deepEqual(reports, []);
  } finally {
    await srv.server.close();
  }
});

test('--job-timeout takes durations; anything else is a one-line input error', () => {
  assert.equal(durationOption('30m'), 1_800_000);
  assert.equal(durationOption('90s'), 90_000);
  assert.equal(durationOption('90'), 90_000);
  assert.equal(durationOption('1.5h'), 5_400_000);
  assert.equal(durationOption('250ms'), 250);
  assert.equal(durationOption('off'), 0);
  assert.throws(() => durationOption('soon'), CelmError);
  const r = celm(['serve', '--port', '0', '--data', tempDir('celm-timeout-cli-'), '--job-timeout', 'soon']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^celm: --job-timeout must be a duration like 30m/);
});
