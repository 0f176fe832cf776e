/**
 * Typed errors and warnings for EDF/BDF input. Every problem names the file, the header field or data
 * record, and the byte offset, so a user can open the file in a hex editor (or EDFbrowser's header
 * editor) and see exactly what is wrong.
 */
import { CelmError } from '../../errors.js';

export type EdfErrorCode =
  | 'io' // the file cannot be opened or read
  | 'not-edf' // the version field is neither EDF ("0") nor BDF (0xFF "BIOSEMI")
  | 'truncated' // the file ends inside the header, or (strict mode) inside the declared data
  | 'bad-number' // a numeric header field holds something that is not a number
  | 'bad-header' // header fields disagree with each other (header bytes, signal count, ...)
  | 'bad-scaling' // digital min == digital max: physical values cannot be computed
  | 'bad-record' // a data record's annotation (TAL) bytes cannot be parsed (strict mode)
  | 'bad-argument' // the caller asked for something the file cannot give (unknown channel, bad window)
  | 'strict'; // a warning promoted to an error by { strict: true }

export interface EdfLocation {
  /** Header field name as the EDF spec calls it, e.g. "number of data records" or "digital minimum". */
  field?: string;
  /** 0-based signal index when the field is a per-signal field. */
  signal?: number;
  /** 0-based data record index when the problem is inside the data. */
  record?: number;
  /** Absolute byte offset in the file. */
  offset?: number;
}

export class EdfError extends CelmError {
  declare readonly code: EdfErrorCode;
  readonly file: string;
  readonly location: EdfLocation;
  readonly detail: string;

  constructor(code: EdfErrorCode, file: string, detail: string, location: EdfLocation = {}) {
    super(code, formatProblem(file, detail, location));
    this.name = 'EdfError';
    this.file = file;
    this.location = location;
    this.detail = detail;
  }
}

export type EdfWarningCode =
  | 'records-unknown' // number of data records is -1: counted from the file size
  | 'partial-record' // the file ends with an incomplete data record, which is ignored
  | 'missing-records' // fewer complete records than the header declares (acquisition killed?)
  | 'extra-bytes' // bytes after the last declared record
  | 'non-ascii' // header text holds bytes outside printable ASCII
  | 'bad-date' // start date/time not in dd.mm.yy / hh.mm.ss form; parsed leniently or ignored
  | 'edfplus-field' // an EDF+ patient/recording subfield does not follow the convention
  | 'zero-digital-range' // digital min == max: this signal has no physical scale
  | 'zero-physical-range' // physical min == max: every sample has the same physical value
  | 'bad-tal' // an annotation TAL could not be parsed and was skipped
  | 'no-timekeeping' // an EDF+ record lacks its time-keeping TAL: onset assumed contiguous
  | 'header-field'; // a field has a non-standard but understandable value

export interface EdfWarning extends EdfLocation {
  code: EdfWarningCode;
  message: string;
}

export function formatProblem(file: string, detail: string, loc: EdfLocation): string {
  const where: string[] = [];
  if (loc.field !== undefined) {
    where.push(
      loc.signal !== undefined ? `field "${loc.field}" of signal ${loc.signal}` : `field "${loc.field}"`,
    );
  } else if (loc.signal !== undefined) {
    where.push(`signal ${loc.signal}`);
  }
  if (loc.record !== undefined) where.push(`data record ${loc.record}`);
  if (loc.offset !== undefined) where.push(`byte ${loc.offset}`);
  return `${file}: ${where.length ? `${where.join(', ')}: ` : ''}${detail}`;
}
