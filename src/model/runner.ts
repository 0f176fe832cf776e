/**
 * Runs a trained model for `celm report` on one of two runtimes, with the same model classes:
 *   - 'ort'  : the classes are traced to ONNX (per input shape) and run by onnxruntime-node, which
 *              installs from npm alone and needs ~2.5x less CPU than libtorch (docs/ml-runtime.md);
 *   - 'torch': the libtorch addon, when built (training machines).
 * Shapes are bucketed so that a report needs a handful of traces: encoder batches of ENCODE_BATCH
 * segments, projector rows padded to a multiple of 256, prompt lengths (the decoder's prefill) to
 * powers of two, and one decoding-step graph per row count over a key/value cache padded to the
 * context length (PaddedKV).
 */
import { cpus } from 'node:os';
import { prefixLength, ReportModel } from './celm.js';
import { paddedLength, type Rows, rowBatch, rowBatchArrays } from './data.js';
import type { SegmentEmbedder } from './embed.js';
import { type EncoderConfig, SegmentEncoder } from './encoder.js';
import { torchEmbedder } from './encoder-io.js';
import type { Decoder, Decoding } from './generate.js';
import type { KV } from './layers.js';
import type { ReportModelFiles } from './model-dir.js';
import {
  type Backend,
  loadBackend,
  loadWeightsFromMap,
  type NamedArray,
  type Tensor,
} from './runtime/index.js';
import { OnnxTracer, type OrtFeed, OrtSession, SessionCache } from './runtime/onnx/index.js';

export type RunnerKind = 'ort' | 'torch';

export interface Runner {
  readonly name: string;
  readonly embedder: SegmentEmbedder | null;
  /** Rows of one report -> prefix [P * d] and auxiliary logits [N]. */
  compress(rows: Rows): Promise<{ prefix: Float32Array; aux: Float32Array }>;
  /** The prefix [P * d] with its findings token made from `probs` [N] (ReportModel.withFindings). */
  withFindings(prefix: Float32Array, probs: Float32Array): Promise<Float32Array>;
  /** The decoder conditioned on a prefix (from compress()): incremental decoding with a key/value cache. */
  decoder(prefix: Float32Array): Decoder;
  dispose(): Promise<void>;
}

const ENCODE_BATCH = 32;
const ROW_BUCKET = 256;

export async function createRunner(
  files: ReportModelFiles,
  kind?: RunnerKind,
  threads?: number,
): Promise<Runner> {
  const k = kind ?? (process.env.CELM_INFERENCE as RunnerKind | undefined) ?? 'ort';
  const n = threads ?? Math.min(2, cpus().length);
  return k === 'torch' ? new TorchRunner(files, n) : new OrtRunner(files, n);
}

function decodeBucket(T: number, room: number): number {
  let b = 16;
  while (b < T) b *= 2;
  return Math.min(b, room);
}

/** libtorch: the model classes run directly. */
class TorchRunner implements Runner {
  readonly name = 'torch';
  readonly embedder: SegmentEmbedder | null;
  private readonly be: Backend;
  private readonly model: ReportModel;
  constructor(
    private readonly files: ReportModelFiles,
    threads: number,
  ) {
    const be = loadBackend('torch');
    be.setNumThreads(threads);
    this.be = be;
    this.model = new ReportModel(be, files.meta.model);
    loadWeightsFromMap(be, files.weights, this.model.params.map);
    const enc = files.encoder;
    if (enc) {
      this.embedder = torchEmbedder(be, enc);
    } else this.embedder = null;
  }
  async compress(rows: Rows) {
    const { be, model } = this;
    const m = this.files.meta.model;
    return be.noGrad(() =>
      be.tidy(() => {
        const rb = rowBatch(be, [rows], m.segmentDim, m.d, m.chunk);
        const r = model.compress(rb.rows, rb.rowType, rb.rowPos, rb.chunkPad, rb.rowPad, false);
        return { prefix: r.prefix.toFloat32Array(), aux: r.aux.toFloat32Array() };
      }),
    );
  }
  async withFindings(prefix: Float32Array, probs: Float32Array) {
    const { be, model } = this;
    const m = this.files.meta.model;
    return be.noGrad(() =>
      be.tidy(() =>
        model
          .withFindings(be.tensor(prefix, [1, prefixLength(m), m.d]), be.tensor(probs, [1, probs.length]))
          .toFloat32Array(),
      ),
    );
  }

  decoder(prefix: Float32Array): Decoder {
    const { be, model } = this;
    const m = this.files.meta.model;
    const P = prefixLength(m);
    const run = <T>(fn: () => T): T => be.noGrad(() => be.tidy(fn));
    const keep = (kv: KV[]) => kv.map(({ k, v }) => ({ k: be.keep(k), v: be.keep(v) }));
    const free = (kv: KV[]) => {
      for (const { k, v } of kv) {
        k.dispose();
        v.dispose();
      }
    };
    return {
      start: async (context, rows) => {
        const T = context.length;
        // one row: the `rows` rows start as copies of it (expanded by the first step's row index)
        const first = run(() => {
          const r = model.prefill(
            be.tensor(prefix, [1, P, m.d]),
            be.tensorInt(Int32Array.from(context), [1, T]),
            be.causalMask(P + T),
            be.tensorInt(Int32Array.of(T - 1), [1]),
          );
          return { kv: keep(r.kv), logits: r.logits.toFloat32Array() }; // kv [1, h, P+T, dh], logits [1, 1, V]
        });
        let kv: KV[] | null = first.kv; // [n, h, len, dh] per layer
        let n = 1;
        let len = P + T;
        const decoding: Decoding = {
          step: async (from, tokens) => {
            if (!kv) throw new Error('decoding: step() after close()');
            const past = kv;
            if (from.length > rows) throw new Error(`decoding: ${from.length} rows, opened with ${rows}`);
            const idx = from.map((r) => (n === 1 ? 0 : r));
            const same = idx.length === n && idx.every((r, i) => r === i);
            const out = run(() => {
              const ix = be.tensorInt(Int32Array.from(idx), [idx.length]);
              const rowsOf = same
                ? past
                : past.map((c) => ({ k: be.indexSelect(c.k, 0, ix), v: be.indexSelect(c.v, 0, ix) }));
              const r = model.step(
                be.tensorInt(Int32Array.from(tokens), [from.length, 1]),
                be.tensorInt(Int32Array.of(len), [1]),
                rowsOf,
                null,
              );
              return { kv: keep(r.kv), logits: r.logits.toFloat32Array() }; // kv [n, h, len+1, dh]
            });
            free(past);
            kv = out.kv;
            n = from.length;
            len++;
            return from.map((_, i) => out.logits.slice(i * m.vocab, (i + 1) * m.vocab));
          },
          close: () => {
            if (kv) free(kv);
            kv = null;
          },
        };
        return { decoding, logits: first.logits };
      },
    };
  }
  async dispose() {
    this.model.params.dispose();
  }
}

/** Traces fn on symbolic inputs and opens an onnxruntime-node session on the graph. */
function traceSession(
  fn: (be: Backend, inputs: Tensor[]) => Tensor | Tensor[],
  inputs: [string, number[], 'float32' | 'int64' | 'bool'][],
  outputs: string[],
  threads: number,
): Promise<OrtSession> {
  const tracer = new OnnxTracer();
  const ins = inputs.map(([name, shape, dtype]) => tracer.input(name, shape, dtype));
  const res = fn(tracer.backend, ins);
  (Array.isArray(res) ? res : [res]).forEach((t, i) => {
    tracer.output(t, outputs[i]);
  });
  return OrtSession.create(tracer.toBytes(), { threads });
}

/** The segment encoder on onnxruntime-node, in traced batches of ENCODE_BATCH segments. */
export function ortEmbedder(
  enc: { config: EncoderConfig; key: string; weights: Map<string, NamedArray> },
  threads: number,
  sessions = new SessionCache(),
): SegmentEmbedder {
  return {
    dim: enc.config.d,
    key: enc.key,
    embed: async (x, mask, B) => {
      const L = x.length / B / 22;
      const s = await sessions.get(`enc-${L}`, () =>
        traceSession(
          (be, inputs) => {
            const e = new SegmentEncoder(be, enc.config);
            loadWeightsFromMap(be, enc.weights, e.params.map);
            return e.embed(inputs[0], inputs[1]);
          },
          [
            ['x', [ENCODE_BATCH, 22, L], 'float32'],
            ['mask', [ENCODE_BATCH, 22], 'bool'],
          ],
          ['y'],
          threads,
        ),
      );
      const out = new Float32Array(B * 22 * enc.config.d);
      for (let b0 = 0; b0 < B; b0 += ENCODE_BATCH) {
        const n = Math.min(ENCODE_BATCH, B - b0);
        const xs = new Float32Array(ENCODE_BATCH * 22 * L); // the last batch is padded to the traced size
        xs.set(x.subarray(b0 * 22 * L, (b0 + n) * 22 * L));
        const ms = new Uint8Array(ENCODE_BATCH * 22);
        ms.set(mask.subarray(b0 * 22, (b0 + n) * 22));
        const y = (await s.run({ x: xs, mask: ms })).y.toFloat32Array();
        out.set(y.subarray(0, n * 22 * enc.config.d), b0 * 22 * enc.config.d);
      }
      return out;
    },
  };
}

/** onnxruntime-node: each model part traced once per input shape, sessions cached. */
class OrtRunner implements Runner {
  readonly name = 'onnxruntime';
  readonly embedder: SegmentEmbedder | null;
  private readonly sessions = new SessionCache({ maxEntries: 16 });
  constructor(
    private readonly files: ReportModelFiles,
    private readonly threads: number,
  ) {
    this.embedder = files.encoder ? ortEmbedder(files.encoder, threads, this.sessions) : null;
  }

  private build(
    fn: (be: Backend, inputs: Tensor[]) => Tensor | Tensor[],
    inputs: [string, number[], 'float32' | 'int64' | 'bool'][],
    outputs: string[] = ['y'],
  ): Promise<OrtSession> {
    return traceSession(fn, inputs, outputs, this.threads);
  }

  private reportModel(be: Backend): ReportModel {
    const model = new ReportModel(be, this.files.meta.model);
    loadWeightsFromMap(be, this.files.weights, model.params.map);
    return model;
  }

  async compress(rows: Rows) {
    const m = this.files.meta.model;
    const S = paddedLength(paddedLength(rows.type.length, ROW_BUCKET), m.chunk);
    const a = rowBatchArrays([rows], m.segmentDim, m.d, m.chunk, S);
    const s = await this.sessions.get(`compress-${S}`, () =>
      this.build(
        (be, [r, t, p, cp, rp]) => {
          const out = this.reportModel(be).compress(r, t, p, cp, rp, false);
          return [out.prefix, out.aux];
        },
        [
          ['rows', [1, S, m.segmentDim], 'float32'],
          ['row_type', [1, S], 'int64'],
          ['row_pos', [1, S, m.d], 'float32'],
          ['chunk_pad', [S / m.chunk, 1, 1, m.chunk], 'bool'],
          ['row_pad', [1, 1, 1, S], 'bool'],
        ],
        ['prefix', 'aux'],
      ),
    );
    const out = await s.run({
      rows: a.rows,
      row_type: a.type,
      row_pos: a.rowPos,
      chunk_pad: a.chunkPad,
      row_pad: a.rowPad,
    });
    return { prefix: out.prefix.toFloat32Array(), aux: out.aux.toFloat32Array() };
  }

  async withFindings(prefix: Float32Array, probs: Float32Array) {
    const m = this.files.meta.model;
    const P = prefixLength(m);
    const s = await this.sessions.get('findings', () =>
      this.build(
        (be, [pre, p]) => this.reportModel(be).withFindings(pre, p),
        [
          ['prefix', [1, P, m.d], 'float32'],
          ['probs', [1, probs.length], 'float32'],
        ],
      ),
    );
    return (await s.run({ prefix, probs })).y.toFloat32Array();
  }

  decoder(prefix: Float32Array): Decoder {
    const m = this.files.meta.model;
    const P = prefixLength(m);
    const room = m.ctx - P;
    const names = m.decoderLayers * 2; // k0, v0, k1, v1, ...
    const kvName = (i: number) => `${i % 2 ? 'v' : 'k'}${i >> 1}`;
    // the last prefill (greedy and the samples of a section start from the same context)
    let last: { context: string; logits: Float32Array; kv: Float32Array[]; Tb: number } | null = null;
    return {
      start: async (context, rows) => {
        const T = context.length;
        const key = context.join(',');
        if (last?.context !== key) {
          const Tb = decodeBucket(T, room);
          const s = await this.sessions.get(`prefill-${Tb}`, () =>
            this.build(
              (be, [pre, ids, at]) => {
                const r = this.reportModel(be).prefill(pre, ids, be.causalMask(P + Tb), at);
                return [r.logits, ...r.kv.flatMap(({ k, v }) => [k, v])];
              },
              [
                ['prefix', [1, P, m.d], 'float32'],
                ['ids', [1, Tb], 'int64'],
                ['at', [1], 'int64'],
              ],
              ['y', ...Array.from({ length: names }, (_, i) => kvName(i))], // y [1, 1, V], k/v [1, h, P+Tb, dh]
            ),
          );
          const ids = new Int32Array(Tb);
          ids.set(context);
          const out = await s.run({ prefix, ids, at: Int32Array.of(T - 1) });
          const kv = Array.from({ length: names }, (_, i) => out[kvName(i)].toFloat32Array());
          last = { context: key, logits: out.y.toFloat32Array(), kv, Tb };
        }
        const cache = new PaddedKV(rows, m.ctx, m.heads, m.d / m.heads, names);
        cache.fill(last.kv, P + last.Tb, P + T);
        const decoding: Decoding = {
          step: async (from, tokens) => {
            const N = cache.rows;
            const C = cache.length;
            const s = await this.sessions.get(`step-${N}-${C}`, () =>
              this.build(
                (be, [ids, pos, mask, ...past]) => {
                  const kv = past.flatMap((k, i) => (i % 2 ? [] : [{ k, v: past[i + 1] }]));
                  const r = this.reportModel(be).step(ids, pos, kv, mask);
                  // only the new position's keys/values go back: [N, h, 1, dh]
                  return [
                    r.logits,
                    ...r.kv.flatMap(({ k, v }) => [be.narrow(k, 2, C, 1), be.narrow(v, 2, C, 1)]),
                  ];
                },
                [
                  ['ids', [N, 1], 'int64'],
                  ['pos', [1], 'int64'],
                  ['mask', [1, 1, 1, C + 1], 'bool'],
                  ...Array.from({ length: names }, (_, i): [string, number[], 'float32'] => [
                    `past_${kvName(i)}`,
                    [N, m.heads, C, m.d / m.heads],
                    'float32',
                  ]),
                ],
                ['y', ...Array.from({ length: names }, (_, i) => kvName(i))],
              ),
            );
            if (cache.filled >= C) throw new Error(`decoding: the cache of ${C} positions is full`);
            cache.reorder(from);
            const ids = new Int32Array(N); // rows past from.length (finished samples) decode a dummy token
            ids.set(tokens);
            const feeds: Record<string, OrtFeed> = {
              ids,
              pos: Int32Array.of(cache.filled),
              mask: cache.mask(),
            };
            cache.arrays.forEach((a, i) => {
              feeds[`past_${kvName(i)}`] = a;
            });
            const out = await s.run(feeds);
            cache.append(
              Array.from({ length: names }, (_, i) => out[kvName(i)].toFloat32Array()),
              from.length,
            );
            const y = out.y.toFloat32Array(); // [N, 1, V]
            return from.map((_, i) => y.slice(i * m.vocab, (i + 1) * m.vocab));
          },
          close: () => cache.free(),
        };
        return { decoding, logits: Float32Array.from(last.logits) };
      },
    };
  }
  async dispose() {
    await this.sessions.clear();
  }
}

/**
 * The ONNX step graph's key/value cache, in JavaScript arrays fed to every step (onnxruntime-node
 * reads input arrays in place): per layer one k and one v array [N, h, C, dh], rows of N = the rows
 * the decoding was opened with, C cached positions of which the first `filled` are written (the
 * step's mask hides the rest), so that one traced graph serves every step of a section.
 */
class PaddedKV {
  arrays: Float32Array[];
  private spare: Float32Array[] | null = null; // for reordering rows
  filled = 0;
  constructor(
    readonly rows: number,
    readonly length: number,
    private readonly heads: number,
    private readonly dh: number,
    count: number,
  ) {
    this.arrays = Array.from({ length: count }, () => new Float32Array(rows * heads * length * dh));
  }

  /** Every row from one prefill output: arrays [1, h, Tsrc, dh], of which the first `n` positions. */
  fill(src: Float32Array[], Tsrc: number, n: number): void {
    const { heads, dh, length: C } = this;
    if (n > C) throw new Error(`decoding: ${n} positions do not fit a cache of ${C}`);
    src.forEach((a, i) => {
      for (let r = 0; r < this.rows; r++)
        for (let h = 0; h < heads; h++)
          this.arrays[i].set(a.subarray(h * Tsrc * dh, (h * Tsrc + n) * dh), (r * heads + h) * C * dh);
    });
    this.filled = n;
  }

  /** Row i becomes old row from[i] (copies the written positions only; nothing when from is 0, 1, 2...). */
  reorder(from: readonly number[]): void {
    if (from.length > this.rows) throw new Error(`decoding: ${from.length} rows, opened with ${this.rows}`);
    if (from.every((r, i) => r === i)) return;
    const { heads, dh, length: C, filled } = this;
    this.spare ??= this.arrays.map((a) => new Float32Array(a.length));
    const spare = this.spare;
    this.arrays.forEach((a, j) => {
      from.forEach((r, i) => {
        for (let h = 0; h < heads; h++) {
          const src = (r * heads + h) * C * dh;
          spare[j].set(a.subarray(src, src + filled * dh), (i * heads + h) * C * dh);
        }
      });
    });
    [this.arrays, this.spare] = [spare, this.arrays];
  }

  /** The step's attention mask [1, 1, 1, C+1]: unwritten cache positions hidden, the new one visible. */
  mask(): Uint8Array {
    const m = new Uint8Array(this.length + 1);
    m.fill(1, this.filled, this.length);
    return m;
  }

  /** Writes the new position of the first n rows from the step's outputs [N, h, 1, dh]. */
  append(src: Float32Array[], n: number): void {
    const { heads, dh, length: C, filled } = this;
    if (filled >= C) throw new Error(`decoding: the cache of ${C} positions is full`);
    src.forEach((a, j) => {
      for (let i = 0; i < n; i++)
        for (let h = 0; h < heads; h++)
          this.arrays[j].set(
            a.subarray((i * heads + h) * dh, (i * heads + h + 1) * dh),
            ((i * heads + h) * C + filled) * dh,
          );
    });
    this.filled++;
  }

  free(): void {
    this.arrays = [];
    this.spare = null;
  }
}
