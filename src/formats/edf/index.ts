/** EDF / EDF+ / BDF / BDF+ input and output: the public surface of the format module. */
export { type AnonymizeOptions, anonymizeEdf } from './anonymize.js';
export { EdfError, type EdfErrorCode, type EdfWarning, type EdfWarningCode } from './errors.js';
export type { EdfFormat, EdfHeader, EdfPlusPatient, EdfPlusRecording, EdfSignal } from './header.js';
export {
  type ChannelInfo,
  type ContiguousBlock,
  EdfReader,
  type Gap,
  type OpenOptions,
  type ReadOptions,
  type RecordChunk,
  type SignalWindow,
  type Unit,
} from './reader.js';
export { type Annotation, encodeTal, parseTals } from './tal.js';
export { microvoltFactor } from './units.js';
export { EdfWriter, headerForCopy, type SignalSpec, type WriteHeader, type WriterOptions } from './writer.js';
