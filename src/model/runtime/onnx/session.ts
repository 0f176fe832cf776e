/**
 * Inference on onnxruntime-node: a small typed wrapper over `InferenceSession` for models exported
 * by OnnxTracer, and a cache of sessions keyed by a string (typically the input shapes, since
 * traced models have concrete shapes).
 *
 * onnxruntime-node is imported lazily, on the first OrtSession.create(): importing celm never loads
 * it, and a missing install fails there with OrtUnavailableError saying how to install it.
 */
import { availableParallelism } from 'node:os';
import type { DType } from '../types.js';

type OrtModule = typeof import('onnxruntime-node');
type OrtInferenceSession = import('onnxruntime-node').InferenceSession;
type OrtTensor = import('onnxruntime-node').Tensor;

export class OrtUnavailableError extends Error {
  override name = 'OrtUnavailableError';
}

const INSTALL_HINT =
  'install it with: npm install onnxruntime-node@1.30.0 (the repository .npmrc skips its optional CUDA ' +
  'download; elsewhere set ONNXRUNTIME_NODE_INSTALL=skip)';

let ortPromise: Promise<OrtModule> | null = null;

/** Imports onnxruntime-node once; throws OrtUnavailableError if it is not installed or fails to load. */
export function loadOrt(): Promise<OrtModule> {
  ortPromise ??= (async () => {
    let mod: OrtModule & { default?: OrtModule };
    try {
      mod = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const missing = err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND';
      throw new OrtUnavailableError(
        missing
          ? `celm: onnxruntime-node is not installed; ${INSTALL_HINT}`
          : `celm: onnxruntime-node failed to load (${String(err.message).split('\n')[0]}); ${INSTALL_HINT}`,
      );
    }
    // a CommonJS package: the named exports may only be on `default`, depending on Node's detection
    return typeof mod.InferenceSession === 'function' ? mod : (mod.default ?? mod);
  })();
  ortPromise.catch(() => {
    ortPromise = null; // let a later call retry (e.g. after installing)
  });
  return ortPromise;
}

export interface OrtSessionOptions {
  /** Intra-op threads (default: available cores, at most 2). */
  threads?: number;
  /** Graph optimization level (default 'all': constant folding, LayerNorm/Gelu/MatMul+Add fusions). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Let idle intra-op threads spin-wait for work (ORT's default). Off by default here, as for
   * libtorch's OpenMP pool: on a shared machine, spinning threads burn CPU that other jobs need.
   */
  spin?: boolean;
  /** ORT's log level, 0 verbose .. 4 fatal (default 3: errors only). */
  logLevel?: 0 | 1 | 2 | 3 | 4;
  /** Writes the optimized graph here (debugging). */
  optimizedModelPath?: string;
}

/** Default intra-op threads: os.availableParallelism() capped at 2 (the machines are shared). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/** Input values: int64 inputs take Int32Array (converted) or BigInt64Array; bool inputs Uint8Array. */
export type OrtInputData = Float32Array | Int32Array | BigInt64Array | Uint8Array;
/** A typed array with its shape; the shape may be left out when the model declares a fixed one. */
export type OrtFeed = OrtInputData | { data: OrtInputData; shape: readonly number[] };

export interface OrtValueInfo {
  name: string;
  dtype: DType;
  /** Concrete dims; -1 where the model declares a symbolic dim. */
  shape: number[];
}

/** One output: float32 -> Float32Array, int64 -> BigInt64Array, bool -> Uint8Array (0/1). */
export class OrtOutput {
  constructor(
    readonly dtype: DType,
    readonly shape: number[],
    readonly data: Float32Array | BigInt64Array | Uint8Array,
  ) {}
  /** The values as float32 (the data itself, not a copy, for float32 outputs). */
  toFloat32Array(): Float32Array {
    if (this.data instanceof Float32Array) return this.data;
    if (this.data instanceof BigInt64Array) return Float32Array.from(this.data, (v) => Number(v));
    return Float32Array.from(this.data);
  }
  /** The values as int32 (token ids, argmax and topk indices). */
  toInt32Array(): Int32Array {
    if (this.data instanceof BigInt64Array) return Int32Array.from(this.data, (v) => Number(v));
    return Int32Array.from(this.data);
  }
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const DTYPES: readonly string[] = ['float32', 'int64', 'bool'];

/** An onnxruntime-node inference session over one ONNX model. */
export class OrtSession {
  private pending = new Set<Promise<unknown>>();
  private released = false;

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtInferenceSession,
    readonly inputs: readonly OrtValueInfo[],
    readonly outputs: readonly OrtValueInfo[],
    readonly threads: number,
  ) {}

  /**
   * Creates a session from ONNX bytes (OnnxTracer.toBytes()) or a .onnx file path. Defaults: 2
   * intra-op threads (fewer if fewer cores), 1 inter-op thread, sequential execution, all graph
   * optimizations, no spin-waiting.
   */
  static async create(model: Uint8Array | string, opts: OrtSessionOptions = {}): Promise<OrtSession> {
    const ort = await loadOrt();
    const threads = opts.threads ?? defaultThreads();
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`OrtSession: invalid threads ${threads}`);
    const sessionOpts: import('onnxruntime-node').InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: opts.optimization ?? 'all',
      logSeverityLevel: opts.logLevel ?? 3,
      extra: { session: { intra_op: { allow_spinning: opts.spin ? '1' : '0' } } },
    };
    if (opts.optimizedModelPath) sessionOpts.optimizedModelFilePath = opts.optimizedModelPath;
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOpts)
        : await ort.InferenceSession.create(model, sessionOpts);
    const info = (m: import('onnxruntime-node').InferenceSession.ValueMetadata): OrtValueInfo => {
      if (!m.isTensor || !DTYPES.includes(m.type))
        throw new Error(`OrtSession: '${m.name}' is not a float32/int64/bool tensor`);
      return {
        name: m.name,
        dtype: m.type as DType,
        shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
      };
    };
    return new OrtSession(
      ort,
      session,
      session.inputMetadata.map(info),
      session.outputMetadata.map(info),
      threads,
    );
  }

  get inputNames(): string[] {
    return this.inputs.map((i) => i.name);
  }
  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  private toOrtTensor(info: OrtValueInfo, feed: OrtFeed): OrtTensor {
    const { data, shape } = ArrayBuffer.isView(feed) ? { data: feed, shape: info.shape } : feed;
    if (shape.some((d) => d < 0))
      throw new Error(`OrtSession: input '${info.name}' has symbolic dims; give { data, shape }`);
    if (data.length !== numel(shape))
      throw new Error(
        `OrtSession: input '${info.name}' has ${data.length} values, its shape [${shape.join(', ')}] needs ${numel(shape)}`,
      );
    const dims = [...shape];
    const T = this.ort.Tensor;
    switch (info.dtype) {
      case 'float32':
        if (!(data instanceof Float32Array))
          throw new Error(`OrtSession: input '${info.name}' is float32; give a Float32Array`);
        return new T('float32', data, dims);
      case 'int64': {
        if (data instanceof BigInt64Array) return new T('int64', data, dims);
        if (!(data instanceof Int32Array))
          throw new Error(`OrtSession: input '${info.name}' is int64; give an Int32Array or BigInt64Array`);
        const big = new BigInt64Array(data.length);
        for (let i = 0; i < data.length; i++) big[i] = BigInt(data[i]);
        return new T('int64', big, dims);
      }
      case 'bool':
        if (!(data instanceof Uint8Array))
          throw new Error(`OrtSession: input '${info.name}' is bool; give a Uint8Array (0/1)`);
        return new T('bool', data, dims);
    }
  }

  /** Runs the model; every declared input must be fed. Returns every output (or the named ones). */
  async run(feeds: Record<string, OrtFeed>, outputNames?: string[]): Promise<Record<string, OrtOutput>> {
    if (this.released) throw new Error('OrtSession: run() after release()');
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const info of this.inputs) {
      const f = feeds[info.name];
      if (f === undefined) throw new Error(`OrtSession: missing input '${info.name}'`);
      ortFeeds[info.name] = this.toOrtTensor(info, f);
    }
    for (const k of Object.keys(feeds))
      if (!this.inputs.some((i) => i.name === k))
        throw new Error(`OrtSession: unknown input '${k}' (inputs: ${this.inputNames.join(', ')})`);
    const p = outputNames ? this.session.run(ortFeeds, outputNames) : this.session.run(ortFeeds);
    this.pending.add(p);
    try {
      const res = await p;
      const out: Record<string, OrtOutput> = {};
      for (const [k, v] of Object.entries(res)) {
        const t = v as OrtTensor;
        out[k] = new OrtOutput(
          t.type as DType,
          [...t.dims],
          t.data as Float32Array | BigInt64Array | Uint8Array,
        );
      }
      return out;
    } finally {
      this.pending.delete(p);
    }
  }

  /** Frees the native session after runs in flight finish; the session is unusable afterwards. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.allSettled([...this.pending]);
    await this.session.release();
  }
}

/**
 * Sessions by key (e.g. `enc:${B}x${C}x${P}x${L}`): a traced model has concrete shapes, so each
 * input shape gets its own session, created once. Least recently used entries beyond `maxEntries`
 * are dropped (their native memory is freed when they are garbage-collected, so a caller still
 * holding one can finish with it); clear() and delete() release sessions at once.
 */
export class SessionCache {
  private readonly entries = new Map<string, Promise<OrtSession>>();
  readonly maxEntries: number;

  constructor(opts: { maxEntries?: number } = {}) {
    this.maxEntries = opts.maxEntries ?? 8;
  }

  /** The session for `key`, created by `create` on the first call (concurrent calls share it). */
  get(key: string, create: () => OrtSession | Promise<OrtSession>): Promise<OrtSession> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // most recently used last
      this.entries.set(key, hit);
      return hit;
    }
    const p = Promise.resolve().then(create);
    this.entries.set(key, p);
    p.then(
      () => {
        // evict only once the new session exists, so that a failed creation evicts nothing
        while (this.entries.size > this.maxEntries) {
          const oldest = this.entries.keys().next().value as string;
          this.entries.delete(oldest);
        }
      },
      () => {
        if (this.entries.get(key) === p) this.entries.delete(key); // a failed creation is not cached
      },
    );
    return p;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }
  get size(): number {
    return this.entries.size;
  }
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Drops one entry and releases its session. */
  async delete(key: string): Promise<void> {
    const p = this.entries.get(key);
    if (!p) return;
    this.entries.delete(key);
    await p.then((s) => s.release()).catch(() => {});
  }

  /** Drops every entry and releases the sessions. */
  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => {})));
  }
}
