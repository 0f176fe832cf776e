/**
 * Runs a trained model for `celm report` on one of two runtimes, with the same model classes:
 *   - 'ort'  : the classes are traced to ONNX (per input shape) and run by onnxruntime-node, which
 *              installs from npm alone and needs ~2.5x less CPU than libtorch (docs/ml-runtime.md);
 *   - 'torch': the libtorch addon, when built (training machines).
 * Shapes are bucketed so that a report needs a handful of traces: encoder batches of ENCODE_BATCH
 * segments, projector rows padded to a multiple of 256, decoder lengths to powers of two.
 */
import { cpus } from 'node:os';
import { prefixLength, ReportModel } from './celm.js';
import { paddedLength, type Rows, rowBatch, rowBatchArrays } from './data.js';
import type { SegmentEmbedder } from './embed.js';
import { type EncoderConfig, SegmentEncoder } from './encoder.js';
import { torchEmbedder } from './encoder-io.js';
import type { NextLogits } from './generate.js';
import type { ReportModelFiles } from './model-dir.js';
import {
  type Backend,
  loadBackend,
  loadWeightsFromMap,
  type NamedArray,
  type Tensor,
} from './runtime/index.js';
import { OnnxTracer, OrtSession, SessionCache } from './runtime/onnx/index.js';

export type RunnerKind = 'ort' | 'torch';

export interface Runner {
  readonly name: string;
  readonly embedder: SegmentEmbedder | null;
  /** Rows of one report -> prefix [P * d] and auxiliary logits [N]. */
  compress(rows: Rows): Promise<{ prefix: Float32Array; aux: Float32Array }>;
  /** The prefix [P * d] with its findings token made from `probs` [N] (ReportModel.withFindings). */
  withFindings(prefix: Float32Array, probs: Float32Array): Promise<Float32Array>;
  nextLogits(prefix: Float32Array): NextLogits;
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

  nextLogits(prefix: Float32Array): NextLogits {
    const { be, model } = this;
    const m = this.files.meta.model;
    const P = prefixLength(m);
    return async (seqs) =>
      be.noGrad(() =>
        be.tidy(() => {
          const n = seqs.length;
          const T = seqs[0].length;
          const ids = new Int32Array(n * T);
          seqs.forEach((s, i) => {
            ids.set(s, i * T);
          });
          const pre = be.expand(be.tensor(prefix, [1, P, m.d]), [n, P, m.d]);
          const logits = model.decode(
            pre,
            be.tensorInt(ids, [n, T]),
            be.causalMask(P + T),
            false,
            be.tensorInt(Int32Array.of(T - 1), [1]),
          );
          const all = logits.toFloat32Array(); // [n, 1, V]
          return seqs.map((_, i) => all.slice(i * m.vocab, (i + 1) * m.vocab));
        }),
      );
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
  private readonly sessions = new SessionCache();
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

  nextLogits(prefix: Float32Array): NextLogits {
    const m = this.files.meta.model;
    const P = prefixLength(m);
    const room = m.ctx - P;
    return async (seqs) => {
      const n = seqs.length;
      const T = seqs[0].length;
      const Tb = decodeBucket(T, room);
      const s = await this.sessions.get(`decode-${n}-${Tb}`, () =>
        this.build(
          (be, [pre, ids, at]) => this.reportModel(be).decode(pre, ids, be.causalMask(P + Tb), false, at),
          [
            ['prefix', [n, P, m.d], 'float32'],
            ['ids', [n, Tb], 'int64'],
            ['at', [1], 'int64'],
          ],
        ),
      );
      const pre = new Float32Array(n * P * m.d);
      for (let i = 0; i < n; i++) pre.set(prefix, i * P * m.d);
      const ids = new Int32Array(n * Tb);
      seqs.forEach((q, i) => {
        ids.set(q, i * Tb);
      });
      const out = await s.run({ prefix: pre, ids, at: Int32Array.of(T - 1) });
      const y = out.y.toFloat32Array();
      return seqs.map((_, i) => y.slice(i * m.vocab, (i + 1) * m.vocab));
    };
  }

  async dispose() {
    await this.sessions.clear();
  }
}
