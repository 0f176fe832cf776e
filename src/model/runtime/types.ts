/**
 * The ML runtime interface: the ONLY surface model code (encoder, projector, decoder, training,
 * generation) may use. A backend (libtorch through the native addon today; libtorch CUDA, or
 * anything else later) implements `Backend`; model code receives one and never imports a backend.
 *
 * Conventions (PyTorch's, so model code reads like nanoGPT):
 *   - float32 activations and weights, int64 indices (created from Int32Array), bool masks;
 *   - row-major shapes, batch first; negative dims count from the end;
 *   - `linear(x, w, b)` takes w as [out, in] (x @ w^T + b), as torch.nn.Linear stores it;
 *   - every op returns a new handle; handles are freed by `dispose()` or, in bulk, by `tidy()`.
 */

export type DType = 'float32' | 'int64' | 'bool';

/** A handle to a tensor owned by the backend (native memory, maybe a GPU). */
export interface Tensor {
  readonly shape: number[];
  readonly dtype: DType;
  readonly disposed: boolean;
  /** Marks a leaf as a parameter (gradients accumulate in it on backward()). */
  requiresGrad: boolean;
  /** The accumulated gradient of a leaf, or null before the first backward(). */
  grad(): Tensor | null;
  /** Copies the values out (any dtype converted). */
  toFloat32Array(): Float32Array;
  toInt32Array(): Int32Array;
  /** The value of a one-element tensor. */
  item(): number;
  /** Back-propagates from this scalar into every leaf with requiresGrad. */
  backward(): void;
  /** Frees this handle now (the backend may keep the data while autograd still needs it). */
  dispose(): void;
  /** Overwrites the values in place from a same-shape tensor, outside autograd (weight loading). */
  copyFrom(src: Tensor): void;
}

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export interface Optimizer {
  step(): void;
  zeroGrad(): void;
  setLr(lr: number): void;
  /** Optimizer state (moments, step count) for resume; the format is the backend's own. */
  save(path: string): void;
  load(path: string): void;
}

/** Tensor operations. Shapes in comments: B batch, T tokens, d width, V vocabulary. */
export interface Ops {
  // creation
  tensor(data: Float32Array, shape: number[], requiresGrad?: boolean): Tensor;
  tensorInt(data: Int32Array, shape: number[]): Tensor; // int64 tensor
  tensorBool(data: Uint8Array, shape: number[]): Tensor; // bool tensor (nonzero = true): masks
  zeros(shape: number[], requiresGrad?: boolean): Tensor;
  ones(shape: number[], requiresGrad?: boolean): Tensor;
  randn(shape: number[], std: number, requiresGrad?: boolean): Tensor; // N(0, std²)
  rand(shape: number[]): Tensor; // U[0, 1)
  causalMask(n: number): Tensor; // bool [n, n], true where j > i (hidden)
  arange(n: number): Tensor; // int64 [n]
  // arithmetic (broadcasting)
  matmul(a: Tensor, b: Tensor): Tensor; // batched: [..., n, k] @ [..., k, m]
  linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor; // [..., in] -> [..., out]
  add(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor): Tensor;
  div(a: Tensor, b: Tensor): Tensor;
  addScalar(a: Tensor, s: number): Tensor;
  mulScalar(a: Tensor, s: number): Tensor;
  neg(a: Tensor): Tensor;
  exp(a: Tensor): Tensor;
  log(a: Tensor): Tensor;
  sqrt(a: Tensor): Tensor;
  tanh(a: Tensor): Tensor;
  relu(a: Tensor): Tensor;
  gelu(a: Tensor, tanhApprox?: boolean): Tensor;
  softmax(a: Tensor, dim: number): Tensor;
  logSoftmax(a: Tensor, dim: number): Tensor;
  layerNorm(x: Tensor, w: Tensor, b: Tensor, eps: number): Tensor; // over the last dim
  embedding(w: Tensor, idx: Tensor): Tensor; // [V, d], int64 [...] -> [..., d]
  crossEntropy(logits: Tensor, targets: Tensor, ignoreIndex: number): Tensor; // [N, V], int64 [N] -> mean
  mseLoss(a: Tensor, b: Tensor): Tensor; // mean
  dropout(x: Tensor, p: number, train: boolean): Tensor;
  maskedFill(x: Tensor, mask: Tensor, value: number): Tensor;
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor;
  /** softmax(q kᵀ · scale, masked where mask is true) v; q [..., Tq, dh], k/v [..., Tk, dh]. */
  attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, scale: number): Tensor;
  // reductions
  sum(a: Tensor, dims?: number[], keepDim?: boolean): Tensor;
  mean(a: Tensor, dims?: number[], keepDim?: boolean): Tensor;
  argmax(a: Tensor, dim: number): Tensor;
  topk(a: Tensor, k: number, dim: number): [Tensor, Tensor]; // values, int64 indices
  // shape
  reshape(a: Tensor, shape: number[]): Tensor;
  transpose(a: Tensor, d0: number, d1: number): Tensor;
  permute(a: Tensor, dims: number[]): Tensor;
  contiguous(a: Tensor): Tensor;
  narrow(a: Tensor, dim: number, start: number, length: number): Tensor;
  indexSelect(a: Tensor, dim: number, idx: Tensor): Tensor;
  expand(a: Tensor, shape: number[]): Tensor;
  cat(ts: Tensor[], dim: number): Tensor;
  detach(a: Tensor): Tensor;
  clone(a: Tensor): Tensor;
  // training
  adamw(params: Tensor[], opts: AdamWOptions): Optimizer;
  clipGradNorm(params: Tensor[], maxNorm: number): number; // returns the norm before clipping
}

/** A backend: the ops plus process-wide settings. */
export interface Backend extends Ops {
  readonly name: string;
  /** Runs fn with autograd off (inference, weight updates by hand). */
  noGrad<T>(fn: () => T): T;
  /** Runs fn, then disposes every tensor created inside it except those returned or kept. */
  tidy<T>(fn: () => T): T;
  /** Exempts a tensor from the enclosing tidy() scopes (parameters, caches). */
  keep<T extends Tensor>(t: T): T;
  /** Intra-op threads; a backend with a separate BLAS pool may take its size as blasThreads (default n). */
  setNumThreads(n: number, blasThreads?: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  /** Runs fn under the backend's op profiler, writing a chrome://tracing JSON to path (if supported). */
  profile?<T>(path: string, fn: () => T): T;
  /** Versions and build facts, for logs and benchmark headers. */
  describe(): Record<string, string | number>;
}
