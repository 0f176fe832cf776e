/**
 * celm's library surface, one namespace per stage of the data's path:
 *
 *   import { EdfReader, signal, synth, metrics, clinical } from 'celm';
 */

export * as findings from './clinical/findings.js';
export * as benchmark from './datasets/benchmark/index.js';
export * as synth from './datasets/synth/index.js';
export { CelmError } from './errors.js';
export * as baselines from './eval/baselines/index.js';
export * as clinical from './eval/clinical/index.js';
export * as metrics from './eval/metrics/index.js';
export * from './formats/edf/index.js';
export { NpyWriter, readNpy, writeNpy } from './formats/npy.js';
export * as signal from './signal/index.js';
