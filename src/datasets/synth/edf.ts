/**
 * Writes a synthetic recording as EDF+C through celm's EdfWriter, streaming blocks of 10 records
 * (1-s records), so memory stays bounded for 24-h files.
 */
import { EdfWriter, type SignalSpec } from '../../formats/edf/index.js';
import { SignalSynth } from './generate.js';
import { auxLabel, channelLabel, type LabelStyle } from './montage.js';
import type { RecordingSpec } from './spec.js';

export interface EdfSite {
  labelStyle: LabelStyle;
  equipment: string;
  prefilter: string;
}

export interface PatientHeader {
  code: string;
  sex: 'F' | 'M';
  birthdate: string;
  admincode: string;
  technician: string;
}

const BLOCK_RECORDS = 10;

export function writeRecordingEdf(
  spec: RecordingSpec,
  path: string,
  site: EdfSite,
  patient: PatientHeader,
  onProgress?: (secondsWritten: number) => void,
): { clipped: number; labels: string[] } {
  const synth = new SignalSynth(spec);
  const fs = spec.sampleRate;
  // Every electrode is generated; Fpz is written only by sites that record it.
  const keep = synth.names
    .map((name, i) => (name === 'Fpz' && !spec.fpzChannel ? -1 : i))
    .filter((i) => i >= 0);
  const signals: SignalSpec[] = keep.map((i) => {
    const name = synth.names[i];
    const isEcg = name === 'ECG';
    const isEog = name === 'EOG';
    const label = isEcg
      ? auxLabel('ecg', site.labelStyle)
      : isEog
        ? auxLabel('eog', site.labelStyle)
        : channelLabel(name, site.labelStyle);
    // 16-bit samples; EEG: 0.1 uV steps over +-3276.8 uV; ECG: 0.25 uV steps.
    const range = isEcg ? 8192 : 3276.8;
    return {
      label,
      transducer: isEcg ? 'ECG electrode' : 'AgAgCl electrode',
      physicalDimension: 'uV',
      physicalMin: -range,
      physicalMax: range - range / 32768,
      digitalMin: -32768,
      digitalMax: 32767,
      prefiltering: site.prefilter,
      samplesPerRecord: fs,
    };
  });
  const records = Math.round(spec.duration);
  const writer = EdfWriter.create(
    path,
    {
      format: 'EDF+C',
      patient: { code: patient.code, sex: patient.sex, birthdate: patient.birthdate, name: 'X' },
      recording: { admincode: patient.admincode, technician: patient.technician, equipment: site.equipment },
      startDateTime: spec.startDateTime,
      recordDuration: 1,
      signals,
    },
    { annotations: spec.annotations, expectedRecords: records },
  );
  try {
    for (let r = 0; r < records; r += BLOCK_RECORDS) {
      const count = Math.min(BLOCK_RECORDS, records - r);
      const data = synth.render(r * fs, count * fs);
      writer.writeRecords(
        keep.map((i) => data[i]),
        count,
      );
      onProgress?.(r + count);
    }
    writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return { clipped: writer.clipped, labels: signals.map((s) => s.label) };
}
