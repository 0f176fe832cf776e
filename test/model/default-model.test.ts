/**
 * The bundled default model (models/default) drafts reports for synthetic recordings it has never
 * seen, on ONNX Runtime (no native build needed): the abnormal findings the recording contains must
 * appear in the text, and a normal recording must be called normal.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ABNORMAL_KINDS } from '../../src/clinical/findings.js';
import { celmReportToText } from '../../src/clinical/sections.js';
import { labelReport } from '../../src/eval/clinical/index.js';
import { celm } from '../helpers/cli.js';
import { repoRoot } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const model = join(repoRoot, 'models', 'default');
const dir = tempDir('celm-default-');

interface Truth {
  abnormal: boolean;
  labels: { findings: { kind: string; polarity: string }[] };
}

function synthOne(name: string, args: string[]): { edf: string; truth: Truth } {
  const out = join(dir, name);
  const r = celm(['synth', '--count', '1', '--out', out, '--single-recording', '--quiet', ...args]);
  assert.equal(r.status, 0, r.stderr);
  const entry = JSON.parse(readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim().split('\n')[0]);
  return {
    edf: join(out, entry.recordings[0]),
    truth: JSON.parse(readFileSync(join(out, entry.truth), 'utf8')),
  };
}

function draft(edf: string): { text: string; json: { finding_probabilities: Record<string, number> } } {
  const r = celm(['report', edf, '--format', 'json', '--cache', join(dir, 'cache'), '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  return { text: celmReportToText(json), json };
}

const skip = !existsSync(join(model, 'model.json')) && 'models/default is not there';

// Generalized discharges: what the default model recognises reliably (focal discharges it does not
// yet: see docs/model.md, "The default model").
test('default model: the generalized discharges of a generalized epilepsy recording appear in the text', {
  skip,
}, () => {
  const { edf, truth } = synthOne('generalized', [
    '--seed',
    '424242',
    '--profile',
    'generalized-epilepsy',
    '--duration',
    '20m',
  ]);
  assert.equal(truth.abnormal, true);
  const present = new Set(truth.labels.findings.filter((f) => f.polarity === 'present').map((f) => f.kind));
  assert.ok(present.has('generalized_epileptiform'), [...present].join(', '));
  const { text } = draft(edf);
  const said = labelReport(text);
  const stated = new Set(said.findings.filter((f) => f.polarity === 'present').map((f) => f.kind));
  assert.equal(said.abnormal, true, text);
  assert.ok(
    stated.has('generalized_epileptiform'),
    `generalized epileptiform discharges missing from:\n${text}`,
  );
});

test('default model: a normal recording is called normal, with no abnormal finding', { skip }, () => {
  const { edf, truth } = synthOne('normal', ['--seed', '515151', '--profile', 'normal', '--duration', '20m']);
  assert.equal(truth.abnormal, false);
  const { text } = draft(edf);
  const said = labelReport(text);
  assert.equal(said.abnormal, false, text);
  const wrong = said.findings.filter((f) => f.polarity === 'present' && ABNORMAL_KINDS.has(f.kind));
  assert.deepEqual(
    wrong.map((f) => f.kind),
    [],
    text,
  );
});
