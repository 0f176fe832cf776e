/** Worker side of a RemoteLane (see lanes.ts): filter + resample a set of channels on command. */
import { workerData } from 'node:worker_threads';
import {
  ARG,
  CMD,
  CMD_BEGIN,
  CMD_EXIT,
  CMD_FINISH,
  CMD_PUSH,
  CTRL_WORDS,
  DONE,
  ERR_BYTES,
  type LaneSpec,
  LocalLane,
  OUTLEN,
  SEQ,
  SLOT_WORDS,
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
const ctrl = new Int32Array(ctrlSab, 0, CTRL_WORDS);
const err = new Uint8Array(ctrlSab, CTRL_WORDS * 4, ERR_BYTES);
const input = new Float32Array(inSab);
const output = new Float32Array(outSab);
const lane = new LocalLane(
  Array.from({ length: spec.channels }, (_, j) => j),
  spec,
);

/** Writes a command's output into its slot. */
function write(out: Float32Array[], slot: number): void {
  const m = out[0]?.length ?? 0;
  if (m > outCap) throw new Error(`lane output of ${m} samples exceeds ${outCap}`);
  const base = slot * spec.channels * outCap;
  out.forEach((x, j) => {
    output.set(x, base + j * outCap);
  });
  ctrl[OUTLEN + slot * SLOT_WORDS] = m;
}

// Commands 1, 2, ... in order; command s uses slot s % 2 (see lanes.ts).
for (let s = 1; ; s++) {
  for (;;) {
    const sent = Atomics.load(ctrl, SEQ);
    if (sent >= s) break;
    Atomics.wait(ctrl, SEQ, sent);
  }
  const slot = s % 2;
  const cmd = ctrl[CMD + slot * SLOT_WORDS];
  const arg = ctrl[ARG + slot * SLOT_WORDS];
  try {
    if (cmd === CMD_BEGIN) lane.begin(arg);
    else if (cmd === CMD_PUSH) {
      const base = slot * spec.channels * inCap;
      lane.start(
        Array.from({ length: spec.channels }, (_, j) =>
          input.subarray(base + j * inCap, base + j * inCap + arg),
        ),
      );
      write(lane.collect(), slot);
    } else if (cmd === CMD_FINISH) {
      lane.startFinish();
      write(lane.collect(), slot);
    }
  } catch (e) {
    const msg = new TextEncoder().encode(String((e as Error)?.message ?? e).slice(0, ERR_BYTES - 1));
    err.fill(0);
    err.set(msg);
    ctrl[STATUS] = -1;
  }
  Atomics.store(ctrl, DONE, s);
  Atomics.notify(ctrl, DONE);
  if (cmd === CMD_EXIT) break;
}
