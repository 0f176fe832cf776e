/**
 * EDF+ Time-stamped Annotation Lists (TALs).
 *
 * An annotation signal's bytes in one data record hold one or more TALs:
 *   +Onset[\x15Duration]\x14Text\x14[Text\x14 ...]\x00
 * then \x00 padding. The first TAL of each record (in the first annotation signal) starts with an
 * empty text: its onset is the record's start time ("time-keeping" TAL), which is how EDF+D encodes
 * gaps and how a sub-second start time is stored.
 */
import { decodeLatin1, decodeUtf8OrNull } from './text.js';

export interface Annotation {
  /** Seconds from the start of the first data record (as MNE reports them). */
  onset: number;
  /** Seconds; 0 when the TAL has no duration. */
  duration: number;
  text: string;
}

export interface RecordTals {
  /** Onset of the time-keeping TAL (seconds after the header start time), or null if absent. */
  recordStart: number | null;
  /** Annotations with onsets relative to the header start time (not yet shifted). */
  annotations: Annotation[];
  /** Problems found, each with the byte position inside this record's annotation bytes. */
  problems: { position: number; message: string }[];
}

const TAL_ONSET = /^[+-]\d+(\.\d*)?$/;
const TAL_DURATION = /^\d+(\.\d*)?$/;

function decodeAnnotationText(bytes: Uint8Array, problems: RecordTals['problems'], position: number): string {
  const s = decodeUtf8OrNull(bytes);
  if (s !== null) return s;
  problems.push({ position, message: 'annotation text is not UTF-8; read as latin-1' });
  return decodeLatin1(bytes);
}

/** Parses the TAL bytes of one annotation signal in one data record. */
export function parseTals(bytes: Uint8Array, firstSignal = true): RecordTals {
  const out: RecordTals = { recordStart: null, annotations: [], problems: [] };
  let pos = 0;
  let first = true;
  const n = bytes.length;
  while (pos < n) {
    if (bytes[pos] === 0) {
      pos++;
      continue;
    }
    const start = pos;
    let end = pos;
    while (end < n && bytes[end] !== 0) end++;
    // One TAL: bytes[start, end).
    const tal = bytes.subarray(start, end);
    pos = end + 1;
    const sep = tal.indexOf(0x14);
    if (sep < 0) {
      out.problems.push({ position: start, message: 'TAL without a \\x14 separator skipped' });
      first = false;
      continue;
    }
    const timing = decodeLatin1(tal.subarray(0, sep));
    const dur = timing.indexOf('\x15');
    const onsetText = dur < 0 ? timing : timing.slice(0, dur);
    const durationText = dur < 0 ? '' : timing.slice(dur + 1);
    if (!TAL_ONSET.test(onsetText) || (dur >= 0 && !TAL_DURATION.test(durationText))) {
      out.problems.push({
        position: start,
        message: `TAL onset/duration ${JSON.stringify(timing)} is not a signed decimal`,
      });
      first = false;
      continue;
    }
    const onset = Number(onsetText);
    const duration = dur >= 0 ? Number(durationText) : 0;
    // Texts: each terminated by \x14; the TAL ends at the \x00 we stopped on.
    const texts: string[] = [];
    let t = sep + 1;
    while (t < tal.length) {
      let e = tal.indexOf(0x14, t);
      if (e < 0) {
        out.problems.push({ position: start + t, message: 'annotation text not terminated by \\x14' });
        e = tal.length;
      }
      texts.push(decodeAnnotationText(tal.subarray(t, e), out.problems, start + t));
      t = e + 1;
    }
    if (first && firstSignal && texts.length > 0 && texts[0] === '') {
      out.recordStart = onset;
      texts.shift();
    }
    first = false;
    for (const text of texts) {
      if (text !== '') out.annotations.push({ onset, duration, text });
    }
  }
  return out;
}

/**
 * Formats an onset or duration without binary float drift (edfio#109: 8192.202312 written as
 * 8192.202311999999 breaks files): at most 7 decimals, trailing zeros removed.
 */
export function formatTalNumber(x: number): string {
  let s = x.toFixed(7);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s;
}

const encoder = new TextEncoder();

/** Encodes one TAL: +onset[\x15duration]\x14text\x14...\x00 */
export function encodeTal(onset: number, duration: number | null, texts: string[]): Uint8Array {
  let head = (onset >= 0 ? '+' : '-') + formatTalNumber(Math.abs(onset));
  if (duration !== null && duration > 0) head += `\x15${formatTalNumber(duration)}`;
  const parts = [encoder.encode(`${head}\x14`)];
  for (const t of texts) parts.push(encoder.encode(t), Uint8Array.of(0x14));
  parts.push(Uint8Array.of(0));
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
