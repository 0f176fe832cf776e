/**
 * tidy()/keep() bookkeeping shared by backends: every tensor a backend op returns is `track`ed in
 * the innermost open scope; closing the scope disposes what was neither returned nor kept, and hands
 * returned tensors to the enclosing scope. Works like tf.tidy, with explicit handles underneath.
 */
import type { Tensor } from './types.js';

export class Scopes {
  private readonly stack: Tensor[][] = [];
  private readonly kept = new WeakSet<Tensor>();

  constructor(private readonly isTensor: (v: unknown) => v is Tensor) {}

  track<T extends Tensor>(t: T): T {
    const top = this.stack[this.stack.length - 1];
    if (top) top.push(t);
    return t;
  }

  keep<T extends Tensor>(t: T): T {
    this.kept.add(t);
    return t;
  }

  tidy<T>(fn: () => T): T {
    const mine: Tensor[] = [];
    this.stack.push(mine);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      for (const t of mine) if (!this.kept.has(t) && !t.disposed) t.dispose();
      throw e;
    } finally {
      this.stack.pop();
    }
    const out = new Set<Tensor>();
    this.collect(result, out, 0);
    const parent = this.stack[this.stack.length - 1];
    for (const t of mine) {
      if (out.has(t)) parent?.push(t);
      else if (!this.kept.has(t) && !t.disposed) t.dispose();
    }
    return result;
  }

  private collect(v: unknown, out: Set<Tensor>, depth: number): void {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    if (this.isTensor(v)) {
      out.add(v);
      return;
    }
    if (Array.isArray(v)) for (const x of v) this.collect(x, out, depth + 1);
    else if (v instanceof Map) for (const x of v.values()) this.collect(x, out, depth + 1);
    else if (Object.getPrototypeOf(v) === Object.prototype)
      for (const x of Object.values(v)) this.collect(x, out, depth + 1);
  }
}
