/** The summary `celm info` prints: a plain, JSON-ready description of a file (shape in the README). */
import type { EdfFormat, EdfPlusPatient, EdfPlusRecording } from './header.js';
import type { EdfReader, Gap } from './reader.js';
import type { Annotation } from './tal.js';

export interface EdfInfo {
  file: string;
  format: EdfFormat;
  discontinuous: boolean;
  patientId: string;
  recordingId: string;
  patient: EdfPlusPatient | null;
  recording: EdfPlusRecording | null;
  /** ISO 8601 local date-time of the first sample (no time zone: EDF stores none). */
  startDateTime: string | null;
  /** Seconds from the first record's start to the last record's end. */
  duration: number;
  records: number;
  declaredRecords: number;
  recordDuration: number;
  signals: {
    index: number;
    label: string;
    transducer: string;
    physicalDimension: string;
    physicalMin: number;
    physicalMax: number;
    digitalMin: number;
    digitalMax: number;
    prefiltering: string;
    samplesPerRecord: number;
    /** Hz; null for annotation-only files (record duration 0). */
    sampleRate: number | null;
    isAnnotation: boolean;
  }[];
  annotations: Annotation[];
  gaps: Gap[];
  warnings: { code: string; message: string; offset?: number }[];
}

export function edfInfo(reader: EdfReader): EdfInfo {
  const h = reader.header;
  const annotations = reader.annotations;
  return {
    file: reader.file,
    format: h.format,
    discontinuous: h.isDiscontinuous,
    patientId: h.patientId,
    recordingId: h.recordingId,
    patient: h.patient,
    recording: h.recording,
    startDateTime: reader.startDateTime,
    duration: reader.duration,
    records: h.numRecords,
    declaredRecords: h.declaredRecords,
    recordDuration: h.recordDuration,
    signals: h.signals.map((s) => ({
      index: s.index,
      label: s.label,
      transducer: s.transducer,
      physicalDimension: s.physicalDimension,
      physicalMin: s.physicalMin,
      physicalMax: s.physicalMax,
      digitalMin: s.digitalMin,
      digitalMax: s.digitalMax,
      prefiltering: s.prefiltering,
      samplesPerRecord: s.samplesPerRecord,
      sampleRate: h.recordDuration > 0 ? s.sampleRate : null,
      isAnnotation: s.isAnnotation,
    })),
    annotations,
    gaps: reader.gaps,
    warnings: reader.warnings.map((w) => ({
      code: w.code,
      message: w.message,
      ...(w.offset !== undefined ? { offset: w.offset } : {}),
    })),
  };
}
