/**
 * Lanes: the filter + resample work of a set of channels. A LocalLane runs in the calling thread; a
 * RemoteLane runs the same code in a worker thread and talks through shared memory with Atomics, so the
 * (synchronous) pipeline can hand half of a recording's channels to a second core and wait for them
 * without an event loop. Both give identical results.
 */
import { Worker } from 'node:worker_threads';
import { FirStream } from './filter.js';
import { type ResampleOptions, ResampleStream } from './resample.js';

export interface Lane {
  readonly slots: number[];
  /** Starts a block of n input samples per channel. */
  begin(n: number): void;
  /** Starts work on the next input (a remote lane returns at once). */
  start(part: Float32Array[]): void;
  /** Starts the end of the block. */
  startFinish(): void;
  /** The 200 Hz output of the last start/startFinish (waits for a remote lane). */
  collect(): Float32Array[];
  close(): void;
}

function concat(a: Float32Array[], b: Float32Array[]): Float32Array[] {
  return a.map((x, j) => {
    const o = new Float32Array(x.length + b[j].length);
    o.set(x);
    o.set(b[j], x.length);
    return o;
  });
}

export interface LaneSpec {
  kernel: Float64Array;
  rate: number;
  fsOut: number;
  channels: number;
  resample: ResampleOptions;
}

export class LocalLane implements Lane {
  private fir: FirStream | null = null;
  private rs: ResampleStream | null = null;
  private out: Float32Array[] = [];

  constructor(
    readonly slots: number[],
    private readonly spec: LaneSpec,
  ) {}

  begin(n: number): void {
    const s = this.spec;
    this.fir = new FirStream(s.kernel, s.channels, n);
    this.rs = new ResampleStream(s.rate, s.fsOut, s.channels, n, s.resample);
  }

  start(part: Float32Array[]): void {
    this.out = this.rs!.push(this.fir!.push(part));
  }

  startFinish(): void {
    this.out = concat(this.rs!.push(this.fir!.finish()), this.rs!.finish());
  }

  collect(): Float32Array[] {
    return this.out;
  }

  close(): void {}
}

// Control words (Int32 indices in the shared control block).
export const SEQ = 0;
export const DONE = 1;
export const CMD = 2;
export const ARG = 3;
export const OUTLEN = 4;
export const STATUS = 5;
export const CMD_BEGIN = 1;
export const CMD_PUSH = 2;
export const CMD_FINISH = 3;
export const CMD_EXIT = 4;
export const ERR_BYTES = 512;

export class RemoteLane implements Lane {
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly input: Float32Array;
  private readonly output: Float32Array;
  private readonly err: Uint8Array;
  private seq = 0;

  constructor(
    readonly slots: number[],
    spec: LaneSpec,
    private readonly inCap: number,
    private readonly outCap: number,
  ) {
    const ctrlSab = new SharedArrayBuffer(8 * 4 + ERR_BYTES);
    const inSab = new SharedArrayBuffer(spec.channels * inCap * 4);
    const outSab = new SharedArrayBuffer(spec.channels * outCap * 4);
    this.ctrl = new Int32Array(ctrlSab, 0, 8);
    this.err = new Uint8Array(ctrlSab, 32, ERR_BYTES);
    this.input = new Float32Array(inSab);
    this.output = new Float32Array(outSab);
    this.worker = new Worker(new URL('./lane-worker.js', import.meta.url), {
      workerData: { ctrlSab, inSab, outSab, spec, inCap, outCap },
    });
    this.worker.unref();
  }

  private send(cmd: number, arg: number): void {
    this.ctrl[CMD] = cmd;
    this.ctrl[ARG] = arg;
    this.seq++;
    Atomics.store(this.ctrl, SEQ, this.seq);
    Atomics.notify(this.ctrl, SEQ);
  }

  private wait(): void {
    const t0 = Date.now();
    for (;;) {
      const done = Atomics.load(this.ctrl, DONE);
      if (done === this.seq) break;
      Atomics.wait(this.ctrl, DONE, done, 1000);
      if (Date.now() - t0 > 600_000) throw new Error('filter worker did not answer within 10 minutes');
    }
    if (this.ctrl[STATUS] !== 0) {
      const n = this.err.indexOf(0);
      throw new Error(
        `filter worker failed: ${Buffer.from(this.err.subarray(0, n < 0 ? ERR_BYTES : n)).toString()}`,
      );
    }
  }

  begin(n: number): void {
    this.send(CMD_BEGIN, n);
    this.wait();
  }

  start(part: Float32Array[]): void {
    const len = part[0].length;
    if (len > this.inCap) throw new Error(`lane input of ${len} samples exceeds ${this.inCap}`);
    part.forEach((x, j) => {
      this.input.set(x, j * this.inCap);
    });
    this.send(CMD_PUSH, len);
  }

  startFinish(): void {
    this.send(CMD_FINISH, 0);
  }

  collect(): Float32Array[] {
    this.wait();
    const m = this.ctrl[OUTLEN];
    return this.slots.map((_, j) => this.output.slice(j * this.outCap, j * this.outCap + m));
  }

  close(): void {
    this.send(CMD_EXIT, 0);
    void this.worker.terminate();
  }
}
