import { CelmError } from '../../errors.js';
import { type Backend, BackendUnavailableError, loadBackend } from '../../model/runtime/index.js';

/** The training backend (libtorch); a missing addon is an input error with the build command. */
export function trainingBackend(): Backend {
  try {
    return loadBackend();
  } catch (e) {
    if (e instanceof BackendUnavailableError)
      throw new CelmError('backend', e.message.replace(/^celm: /, ''));
    throw e;
  }
}
