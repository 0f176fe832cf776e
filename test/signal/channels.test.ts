import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CELM_CHANNELS, canonicalChannel, mapToCelm, parseLabel } from '../../src/signal/index.js';

test('CELM channel order is the 22 of the reference system', () => {
  assert.deepEqual(
    [...CELM_CHANNELS],
    'C3 C4 O1 O2 Cz F3 F4 F7 F8 Fz Fp1 Fp2 Fpz P3 P4 Pz T3 T4 T5 T6 A1 A2'.split(' '),
  );
});

test('real labels parse to canonical 10-20 names (old temporal names, aliases)', () => {
  const table: [string, string | null][] = [
    ['EEG FP1-REF', 'Fp1'], // TUH
    ['EEG Fp1-LE', 'Fp1'],
    ['FP1', 'Fp1'],
    ['Fp1', 'Fp1'],
    ['Fp1-A1', 'Fp1'],
    ['Fp1.', 'Fp1'], // PhysioNet
    ['C3..', 'C3'],
    ['EEG T7-REF', 'T3'],
    ['T7', 'T3'],
    ['T8', 'T4'],
    ['P7', 'T5'],
    ['P8', 'T6'],
    ['EEG T3', 'T3'],
    ['EEG FZ-REF', 'Fz'],
    ['EEG CZ-AVG', 'Cz'],
    ['EEG O2-AR', 'O2'],
    ['Pz-M1', 'Pz'],
    ['EEG A2-A1', 'A2'], // as CELM's recipe did
    ['M1', 'A1'],
    ['EEG FPZ-REF', 'Fpz'],
    ['EEG Fpz-Cz', null], // bipolar (Sleep-EDF)
    ['Fp1-F7', null],
    ['EEG 26-REF', null],
    ['Fc5.', 'FC5'], // 10-10, not in CELM's 22
    ['AF3', 'AF3'],
  ];
  for (const [label, want] of table) assert.equal(canonicalChannel(label), want, label);
});

test('non-EEG signals are recognised and left out', () => {
  const table: [string, string][] = [
    ['ECG ECG', 'ecg'],
    ['EKG', 'ecg'],
    ['EEG EKG1-REF', 'ecg'],
    ['ECG1', 'ecg'],
    ['EMG submental', 'emg'],
    ['EMG-REF', 'emg'],
    ['EOG horizontal', 'eog'],
    ['EEG LOC-REF', 'eog'],
    ['EOG VEOG_I', 'eog'],
    ['REOG', 'eog'],
    ['PHOTIC-REF', 'photic'],
    ['EEG PHOTIC-REF', 'photic'],
    ['IBI', 'photic'],
    ['Resp oro-nasal', 'respiration'],
    ['Thorax', 'respiration'],
    ['SpO2', 'spo2'],
    ['OSAT', 'spo2'],
    ['EDF Annotations', 'annotation'],
    ['Event marker', 'trigger'],
    ['DIG DTRIG', 'trigger'],
    ['Status', 'trigger'],
  ];
  for (const [label, kind] of table) {
    assert.equal(parseLabel(label).kind, kind, label);
    assert.equal(canonicalChannel(label), null, label);
  }
});

test('mapToCelm: first label wins, absent channels are -1, bipolar ones unused', () => {
  const m = mapToCelm(['EEG Fp1-REF', 'EEG T7-REF', 'EEG T3-REF', 'ECG', 'EEG Fpz-Cz', 'EEG O1-REF']);
  const at = (c: string) => m.source[CELM_CHANNELS.indexOf(c as (typeof CELM_CHANNELS)[number])];
  assert.equal(at('Fp1'), 0);
  assert.equal(at('T3'), 1);
  assert.equal(at('O1'), 5);
  assert.equal(at('Fpz'), -1);
  assert.equal(at('A1'), -1);
  assert.deepEqual(m.unused, [2]);
});
