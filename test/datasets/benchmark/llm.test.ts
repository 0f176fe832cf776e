/**
 * LLM-assisted structuring: a real HTTP round trip of the OpenAI-compatible client against a small
 * server on 127.0.0.1 that answers with canned model output; the answer goes through the real name
 * mapping and validation (verbatim text passes, rewritten text fails with its reason).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildBenchmark } from '../../../src/datasets/benchmark/build.js';
import { structureWithLlm } from '../../../src/datasets/benchmark/llm.js';
import { generateCorpus } from '../../../src/datasets/synth/corpus.js';
import { tempDir } from '../../helpers/tmp.js';

const REPORT = [
  'HISTORY: 40 year old man with spells.',
  'DESCRIPTION: Posterior dominant rhythm of 10 Hz, symmetric and reactive.',
  'IMPRESSION: Normal awake EEG.',
].join('\n');

let answer = '';
let status = 200;
const requests: {
  path: string;
  body: { model: string; messages: { role: string; content: string }[] };
  auth?: string;
}[] = [];
let server: Server;
let url = '';

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      requests.push({ path: req.url ?? '', body: JSON.parse(body), auth: req.headers.authorization });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        status === 200
          ? JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: answer } }] })
          : '{"error":"model not loaded"}',
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const llm = () => ({ url, model: 'tiny-test', apiKey: 'k1' });

test('verbatim sections from the model pass validation (names mapped onto CELM vocabulary)', async () => {
  answer = `Here you go:\n\`\`\`json\n${JSON.stringify({
    report_sections: [
      {
        section_name: 'EEG DESCRIPTION/DETAILS',
        section_text: 'Posterior dominant rhythm of 10 Hz, symmetric and reactive.',
      },
      { section_name: 'Impression', section_text: 'Normal awake EEG.' },
      { section_name: 'CLINICAL HISTORY', section_text: '40 year old man with spells.' },
    ],
  })}\n\`\`\``;
  const r = await structureWithLlm(REPORT, llm());
  assert.equal(r.status, 'ok', r.validation.reasons.join('; '));
  assert.equal(r.method, 'llm');
  assert.deepEqual(
    r.report_sections.map((s) => s.section_name),
    ['EEG DESCRIPTION/DETAILS', 'IMPRESSION/INTERPRETATION'],
  );
  assert.equal(r.patient_history, '40 year old man with spells.');
  const req = requests.at(-1);
  assert.equal(req?.path, '/v1/chat/completions');
  assert.equal(req?.body.model, 'tiny-test');
  assert.equal(req?.auth, 'Bearer k1');
  assert.match(req?.body.messages[0].content ?? '', /REPORT:\nHISTORY: 40 year old man/);
});

test('text the model rewrote fails validation and is flagged with the reason', async () => {
  answer = JSON.stringify({
    report_sections: [
      {
        section_name: 'BACKGROUND ACTIVITY',
        section_text: 'Well-organised alpha at 11 Hz with excellent reactivity throughout.',
      },
      { section_name: 'IMPRESSION/INTERPRETATION', section_text: 'Normal awake EEG.' },
    ],
  });
  const r = await structureWithLlm(REPORT, llm());
  assert.equal(r.status, 'failed');
  assert.match(r.validation.reasons[0], /^BACKGROUND ACTIVITY: text not found in the report \(word overlap/);
});

test('unknown section names, non-JSON answers and HTTP errors are failures with reasons', async () => {
  answer = JSON.stringify({
    report_sections: [{ section_name: 'VIBES', section_text: 'Normal awake EEG.' }],
  });
  let r = await structureWithLlm(REPORT, llm());
  assert.equal(r.status, 'failed');
  assert.ok(r.validation.reasons.includes('LLM section name not in the vocabulary: "VIBES"'));
  answer = 'I cannot help with that.';
  r = await structureWithLlm(REPORT, llm());
  assert.equal(r.status, 'failed');
  assert.match(r.validation.reasons[0], /^LLM answer is not JSON/);
  status = 500;
  r = await structureWithLlm(REPORT, { ...llm(), url: `${url}/v1` });
  status = 200;
  assert.equal(r.status, 'failed');
  assert.match(r.validation.reasons[0], /^LLM request failed: .*HTTP 500/);
});

test('a build with --llm-url: the model output is validated per item; failures stay out of the splits', async () => {
  const dir = tempDir('celm-bench-llm-');
  const [m] = generateCorpus({
    count: 1,
    out: join(dir, 'gen'),
    seed: 4,
    duration: [30, 30],
    multiRecording: false,
  });
  const manifest = join(dir, 'list.jsonl');
  writeFileSync(
    manifest,
    `${JSON.stringify({ id: 'L1', patient_id: 'P1', date: m.date, report_text: REPORT, recordings: m.recordings.map((r) => `gen/${r}`) })}\n`,
  );
  const good = JSON.stringify({
    report_sections: [
      {
        section_name: 'Description',
        section_text: 'Posterior dominant rhythm of 10 Hz, symmetric and reactive.',
      },
      { section_name: 'IMPRESSION/INTERPRETATION', section_text: 'Normal awake EEG.' },
    ],
  });
  const bad = JSON.stringify({
    report_sections: [
      { section_name: 'IMPRESSION/INTERPRETATION', section_text: 'Abnormal EEG with frequent spikes.' },
    ],
  });
  const lineOf = (out: string) => JSON.parse(readFileSync(join(out, 'sections.jsonl'), 'utf8').trim());
  answer = good;
  const s1 = await buildBenchmark({
    source: 'manifest',
    input: manifest,
    out: join(dir, 'o1'),
    preprocess: false,
    llm: llm(),
  });
  assert.equal(s1.ok, 1);
  const l1 = lineOf(join(dir, 'o1'));
  assert.equal(l1.structuring.method, 'llm');
  assert.deepEqual(
    l1.report_sections.map((x: { section_name: string }) => x.section_name),
    ['EEG DESCRIPTION/DETAILS', 'IMPRESSION/INTERPRETATION'],
  );
  answer = bad;
  const s2 = await buildBenchmark({
    source: 'manifest',
    input: manifest,
    out: join(dir, 'o2'),
    preprocess: false,
    llm: llm(),
  });
  assert.equal(s2.ok, 0);
  assert.equal(s2.failed, 1);
  const l2 = lineOf(join(dir, 'o2'));
  assert.equal(l2.status, 'failed');
  assert.match(l2.reason, /^IMPRESSION\/INTERPRETATION: text not found in the report/);
  assert.equal(
    readFileSync(join(dir, 'o2', 'splits', 'train.jsonl'), 'utf8') +
      readFileSync(join(dir, 'o2', 'splits', 'val.jsonl'), 'utf8') +
      readFileSync(join(dir, 'o2', 'splits', 'test.jsonl'), 'utf8'),
    '',
  );
});
