/**
 * The inference path: trace a model written against `Backend` into ONNX (OnnxTracer) and run it on
 * onnxruntime-node (OrtSession, SessionCache). See docs/ml-runtime.md, "ONNX export path".
 */
export { encodeModel, type OnnxAttr, type OnnxModelProto, PbMessage } from './protobuf.js';
export {
  defaultThreads,
  loadOrt,
  type OrtFeed,
  type OrtInputData,
  OrtOutput,
  OrtSession,
  type OrtSessionOptions,
  OrtUnavailableError,
  type OrtValueInfo,
  SessionCache,
} from './session.js';
export {
  ONNX_IR_VERSION,
  ONNX_OPSET,
  OnnxTraceError,
  OnnxTracer,
  type ToBytesOptions,
  type TraceSummary,
} from './tracer.js';
