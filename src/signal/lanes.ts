/**
 * Lanes: the filter + resample work of a set of channels. A LocalLane runs in the calling thread; a
 * RemoteLane runs the same code in a worker thread and talks through shared memory with Atomics, so the
 * (synchronous) pipeline can hand a recording's channels to other cores and wait for them without an
 * event loop. Both give identical results.
 *
 * A lane accepts up to two inputs before their outputs are collected (`start`, `start`, `collect`...):
 * a worker then always has the next chunk queued while the pipeline analyses the previous one, instead
 * of idling between chunks (remote lanes have two input and two output slots for this).
 */
import { Worker } from 'node:worker_threads';
import { FirStream } from './filter.js';
import { type ResampleOptions, ResampleStream } from './resample.js';

export interface Lane {
  readonly slots: number[];
  /** Starts a block of n input samples per channel. */
  begin(n: number): void;
  /** Starts work on the next input (a remote lane returns at once); at most two uncollected. */
  start(part: Float32Array[]): void;
  /** Starts the end of the block. */
  startFinish(): void;
  /** The 200 Hz output of the oldest uncollected start/startFinish (waits for a remote lane). */
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
  private readonly outs: Float32Array[][] = [];

  constructor(
    readonly slots: number[],
    private readonly spec: LaneSpec,
  ) {}

  begin(n: number): void {
    const s = this.spec;
    // The resampler copies the filter's output at once: it may reuse its buffers.
    this.fir = new FirStream(s.kernel, s.channels, n, { reuseOutput: true });
    this.rs = new ResampleStream(s.rate, s.fsOut, s.channels, n, s.resample);
  }

  start(part: Float32Array[]): void {
    this.outs.push(this.rs!.push(this.fir!.push(part)));
  }

  startFinish(): void {
    this.outs.push(concat(this.rs!.push(this.fir!.finish()), this.rs!.finish()));
  }

  collect(): Float32Array[] {
    const out = this.outs.shift();
    if (!out) throw new Error('lane: collect without start');
    return out;
  }

  close(): void {}
}

// Control words (Int32 indices in the shared control block). Commands are numbered 1, 2, ... (SEQ: the
// last one sent, DONE: the last one finished); command s uses slot s % 2 for its words and buffers.
export const SEQ = 0;
export const DONE = 1;
export const STATUS = 2;
/** Per slot: command, argument, output length. */
export const CMD = 3;
export const ARG = 4;
export const OUTLEN = 5;
export const SLOT_WORDS = 3;
export const CTRL_WORDS = 3 + 2 * SLOT_WORDS;
export const CMD_BEGIN = 1;
export const CMD_PUSH = 2;
export const CMD_FINISH = 3;
export const CMD_EXIT = 4;
export const ERR_BYTES = 512;

export class RemoteLane implements Lane {
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  /** Input and output buffers: slot, then channel. */
  private readonly input: Float32Array;
  private readonly output: Float32Array;
  private readonly err: Uint8Array;
  private seq = 0;
  private collected = 0;

  constructor(
    readonly slots: number[],
    spec: LaneSpec,
    private readonly inCap: number,
    private readonly outCap: number,
  ) {
    const ctrlSab = new SharedArrayBuffer(CTRL_WORDS * 4 + ERR_BYTES);
    const inSab = new SharedArrayBuffer(2 * spec.channels * inCap * 4);
    const outSab = new SharedArrayBuffer(2 * spec.channels * outCap * 4);
    this.ctrl = new Int32Array(ctrlSab, 0, CTRL_WORDS);
    this.err = new Uint8Array(ctrlSab, CTRL_WORDS * 4, ERR_BYTES);
    this.input = new Float32Array(inSab);
    this.output = new Float32Array(outSab);
    this.worker = new Worker(new URL('./lane-worker.js', import.meta.url), {
      workerData: { ctrlSab, inSab, outSab, spec, inCap, outCap },
    });
    this.worker.unref();
  }

  /** Sends the next command (its input, if any, must already be in slot (seq + 1) % 2). */
  private send(cmd: number, arg: number): void {
    if (this.seq - this.collected >= 2) throw new Error('lane: more than two commands outstanding');
    const w = ((this.seq + 1) % 2) * SLOT_WORDS;
    this.ctrl[CMD + w] = cmd;
    this.ctrl[ARG + w] = arg;
    this.seq++;
    Atomics.store(this.ctrl, SEQ, this.seq);
    Atomics.notify(this.ctrl, SEQ);
  }

  /** Waits until command `s` is done. */
  private wait(s: number): void {
    const t0 = Date.now();
    for (;;) {
      const done = Atomics.load(this.ctrl, DONE);
      if (done >= s) break;
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
    if (this.seq !== this.collected) throw new Error('lane: begin with outputs not collected');
    this.send(CMD_BEGIN, n);
    this.wait(this.seq);
    this.collected = this.seq;
  }

  start(part: Float32Array[]): void {
    const len = part[0].length;
    if (len > this.inCap) throw new Error(`lane input of ${len} samples exceeds ${this.inCap}`);
    const base = ((this.seq + 1) % 2) * this.slots.length * this.inCap;
    part.forEach((x, j) => {
      this.input.set(x, base + j * this.inCap);
    });
    this.send(CMD_PUSH, len);
  }

  startFinish(): void {
    this.send(CMD_FINISH, 0);
  }

  collect(): Float32Array[] {
    if (this.collected >= this.seq) throw new Error('lane: collect without start');
    const s = ++this.collected;
    this.wait(s);
    const m = this.ctrl[OUTLEN + (s % 2) * SLOT_WORDS];
    const base = (s % 2) * this.slots.length * this.outCap;
    return this.slots.map((_, j) => this.output.slice(base + j * this.outCap, base + j * this.outCap + m));
  }

  close(): void {
    // Outstanding work is dropped (close comes last, or after an error).
    this.collected = this.seq;
    this.send(CMD_EXIT, 0);
    void this.worker.terminate();
  }
}
