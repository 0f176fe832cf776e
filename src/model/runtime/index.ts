/**
 * The ML runtime: the one module model code imports. `loadBackend()` picks the backend (only
 * 'torch' exists now: libtorch CPU through native/; see docs/ml-runtime.md for adding others).
 */
import { loadTorchBackend } from './torch.js';
import type { Backend } from './types.js';

export {
  decodeSafetensors,
  encodeSafetensors,
  loadWeights,
  loadWeightsFromMap,
  type NamedArray,
  saveWeights,
} from './checkpoint.js';
export {
  OnnxTraceError,
  OnnxTracer,
  OrtOutput,
  OrtSession,
  type OrtSessionOptions,
  OrtUnavailableError,
  SessionCache,
} from './onnx/index.js';
export { BackendUnavailableError, torchAddonPath } from './torch.js';
export type { AdamWOptions, Backend, DType, Ops, Optimizer, Tensor } from './types.js';

export type BackendName = 'torch';

/** Returns the named backend ($CELM_BACKEND, default 'torch'), loading it on first use. */
export function loadBackend(name: BackendName | string = process.env.CELM_BACKEND ?? 'torch'): Backend {
  switch (name) {
    case 'torch':
      return loadTorchBackend();
    default:
      throw new Error(`celm: unknown ML backend '${name}' (known: torch)`);
  }
}
