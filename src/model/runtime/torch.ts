import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findAddon } from '../../native-addon.js';
import { Scopes } from './scope.js';
import type { AdamWOptions, Backend, Optimizer, Tensor } from './types.js';

const ADDON = join('native', 'build', 'Release', 'celm_torch.node');

/** What the addon exports (native Tensor objects implement the Tensor interface directly). */
interface NativeAddon {
  Tensor: abstract new () => Tensor;
  AdamW: new (params: Tensor[], lr: number, b1: number, b2: number, eps: number, wd: number) => Optimizer;
  info(): { torch: string; threads: number; openblasThreads: number; config: string };
  setGradEnabled(on: boolean): void;
  isGradEnabled(): boolean;
  setNumThreads(n: number, blas?: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  clipGradNorm(params: Tensor[], maxNorm: number): number;
  topk(a: Tensor, k: number, dim: number): [Tensor, Tensor];
  profileStart(path: string): void;
  profileStop(): void;
  [op: string]: unknown;
}

/** Finds the built addon: $CELM_TORCH_ADDON, else native/build/Release/ in this checkout. */
export function torchAddonPath(): string | null {
  return findAddon('CELM_TORCH_ADDON', ADDON);
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

let cached: Backend | null = null;

/** Loads the addon once and returns the torch backend; throws BackendUnavailableError if not built. */
export function loadTorchBackend(): Backend {
  if (cached) return cached;
  const path = torchAddonPath();
  if (!path)
    throw new BackendUnavailableError(
      'celm: the libtorch backend is not built (native/build/Release/celm_torch.node is missing). ' +
        'Build it with: apt-get install -y libtorch-dev && npm run build:native   (docs/ml-runtime.md)',
    );
  // libgomp reads this when the addon pulls it in. Spinning OpenMP workers (the default) burned 2-3x
  // the CPU and ran slower on this shared 2-core machine; passive waiting keeps 2 threads harmless.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  let native: NativeAddon;
  try {
    native = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    throw new BackendUnavailableError(
      `celm: the libtorch addon at ${path} failed to load (${(e as Error).message.split('\n')[0]}); ` +
        'is libtorch-dev installed? Rebuild with: npm run build:native',
    );
  }
  cached = makeBackend(native);
  return cached;
}

function makeBackend(n: NativeAddon): Backend {
  const isTensor = (v: unknown): v is Tensor => v instanceof n.Tensor;
  const scopes = new Scopes(isTensor);
  // grad() is a method of the native handle; route its new handles through tidy() like op results.
  const proto = n.Tensor.prototype as unknown as { gradRaw(): Tensor | null };
  Object.defineProperty(proto, 'grad', {
    value(this: typeof proto) {
      const g = this.gradRaw();
      return g ? scopes.track(g) : g;
    },
  });
  const fn = (name: string) => {
    const f = n[name];
    if (typeof f !== 'function') throw new Error(`celm_torch addon lacks op '${name}' (rebuild it)`);
    return f as (...a: unknown[]) => Tensor;
  };
  // Every op: call native, register the result in the innermost tidy() scope.
  const op =
    <A extends unknown[]>(name: string) =>
    (...a: A): Tensor =>
      scopes.track(fn(name)(...a));
  const be: Backend = {
    name: 'torch',
    tensor: op('tensor'),
    tensorInt: op('tensorInt'),
    tensorBool: op('tensorBool'),
    zeros: op('zeros'),
    ones: op('ones'),
    randn: op('randn'),
    rand: op('rand'),
    causalMask: op('causalMask'),
    arange: op('arange'),
    matmul: op('matmul'),
    linear: op('linear'),
    add: op('add'),
    sub: op('sub'),
    mul: op('mul'),
    div: op('div'),
    addScalar: op('addScalar'),
    mulScalar: op('mulScalar'),
    neg: op('neg'),
    exp: op('exp'),
    log: op('log'),
    sqrt: op('sqrt'),
    tanh: op('tanh'),
    relu: op('relu'),
    gelu: op('gelu'),
    softmax: op('softmax'),
    logSoftmax: op('logSoftmax'),
    layerNorm: op('layerNorm'),
    embedding: op('embedding'),
    crossEntropy: op('crossEntropy'),
    mseLoss: op('mseLoss'),
    dropout: op('dropout'),
    maskedFill: op('maskedFill'),
    where: op('where'),
    attention: op('attention'),
    sum: op('sum'),
    mean: op('mean'),
    argmax: op('argmax'),
    topk: (a, k, dim) => {
      const [v, i] = n.topk(a, k, dim);
      return [scopes.track(v), scopes.track(i)];
    },
    reshape: op('reshape'),
    transpose: op('transpose'),
    permute: op('permute'),
    contiguous: op('contiguous'),
    narrow: op('narrow'),
    indexSelect: op('indexSelect'),
    expand: op('expand'),
    cat: op('cat'),
    detach: op('detach'),
    clone: op('clone'),
    adamw: (params: Tensor[], o: AdamWOptions) =>
      new n.AdamW(params, o.lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.eps ?? 1e-8, o.weightDecay ?? 0.01),
    clipGradNorm: (params, maxNorm) => n.clipGradNorm(params, maxNorm),
    noGrad<T>(f: () => T): T {
      const prev = n.isGradEnabled();
      n.setGradEnabled(false);
      try {
        return f();
      } finally {
        n.setGradEnabled(prev);
      }
    },
    tidy: (f) => scopes.tidy(f),
    keep: (t) => scopes.keep(t),
    profile<T>(path: string, f: () => T): T {
      n.profileStart(path);
      try {
        return f();
      } finally {
        n.profileStop();
      }
    },
    setNumThreads: (k, blas) => n.setNumThreads(k, blas ?? k),
    getNumThreads: () => n.getNumThreads(),
    manualSeed: (s) => n.manualSeed(s),
    describe() {
      const i = n.info();
      const cfg = i.config;
      const pick = (re: RegExp) => re.exec(cfg)?.[1]?.trim() ?? '?';
      return {
        backend: 'torch',
        torch: i.torch,
        threads: i.threads,
        openblasThreads: i.openblasThreads,
        blas: pick(/BLAS_INFO=([^,\n]+)/),
        cpuCapability: pick(/CPU capability usage: ([^\n]+)/),
      };
    },
  };
  return be;
}
