import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { CelmError } from '../../src/errors.js';
import {
  DEFAULT_ENCODER_CONFIG,
  encoderConfigHash,
  SegmentEncoder,
  validateEncoderConfig,
} from '../../src/model/encoder.js';
import { type Backend, loadBackend, torchAddonPath } from '../../src/model/runtime/index.js';

function backendOrSkip(t: TestContext): Backend | null {
  if (!torchAddonPath()) {
    t.skip('the libtorch addon is not built (npm run build:native); skipping');
    return null;
  }
  const be = loadBackend('torch');
  be.setNumThreads(1);
  return be;
}

const C = 22;
const N = 2000;

/** EEG-like test data: per channel a sine of its own frequency plus noise, tens of uV. */
function segments(B: number, seed = 1): Float32Array {
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  const x = new Float32Array(B * C * N);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let k = 0; k < N; k++)
        x[(b * C + c) * N + k] = 30 * Math.sin((2 * Math.PI * (4 + c + b) * k) / 200) + 20 * rnd();
  return x;
}

function embed(be: Backend, enc: SegmentEncoder, x: Float32Array, mask: Uint8Array, B: number): Float32Array {
  return be.noGrad(() =>
    be.tidy(() => enc.embed(be.tensor(x, [B, C, N]), be.tensorBool(mask, [B, C])).toFloat32Array()),
  );
}

test('encoderConfigHash is stable and config-specific; bad configs are refused', () => {
  assert.equal(encoderConfigHash(DEFAULT_ENCODER_CONFIG), encoderConfigHash({ heads: 4, layers: 4, d: 64 }));
  assert.match(encoderConfigHash(DEFAULT_ENCODER_CONFIG), /^[0-9a-f]{16}$/);
  // A change of this value means old encoder checkpoints no longer match: bump ENCODER_ARCH on purpose.
  assert.equal(encoderConfigHash(DEFAULT_ENCODER_CONFIG), '9f2f2f81813b17d9');
  assert.notEqual(
    encoderConfigHash({ d: 64, layers: 2, heads: 4 }),
    encoderConfigHash(DEFAULT_ENCODER_CONFIG),
  );
  for (const bad of [
    { d: 64, layers: 4, heads: 3 },
    { d: 60, layers: 4, heads: 8 },
    { d: 64, layers: 0, heads: 4 },
    { d: 64.5, layers: 4, heads: 4 },
  ])
    assert.throws(() => validateEncoderConfig(bad), CelmError, JSON.stringify(bad));
});

test('encoder: shapes, parameter names, masked channels embed to zero', (t) => {
  const be = backendOrSkip(t);
  if (!be) return;
  be.manualSeed(1);
  const enc = new SegmentEncoder(be, DEFAULT_ENCODER_CONFIG);
  const names = [...enc.params.map.keys()];
  for (const n of [
    'patch.w',
    'patch.b',
    'chan_emb',
    'time_emb',
    'mask_token',
    'h.0.attn.qkv.w',
    'h.3.mlp.proj.w',
    'ln_f.w',
  ])
    assert.ok(names.includes(n), n);
  assert.deepEqual(enc.params.map.get('chan_emb')?.shape, [22, 64]);
  assert.deepEqual(enc.params.map.get('time_emb')?.shape, [10, 64]);
  assert.deepEqual(enc.params.map.get('patch.w')?.shape, [64, 200]);
  const B = 3;
  const x = segments(B);
  const mask = new Uint8Array(B * C).fill(1);
  mask[0 * C + 5] = 0;
  mask[2 * C + 0] = 0;
  mask[2 * C + 21] = 0;
  const tokens = be.noGrad(() =>
    be.tidy(() => enc.forward(be.tensor(x, [B, C, N]), be.tensorBool(mask, [B, C])).shape),
  );
  assert.deepEqual(tokens, [B, C, 10, 64]);
  const y = embed(be, enc, x, mask, B);
  assert.equal(y.length, B * C * 64);
  const rowNorm = (b: number, c: number) => {
    let s = 0;
    for (let k = 0; k < 64; k++) s += y[(b * C + c) * 64 + k] ** 2;
    return Math.sqrt(s);
  };
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      if (mask[b * C + c]) assert.ok(rowNorm(b, c) > 1, `usable channel ${b}/${c} has an embedding`);
      else assert.equal(rowNorm(b, c), 0, `masked channel ${b}/${c} is zero`);
    }
  assert.ok(y.every(Number.isFinite));
  enc.params.dispose();
});

test("encoder: a masked channel's data does not reach the other channels; a usable one's does", (t) => {
  const be = backendOrSkip(t);
  if (!be) return;
  be.manualSeed(2);
  const enc = new SegmentEncoder(be, { d: 32, layers: 2, heads: 4 });
  const B = 2;
  const x = segments(B, 3);
  const mask = new Uint8Array(B * C).fill(1);
  mask[3] = 0; // sample 0, channel 3
  mask[C + 10] = 0; // sample 1, channel 10
  const before = embed(be, enc, x, mask, B);
  const x2 = x.slice();
  for (let k = 0; k < N; k++) {
    x2[3 * N + k] = 500 * Math.sin(k / 3); // huge artefact on the masked channels
    x2[(C + 10) * N + k] = -400;
  }
  const after = embed(be, enc, x2, mask, B);
  assert.deepEqual(after, before, 'masked data changes nothing, bit for bit');
  // control: the same change on a usable channel moves the other channels' embeddings (spatial attention)
  const x3 = x.slice();
  for (let k = 0; k < N; k++) x3[4 * N + k] = 500 * Math.sin(k / 3);
  const moved = embed(be, enc, x3, mask, B);
  let diff = 0;
  for (let k = 0; k < 32; k++) diff += Math.abs(moved[0 * 32 + k] - before[0 * 32 + k]); // sample 0, channel 0
  assert.ok(diff > 1e-4, `channel 0 sees channel 4 (diff ${diff})`);
  // sample 1 is untouched by a change in sample 0
  assert.deepEqual(moved.subarray(C * 32), before.subarray(C * 32));
  // every channel masked: zeros, never NaN
  const none = embed(be, enc, x, new Uint8Array(B * C), B);
  assert.ok(none.every((v) => v === 0));
  enc.params.dispose();
});

test('encoder: gradients reach every parameter (mask token through a token mask)', (t) => {
  const be = backendOrSkip(t);
  if (!be) return;
  be.manualSeed(3);
  const enc = new SegmentEncoder(be, { d: 32, layers: 1, heads: 2 });
  const B = 1;
  const tm = new Uint8Array(B * C * 10);
  tm[7] = 1;
  be.tidy(() => {
    const out = enc.forward(
      be.tensor(segments(B), [B, C, N]),
      be.tensorBool(new Uint8Array(B * C).fill(1), [B, C]),
      be.tensorBool(tm, [B, C, 10]),
    );
    be.mean(be.mul(out, out)).backward();
    for (const [name, p] of enc.params.map) {
      const g = p.grad();
      assert.ok(g, `${name} has a gradient`);
      const a = g.toFloat32Array();
      assert.ok(
        a.some((v) => v !== 0),
        `${name}: nonzero gradient`,
      );
    }
  });
  enc.params.dispose();
});
