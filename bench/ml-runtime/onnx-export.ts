/**
 * Prototype ONNX export by tracing (candidate (c) of docs/ml-runtime.md): a Backend whose tensors
 * are symbolic. Running a model's forward() on it records ONNX nodes; parameters become initializers
 * filled from trained weights. Model code is not duplicated: the same class that trains on libtorch
 * is traced. Inference-only ops are covered (no losses, no autograd, no optimizer).
 * Output: ONNX bytes (IR 9, opset 20), written with a ~60-line protobuf encoder below.
 */
import type { AdamWOptions, Backend, DType, Optimizer, Tensor } from '../../src/model/runtime/index.js';

// ---- protobuf wire format (just what ONNX needs) ----
class Pb {
  private readonly parts: Buffer[] = [];
  private static varint(v: number | bigint): Buffer {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    return Buffer.from(out);
  }
  int(field: number, v: number | bigint): this {
    this.parts.push(Pb.varint(field << 3), Pb.varint(v));
    return this;
  }
  float(field: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(Pb.varint((field << 3) | 5), b);
    return this;
  }
  bytes(field: number, v: Buffer | string | Pb): this {
    const b = v instanceof Pb ? v.done() : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.parts.push(Pb.varint((field << 3) | 2), Pb.varint(b.length), b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const ONNX_TYPE: Record<DType, number> = { float32: 1, int64: 7, bool: 9 };

type Attr = number | string | number[] | { floats: number[] };
interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

class SymTensor implements Tensor {
  requiresGrad = false;
  disposed = false;
  constructor(
    readonly name: string,
    readonly shape: number[],
    readonly dtype: DType,
  ) {}
  grad(): Tensor | null {
    return null;
  }
  toFloat32Array(): Float32Array {
    throw new Error('onnx trace: values are not available while tracing');
  }
  toInt32Array(): Int32Array {
    throw new Error('onnx trace: values are not available while tracing');
  }
  item(): number {
    throw new Error('onnx trace: values are not available while tracing');
  }
  backward(): void {
    throw new Error('onnx trace: inference only');
  }
  dispose(): void {}
  copyFrom(): void {
    throw new Error('onnx trace: use setInitializer');
  }
}

const bshape = (a: number[], b: number[]) => {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`onnx trace: cannot broadcast [${a}] and [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
};
const norm = (d: number, r: number) => (d < 0 ? d + r : d);

export class OnnxTracer {
  private n = 0;
  readonly nodes: Node[] = [];
  readonly inits = new Map<string, { t: SymTensor; data: Buffer }>();
  readonly inputs: SymTensor[] = [];
  readonly outputs: SymTensor[] = [];
  readonly backend: Backend;

  constructor() {
    this.backend = this.makeBackend();
  }

  input(name: string, shape: number[], dtype: DType): Tensor {
    const t = new SymTensor(name, shape, dtype);
    this.inputs.push(t);
    return t;
  }
  output(t: Tensor, name: string): void {
    const s = t as SymTensor;
    this.node('Identity', [s.name], [name]);
    this.outputs.push(new SymTensor(name, s.shape, s.dtype));
  }
  /** Gives a traced parameter its trained values (and its checkpoint name). */
  setInitializer(t: Tensor, data: Float32Array): void {
    const e = this.inits.get((t as SymTensor).name);
    if (!e) throw new Error('onnx trace: not an initializer');
    e.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  private fresh(shape: number[], dtype: DType = 'float32') {
    return new SymTensor(`t${this.n++}`, shape, dtype);
  }
  private node(op: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}) {
    this.nodes.push({ op, inputs, outputs, attrs });
  }
  private op(op: string, inputs: Tensor[], shape: number[], attrs: Record<string, Attr> = {}, dtype?: DType) {
    const o = this.fresh(shape, dtype ?? (inputs[0] as SymTensor).dtype);
    this.node(
      op,
      inputs.map((t) => (t as SymTensor).name),
      [o.name],
      attrs,
    );
    return o;
  }
  private init(shape: number[], dtype: DType, data: Buffer): SymTensor {
    const t = new SymTensor(`c${this.n++}`, shape, dtype);
    this.inits.set(t.name, { t, data });
    return t;
  }
  private ints(v: number[]): SymTensor {
    const b = Buffer.alloc(8 * v.length);
    for (let i = 0; i < v.length; i++) b.writeBigInt64LE(BigInt(v[i]), 8 * i);
    return this.init([v.length], 'int64', b);
  }
  private scalar(v: number): SymTensor {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return this.init([], 'float32', b);
  }
  private floats(shape: number[], fill = 0): SymTensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.init(shape, 'float32', Buffer.from(new Float32Array(n).fill(fill).buffer));
  }

  private makeBackend(): Backend {
    const T = this;
    const bin = (op: string) => (a: Tensor, b: Tensor) => T.op(op, [a, b], bshape(a.shape, b.shape));
    const unsupported = (what: string) => () => {
      throw new Error(`onnx trace: ${what} is not exportable (inference graphs only)`);
    };
    const reshape = (a: Tensor, shape: number[]) => {
      const n = a.shape.reduce((x, y) => x * y, 1);
      const known = shape.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
      const out = shape.map((d) => (d === -1 ? n / known : d));
      return T.op('Reshape', [a, T.ints(out)], out);
    };
    const transposePerm = (a: Tensor, perm: number[]) =>
      T.op(
        'Transpose',
        [a],
        perm.map((p) => a.shape[p]),
        { perm },
      );
    const be: Backend = {
      name: 'onnx-trace',
      tensor: (data, shape) =>
        T.init(shape, 'float32', Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
      tensorInt: (data, shape) => reshape(T.ints([...data]), shape),
      tensorBool: () => {
        throw new Error('onnx trace (prototype): tensorBool is in src/model/runtime/onnx');
      },
      zeros: (shape) => T.floats(shape, 0),
      ones: (shape) => T.floats(shape, 1),
      randn: (shape) => T.floats(shape, 0), // parameters: values come from setInitializer
      rand: unsupported('rand'),
      causalMask: (n) => {
        const b = Buffer.alloc(n * n);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) b[i * n + j] = 1;
        return T.init([n, n], 'bool', b);
      },
      arange: (n) => T.ints(Array.from({ length: n }, (_, i) => i)),
      matmul: (a, b) =>
        T.op(
          'MatMul',
          [a, b],
          [...bshape(a.shape.slice(0, -2), b.shape.slice(0, -2)), a.shape.at(-2)!, b.shape.at(-1)!],
        ),
      linear: (x, w, b) => {
        const wt = transposePerm(w, [1, 0]); // constant-folded by ORT at session creation
        const y = T.op('MatMul', [x, wt], [...x.shape.slice(0, -1), w.shape[0]]);
        return b ? T.op('Add', [y, b], y.shape) : y;
      },
      add: bin('Add'),
      sub: bin('Sub'),
      mul: bin('Mul'),
      div: bin('Div'),
      addScalar: (a, s) => T.op('Add', [a, T.scalar(s)], a.shape),
      mulScalar: (a, s) => T.op('Mul', [a, T.scalar(s)], a.shape),
      neg: (a) => T.op('Neg', [a], a.shape),
      exp: (a) => T.op('Exp', [a], a.shape),
      log: (a) => T.op('Log', [a], a.shape),
      sqrt: (a) => T.op('Sqrt', [a], a.shape),
      tanh: (a) => T.op('Tanh', [a], a.shape),
      relu: (a) => T.op('Relu', [a], a.shape),
      gelu: (a, tanhApprox) => T.op('Gelu', [a], a.shape, { approximate: tanhApprox ? 'tanh' : 'none' }),
      softmax: (a, dim) => T.op('Softmax', [a], a.shape, { axis: dim }),
      logSoftmax: (a, dim) => T.op('LogSoftmax', [a], a.shape, { axis: dim }),
      layerNorm: (x, w, b, eps) =>
        T.op('LayerNormalization', [x, w, b], x.shape, { axis: -1, epsilon: { floats: [eps] } }),
      embedding: (w, idx) => T.op('Gather', [w, idx], [...idx.shape, w.shape[1]], { axis: 0 }, 'float32'),
      crossEntropy: unsupported('crossEntropy'),
      mseLoss: unsupported('mseLoss'),
      dropout: (x) => x,
      maskedFill: (x, mask, value) =>
        T.op('Where', [mask, T.scalar(value), x], bshape(x.shape, mask.shape), {}, 'float32'),
      where: (c, a, b) => T.op('Where', [c, a, b], bshape(c.shape, bshape(a.shape, b.shape)), {}, 'float32'),
      attention: (q, k, v, mask, scale) => {
        const r = k.shape.length;
        const perm = Array.from({ length: r }, (_, i) => i);
        [perm[r - 1], perm[r - 2]] = [perm[r - 2], perm[r - 1]];
        let s = be.mulScalar(be.matmul(q, transposePerm(k, perm)), scale);
        if (mask) s = be.maskedFill(s, mask, Number.NEGATIVE_INFINITY);
        return be.matmul(be.softmax(s, -1), v);
      },
      sum: (a, dims, keep) => reduce('ReduceSum', a, dims, keep),
      mean: (a, dims, keep) => reduce('ReduceMean', a, dims, keep),
      argmax: (a, dim) => {
        const d = norm(dim, a.shape.length);
        return T.op(
          'ArgMax',
          [a],
          a.shape.filter((_, i) => i !== d),
          { axis: d, keepdims: 0 },
          'int64',
        );
      },
      topk: unsupported('topk') as never,
      reshape,
      transpose: (a, d0, d1) => {
        const perm = a.shape.map((_, i) => i);
        [perm[norm(d0, perm.length)], perm[norm(d1, perm.length)]] = [
          perm[norm(d1, perm.length)],
          perm[norm(d0, perm.length)],
        ];
        return transposePerm(a, perm);
      },
      permute: transposePerm,
      contiguous: (a) => a,
      narrow: (a, dim, start, length) => {
        const d = norm(dim, a.shape.length);
        const shape = a.shape.map((s, i) => (i === d ? length : s));
        return T.op('Slice', [a, T.ints([start]), T.ints([start + length]), T.ints([d])], shape);
      },
      indexSelect: (a, dim, idx) => {
        const d = norm(dim, a.shape.length);
        return T.op(
          'Gather',
          [a, idx],
          a.shape.map((s, i) => (i === d ? idx.shape[0] : s)),
          { axis: d },
        );
      },
      expand: (a, shape) => T.op('Expand', [a, T.ints(shape)], shape),
      cat: (ts, dim) => {
        const d = norm(dim, ts[0].shape.length);
        const shape = ts[0].shape.map((s, i) => (i === d ? ts.reduce((n, t) => n + t.shape[d], 0) : s));
        return T.op('Concat', ts, shape, { axis: d });
      },
      detach: (a) => a,
      clone: (a) => a,
      adamw: unsupported('adamw') as (p: Tensor[], o: AdamWOptions) => Optimizer,
      clipGradNorm: unsupported('clipGradNorm') as () => number,
      noGrad: (f) => f(),
      tidy: (f) => f(),
      keep: (t) => t,
      setNumThreads: () => {},
      getNumThreads: () => 1,
      manualSeed: () => {},
      describe: () => ({ backend: 'onnx-trace' }),
    };
    function reduce(op: string, a: Tensor, dims: number[] | undefined, keep = false) {
      const ds = (dims ?? a.shape.map((_, i) => i)).map((d) => norm(d, a.shape.length));
      const shape = keep
        ? a.shape.map((s, i) => (ds.includes(i) ? 1 : s))
        : a.shape.filter((_, i) => !ds.includes(i));
      return T.op(op, [a, T.ints(ds)], shape, { keepdims: keep ? 1 : 0 });
    }
    return be;
  }

  /** Serializes the traced graph as an ONNX model (IR 9, default domain opset 20). */
  toOnnx(graphName = 'celm'): Buffer {
    const valueInfo = (t: SymTensor) => {
      const shape = new Pb();
      for (const d of t.shape) shape.bytes(1, new Pb().int(1, d));
      return new Pb()
        .bytes(1, t.name)
        .bytes(2, new Pb().bytes(1, new Pb().int(1, ONNX_TYPE[t.dtype]).bytes(2, shape)));
    };
    const g = new Pb();
    for (const nd of this.nodes) {
      const p = new Pb();
      for (const i of nd.inputs) p.bytes(1, i);
      for (const o of nd.outputs) p.bytes(2, o);
      p.bytes(4, nd.op);
      for (const [k, v] of Object.entries(nd.attrs)) {
        const a = new Pb().bytes(1, k);
        if (typeof v === 'number') a.int(3, v).int(20, 2);
        else if (typeof v === 'string') a.bytes(4, v).int(20, 3);
        else if (Array.isArray(v)) {
          for (const x of v) a.int(8, x);
          a.int(20, 7);
        } else a.float(2, v.floats[0]).int(20, 1);
        p.bytes(5, a);
      }
      g.bytes(1, p);
    }
    g.bytes(2, graphName);
    for (const { t, data } of this.inits.values()) {
      const tp = new Pb();
      for (const d of t.shape) tp.int(1, d);
      tp.int(2, ONNX_TYPE[t.dtype]).bytes(8, t.name).bytes(9, data);
      g.bytes(5, tp);
    }
    for (const t of this.inputs) g.bytes(11, valueInfo(t));
    for (const t of this.outputs) g.bytes(12, valueInfo(t));
    return new Pb().int(1, 9).bytes(2, 'celm').bytes(7, g).bytes(8, new Pb().bytes(1, '').int(2, 20)).done();
  }
}
