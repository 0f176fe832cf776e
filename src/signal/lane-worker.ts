/** Worker side of a RemoteLane (see lanes.ts): filter + resample a set of channels on command. */
import { workerData } from 'node:worker_threads';
import {
  ARG,
  CMD,
  CMD_BEGIN,
  CMD_EXIT,
  CMD_FINISH,
  CMD_PUSH,
  DONE,
  ERR_BYTES,
  type LaneSpec,
  LocalLane,
  OUTLEN,
  SEQ,
  STATUS,
} from './lanes.js';

const { ctrlSab, inSab, outSab, spec, inCap, outCap } = workerData as {
  ctrlSab: SharedArrayBuffer;
  inSab: SharedArrayBuffer;
  outSab: SharedArrayBuffer;
  spec: LaneSpec;
  inCap: number;
  outCap: number;
};
const ctrl = new Int32Array(ctrlSab, 0, 8);
const err = new Uint8Array(ctrlSab, 32, ERR_BYTES);
const input = new Float32Array(inSab);
const output = new Float32Array(outSab);
const lane = new LocalLane(
  Array.from({ length: spec.channels }, (_, j) => j),
  spec,
);

function write(out: Float32Array[]): void {
  const m = out[0]?.length ?? 0;
  if (m > outCap) throw new Error(`lane output of ${m} samples exceeds ${outCap}`);
  out.forEach((x, j) => {
    output.set(x, j * outCap);
  });
  ctrl[OUTLEN] = m;
}

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, SEQ, seen);
  seen = Atomics.load(ctrl, SEQ);
  const cmd = ctrl[CMD];
  try {
    if (cmd === CMD_BEGIN) lane.begin(ctrl[ARG]);
    else if (cmd === CMD_PUSH) {
      const len = ctrl[ARG];
      lane.start(Array.from({ length: spec.channels }, (_, j) => input.subarray(j * inCap, j * inCap + len)));
      write(lane.collect());
    } else if (cmd === CMD_FINISH) {
      lane.startFinish();
      write(lane.collect());
    }
  } catch (e) {
    const msg = new TextEncoder().encode(String((e as Error)?.message ?? e).slice(0, ERR_BYTES - 1));
    err.fill(0);
    err.set(msg);
    ctrl[STATUS] = -1;
  }
  Atomics.store(ctrl, DONE, seen);
  Atomics.notify(ctrl, DONE);
  if (cmd === CMD_EXIT) break;
}
