/**
 * The shared vocabulary round-trips: every phrase the generator may write for a kind (FINDING_TERMS) is
 * read back as that kind, negated phrases as absent, every benign-variant phrase as a normal variant and
 * never as an epileptiform discharge.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FINDING_KINDS,
  FINDING_LABELS,
  FINDING_TERMS,
  NORMAL_VARIANT_TERMS,
  NORMAL_VARIANTS,
} from '../../../src/clinical/findings.js';
import { CELM_SECTIONS } from '../../../src/clinical/sections.js';
import { labelReport } from '../../../src/eval/clinical/labeler.js';
import { headerCategory } from '../../../src/eval/clinical/sections.js';

describe('every FINDING_TERMS phrase is read back as its kind', () => {
  for (const kind of FINDING_KINDS) {
    test(kind, () => {
      assert.ok(FINDING_TERMS[kind].length > 0, `${kind} has phrases`);
      assert.ok(FINDING_LABELS[kind], `${kind} has a label`);
      for (const phrase of FINDING_TERMS[kind]) {
        const present = labelReport(`There is ${phrase} in this recording.`);
        assert.ok(
          present.findings.some((f) => f.kind === kind && f.polarity === 'present'),
          `"${phrase}" → ${JSON.stringify(present.findings)}`,
        );
        const absent = labelReport(`There is no ${phrase} in this recording.`);
        assert.ok(
          absent.findings.some((f) => f.kind === kind && f.polarity === 'absent'),
          `"no ${phrase}" → ${JSON.stringify(absent.findings)}`,
        );
        const uncertain = labelReport(`There is possible ${phrase} in this recording.`);
        assert.ok(
          uncertain.findings.some((f) => f.kind === kind && f.polarity === 'uncertain'),
          `"possible ${phrase}" → ${JSON.stringify(uncertain.findings)}`,
        );
      }
    });
  }
});

describe('benign variants are normal variants, never epileptiform', () => {
  for (const v of NORMAL_VARIANTS) {
    test(v, () => {
      for (const phrase of NORMAL_VARIANT_TERMS[v]) {
        const l = labelReport(
          `FINDINGS: ${phrase} were seen over the left temporal region.\nIMPRESSION: Normal EEG.`,
        );
        assert.ok(
          l.findings.some((f) => f.kind === 'normal_variant' && f.variant === v && f.polarity === 'present'),
          `"${phrase}" → ${JSON.stringify(l.findings)}`,
        );
        for (const f of l.findings) {
          assert.ok(!/epileptiform|seizure|lpd|gpd/.test(f.kind), `"${phrase}" gave ${f.kind}`);
        }
      }
    });
  }
});

test('CELM section names are recognised as sections', () => {
  assert.deepEqual(
    CELM_SECTIONS.map((s) => headerCategory(s)),
    ['description', 'background', 'epileptiform', 'events', 'sleep', 'impression'],
  );
});
