/**
 * The ONNX tracer prototype now lives in src/model/runtime/onnx/ (OnnxTracer, OrtSession). This
 * file keeps the prototype's two extra methods on top of it for bench/ml-runtime/ort-bench.mjs.
 */
import { Buffer } from 'node:buffer';
import { OnnxTracer as Base, type Tensor } from '../../src/model/runtime/index.js';

export class OnnxTracer extends Base {
  /** Gives a traced parameter its trained values (prefer loadWeightsFromMap). */
  setInitializer(t: Tensor, data: Float32Array): void {
    t.copyFrom(this.backend.tensor(data, t.shape));
  }
  /** ONNX bytes as a Buffer (prefer toBytes()). */
  toOnnx(graphName = 'celm'): Buffer {
    const b = this.toBytes({ graphName });
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }
}
