import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { EdfError } from './errors.js';

/**
 * Where EDF bytes come from. Reads are by absolute offset so that a viewer can page through a 24-h
 * file, or a file over 4 GiB, without loading it: offsets are plain numbers (exact up to 2^53).
 */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  /** Fills `into` from `offset`; returns the number of bytes read (short only at end of file). */
  read(offset: number, into: Uint8Array): number;
  close(): void;
}

export class FileSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  private fd: number;

  constructor(path: string) {
    this.name = path;
    try {
      // Read-only: the reader can never modify the file it reads.
      this.fd = openSync(path, 'r');
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      throw new EdfError('io', path, `cannot open: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }

  read(offset: number, into: Uint8Array): number {
    let done = 0;
    while (done < into.length) {
      const n = readSync(this.fd, into, done, into.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** In-memory bytes (an upload, a test vector, a browser ArrayBuffer). */
export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(
    readonly name: string,
    private readonly bytes: Uint8Array,
  ) {
    this.size = bytes.length;
  }

  read(offset: number, into: Uint8Array): number {
    const n = Math.max(0, Math.min(into.length, this.size - offset));
    into.set(this.bytes.subarray(offset, offset + n));
    return n;
  }

  close(): void {}
}
