/**
 * LLM-assisted structuring: a real HTTP round trip of the OpenAI-compatible client against a small
 * server on 127.0.0.1 that answers with canned model output; the answer goes through the real name
 * mapping and validation (verbatim text passes, rewritten text fails with its reason).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { structureWithLlm } from '../../../src/datasets/benchmark/llm.js';

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
