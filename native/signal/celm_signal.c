/*
 * celm_signal: native kernels of celm's preprocessing (src/signal), loaded by src/signal/native.ts.
 *
 * THE CONTRACT: BIT-IDENTITY WITH THE JAVASCRIPT CODE.
 * Every function here does exactly the floating-point operations of its JavaScript twin, on the same
 * operands, in the same order, so that `celm preprocess` writes the same bytes with or without this
 * addon (CELM_SIGNAL_NATIVE=0 forces JavaScript; test/signal/native.test.ts compares both):
 *   fft_complex / fft_real  <->  Fft.complex / Fft.real          (src/signal/fft.ts)
 *   firPair                 <->  the pack/transform/multiply/inverse of FirStream.block (filter.ts)
 *   polyphase               <->  polyphase / polyphase2            (resample.ts)
 *   welchPsd                <->  Welch.psd                          (spectral.ts)
 *   clipCounts, segmentStats <-> prepare()'s clipping counts, analyse()'s std and maxima (pipeline.ts)
 * What makes that hold:
 *  - binary64 arithmetic with round-to-nearest, as JavaScript; built with -ffp-contract=off (no fused
 *    multiply-add, which rounds once instead of twice) and never -ffast-math (no reassociation);
 *  - nothing is computed here that JavaScript computes with library functions whose last bit may
 *    differ (cos, sin): twiddle factors, windows and filter spectra come in from JavaScript;
 *  - SIMD is used only *across* independent results (two FFT butterflies, four partial sums that the
 *    JavaScript also keeps separately), never to reorder one result's operations. x - y is x + (-y)
 *    in IEEE 754 and a + b == b + a, so the forms used for the complex products are exact matches;
 *    "sign * x" with sign = -1 is a sign flip, done here by flipping the sign bit;
 *  - float64 -> float32 stores round to nearest even, as stores into a Float32Array do.
 * Change the JavaScript and this file together (and the tests will say if they drift apart).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CELM_X86 1
#else
#define CELM_X86 0
#endif

/* ---------- FFT (fft.js 4.0.4's radix-4 algorithm, as rewritten in src/signal/fft.ts) ---------- */

/* Plan facts derived from the size alone (integers, so they cannot differ from JavaScript's). */
typedef struct {
  int64_t csize; /* 2 * size (doubles) */
  int width;
} fft_shape;

static fft_shape shape_of(int64_t size) {
  fft_shape s;
  int power = 0;
  for (int64_t t = 1; size > t; t <<= 1) power++;
  s.csize = size << 1;
  s.width = power % 2 == 0 ? power - 1 : power;
  return s;
}

/*
 * First step (radix 2 or radix 4) from `data` into `out` through the bit-reversal table: group t reads
 * data at bitrev[t] (+ step, 2 step, 3 step) and writes out[t * len, (t + 1) * len). bitrev[t] is twice
 * the base-4 digit reversal of t, an involution, so taking the groups in the order t = bitrev[u] / 2
 * reads `data` front to back (bitrev[t] = 2u) instead of jumping through it; the groups are independent,
 * so only the order of independent writes changes. On 65536 points this halved the step's time.
 */
static void first_step(double *out, const double *data, const int32_t *bitrev, int64_t size, int64_t step,
                       int64_t len, double sign) {
  const int64_t groups = size / len;
  if (len == 4) {
    for (int64_t u = 0; u < groups; u++) {
      const int64_t t = bitrev[u] >> 1, off = bitrev[t], outOff = t * len;
      const double evenR = data[off], evenI = data[off + 1];
      const double oddR = data[off + step], oddI = data[off + step + 1];
      out[outOff] = evenR + oddR;
      out[outOff + 1] = evenI + oddI;
      out[outOff + 2] = evenR - oddR;
      out[outOff + 3] = evenI - oddI;
    }
    return;
  }
  const int64_t step2 = step * 2, step3 = step * 3;
  for (int64_t u = 0; u < groups; u++) {
    const int64_t t = bitrev[u] >> 1, off = bitrev[t], outOff = t * len;
    const double Ar = data[off], Ai = data[off + 1];
    const double Br = data[off + step], Bi = data[off + step + 1];
    const double Cr = data[off + step2], Ci = data[off + step2 + 1];
    const double Dr = data[off + step3], Di = data[off + step3 + 1];
    const double T0r = Ar + Cr, T0i = Ai + Ci;
    const double T1r = Ar - Cr, T1i = Ai - Ci;
    const double T2r = Br + Dr, T2i = Bi + Di;
    const double T3r = sign * (Br - Dr), T3i = sign * (Bi - Di);
    out[outOff] = T0r + T2r;
    out[outOff + 1] = T0i + T2i;
    out[outOff + 2] = T1r + T3i;
    out[outOff + 3] = T1i - T3r;
    out[outOff + 4] = T0r - T2r;
    out[outOff + 5] = T0i - T2i;
    out[outOff + 6] = T1r - T3i;
    out[outOff + 7] = T1i + T3r;
  }
}

/*
 * first_step() of the transform of the pair [x0, y0, x1, y1, ...] (y = 0 when NULL), reading x and y
 * directly: data[2j] is x[j] and data[2j + 1] is y[j], so the same operands reach the same operations
 * without first interleaving them into a buffer (one pass over 1 MB less per block).
 */
static void first_step_pair(double *out, const double *x, const double *y, const int32_t *bitrev, int64_t size,
                            int64_t step, int64_t len, double sign) {
  const int64_t groups = size / len, h = step >> 1;
#define Y(j) (y ? y[j] : 0.0)
  if (len == 4) {
    for (int64_t u = 0; u < groups; u++) {
      const int64_t t = bitrev[u] >> 1, j = bitrev[t] >> 1, outOff = t * len;
      const double evenR = x[j], evenI = Y(j);
      const double oddR = x[j + h], oddI = Y(j + h);
      out[outOff] = evenR + oddR;
      out[outOff + 1] = evenI + oddI;
      out[outOff + 2] = evenR - oddR;
      out[outOff + 3] = evenI - oddI;
    }
    return;
  }
  for (int64_t u = 0; u < groups; u++) {
    const int64_t t = bitrev[u] >> 1, j = bitrev[t] >> 1, outOff = t * len;
    const double Ar = x[j], Ai = Y(j);
    const double Br = x[j + h], Bi = Y(j + h);
    const double Cr = x[j + 2 * h], Ci = Y(j + 2 * h);
    const double Dr = x[j + 3 * h], Di = Y(j + 3 * h);
    const double T0r = Ar + Cr, T0i = Ai + Ci;
    const double T1r = Ar - Cr, T1i = Ai - Ci;
    const double T2r = Br + Dr, T2i = Bi + Di;
    const double T3r = sign * (Br - Dr), T3i = sign * (Bi - Di);
    out[outOff] = T0r + T2r;
    out[outOff + 1] = T0i + T2i;
    out[outOff + 2] = T1r + T3i;
    out[outOff + 3] = T1i - T3r;
    out[outOff + 4] = T0r - T2r;
    out[outOff + 5] = T0i - T2i;
    out[outOff + 6] = T1r - T3i;
    out[outOff + 7] = T1i + T3r;
  }
#undef Y
}

/* One radix-4 stage, scalar: the JavaScript loop body line for line. */
static void stage_scalar(double *out, const double *tw, int64_t size, int64_t len, double sign) {
  const int64_t quarterLen = len >> 2;
  for (int64_t outOff = 0; outOff < size; outOff += len) {
    const int64_t limit = outOff + quarterLen;
    const double *t = tw;
    for (int64_t A = outOff; A < limit; A += 2, t += 6) {
      const int64_t B = A + quarterLen, C = B + quarterLen, D = C + quarterLen;
      const double Ar = out[A], Ai = out[A + 1];
      const double Br = out[B], Bi = out[B + 1];
      const double Cr = out[C], Ci = out[C + 1];
      const double Dr = out[D], Di = out[D + 1];
      const double MBr = Br * t[0] - Bi * t[1];
      const double MBi = Br * t[1] + Bi * t[0];
      const double MCr = Cr * t[2] - Ci * t[3];
      const double MCi = Cr * t[3] + Ci * t[2];
      const double MDr = Dr * t[4] - Di * t[5];
      const double MDi = Dr * t[5] + Di * t[4];
      const double T0r = Ar + MCr, T0i = Ai + MCi;
      const double T1r = Ar - MCr, T1i = Ai - MCi;
      const double T2r = MBr + MDr, T2i = MBi + MDi;
      const double T3r = sign * (MBr - MDr), T3i = sign * (MBi - MDi);
      out[A] = T0r + T2r;
      out[A + 1] = T0i + T2i;
      out[B] = T1r + T3i;
      out[B + 1] = T1i - T3r;
      out[C] = T0r - T2r;
      out[C + 1] = T0i - T2i;
      out[D] = T1r - T3i;
      out[D + 1] = T1i + T3r;
    }
  }
}

#if CELM_X86
/*
 * The same stage, two butterflies (A and A + 2) per iteration in 256-bit registers [re0, im0, re1, im1].
 * Per butterfly the operations are those of stage_scalar:
 *   MB = [Br tBr - Bi tBi, Bi tBr + Br tBi]   (addsub of B * tBr and swap(B) * tBi; a + b == b + a)
 *   out[B] = [T1r + T3i, T1i - T3r] = T1 + [T3i, -T3r]      (x - y is x + (-y))
 *   out[D] = [T1r - T3i, T1i + T3r] = addsub(T1, swap(T3))
 * The quarter length is always an even number of complex values (>= 2), so no remainder loop.
 */
__attribute__((target("avx2"))) static void stage_avx2(double *out, const double *tw, int64_t size,
                                                        int64_t len, double sign) {
  const int64_t quarterLen = len >> 2;
  const __m256d flip = sign < 0 ? _mm256_set1_pd(-0.0) : _mm256_setzero_pd(); /* sign * x */
  const __m256d oddNeg = _mm256_set_pd(-0.0, 0.0, -0.0, 0.0);
  for (int64_t outOff = 0; outOff < size; outOff += len) {
    const int64_t limit = outOff + quarterLen;
    const double *t = tw;
    for (int64_t A = outOff; A < limit; A += 4, t += 12) {
      double *pA = out + A, *pB = pA + quarterLen, *pC = pB + quarterLen, *pD = pC + quarterLen;
      const __m256d a = _mm256_loadu_pd(pA), b = _mm256_loadu_pd(pB);
      const __m256d c = _mm256_loadu_pd(pC), d = _mm256_loadu_pd(pD);
      /* twiddles of butterflies j and j + 1: [tr, ti] pairs at t[0..5] and t[6..11] */
      const __m256d tB = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(t)), _mm_loadu_pd(t + 6), 1);
      const __m256d tC = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(t + 2)), _mm_loadu_pd(t + 8), 1);
      const __m256d tD = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(t + 4)), _mm_loadu_pd(t + 10), 1);
      const __m256d MB = _mm256_addsub_pd(_mm256_mul_pd(b, _mm256_movedup_pd(tB)),
                                          _mm256_mul_pd(_mm256_permute_pd(b, 5), _mm256_permute_pd(tB, 15)));
      const __m256d MC = _mm256_addsub_pd(_mm256_mul_pd(c, _mm256_movedup_pd(tC)),
                                          _mm256_mul_pd(_mm256_permute_pd(c, 5), _mm256_permute_pd(tC, 15)));
      const __m256d MD = _mm256_addsub_pd(_mm256_mul_pd(d, _mm256_movedup_pd(tD)),
                                          _mm256_mul_pd(_mm256_permute_pd(d, 5), _mm256_permute_pd(tD, 15)));
      const __m256d T0 = _mm256_add_pd(a, MC);
      const __m256d T1 = _mm256_sub_pd(a, MC);
      const __m256d T2 = _mm256_add_pd(MB, MD);
      const __m256d T3 = _mm256_xor_pd(_mm256_sub_pd(MB, MD), flip);
      const __m256d T3s = _mm256_permute_pd(T3, 5); /* [T3i, T3r] */
      _mm256_storeu_pd(pA, _mm256_add_pd(T0, T2));
      _mm256_storeu_pd(pB, _mm256_add_pd(T1, _mm256_xor_pd(T3s, oddNeg)));
      _mm256_storeu_pd(pC, _mm256_sub_pd(T0, T2));
      _mm256_storeu_pd(pD, _mm256_addsub_pd(T1, T3s));
    }
  }
}

static int have_avx2(void) {
  static int known = -1;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx2") ? 1 : 0;
  }
  return known;
}
#endif

static int use_simd = 1; /* setSimd(false) forces the scalar stages (tests compare both) */

/* Butterflies per stage table (see the Fft constructor): count = (len >> 3) + 1, 6 doubles each. */
static int64_t stage_table_len(int64_t len) { return 6 * ((len >> 3) + 1); }

/*
 * Stages are run depth first: a group of `len` values needs only the four groups of len / 4 inside it
 * from the stage before, so once a group fits in L2 all of its stages run there before the next group
 * is touched (breadth first, every stage of a 65536-point transform would stream 1 MB through memory).
 * Every butterfly still sees the same operands: the order of independent butterflies is all that changes.
 */
#ifndef CELM_FFT_BLOCK
#define CELM_FFT_BLOCK 32768 /* doubles (256 KiB): below this a group's stages run breadth first */
#endif

typedef struct {
  int64_t step0, len[32];
  const double *tw[32];
  double sign;
  int simd;
} fft_run;

static void run_stage(const fft_run *r, double *out, int64_t size, int k) {
#if CELM_X86
  if (r->simd) {
    stage_avx2(out, r->tw[k], size, r->len[k], r->sign);
    return;
  }
#endif
  stage_scalar(out, r->tw[k], size, r->len[k], r->sign);
}

/* Stages 1..k of out[off, off + len[k]) (the first step is done). */
static void fft_rec(const fft_run *r, double *out, int64_t off, int k) {
  if (k == 0) return;
  if (r->len[k] <= CELM_FFT_BLOCK) {
    for (int j = 1; j <= k; j++) run_stage(r, out + off, r->len[k], j);
    return;
  }
  const int64_t q = r->len[k] >> 2;
  for (int i = 0; i < 4; i++) fft_rec(r, out, off + i * q, k - 1);
  run_stage(r, out + off, r->len[k], k);
}

/* Complex transform of `data`, or (data NULL) of the pair x + i y as first_step_pair reads it. */
static void fft_any(double *out, const double *data, const double *x, const double *y, const int32_t *bitrev,
                    const double *tw, int64_t size, int inverse) {
  const fft_shape sh = shape_of(size);
  fft_run r;
  r.sign = inverse ? -1.0 : 1.0;
  r.step0 = (int64_t)1 << sh.width;
  r.len[0] = (sh.csize / r.step0) << 1;
#if CELM_X86
  r.simd = use_simd && have_avx2();
#else
  r.simd = 0;
#endif
  int k = 0;
  for (int64_t step = r.step0 >> 2; step >= 2; step >>= 2) {
    k++;
    r.len[k] = (sh.csize / step) << 1;
    r.tw[k] = tw;
    tw += stage_table_len(r.len[k]);
  }
  if (data) first_step(out, data, bitrev, sh.csize, r.step0, r.len[0], r.sign);
  else first_step_pair(out, x, y, bitrev, sh.csize, r.step0, r.len[0], r.sign);
  fft_rec(&r, out, 0, k);
}

static void fft_complex(double *out, const double *data, const int32_t *bitrev, const double *tw, int64_t size,
                        int inverse) {
  fft_any(out, data, NULL, NULL, bitrev, tw, size, inverse);
}

/* One butterfly i (even, 0 <= i <= len / 8) of a real-transform stage, as in Fft.real. */
static inline void real_bfly(double *out, const double *t, int64_t outOff, int64_t i, int64_t len) {
  const int64_t halfLen = len >> 1, quarterLen = halfLen >> 1, hquarterLen = quarterLen >> 1;
  const int64_t A = outOff + i, B = A + quarterLen, C = B + quarterLen, D = C + quarterLen;
  const double Ar = out[A], Ai = out[A + 1];
  const double Br = out[B], Bi = out[B + 1];
  const double Cr = out[C], Ci = out[C + 1];
  const double Dr = out[D], Di = out[D + 1];
  const double MBr = Br * t[0] - Bi * t[1];
  const double MBi = Br * t[1] + Bi * t[0];
  const double MCr = Cr * t[2] - Ci * t[3];
  const double MCi = Cr * t[3] + Ci * t[2];
  const double MDr = Dr * t[4] - Di * t[5];
  const double MDi = Dr * t[5] + Di * t[4];
  const double T0r = Ar + MCr, T0i = Ai + MCi;
  const double T1r = Ar - MCr, T1i = Ai - MCi;
  const double T2r = MBr + MDr, T2i = MBi + MDi;
  const double T3r = MBr - MDr, T3i = MBi - MDi;
  out[A] = T0r + T2r;
  out[A + 1] = T0i + T2i;
  out[B] = T1r + T3i;
  out[B + 1] = T1i - T3r;
  if (i == 0) {
    out[C] = T0r - T2r;
    out[C + 1] = T0i - T2i;
    return;
  }
  if (i == hquarterLen) return;
  const int64_t SA = outOff + quarterLen - i, SB = outOff + halfLen - i;
  /* ST0 = conj(T1), ST1 = conj(T0), ST2 = -(T3i, T3r), ST3 = -(T2i, T2r) */
  out[SA] = T1r + -T3i;
  out[SA + 1] = -T1i + -T3r;
  out[SB] = T0r + -T2r;
  out[SB + 1] = -T0i - -T2i;
}

#if CELM_X86
/*
 * A real-transform stage with the butterflies strictly between 0 and len / 8 taken two at a time. They
 * are independent: each reads the lower halves of its group's quarters and writes its own slots there
 * plus mirrored slots in the upper halves of the first two quarters, which no butterfly reads. Per
 * butterfly the operations are real_bfly's (see stage_avx2 for the complex products); the mirrored
 * values use x + (-y) and x - (-y) = x + y, which IEEE 754 defines to be the same operations.
 */
__attribute__((target("avx2"))) static void real_stage_avx2(double *out, const double *tw, int64_t size, int64_t len) {
  const int64_t halfLen = len >> 1, quarterLen = halfLen >> 1, hq = quarterLen >> 1;
  const __m256d oddNeg = _mm256_set_pd(-0.0, 0.0, -0.0, 0.0);
  const __m256d evenNeg = _mm256_set_pd(0.0, -0.0, 0.0, -0.0);
  const __m256d allNeg = _mm256_set1_pd(-0.0);
  for (int64_t outOff = 0; outOff < size; outOff += len) {
    real_bfly(out, tw, outOff, 0, len);
    int64_t i = 2;
    for (; i + 2 < hq; i += 4) {
      const double *t = tw + 3 * i;
      double *pA = out + outOff + i, *pB = pA + quarterLen, *pC = pB + quarterLen, *pD = pC + quarterLen;
      const __m256d a = _mm256_loadu_pd(pA), b = _mm256_loadu_pd(pB);
      const __m256d c = _mm256_loadu_pd(pC), d = _mm256_loadu_pd(pD);
      const __m256d tB = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(t)), _mm_loadu_pd(t + 6), 1);
      const __m256d tC = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(t + 2)), _mm_loadu_pd(t + 8), 1);
      const __m256d tD = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(t + 4)), _mm_loadu_pd(t + 10), 1);
      const __m256d MB = _mm256_addsub_pd(_mm256_mul_pd(b, _mm256_movedup_pd(tB)),
                                          _mm256_mul_pd(_mm256_permute_pd(b, 5), _mm256_permute_pd(tB, 15)));
      const __m256d MC = _mm256_addsub_pd(_mm256_mul_pd(c, _mm256_movedup_pd(tC)),
                                          _mm256_mul_pd(_mm256_permute_pd(c, 5), _mm256_permute_pd(tC, 15)));
      const __m256d MD = _mm256_addsub_pd(_mm256_mul_pd(d, _mm256_movedup_pd(tD)),
                                          _mm256_mul_pd(_mm256_permute_pd(d, 5), _mm256_permute_pd(tD, 15)));
      const __m256d T0 = _mm256_add_pd(a, MC);
      const __m256d T1 = _mm256_sub_pd(a, MC);
      const __m256d T2 = _mm256_add_pd(MB, MD);
      const __m256d T3 = _mm256_sub_pd(MB, MD);
      const __m256d T3s = _mm256_permute_pd(T3, 5); /* [T3i, T3r] */
      _mm256_storeu_pd(pA, _mm256_add_pd(T0, T2));
      _mm256_storeu_pd(pB, _mm256_add_pd(T1, _mm256_xor_pd(T3s, oddNeg)));
      /* mirrored: [T1r + -T3i, -T1i + -T3r] and [T0r + -T2r, -T0i + T2i], butterfly i + 2 first */
      const __m256d SA = _mm256_add_pd(_mm256_xor_pd(T1, oddNeg), _mm256_xor_pd(T3s, allNeg));
      const __m256d SB = _mm256_add_pd(_mm256_xor_pd(T0, oddNeg), _mm256_xor_pd(T2, evenNeg));
      _mm256_storeu_pd(out + outOff + quarterLen - i - 2, _mm256_permute2f128_pd(SA, SA, 1));
      _mm256_storeu_pd(out + outOff + halfLen - i - 2, _mm256_permute2f128_pd(SB, SB, 1));
    }
    for (; i <= hq; i += 2) real_bfly(out, tw + 3 * i, outOff, i, len);
  }
}
#endif

/* Real-input transform (Fft.real): bins 0..size/2 of interleaved `out`. */
static void fft_real(double *out, const double *data, const int32_t *bitrev, const double *tw, int64_t size) {
  const fft_shape sh = shape_of(size);
  const int64_t csize = sh.csize;
  int64_t step = (int64_t)1 << sh.width;
  int64_t len = (csize / step) << 1;
  const int64_t hstep = step >> 1;
  if (len == 4) {
    for (int64_t outOff = 0, t = 0; outOff < csize; outOff += len, t++) {
      const int64_t off = bitrev[t] >> 1;
      const double evenR = data[off], oddR = data[off + hstep];
      out[outOff] = evenR + oddR;
      out[outOff + 1] = 0;
      out[outOff + 2] = evenR - oddR;
      out[outOff + 3] = 0;
    }
  } else {
    const int64_t hstep2 = hstep * 2, hstep3 = hstep * 3;
    for (int64_t outOff = 0, t = 0; outOff < csize; outOff += len, t++) {
      const int64_t off = bitrev[t] >> 1;
      const double Ar = data[off], Br = data[off + hstep], Cr = data[off + hstep2], Dr = data[off + hstep3];
      const double T0r = Ar + Cr, T1r = Ar - Cr, T2r = Br + Dr, T3r = Br - Dr;
      out[outOff] = T0r + T2r;
      out[outOff + 1] = 0;
      out[outOff + 2] = T1r;
      out[outOff + 3] = -T3r;
      out[outOff + 4] = T0r - T2r;
      out[outOff + 5] = 0;
      out[outOff + 6] = T1r;
      out[outOff + 7] = T3r;
    }
  }
  for (step >>= 2; step >= 2; step >>= 2) {
    len = (csize / step) << 1;
#if CELM_X86
    if (use_simd && have_avx2()) real_stage_avx2(out, tw, csize, len);
    else
#endif
      for (int64_t outOff = 0; outOff < csize; outOff += len)
        for (int64_t i = 0; i <= (len >> 3); i += 2) real_bfly(out, tw + 3 * i, outOff, i, len);
    tw += stage_table_len(len);
  }
}

static int is_pow2(int64_t n) { return n > 1 && (n & (n - 1)) == 0; }

/* The bit-reversal table has 2^width entries; twiddles: the stages' tables back to back. */
static int64_t twiddle_len(int64_t size) {
  const fft_shape sh = shape_of(size);
  int64_t n = 0;
  for (int64_t step = ((int64_t)1 << sh.width) >> 2; step >= 2; step >>= 2) n += stage_table_len((sh.csize / step) << 1);
  return n;
}

/* ---------- overlap-save block (FirStream.block, filter.ts) ---------- */

/*
 * spec = FFT([x0, y0, x1, y1, ...]) * H (y = 0 when NULL); work = unscaled IFFT(spec). The JavaScript
 * interleaves the pair into work first; here the first step reads x and y (work is overwritten anyway).
 */
static void fir_pair(const double *x, const double *y, const double *h, double *w, double *s, const int32_t *bitrev,
                     const double *twf, const double *twi, int64_t N) {
  fft_any(s, NULL, x, y, bitrev, twf, N, 0); /* reads x and y where FFT(work) would read work */
  for (int64_t k = 0; k < 2 * N; k += 2) {
    const double re = s[k] * h[k] - s[k + 1] * h[k + 1];
    const double im = s[k] * h[k + 1] + s[k + 1] * h[k];
    s[k] = re;
    s[k + 1] = im;
  }
  fft_complex(w, s, bitrev, twi, N, 1);
}

/* ---------- polyphase resampling (resample.ts) ---------- */

/* One output of one channel: four partial sums over t = 0, 4, 8, ... then the tail into s0. */
static inline float dot4_scalar(const double *d, const double *w, int64_t taps) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t t = 0;
  for (; t + 3 < taps; t += 4) {
    s0 += d[t] * w[t];
    s1 += d[t + 1] * w[t + 1];
    s2 += d[t + 2] * w[t + 2];
    s3 += d[t + 3] * w[t + 3];
  }
  for (; t < taps; t++) s0 += d[t] * w[t];
  return (float)(s0 + s1 + s2 + s3);
}

#if CELM_X86
/*
 * The same with the four partial sums as the four lanes of one register (lane i: t = i mod 4), for
 * four channels at once: their four independent add chains overlap (one alone waits on add latency)
 * and each weight is loaded once. The tail goes into lane 0 (s0), then ((s0 + s1) + s2) + s3.
 */
__attribute__((target("avx2"))) static inline float finish_avx2(__m256d s, const double *d, const double *w,
                                                                  int64_t t, int64_t taps) {
  __m128d lo = _mm256_castpd256_pd128(s), hi = _mm256_extractf128_pd(s, 1);
  double s0 = _mm_cvtsd_f64(lo), s1 = _mm_cvtsd_f64(_mm_unpackhi_pd(lo, lo));
  const double s2 = _mm_cvtsd_f64(hi), s3 = _mm_cvtsd_f64(_mm_unpackhi_pd(hi, hi));
  for (; t < taps; t++) s0 += d[t] * w[t];
  return (float)(s0 + s1 + s2 + s3);
}

__attribute__((target("avx2"))) static void polyphase_avx2(const double **d, float **o, int nch, const double *table,
                                                            int64_t taps, const int32_t *bases, const int32_t *rows,
                                                            int64_t count) {
  const int64_t body = taps & ~(int64_t)3;
  for (int64_t q = 0; q < count; q++) {
    const double *w = table + rows[q];
    const int64_t b = bases[q];
    int c = 0;
    for (; c + 3 < nch; c += 4) {
      const double *d0 = d[c] + b, *d1 = d[c + 1] + b, *d2 = d[c + 2] + b, *d3 = d[c + 3] + b;
      __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
      for (int64_t t = 0; t < body; t += 4) {
        const __m256d wt = _mm256_loadu_pd(w + t);
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(_mm256_loadu_pd(d0 + t), wt));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(_mm256_loadu_pd(d1 + t), wt));
        s2 = _mm256_add_pd(s2, _mm256_mul_pd(_mm256_loadu_pd(d2 + t), wt));
        s3 = _mm256_add_pd(s3, _mm256_mul_pd(_mm256_loadu_pd(d3 + t), wt));
      }
      o[c][q] = finish_avx2(s0, d0, w, body, taps);
      o[c + 1][q] = finish_avx2(s1, d1, w, body, taps);
      o[c + 2][q] = finish_avx2(s2, d2, w, body, taps);
      o[c + 3][q] = finish_avx2(s3, d3, w, body, taps);
    }
    for (; c < nch; c++) {
      const double *dc = d[c] + b;
      __m256d s0 = _mm256_setzero_pd();
      for (int64_t t = 0; t < body; t += 4) s0 = _mm256_add_pd(s0, _mm256_mul_pd(_mm256_loadu_pd(dc + t), _mm256_loadu_pd(w + t)));
      o[c][q] = finish_avx2(s0, dc, w, body, taps);
    }
  }
}
#endif

static void polyphase_all(const double **d, float **o, int nch, const double *table, int64_t taps,
                         const int32_t *bases, const int32_t *rows, int64_t count) {
#if CELM_X86
  if (use_simd && have_avx2()) {
    polyphase_avx2(d, o, nch, table, taps, bases, rows, count);
    return;
  }
#endif
  for (int64_t q = 0; q < count; q++) {
    const double *w = table + rows[q];
    for (int c = 0; c < nch; c++) o[c][q] = dot4_scalar(d[c] + bases[q], w, taps);
  }
}

/* ---------- Welch PSD (spectral.ts) ---------- */

/*
 * Welch.psd of x[from, from + length) (float or double samples): returns the number of windows. The
 * windows' means are sums of 800 or so terms in order, one long chain of dependent additions each; up
 * to four windows' sums run side by side (each still in its own order) so that the chains overlap.
 */
#define WELCH_BODY(T)                                                                               \
  const T *xt = (const T *)x;                                                                       \
  for (int64_t s0 = from; s0 + nperseg <= from + length; s0 += 4 * step) {                          \
    int nw = 1;                                                                                     \
    while (nw < 4 && s0 + nw * step + nperseg <= from + length) nw++;                               \
    double m[4] = {0, 0, 0, 0};                                                                     \
    if (nw == 4) {                                                                                  \
      const T *x0 = xt + s0, *x1 = x0 + step, *x2 = x1 + step, *x3 = x2 + step;                     \
      double m0 = 0, m1 = 0, m2 = 0, m3 = 0;                                                        \
      for (int64_t i = 0; i < nperseg; i++) {                                                       \
        m0 += x0[i];                                                                                \
        m1 += x1[i];                                                                                \
        m2 += x2[i];                                                                                \
        m3 += x3[i];                                                                                \
      }                                                                                             \
      m[0] = m0, m[1] = m1, m[2] = m2, m[3] = m3;                                                   \
    } else                                                                                          \
      for (int w = 0; w < nw; w++)                                                                  \
        for (int64_t i = 0; i < nperseg; i++) m[w] += xt[s0 + w * step + i];                        \
    for (int w = 0; w < nw; w++) {                                                                  \
      const T *xs = xt + s0 + w * step;                                                             \
      const double mean = m[w] / (double)nperseg;                                                   \
      for (int64_t i = 0; i < nperseg; i++) buf[i] = ((double)xs[i] - mean) * win[i];               \
      /* buf[nperseg, nfft) stays zero: nothing writes there */                                     \
      fft_real(out, buf, bitrev, tw, nfft);                                                         \
      for (int64_t k = 0; k <= half; k++) {                                                         \
        const double p = out[2 * k] * out[2 * k] + out[2 * k + 1] * out[2 * k + 1];                 \
        psd[k] += k == 0 || k == half ? p : 2 * p;                                                  \
      }                                                                                             \
      windows++;                                                                                    \
    }                                                                                               \
  }

static int64_t welch_psd(const void *x, int isFloat, int64_t from, int64_t length, const double *win,
                         int64_t nperseg, int64_t step, double *buf, int64_t nfft, double *out, double *psd,
                         int64_t npsd, const int32_t *bitrev, const double *tw, double scale) {
  const int64_t half = nfft / 2;
  int64_t windows = 0;
  for (int64_t k = 0; k < npsd; k++) psd[k] = 0;
  if (isFloat) {
    WELCH_BODY(float)
  } else {
    WELCH_BODY(double)
  }
  if (windows > 0) {
    const double sc = scale / (double)windows;
    for (int64_t k = 0; k < npsd; k++) psd[k] *= sc;
  }
  return windows;
}

/* ---------- per-second clipping counts and segment statistics (pipeline.ts) ---------- */

/*
 * prepare()'s clipping counts: samples [k, end) of x fall in second `sec` (end from the same double
 * arithmetic as the JavaScript); counts saturate at 65535. Seconds outside the bins are dropped, as
 * out-of-range writes to a Uint16Array are.
 */
static void clip_counts(const float *x, int64_t n, double t0, double fs, double lo, double hi, uint16_t *cb,
                        uint16_t *sb, int64_t nbins) {
  int64_t k = 0;
  for (double sec = floor(t0); k < n; sec++) {
    const double e = ceil((sec + 1 - t0) * fs - 1e-9);
    const double lim = (double)n < e ? (double)n : e; /* Math.min(x.length, e) */
    const int64_t end = (double)(k + 1) > lim ? k + 1 : (int64_t)lim; /* Math.max(k + 1, lim) */
    int64_t clipped = 0;
    for (int64_t i = k; i < end; i++) clipped += x[i] <= lo || x[i] >= hi;
    if (sec >= 0 && sec < (double)nbins) {
      const int64_t j = (int64_t)sec;
      const int64_t s = sb[j] + (end - k), c = cb[j] + clipped;
      sb[j] = (uint16_t)(s < 65535 ? s : 65535);
      cb[j] = (uint16_t)(c < 65535 ? c : 65535);
    }
    k = end;
  }
}

/* analyse()'s per-channel statistics of one segment: out = [sum, sum of squares, max |x| per window]. */
static void segment_stats(const float *x, int64_t len, int64_t nWin, int64_t winLen, double *out) {
  double sum = 0, sum2 = 0;
  for (int64_t k = 0; k < len; k++) {
    const double v = x[k];
    sum += v;
    sum2 += v * v;
  }
  out[0] = sum;
  out[1] = sum2;
  for (int64_t w = 0; w < nWin; w++) {
    const float *a = x + w * winLen;
    double m = 0;
    for (int64_t k = 0; k < winLen; k++) {
      const double v = fabs((double)a[k]);
      m = v > m ? v : m;
    }
    out[2 + w] = m;
  }
}

/* ---------- N-API plumbing (left out with -DCELM_SIGNAL_KERNELS_ONLY, for C benchmarks of the kernels) ---------- */
#ifndef CELM_SIGNAL_KERNELS_ONLY
#define NAPI_VERSION 8
#include <node_api.h>

#define CHECK(call)                                                                            \
  do {                                                                                         \
    if ((call) != napi_ok) {                                                                   \
      napi_throw_error(env, NULL, "celm_signal: N-API call failed: " #call);                   \
      return NULL;                                                                             \
    }                                                                                          \
  } while (0)

typedef struct {
  napi_typedarray_type type;
  size_t length;
  void *data;
} view;

/* A typed array argument of the expected type (throws and returns 0 otherwise). */
static int get_view(napi_env env, napi_value v, napi_typedarray_type want, view *out, const char *what) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &ab, &off) != napi_ok ||
      out->type != want) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  return 1;
}

static int get_i64(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

static int check_plan(napi_env env, int64_t size, const view *bitrev, const view *tw) {
  const fft_shape sh = shape_of(size);
  if ((int64_t)bitrev->length != ((int64_t)1 << sh.width) || (int64_t)tw->length != twiddle_len(size)) {
    napi_throw_range_error(env, NULL, "celm_signal: FFT tables do not match the size");
    return 0;
  }
  return 1;
}

/* fft(out, data, bitrev, twiddles, inverse): complex transform, inverse unscaled. */
static napi_value js_fft(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value a[5];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  view out, data, bitrev, tw;
  bool inverse = false;
  if (argc < 5 || !get_view(env, a[0], napi_float64_array, &out, "out: Float64Array") ||
      !get_view(env, a[1], napi_float64_array, &data, "data: Float64Array") ||
      !get_view(env, a[2], napi_int32_array, &bitrev, "bitrev: Int32Array") ||
      !get_view(env, a[3], napi_float64_array, &tw, "twiddles: Float64Array"))
    return NULL;
  CHECK(napi_get_value_bool(env, a[4], &inverse));
  const int64_t size = (int64_t)data.length / 2;
  if (!is_pow2(size) || out.length != data.length || out.data == data.data) {
    napi_throw_range_error(env, NULL, "celm_signal: fft needs distinct buffers of 2 * size, size a power of 2");
    return NULL;
  }
  if (!check_plan(env, size, &bitrev, &tw)) return NULL;
  fft_complex(out.data, data.data, bitrev.data, tw.data, size, inverse);
  return NULL;
}

/* fftReal(out, data, bitrev, twiddles): real-input forward transform (out has 2 * size doubles). */
static napi_value js_fft_real(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  view out, data, bitrev, tw;
  if (argc < 4 || !get_view(env, a[0], napi_float64_array, &out, "out: Float64Array") ||
      !get_view(env, a[1], napi_float64_array, &data, "data: Float64Array") ||
      !get_view(env, a[2], napi_int32_array, &bitrev, "bitrev: Int32Array") ||
      !get_view(env, a[3], napi_float64_array, &tw, "twiddles: Float64Array"))
    return NULL;
  const int64_t size = (int64_t)data.length;
  if (!is_pow2(size) || (int64_t)out.length != 2 * size || out.data == data.data) {
    napi_throw_range_error(env, NULL, "celm_signal: fftReal needs data of size (a power of 2) and out of 2 * size");
    return NULL;
  }
  if (!check_plan(env, size, &bitrev, &tw)) return NULL;
  fft_real(out.data, data.data, bitrev.data, tw.data, size);
  return NULL;
}

/*
 * firPair(a, b | null, H, work, spec, bitrev, twFwd, twInv[, outA, outB | null, off, count, at]):
 * FirStream.block's convolution of one channel pair: work = [a0, b0, a1, b1, ...] (b = 0 when null);
 * spec = FFT(work); spec *= H (complex, H already divided by N); work = unscaled inverse FFT(spec).
 * a and b have N samples; H, work and spec 2N. With outA, the wanted outputs are copied out too.
 */
static napi_value js_fir_pair(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value a[13];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  view va, vb, H, work, spec, bitrev, twf, twi;
  napi_valuetype tb;
  if (argc < 8) {
    napi_throw_type_error(env, NULL, "firPair: 8 arguments");
    return NULL;
  }
  CHECK(napi_typeof(env, a[1], &tb));
  const int hasB = tb != napi_null && tb != napi_undefined;
  if (!get_view(env, a[0], napi_float64_array, &va, "a: Float64Array") ||
      (hasB && !get_view(env, a[1], napi_float64_array, &vb, "b: Float64Array or null")) ||
      !get_view(env, a[2], napi_float64_array, &H, "H: Float64Array") ||
      !get_view(env, a[3], napi_float64_array, &work, "work: Float64Array") ||
      !get_view(env, a[4], napi_float64_array, &spec, "spec: Float64Array") ||
      !get_view(env, a[5], napi_int32_array, &bitrev, "bitrev: Int32Array") ||
      !get_view(env, a[6], napi_float64_array, &twf, "twFwd: Float64Array") ||
      !get_view(env, a[7], napi_float64_array, &twi, "twInv: Float64Array"))
    return NULL;
  const int64_t N = (int64_t)va.length;
  if (!is_pow2(N) || (hasB && (int64_t)vb.length != N) || (int64_t)H.length != 2 * N ||
      (int64_t)work.length != 2 * N || (int64_t)spec.length != 2 * N || work.data == spec.data) {
    napi_throw_range_error(env, NULL, "firPair: sizes do not match");
    return NULL;
  }
  if (!check_plan(env, N, &bitrev, &twf) || !check_plan(env, N, &bitrev, &twi)) return NULL;
  fir_pair(va.data, hasB ? vb.data : NULL, H.data, work.data, spec.data, bitrev.data, twf.data, twi.data, N);
  if (argc < 13) return NULL;
  /* The copy out of the wanted outputs: outA[at + k] = work[2 (off + k)], outB likewise from the odd slots. */
  view oa, ob;
  int64_t off, count, at;
  napi_valuetype tob;
  CHECK(napi_typeof(env, a[9], &tob));
  const int hasOb = tob != napi_null && tob != napi_undefined;
  if (!get_view(env, a[8], napi_float64_array, &oa, "outA: Float64Array") ||
      (hasOb && !get_view(env, a[9], napi_float64_array, &ob, "outB: Float64Array or null")) ||
      !get_i64(env, a[10], &off) || !get_i64(env, a[11], &count) || !get_i64(env, a[12], &at)) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_type_error(env, NULL, "firPair: bad output arguments");
    return NULL;
  }
  if (off < 0 || count < 0 || at < 0 || off + count > N || at + count > (int64_t)oa.length ||
      (hasOb && at + count > (int64_t)ob.length)) {
    napi_throw_range_error(env, NULL, "firPair: output range out of bounds");
    return NULL;
  }
  const double *w = (const double *)work.data + 2 * off;
  double *pa = (double *)oa.data + at, *pb = hasOb ? (double *)ob.data + at : NULL;
  for (int64_t k = 0; k < count; k++) pa[k] = w[2 * k];
  if (pb)
    for (int64_t k = 0; k < count; k++) pb[k] = w[2 * k + 1];
  return NULL;
}

/*
 * polyphase(data[], out[], table, taps, bases, rows, count): out[c][q] = sum_t data[c][bases[q] + t] *
 * table[rows[q] + t]. All channels per output position, so each table row (one per output, from a
 * table too big for L2 with 4096 phases) is loaded from memory once and then read from L1.
 */
#define MAX_CH 4096
static napi_value js_polyphase(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "polyphase: 7 arguments");
    return NULL;
  }
  uint32_t nd = 0, no = 0;
  CHECK(napi_get_array_length(env, a[0], &nd));
  CHECK(napi_get_array_length(env, a[1], &no));
  view table, bases, rows;
  int64_t taps, count;
  if (nd != no || nd > MAX_CH || !get_view(env, a[2], napi_float64_array, &table, "table: Float64Array") ||
      !get_i64(env, a[3], &taps) || !get_view(env, a[4], napi_int32_array, &bases, "bases: Int32Array") ||
      !get_view(env, a[5], napi_int32_array, &rows, "rows: Int32Array") || !get_i64(env, a[6], &count)) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_type_error(env, NULL, "polyphase: bad arguments");
    return NULL;
  }
  if (count < 0 || taps < 1 || (int64_t)bases.length < count || (int64_t)rows.length < count) {
    napi_throw_range_error(env, NULL, "polyphase: count exceeds bases/rows");
    return NULL;
  }
  const double *d[MAX_CH];
  float *o[MAX_CH];
  int64_t dlen = -1;
  for (uint32_t c = 0; c < nd; c++) {
    napi_value e;
    view vd, vo;
    CHECK(napi_get_element(env, a[0], c, &e));
    if (!get_view(env, e, napi_float64_array, &vd, "data[c]: Float64Array")) return NULL;
    CHECK(napi_get_element(env, a[1], c, &e));
    if (!get_view(env, e, napi_float32_array, &vo, "out[c]: Float32Array")) return NULL;
    if ((int64_t)vo.length < count) {
      napi_throw_range_error(env, NULL, "polyphase: out[c] shorter than count");
      return NULL;
    }
    if (dlen < 0 || (int64_t)vd.length < dlen) dlen = (int64_t)vd.length;
    d[c] = vd.data;
    o[c] = vo.data;
  }
  /* Bounds: every row and every input window must lie inside its array. */
  const int32_t *bs = bases.data, *rs = rows.data;
  for (int64_t q = 0; q < count; q++) {
    if (rs[q] < 0 || (int64_t)rs[q] + taps > (int64_t)table.length || bs[q] < 0 ||
        (nd > 0 && (int64_t)bs[q] + taps > dlen)) {
      napi_throw_range_error(env, NULL, "polyphase: a kernel window falls outside its array");
      return NULL;
    }
  }
polyphase_all(d, o, (int)nd, table.data, taps, bs, rs, count);
  return NULL;
}

/*
 * welchPsd(x, from, length, win, noverlap, buf, out, psd, bitrev, twiddles, scale) -> windows:
 * Welch.psd. x is a Float32Array or Float64Array; win has nperseg values; buf nfft; out 2 nfft.
 */
static napi_value js_welch(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value a[11];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 11) {
    napi_throw_type_error(env, NULL, "welchPsd: 11 arguments");
    return NULL;
  }
  bool isTa = false;
  view x, win, buf, out, psd, bitrev, tw;
  CHECK(napi_is_typedarray(env, a[0], &isTa));
  if (!isTa) {
    napi_throw_type_error(env, NULL, "welchPsd: x must be a Float32Array or Float64Array");
    return NULL;
  }
  napi_value ab;
  size_t off;
  CHECK(napi_get_typedarray_info(env, a[0], &x.type, &x.length, &x.data, &ab, &off));
  if (x.type != napi_float32_array && x.type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "welchPsd: x must be a Float32Array or Float64Array");
    return NULL;
  }
  int64_t from, length, noverlap;
  double scale;
  if (!get_i64(env, a[1], &from) || !get_i64(env, a[2], &length) ||
      !get_view(env, a[3], napi_float64_array, &win, "win: Float64Array") || !get_i64(env, a[4], &noverlap) ||
      !get_view(env, a[5], napi_float64_array, &buf, "buf: Float64Array") ||
      !get_view(env, a[6], napi_float64_array, &out, "out: Float64Array") ||
      !get_view(env, a[7], napi_float64_array, &psd, "psd: Float64Array") ||
      !get_view(env, a[8], napi_int32_array, &bitrev, "bitrev: Int32Array") ||
      !get_view(env, a[9], napi_float64_array, &tw, "twiddles: Float64Array") ||
      napi_get_value_double(env, a[10], &scale) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_type_error(env, NULL, "welchPsd: bad arguments");
    return NULL;
  }
  const int64_t nperseg = (int64_t)win.length, nfft = (int64_t)buf.length, half = nfft / 2;
  const int64_t step = nperseg - noverlap;
  if (!is_pow2(nfft) || nfft < nperseg || (int64_t)out.length != 2 * nfft || (int64_t)psd.length < half + 1 ||
      step < 1 || from < 0 || length < 0 || from + length > (int64_t)x.length) {
    napi_throw_range_error(env, NULL, "welchPsd: sizes do not match");
    return NULL;
  }
  if (!check_plan(env, nfft, &bitrev, &tw)) return NULL;
  const int64_t windows = welch_psd(x.data, x.type == napi_float32_array, from, length, win.data, nperseg, step,
                                    buf.data, nfft, out.data, psd.data, (int64_t)psd.length, bitrev.data, tw.data,
                                    scale);
  napi_value r;
  CHECK(napi_create_int64(env, windows, &r));
  return r;
}

/* clipCounts(x: Float32Array, t0, fs, lo, hi, clipBins: Uint16Array, sampleBins: Uint16Array) */
static napi_value js_clip_counts(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  view x, cb, sb;
  double t0, fs, lo, hi;
  if (argc < 7 || !get_view(env, a[0], napi_float32_array, &x, "x: Float32Array") ||
      napi_get_value_double(env, a[1], &t0) != napi_ok || napi_get_value_double(env, a[2], &fs) != napi_ok ||
      napi_get_value_double(env, a[3], &lo) != napi_ok || napi_get_value_double(env, a[4], &hi) != napi_ok ||
      !get_view(env, a[5], napi_uint16_array, &cb, "clipBins: Uint16Array") ||
      !get_view(env, a[6], napi_uint16_array, &sb, "sampleBins: Uint16Array")) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_type_error(env, NULL, "clipCounts: bad arguments");
    return NULL;
  }
  if (cb.length != sb.length || !(fs > 0) || !isfinite(t0)) {
    napi_throw_range_error(env, NULL, "clipCounts: bins of different lengths, or a bad rate or start");
    return NULL;
  }
  clip_counts(x.data, (int64_t)x.length, t0, fs, lo, hi, cb.data, sb.data, (int64_t)cb.length);
  return NULL;
}

/* segmentStats(x: Float32Array, from, len, nWin, winLen, out: Float64Array (2 + nWin)) */
static napi_value js_segment_stats(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  view x, out;
  int64_t from, len, nWin, winLen;
  if (argc < 6 || !get_view(env, a[0], napi_float32_array, &x, "x: Float32Array") || !get_i64(env, a[1], &from) ||
      !get_i64(env, a[2], &len) || !get_i64(env, a[3], &nWin) || !get_i64(env, a[4], &winLen) ||
      !get_view(env, a[5], napi_float64_array, &out, "out: Float64Array")) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_type_error(env, NULL, "segmentStats: bad arguments");
    return NULL;
  }
  if (from < 0 || len < 0 || nWin < 0 || winLen < 0 || from + len > (int64_t)x.length || nWin * winLen > len ||
      (int64_t)out.length < 2 + nWin) {
    napi_throw_range_error(env, NULL, "segmentStats: sizes do not match");
    return NULL;
  }
  segment_stats((const float *)x.data + from, len, nWin, winLen, out.data);
  return NULL;
}

/* setSimd(on): use the AVX2 paths when the CPU has them (default) or the scalar ones. Returns the previous. */
static napi_value js_set_simd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  bool on = true;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc >= 1) CHECK(napi_get_value_bool(env, a[0], &on));
  napi_value r;
  CHECK(napi_get_boolean(env, use_simd != 0, &r));
  use_simd = on ? 1 : 0;
  return r;
}

/* info(): what this build does ({ simd: 'avx2' | 'none' }). */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, s;
#if CELM_X86
  const char *simd = use_simd && have_avx2() ? "avx2" : "none";
#else
  const char *simd = "none";
#endif
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_string_utf8(env, simd, NAPI_AUTO_LENGTH, &s));
  CHECK(napi_set_named_property(env, o, "simd", s));
  return o;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor p[] = {
      {"fft", NULL, js_fft, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fftReal", NULL, js_fft_real, NULL, NULL, NULL, napi_enumerable, NULL},
      {"firPair", NULL, js_fir_pair, NULL, NULL, NULL, napi_enumerable, NULL},
      {"polyphase", NULL, js_polyphase, NULL, NULL, NULL, napi_enumerable, NULL},
      {"welchPsd", NULL, js_welch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"clipCounts", NULL, js_clip_counts, NULL, NULL, NULL, napi_enumerable, NULL},
      {"segmentStats", NULL, js_segment_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setSimd", NULL, js_set_simd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof p / sizeof p[0], p) != napi_ok) return NULL;
  return exports;
}
#endif /* CELM_SIGNAL_KERNELS_ONLY */
