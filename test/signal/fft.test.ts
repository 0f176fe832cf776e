import assert from 'node:assert/strict';
import { test } from 'node:test';
import FFTJS from 'fft.js';
import { Fft } from '../../src/signal/fft.js';

// celm's Fft re-implements fft.js's radix-4 algorithm with the same floating-point operations in the
// same order: results must be bit-identical (the pipeline's outputs depend on it).
test('Fft equals fft.js bit for bit (forward, inverse, unscaled inverse, real) for sizes 2..65536', () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647 - 0.5) * 100;
  };
  for (let size = 2; size <= 65536; size *= 2) {
    const ref = new FFTJS(size);
    const f = new Fft(size);
    const data = Float64Array.from({ length: 2 * size }, rnd);
    const real = Float64Array.from({ length: size }, rnd);
    const a = new Float64Array(2 * size);
    const b = new Float64Array(2 * size);
    ref.transform(a, data);
    f.transform(b, data);
    assert.deepEqual(b, a, `forward ${size}`);
    ref.inverseTransform(a, data);
    f.inverseTransform(b, data);
    assert.deepEqual(b, a, `inverse ${size}`);
    f.inverseTransformUnscaled(b, data);
    assert.deepEqual(
      b.map((v) => v / size),
      a,
      `unscaled inverse ${size}`,
    );
    a.fill(0);
    b.fill(0);
    ref.realTransform(a, real);
    f.realTransform(b, real);
    assert.deepEqual(b, a, `real ${size}`);
  }
});
