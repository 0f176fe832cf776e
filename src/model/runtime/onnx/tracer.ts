/**
 * ONNX export by tracing. `OnnxTracer.backend` is a `Backend` whose tensors are symbolic: running a
 * model's forward() on it records ONNX nodes instead of computing. The same model class that trains
 * on libtorch is traced, so inference code is never duplicated.
 *
 *   const tracer = new OnnxTracer();
 *   const model = new GPT(tracer.backend, cfg);              // parameters become initializers
 *   loadWeightsFromMap(tracer.backend, weights, model.params.map);   // or loadWeights(be, path, ...)
 *   tracer.nameParameters(model.params.map);                 // optional: checkpoint names in the graph
 *   const idx = tracer.input('idx', [B, T], 'int64');
 *   tracer.output(model.forward(idx), 'logits');
 *   const bytes = tracer.toBytes();                          // ONNX (IR 9, opset 20) for OrtSession
 *
 * Semantics follow the torch backend (src/model/runtime/torch.ts, i.e. libtorch 1.13): negative
 * dims, keepDim, broadcasting, dtype promotion (int64 + float32 -> float32, int64 / int64 ->
 * float32, exp(int64) -> float32, addScalar(int64) -> float32), and the same errors where libtorch
 * rejects an op (softmax of int64, mean of int64, ...). Shapes are concrete: a model is traced
 * once per input shape (see SessionCache). Values are never computed while tracing; only constants
 * and parameters can be read back (toFloat32Array), so model code that branches on tensor values
 * cannot be traced.
 *
 * Parameters: zeros/ones/randn with requiresGrad, and tensor(..., true), become initializers;
 * `copyFrom` (what loadWeights and loadWeightsFromMap use) replaces their values. Initializer
 * values are read when toBytes() runs, so a parameter loaded after the forward was traced is
 * still exported with the loaded values. toBytes() refuses a model whose randn parameters were
 * never loaded (a forgotten loadWeights) unless allowUnloadedParams is set.
 *
 * Non-parameter randn/rand become RandomNormal/RandomUniform nodes (fresh values on every run,
 * seeded by manualSeed if it was called). Training ops (losses, backward, optimizers, dropout with
 * train=true) throw OnnxTraceError: the tracer is inference only.
 */
import type { AdamWOptions, Backend, DType, Optimizer, Tensor } from '../types.js';
import {
  encodeModel,
  type OnnxAttr,
  type OnnxNodeProto,
  type OnnxTensorProto,
  type OnnxValueInfo,
} from './protobuf.js';

/** ONNX opset of the default domain the tracer emits (LayerNormalization >= 17, Gelu >= 20). */
export const ONNX_OPSET = 20;
/** ONNX IR version written in the model (IR 9 goes with opsets 19-20). */
export const ONNX_IR_VERSION = 9;

export class OnnxTraceError extends Error {
  override name = 'OnnxTraceError';
}

const fail = (msg: string): never => {
  throw new OnnxTraceError(`onnx trace: ${msg}`);
};
const inferenceOnly = (what: string): never =>
  fail(`${what} is a training operation; the ONNX tracer is inference only`);

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const BYTES: Record<DType, number> = { float32: 4, int64: 8, bool: 1 };

/** Where an initializer's values come from (materialized lazily, at toBytes()). */
interface InitData {
  raw: Uint8Array | null; // little-endian element bytes; null = still a fill or a random draw
  fill: number; // zeros/ones (when raw and random are null)
  random: number | null; // std of a N(0, std²) parameter never loaded
  param: boolean; // created as a trainable parameter
  loaded: boolean; // values set by tensor() or copyFrom()
}

type Kind = 'input' | 'init' | 'value';

class SymTensor implements Tensor {
  requiresGrad: boolean;
  disposed = false;
  /** A user-given graph name (input, output, named parameter); others are numbered at export. */
  label: string | null = null;

  constructor(
    readonly graph: Graph,
    private readonly dims: readonly number[],
    readonly dtype: DType,
    readonly kind: Kind,
    readonly init: InitData | null = null,
    requiresGrad = false,
  ) {
    this.requiresGrad = requiresGrad;
  }

  get shape(): number[] {
    return [...this.dims];
  }
  get rank(): number {
    return this.dims.length;
  }
  dim(i: number): number {
    return this.dims[i];
  }

  grad(): Tensor | null {
    return null;
  }
  toFloat32Array(): Float32Array {
    const raw = this.values();
    const n = numel(this.dims);
    if (this.dtype === 'float32') return new Float32Array(raw.slice().buffer, 0, n);
    if (this.dtype === 'int64') {
      const v = new BigInt64Array(raw.slice().buffer, 0, n);
      return Float32Array.from(v, (x) => Number(x));
    }
    return Float32Array.from(raw);
  }
  toInt32Array(): Int32Array {
    const raw = this.values();
    const n = numel(this.dims);
    if (this.dtype === 'float32') return Int32Array.from(new Float32Array(raw.slice().buffer, 0, n));
    if (this.dtype === 'int64')
      return Int32Array.from(new BigInt64Array(raw.slice().buffer, 0, n), (x) => Number(x));
    return Int32Array.from(raw);
  }
  item(): number {
    if (numel(this.dims) !== 1)
      fail(`item() needs a one-element tensor, this one has shape ${fmt(this.dims)}`);
    return this.toFloat32Array()[0];
  }
  backward(): void {
    inferenceOnly('backward()');
  }
  dispose(): void {
    this.disposed = true;
  }
  /** Replaces an initializer's values (weight loading); src must be a constant of this tracer. */
  copyFrom(src: Tensor): void {
    const s = this.graph.sym(src);
    if (this.disposed) fail('copyFrom() into a disposed tensor');
    if (this.kind !== 'init' || !this.init)
      fail('copyFrom() can only fill parameters and constants, not traced values or inputs');
    if (s.kind !== 'init' || !s.init)
      fail('copyFrom() needs a constant source (be.tensor(...)); traced values are not available');
    if (s.shape.join(',') !== this.shape.join(','))
      fail(`copyFrom(): shape ${fmt(s.dims)} does not match ${fmt(this.dims)}`);
    if (s.dtype !== this.dtype) fail(`copyFrom(): dtype ${s.dtype} does not match ${this.dtype}`);
    const init = this.init!;
    init.raw = s.values(); // constants are immutable: sharing the bytes is safe
    init.random = null;
    init.loaded = true;
  }

  /** The element bytes of a constant or parameter, for reading back by model code. */
  values(): Uint8Array {
    if (this.disposed) fail('tensor used after dispose()');
    if (this.kind !== 'init')
      fail(
        'values are not available while tracing (the tracer is symbolic; only constants and parameters can be read)',
      );
    return this.raw();
  }

  /** The element bytes of an initializer (materializing fills and random draws); for export. */
  raw(): Uint8Array {
    const init = this.init!;
    if (!init.raw) init.raw = this.graph.materialize(this);
    return init.raw;
  }
}

interface NodeRec {
  op: string;
  inputs: (SymTensor | null)[];
  outputs: SymTensor[];
  attrs: Record<string, OnnxAttr>;
}

/** A small deterministic generator for parameters exported without weights (allowUnloadedParams). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The recorded graph: nodes, inputs, outputs, and the constant caches. Internal to the tracer. */
class Graph {
  readonly nodes: NodeRec[] = [];
  readonly inputs: SymTensor[] = [];
  readonly outputs: SymTensor[] = [];
  readonly params: SymTensor[] = [];
  readonly labels = new Set<string>();
  seed: number | null = null;
  private randomNodes = 0;
  private readonly constCache = new Map<string, SymTensor>();
  private readonly castCache = new WeakMap<SymTensor, Map<DType, SymTensor>>();
  private readonly transposeCache = new WeakMap<SymTensor, SymTensor>();

  sym(t: Tensor): SymTensor {
    if (!(t instanceof SymTensor) || t.graph !== this)
      return fail('a tensor from another backend or another tracer was passed to the ONNX tracer');
    if (t.disposed) fail('tensor used after dispose()');
    return t;
  }

  value(shape: readonly number[], dtype: DType): SymTensor {
    return new SymTensor(this, [...shape], dtype, 'value');
  }

  node(op: string, inputs: (SymTensor | null)[], outputs: SymTensor[], attrs: Record<string, OnnxAttr> = {}) {
    this.nodes.push({ op, inputs, outputs, attrs });
  }

  /** One node with one output of the given shape and dtype. */
  op(
    op: string,
    inputs: (SymTensor | null)[],
    shape: readonly number[],
    dtype: DType,
    attrs: Record<string, OnnxAttr> = {},
  ): SymTensor {
    const o = this.value(shape, dtype);
    this.node(op, inputs, [o], attrs);
    return o;
  }

  initializer(shape: readonly number[], dtype: DType, init: Partial<InitData>, requiresGrad = false) {
    const data: InitData = {
      raw: init.raw ?? null,
      fill: init.fill ?? 0,
      random: init.random ?? null,
      param: init.param ?? false,
      loaded: init.loaded ?? false,
    };
    const t = new SymTensor(this, [...shape], dtype, 'init', data, requiresGrad);
    if (data.param) this.params.push(t);
    return t;
  }

  /** A shared constant (shape vectors, scalars, masks), deduplicated by key. */
  constant(key: string, make: () => SymTensor): SymTensor {
    let t = this.constCache.get(key);
    if (!t) {
      t = make();
      this.constCache.set(key, t);
    }
    return t;
  }

  ints(v: readonly number[]): SymTensor {
    return this.constant(`i64:${v.join(',')}`, () =>
      this.initializer([v.length], 'int64', { raw: int64Bytes(v), loaded: true }),
    );
  }

  scalar(v: number, dtype: DType): SymTensor {
    const key = `s:${dtype}:${Object.is(v, -0) ? '-0' : String(v)}`;
    return this.constant(key, () => {
      let raw: Uint8Array;
      if (dtype === 'float32') raw = new Uint8Array(Float32Array.of(v).buffer);
      else if (dtype === 'int64') raw = int64Bytes([Math.trunc(v)]);
      else raw = Uint8Array.of(v ? 1 : 0);
      return this.initializer([], dtype, { raw, loaded: true });
    });
  }

  cast(t: SymTensor, dtype: DType): SymTensor {
    if (t.dtype === dtype) return t;
    let m = this.castCache.get(t);
    if (!m) {
      m = new Map();
      this.castCache.set(t, m);
    }
    let c = m.get(dtype);
    if (!c) {
      const to = { float32: 1, int64: 7, bool: 9 }[dtype];
      c = this.op('Cast', [t], t.shape, dtype, { to: { i: to } });
      m.set(dtype, c);
    }
    return c;
  }

  /** w [out, in] -> [in, out], once per weight (ORT folds it into the initializer). */
  transposed2d(w: SymTensor): SymTensor {
    let t = this.transposeCache.get(w);
    if (!t) {
      t = this.op('Transpose', [w], [w.dim(1), w.dim(0)], w.dtype, { perm: { ints: [1, 0] } });
      this.transposeCache.set(w, t);
    }
    return t;
  }

  randomAttrs(): Record<string, OnnxAttr> {
    if (this.seed === null) return {};
    return { seed: { f: this.seed + this.randomNodes++ } };
  }

  materialize(t: SymTensor): Uint8Array {
    const init = t.init!;
    const dtype = t.dtype;
    const n = numel(t.shape);
    if (init.random !== null) {
      const rnd = mulberry32((this.seed ?? 0x5eed) * 7919 + this.params.indexOf(t));
      const v = new Float32Array(n);
      for (let i = 0; i < n; i += 2) {
        const r = Math.sqrt(-2 * Math.log(1 - rnd()));
        const th = 2 * Math.PI * rnd();
        v[i] = init.random * r * Math.cos(th);
        if (i + 1 < n) v[i + 1] = init.random * r * Math.sin(th);
      }
      return new Uint8Array(v.buffer);
    }
    if (dtype === 'float32') return new Uint8Array(new Float32Array(n).fill(init.fill).buffer);
    if (dtype === 'int64') return new Uint8Array(new BigInt64Array(n).fill(BigInt(init.fill)).buffer);
    return new Uint8Array(n).fill(init.fill ? 1 : 0);
  }
}

function int64Bytes(v: ArrayLike<number>): Uint8Array {
  const a = new BigInt64Array(v.length);
  for (let i = 0; i < v.length; i++) a[i] = BigInt(v[i]);
  return new Uint8Array(a.buffer);
}

function normDim(d: number, rank: number, what = 'dim'): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(d) || d < -r || d >= r)
    fail(`${what} ${d} out of range for a tensor of rank ${rank} (expected [${-r}, ${r - 1}])`);
  return d < 0 ? d + r : d;
}

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) fail(`shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The symbolic Backend. Each method mirrors the torch backend's semantics for shapes and dtypes. */
class TraceBackend implements Backend {
  readonly name = 'onnx-trace';

  constructor(private readonly g: Graph) {}

  private s(t: Tensor): SymTensor {
    return this.g.sym(t);
  }
  private alias(t: SymTensor): SymTensor {
    return this.g.op('Identity', [t], t.shape, t.dtype);
  }
  private checkShape(shape: readonly number[], what: string): void {
    for (const d of shape) if (!Number.isInteger(d) || d < 0) fail(`${what}: invalid shape ${fmt(shape)}`);
  }
  private checkData(n: number, shape: readonly number[], what: string): void {
    this.checkShape(shape, what);
    if (n !== numel(shape)) fail(`${what}: ${n} values do not fill shape ${fmt(shape)}`);
  }
  private floatOnly(a: SymTensor, what: string): void {
    if (a.dtype !== 'float32') fail(`${what} is not implemented for ${a.dtype} tensors (as in libtorch)`);
  }
  private toFloat(a: SymTensor): SymTensor {
    return this.g.cast(a, 'float32');
  }
  /** torch's promotion for two tensors: float wins; int64 and bool mix to int64. */
  private promote(a: SymTensor, b: SymTensor): [SymTensor, SymTensor, DType] {
    const dt: DType =
      a.dtype === b.dtype ? a.dtype : a.dtype === 'float32' || b.dtype === 'float32' ? 'float32' : 'int64';
    return [this.g.cast(a, dt), this.g.cast(b, dt), dt];
  }
  private binary(op: 'Add' | 'Sub' | 'Mul' | 'Div', at: Tensor, bt: Tensor): Tensor {
    let [a, b, dt] = this.promote(this.s(at), this.s(bt));
    const shape = broadcast(a.shape, b.shape);
    if (dt === 'bool') {
      if (op === 'Add') return this.g.op('Or', [a, b], shape, 'bool');
      if (op === 'Mul') return this.g.op('And', [a, b], shape, 'bool');
      if (op === 'Sub') fail('subtraction of bool tensors is not supported (as in libtorch)');
    }
    if (op === 'Div' && dt !== 'float32') {
      a = this.toFloat(a);
      b = this.toFloat(b);
      dt = 'float32';
    }
    return this.g.op(op, [a, b], shape, dt);
  }
  /** A float unary op; int64/bool inputs are promoted to float32 as libtorch does. */
  private unaryFloat(op: string, at: Tensor): Tensor {
    const a = this.toFloat(this.s(at));
    return this.g.op(op, [a], a.shape, 'float32');
  }

  // ---- creation ----

  tensor(data: Float32Array, shape: number[], requiresGrad = false): Tensor {
    this.checkData(data.length, shape, 'tensor()');
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    return this.g.initializer(shape, 'float32', { raw, param: requiresGrad, loaded: true }, requiresGrad);
  }
  tensorInt(data: Int32Array, shape: number[]): Tensor {
    this.checkData(data.length, shape, 'tensorInt()');
    return this.g.initializer(shape, 'int64', { raw: int64Bytes(data), loaded: true });
  }
  tensorBool(data: Uint8Array, shape: number[]): Tensor {
    this.checkData(data.length, shape, 'tensorBool()');
    const raw = Uint8Array.from(data, (v) => (v ? 1 : 0));
    return this.g.initializer(shape, 'bool', { raw, loaded: true });
  }
  zeros(shape: number[], requiresGrad = false): Tensor {
    this.checkShape(shape, 'zeros()');
    return this.g.initializer(shape, 'float32', { fill: 0, param: requiresGrad }, requiresGrad);
  }
  ones(shape: number[], requiresGrad = false): Tensor {
    this.checkShape(shape, 'ones()');
    return this.g.initializer(shape, 'float32', { fill: 1, param: requiresGrad }, requiresGrad);
  }
  randn(shape: number[], std: number, requiresGrad = false): Tensor {
    this.checkShape(shape, 'randn()');
    if (requiresGrad) return this.g.initializer(shape, 'float32', { random: std, param: true }, true);
    return this.g.op('RandomNormal', [], shape, 'float32', {
      dtype: { i: 1 },
      mean: { f: 0 },
      scale: { f: std },
      shape: { ints: shape },
      ...this.g.randomAttrs(),
    });
  }
  rand(shape: number[]): Tensor {
    this.checkShape(shape, 'rand()');
    return this.g.op('RandomUniform', [], shape, 'float32', {
      dtype: { i: 1 },
      low: { f: 0 },
      high: { f: 1 },
      shape: { ints: shape },
      ...this.g.randomAttrs(),
    });
  }
  // (tensors returned to model code are never shared between calls: one may be disposed)
  causalMask(n: number): Tensor {
    const raw = new Uint8Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) raw[i * n + j] = 1;
    return this.g.initializer([n, n], 'bool', { raw, loaded: true });
  }
  arange(n: number): Tensor {
    const raw = int64Bytes(Array.from({ length: n }, (_, i) => i));
    return this.g.initializer([n], 'int64', { raw, loaded: true });
  }

  // ---- arithmetic ----

  matmul(at: Tensor, bt: Tensor): Tensor {
    const a = this.s(at);
    const b = this.s(bt);
    if (a.dtype !== b.dtype) fail(`matmul: dtypes ${a.dtype} and ${b.dtype} differ (as in libtorch)`);
    if (a.rank === 0 || b.rank === 0) fail('matmul: both arguments need at least one dimension');
    const as = a.rank === 1 ? [1, a.dim(0)] : a.shape;
    const bs = b.rank === 1 ? [b.dim(0), 1] : b.shape;
    const k = as[as.length - 1];
    if (k !== bs[bs.length - 2])
      fail(
        `matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${k} != ${bs[bs.length - 2]})`,
      );
    const shape = [...broadcast(as.slice(0, -2), bs.slice(0, -2))];
    if (a.rank > 1) shape.push(as[as.length - 2]);
    if (b.rank > 1) shape.push(bs[bs.length - 1]);
    return this.g.op('MatMul', [a, b], shape, a.dtype);
  }
  linear(xt: Tensor, wt: Tensor, bt: Tensor | null): Tensor {
    const x = this.s(xt);
    const w = this.s(wt);
    if (w.rank !== 2) fail(`linear: weight must be [out, in], got ${fmt(w.shape)}`);
    if (x.rank === 0 || x.dim(x.rank - 1) !== w.dim(1))
      fail(`linear: input ${fmt(x.shape)} does not match weight ${fmt(w.shape)}`);
    if (x.dtype !== w.dtype) fail(`linear: dtypes ${x.dtype} and ${w.dtype} differ`);
    const y = this.g.op('MatMul', [x, this.g.transposed2d(w)], [...x.shape.slice(0, -1), w.dim(0)], x.dtype);
    if (!bt) return y;
    const b = this.s(bt);
    if (b.rank !== 1 || b.dim(0) !== w.dim(0))
      fail(`linear: bias ${fmt(b.shape)} does not match [${w.dim(0)}]`);
    return this.g.op('Add', [y, b], y.shape, y.dtype);
  }
  add(a: Tensor, b: Tensor): Tensor {
    return this.binary('Add', a, b);
  }
  sub(a: Tensor, b: Tensor): Tensor {
    return this.binary('Sub', a, b);
  }
  mul(a: Tensor, b: Tensor): Tensor {
    return this.binary('Mul', a, b);
  }
  div(a: Tensor, b: Tensor): Tensor {
    return this.binary('Div', a, b);
  }
  addScalar(at: Tensor, s: number): Tensor {
    const a = this.toFloat(this.s(at)); // libtorch: tensor + double -> float32 for int64/bool too
    return this.g.op('Add', [a, this.g.scalar(s, 'float32')], a.shape, 'float32');
  }
  mulScalar(at: Tensor, s: number): Tensor {
    const a = this.toFloat(this.s(at));
    return this.g.op('Mul', [a, this.g.scalar(s, 'float32')], a.shape, 'float32');
  }
  neg(at: Tensor): Tensor {
    const a = this.s(at);
    if (a.dtype === 'bool') fail('neg of a bool tensor is not supported (as in libtorch)');
    return this.g.op('Neg', [a], a.shape, a.dtype);
  }
  exp(a: Tensor): Tensor {
    return this.unaryFloat('Exp', a);
  }
  log(a: Tensor): Tensor {
    return this.unaryFloat('Log', a);
  }
  sqrt(a: Tensor): Tensor {
    return this.unaryFloat('Sqrt', a);
  }
  tanh(a: Tensor): Tensor {
    return this.unaryFloat('Tanh', a);
  }
  relu(at: Tensor): Tensor {
    const a = this.s(at);
    if (a.dtype === 'float32') return this.g.op('Relu', [a], a.shape, 'float32');
    if (a.dtype === 'bool') fail('relu of a bool tensor is not supported');
    return this.g.op('Max', [a, this.g.scalar(0, 'int64')], a.shape, 'int64');
  }
  gelu(at: Tensor, tanhApprox = false): Tensor {
    const a = this.s(at);
    this.floatOnly(a, 'gelu');
    return this.g.op('Gelu', [a], a.shape, 'float32', { approximate: { s: tanhApprox ? 'tanh' : 'none' } });
  }
  softmax(at: Tensor, dim: number): Tensor {
    const a = this.s(at);
    this.floatOnly(a, 'softmax');
    return this.g.op('Softmax', [a], a.shape, 'float32', { axis: { i: normDim(dim, a.rank) } });
  }
  logSoftmax(at: Tensor, dim: number): Tensor {
    const a = this.s(at);
    this.floatOnly(a, 'logSoftmax');
    return this.g.op('LogSoftmax', [a], a.shape, 'float32', { axis: { i: normDim(dim, a.rank) } });
  }
  layerNorm(xt: Tensor, wt: Tensor, bt: Tensor, eps: number): Tensor {
    const x = this.s(xt);
    const w = this.s(wt);
    const b = this.s(bt);
    this.floatOnly(x, 'layerNorm');
    const d = x.rank ? x.dim(x.rank - 1) : 0;
    if (w.shape.join(',') !== `${d}` || b.shape.join(',') !== `${d}`)
      fail(
        `layerNorm: weight ${fmt(w.shape)} and bias ${fmt(b.shape)} must be [${d}] for input ${fmt(x.shape)}`,
      );
    return this.g.op('LayerNormalization', [x, w, b], x.shape, 'float32', {
      axis: { i: -1 },
      epsilon: { f: eps },
    });
  }
  embedding(wt: Tensor, it: Tensor): Tensor {
    const w = this.s(wt);
    const idx = this.s(it);
    if (idx.dtype !== 'int64') fail(`embedding: indices must be int64, got ${idx.dtype}`);
    if (w.rank !== 2) fail(`embedding: weight must be [V, d], got ${fmt(w.shape)}`);
    return this.g.op('Gather', [w, idx], [...idx.shape, w.dim(1)], w.dtype, { axis: { i: 0 } });
  }
  crossEntropy(): Tensor {
    return inferenceOnly('crossEntropy');
  }
  mseLoss(): Tensor {
    return inferenceOnly('mseLoss');
  }
  dropout(xt: Tensor, _p: number, train: boolean): Tensor {
    const x = this.s(xt);
    if (train) inferenceOnly('dropout with train=true');
    return this.alias(x);
  }
  maskedFill(xt: Tensor, mt: Tensor, value: number): Tensor {
    const x = this.s(xt);
    const m = this.s(mt);
    if (m.dtype !== 'bool') fail(`maskedFill: the mask must be bool, got ${m.dtype}`);
    const shape = broadcast(x.shape, m.shape);
    return this.g.op('Where', [m, this.g.scalar(value, x.dtype), x], shape, x.dtype);
  }
  where(ct: Tensor, at: Tensor, bt: Tensor): Tensor {
    const c = this.s(ct);
    if (c.dtype !== 'bool') fail(`where: the condition must be bool, got ${c.dtype}`);
    const [a, b, dt] = this.promote(this.s(at), this.s(bt));
    return this.g.op('Where', [c, a, b], broadcast(c.shape, broadcast(a.shape, b.shape)), dt);
  }
  attention(qt: Tensor, kt: Tensor, vt: Tensor, mask: Tensor | null, scale: number): Tensor {
    // the torch backend's composite, op for op: softmax(q kᵀ · scale, masked with -inf) v
    const k = this.s(kt);
    if (k.rank < 2) fail(`attention: k must be [..., Tk, dh], got ${fmt(k.shape)}`);
    let s = this.mulScalar(this.matmul(qt, this.transpose(k, -2, -1)), scale);
    if (mask) s = this.maskedFill(s, mask, Number.NEGATIVE_INFINITY);
    return this.matmul(this.softmax(s, -1), vt);
  }

  // ---- reductions ----

  private reduce(op: 'ReduceSum' | 'ReduceMean', at: Tensor, dims: number[] | undefined, keepDim: boolean) {
    let a = this.s(at);
    if (op === 'ReduceMean' && a.dtype !== 'float32')
      fail(`mean of a ${a.dtype} tensor: libtorch needs a floating point input`);
    if (op === 'ReduceSum' && a.dtype === 'bool') a = this.g.cast(a, 'int64');
    // dims undefined: a scalar, keepDim ignored (torch's sum()); dims []: every dim, keepDim honoured
    const all = a.shape.map((_, i) => i);
    const keep = dims === undefined ? false : keepDim;
    const ds = dims === undefined || dims.length === 0 ? all : dims.map((d) => normDim(d, a.rank));
    if (new Set(ds).size !== ds.length) fail(`${op}: a dim appears more than once in [${dims}]`);
    const shape = keep
      ? a.shape.map((n, i) => (ds.includes(i) ? 1 : n))
      : a.shape.filter((_, i) => !ds.includes(i));
    if (a.rank === 0) return this.alias(a);
    return this.g.op(op, [a, this.g.ints(ds)], shape, a.dtype, { keepdims: { i: keep ? 1 : 0 } });
  }
  sum(a: Tensor, dims?: number[], keepDim = false): Tensor {
    return this.reduce('ReduceSum', a, dims, keepDim);
  }
  mean(a: Tensor, dims?: number[], keepDim = false): Tensor {
    return this.reduce('ReduceMean', a, dims, keepDim);
  }
  argmax(at: Tensor, dim: number): Tensor {
    const a = this.s(at);
    const d = normDim(dim, a.rank);
    return this.g.op(
      'ArgMax',
      [a],
      a.shape.filter((_, i) => i !== d),
      'int64',
      { axis: { i: d }, keepdims: { i: 0 }, select_last_index: { i: 0 } },
    );
  }
  topk(at: Tensor, k: number, dim: number): [Tensor, Tensor] {
    const a = this.s(at);
    const d = normDim(dim, a.rank);
    if (!Number.isInteger(k) || k < 0 || k > (a.shape[d] ?? 1))
      fail(`topk: k=${k} out of range for dim ${dim} of ${fmt(a.shape)}`);
    const shape = a.shape.map((n, i) => (i === d ? k : n));
    const values = this.g.value(shape, a.dtype);
    const indices = this.g.value(shape, 'int64');
    this.g.node('TopK', [a, this.g.ints([k])], [values, indices], {
      axis: { i: d },
      largest: { i: 1 },
      sorted: { i: 1 },
    });
    return [values, indices];
  }

  // ---- shape ----

  reshape(at: Tensor, shape: number[]): Tensor {
    const a = this.s(at);
    const n = numel(a.shape);
    const free = shape.filter((d) => d === -1).length;
    const known = numel(shape.filter((d) => d !== -1));
    const bad = () => fail(`reshape: shape ${fmt(shape)} is invalid for input of size ${n}`);
    if (free > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) bad();
    const out = shape.map((d) => (d === -1 ? (known === 0 ? bad() : n / known) : d));
    if (numel(out) !== n || out.some((d) => !Number.isInteger(d))) bad();
    return this.g.op(
      'Reshape',
      [a, this.g.ints(out)],
      out,
      a.dtype,
      out.includes(0) ? { allowzero: { i: 1 } } : {},
    );
  }
  transpose(at: Tensor, d0: number, d1: number): Tensor {
    const a = this.s(at);
    const perm = a.shape.map((_, i) => i);
    const i0 = normDim(d0, a.rank);
    const i1 = normDim(d1, a.rank);
    if (i0 === i1 || a.rank < 2) return this.alias(a);
    [perm[i0], perm[i1]] = [perm[i1], perm[i0]];
    return this.permute(a, perm);
  }
  permute(at: Tensor, dims: number[]): Tensor {
    const a = this.s(at);
    const perm = dims.map((d) => normDim(d, a.rank));
    if (perm.length !== a.rank || new Set(perm).size !== perm.length)
      fail(`permute: [${dims}] is not a permutation of the ${a.rank} dims of ${fmt(a.shape)}`);
    return this.g.op(
      'Transpose',
      [a],
      perm.map((p) => a.dim(p)),
      a.dtype,
      { perm: { ints: perm } },
    );
  }
  contiguous(a: Tensor): Tensor {
    return this.alias(this.s(a));
  }
  narrow(at: Tensor, dim: number, start: number, length: number): Tensor {
    const a = this.s(at);
    const d = normDim(dim, a.rank);
    const size = a.dim(d);
    const s0 = start < 0 ? start + size : start;
    if (s0 < 0 || length < 0 || s0 + length > size)
      fail(`narrow: start ${start} + length ${length} exceeds dimension size ${size} of ${fmt(a.shape)}`);
    if (s0 === 0 && length === size) return this.alias(a);
    const shape = a.shape.map((n, i) => (i === d ? length : n));
    return this.g.op(
      'Slice',
      [a, this.g.ints([s0]), this.g.ints([s0 + length]), this.g.ints([d])],
      shape,
      a.dtype,
    );
  }
  indexSelect(at: Tensor, dim: number, it: Tensor): Tensor {
    const a = this.s(at);
    let idx = this.s(it);
    const d = normDim(dim, a.rank);
    if (idx.dtype !== 'int64') fail(`indexSelect: indices must be int64, got ${idx.dtype}`);
    if (idx.rank > 1) fail('indexSelect: the index is supposed to be a vector');
    if (idx.rank === 0) idx = this.reshape(idx, [1]) as SymTensor; // torch keeps the dim (size 1)
    const shape = a.shape.map((n, i) => (i === d ? idx.dim(0) : n));
    return this.g.op('Gather', [a, idx], shape, a.dtype, { axis: { i: d } });
  }
  expand(at: Tensor, shape: number[]): Tensor {
    const a = this.s(at);
    const lead = shape.length - a.rank;
    if (lead < 0) fail(`expand: shape ${fmt(shape)} has fewer dims than ${fmt(a.shape)}`);
    const out = shape.map((n, i) => {
      if (i < lead) {
        if (n < 0) fail(`expand: -1 is not allowed for a new leading dim (shape ${fmt(shape)})`);
        return n;
      }
      const have = a.dim(i - lead);
      if (n === -1) return have;
      if (have !== n && have !== 1) fail(`expand: cannot expand ${fmt(a.shape)} to ${fmt(shape)}`);
      return n;
    });
    if (out.join(',') === a.shape.join(',')) return this.alias(a);
    return this.g.op('Expand', [a, this.g.ints(out)], out, a.dtype);
  }
  cat(tsIn: Tensor[], dim: number): Tensor {
    if (tsIn.length === 0) fail('cat: no tensors');
    let ts = tsIn.map((t) => this.s(t));
    const dt: DType = ts.some((t) => t.dtype === 'float32')
      ? 'float32'
      : ts.some((t) => t.dtype === 'int64')
        ? 'int64'
        : 'bool';
    ts = ts.map((t) => this.g.cast(t, dt));
    const first = ts[0];
    const d = normDim(dim, first.rank);
    for (const t of ts)
      if (t.rank !== first.rank || t.shape.some((n, i) => i !== d && n !== first.dim(i)))
        fail(`cat: shapes ${ts.map((x) => fmt(x.shape)).join(', ')} differ outside dim ${dim}`);
    const shape = first.shape.map((n, i) => (i === d ? ts.reduce((s, t) => s + t.dim(d), 0) : n));
    return this.g.op('Concat', ts, shape, dt, { axis: { i: d } });
  }
  detach(a: Tensor): Tensor {
    return this.alias(this.s(a));
  }
  clone(a: Tensor): Tensor {
    return this.alias(this.s(a));
  }

  // ---- training (not traceable) ----

  adamw(_params: Tensor[], _opts: AdamWOptions): Optimizer {
    return inferenceOnly('adamw');
  }
  clipGradNorm(_params: Tensor[], _maxNorm: number): number {
    return inferenceOnly('clipGradNorm');
  }

  // ---- modes and settings (no-ops while tracing) ----

  noGrad<T>(fn: () => T): T {
    return fn();
  }
  tidy<T>(fn: () => T): T {
    return fn();
  }
  keep<T extends Tensor>(t: T): T {
    return t;
  }
  setNumThreads(_n: number, _blasThreads?: number): void {}
  getNumThreads(): number {
    return 1;
  }
  manualSeed(seed: number): void {
    this.g.seed = seed;
  }
  describe(): Record<string, string | number> {
    return { backend: 'onnx-trace', opset: ONNX_OPSET, nodes: this.g.nodes.length };
  }
}

export interface ToBytesOptions {
  /** Export even if some randn parameters were never loaded (they get seeded random values). */
  allowUnloadedParams?: boolean;
  /** ONNX graph name (default 'celm'). */
  graphName?: string;
  /** Free text stored in the graph's doc_string (e.g. the checkpoint it was exported from). */
  docString?: string;
}

export interface TraceSummary {
  /** Nodes that the outputs depend on, by op type. */
  ops: Record<string, number>;
  nodes: number;
  initializers: number;
  /** Bytes of initializer data. */
  initializerBytes: number;
  parameters: number;
  unloadedParameters: number;
}

/** Records a model's forward pass as an ONNX graph; see the module comment. */
export class OnnxTracer {
  /** The symbolic backend to construct the model with and run its forward on. */
  readonly backend: Backend;
  private readonly g = new Graph();

  constructor() {
    this.backend = new TraceBackend(this.g);
  }

  private reserve(name: string, what: string): void {
    if (typeof name !== 'string' || name === '') fail(`${what} needs a non-empty name`);
    if (this.g.labels.has(name)) fail(`the name '${name}' is already used in this graph`);
    this.g.labels.add(name);
  }

  /** Declares a graph input with a concrete shape (default dtype float32). */
  input(name: string, shape: number[], dtype: DType = 'float32'): Tensor {
    for (const d of shape)
      if (!Number.isInteger(d) || d < 0) fail(`input '${name}': invalid shape ${fmt(shape)}`);
    this.reserve(name, 'an input');
    const t = new SymTensor(this.g, [...shape], dtype, 'input');
    t.label = name;
    this.g.inputs.push(t);
    return t;
  }

  /** Declares a graph output (any traced tensor, input, constant or parameter). */
  output(t: Tensor, name: string): void {
    const s = this.g.sym(t);
    this.reserve(name, 'an output');
    const o = this.g.value(s.shape, s.dtype);
    o.label = name;
    this.g.node('Identity', [s], [o]);
    this.g.outputs.push(o);
  }

  /** Gives parameters their checkpoint names in the graph (initializer names; cosmetic). */
  nameParameters(params: Map<string, Tensor>, prefix = ''): void {
    for (const [k, t] of params) {
      const s = this.g.sym(t);
      if (s.kind !== 'init') fail(`nameParameters: '${k}' is not a parameter of this tracer`);
      if (s.label === prefix + k) continue;
      this.reserve(prefix + k, 'a parameter');
      if (s.label) this.g.labels.delete(s.label);
      s.label = prefix + k;
    }
  }

  /** The nodes the outputs depend on, in recording order (dead code is dropped). */
  private live(): { nodes: NodeRec[]; inits: SymTensor[] } {
    if (this.g.outputs.length === 0) fail('the graph has no outputs (call tracer.output(t, name))');
    const producer = new Map<SymTensor, NodeRec>();
    for (const n of this.g.nodes) for (const o of n.outputs) producer.set(o, n);
    const needed = new Set<NodeRec>();
    const inits = new Set<SymTensor>();
    const stack = [...this.g.outputs];
    const seen = new Set<SymTensor>(stack);
    while (stack.length) {
      const t = stack.pop()!;
      if (t.kind === 'init') {
        inits.add(t);
        continue;
      }
      const n = producer.get(t);
      if (!n || needed.has(n)) continue;
      needed.add(n);
      for (const i of n.inputs)
        if (i && !seen.has(i)) {
          seen.add(i);
          stack.push(i);
        }
    }
    return { nodes: this.g.nodes.filter((n) => needed.has(n)), inits: [...inits] };
  }

  summary(): TraceSummary {
    const { nodes, inits } = this.live();
    const ops: Record<string, number> = {};
    for (const n of nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
    const params = inits.filter((t) => t.init?.param);
    return {
      ops,
      nodes: nodes.length,
      initializers: inits.length,
      initializerBytes: inits.reduce((s, t) => s + numel(t.shape) * BYTES[t.dtype], 0),
      parameters: params.length,
      unloadedParameters: params.filter((t) => !t.init?.loaded).length,
    };
  }

  /** Serializes the traced graph (only what the outputs depend on) as an ONNX model. */
  toBytes(opts: ToBytesOptions = {}): Uint8Array {
    const { nodes, inits } = this.live();
    const unloaded = inits.filter((t) => t.init!.random !== null && !t.init!.loaded);
    if (unloaded.length && !opts.allowUnloadedParams)
      fail(
        `${unloaded.length} parameter(s) were never loaded (first: ${unloaded[0].label ?? 'unnamed'} ` +
          `${fmt(unloaded[0].shape)}); load weights with loadWeights/loadWeightsFromMap before ` +
          'exporting, or pass { allowUnloadedParams: true }',
      );
    // Names: user labels as given; everything else numbered, skipping names the user took.
    const names = new Map<SymTensor, string>();
    let counter = 0;
    const auto = (prefix: string) => {
      let n = `${prefix}${counter++}`;
      while (this.g.labels.has(n)) n = `${prefix}${counter++}`;
      return n;
    };
    const nameOf = (t: SymTensor): string => {
      let n = names.get(t);
      if (n === undefined) {
        n = t.label ?? auto(t.kind === 'init' ? (t.init?.param ? 'param_' : 'const_') : 't');
        names.set(t, n);
      }
      return n;
    };
    const nodeProtos: OnnxNodeProto[] = nodes.map((n) => ({
      opType: n.op,
      inputs: n.inputs.map((i) => (i ? nameOf(i) : '')),
      outputs: n.outputs.map(nameOf),
      attrs: n.attrs,
    }));
    const initializers: OnnxTensorProto[] = inits.map((t) => ({
      name: nameOf(t),
      dtype: t.dtype,
      dims: t.shape,
      raw: t.raw(),
    }));
    const info = (t: SymTensor): OnnxValueInfo => ({ name: nameOf(t), dtype: t.dtype, dims: t.shape });
    return encodeModel({
      irVersion: ONNX_IR_VERSION,
      opset: ONNX_OPSET,
      producerName: 'celm',
      graphName: opts.graphName ?? 'celm',
      docString: opts.docString,
      nodes: nodeProtos,
      initializers,
      inputs: this.g.inputs.map(info),
      outputs: this.g.outputs.map(info),
    });
  }
}
