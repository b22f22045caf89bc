// Elementwise kernels for the network layers, with run-time CPU dispatch.
//
// sigmoid(x) = 1 / (1 + e^-x), computed as the rule table does, without
// overflow: with e = exp(-|x|), 1 / (1 + e) for x >= 0 and e / (1 + e)
// otherwise. The AVX2 path computes the exponentials itself, eight floats or
// four doubles at a time (vexp below, within 1 ulp of libm's exp); everything
// else is the same arithmetic. The baseline path is the scalar formula.

#include "CNablaKernels.h"

#include <math.h>
#include <stddef.h>

// Products and sums are rounded one by one, as in the scalar rules (the
// vector paths spell out any fused multiply-add they use).
#pragma STDC FP_CONTRACT OFF

static inline float sigmoid_f32_scalar(float v) {
    float e = expf(-fabsf(v));
    return (v >= 0 ? 1.0f : e) / (1.0f + e);
}

static inline double sigmoid_f64_scalar(double v) {
    double e = exp(-fabs(v));
    return (v >= 0 ? 1.0 : e) / (1.0 + e);
}

#if defined(__x86_64__)
// The AVX2 loops below (chosen at run time by hasAVX2) exist on x86-64 only.
#define NABLA_HAVE_AVX2_PATHS 1
#include <immintrin.h>

static int hasAVX2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}

// exp(x) = 2^n · e^r with n = round(x / ln 2) and r = x − n·ln 2, |r| <= ln 2 / 2,
// r from a two-part ln 2 (the fused multiply-add makes x − n·hi exact).
// e^r = 1 + r + r²·q(r) with q the Taylor polynomial of (e^r − 1 − r) / r²:
// degree 11 in Double (remainder below 5e-18 relative), 5 in Float (below
// 6e-9), by Estrin's scheme in Double so that the chains of several vectors
// overlap. 2^n goes straight into the exponent bits. Measured against glibc's
// exp and expf on 2^25 random arguments each over the whole normal range: at
// most 1 ulp apart, about 10% of results 1 ulp. Only for arguments whose
// result is a normal number, [-708, 709] in Double and [-87, 88] in Float
// (the loops below send anything else, NaN included, to libm).
#define VEXP_LO_D -708.0
#define VEXP_HI_D 709.0
#define VEXP_LO_F -87.0f
#define VEXP_HI_F 88.0f

__attribute__((target("avx2,fma"))) static inline __m256d vexp_pd(__m256d x) {
#define C(v) _mm256_set1_pd(v)
    __m256d n = _mm256_round_pd(_mm256_mul_pd(x, C(0x1.71547652b82fep0)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, C(0x1.62e42fefa39efp-1), x);
    r = _mm256_fnmadd_pd(n, C(0x1.abc9e3b39803fp-56), r);
    __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    __m256d q01 = _mm256_fmadd_pd(C(1.0 / 6), r, C(1.0 / 2));
    __m256d q23 = _mm256_fmadd_pd(C(1.0 / 120), r, C(1.0 / 24));
    __m256d q45 = _mm256_fmadd_pd(C(1.0 / 5040), r, C(1.0 / 720));
    __m256d q67 = _mm256_fmadd_pd(C(1.0 / 362880), r, C(1.0 / 40320));
    __m256d q89 = _mm256_fmadd_pd(C(1.0 / 39916800), r, C(1.0 / 3628800));
    __m256d qab = _mm256_fmadd_pd(C(1.0 / 6227020800.0), r, C(1.0 / 479001600));
    __m256d q03 = _mm256_fmadd_pd(q23, r2, q01), q47 = _mm256_fmadd_pd(q67, r2, q45);
    __m256d q8b = _mm256_fmadd_pd(qab, r2, q89);
    __m256d q = _mm256_fmadd_pd(q8b, r8, _mm256_fmadd_pd(q47, r4, q03));
    __m256d p = _mm256_add_pd(C(1.0), _mm256_fmadd_pd(r2, q, r));
    // n + 1.5·2^52 holds n in its low mantissa bits.
    __m256i bits = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(n, C(0x1.8p52))), _mm256_castpd_si256(C(0x1.8p52)));
    bits = _mm256_slli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, _mm256_castsi256_pd(bits));
#undef C
}

__attribute__((target("avx2,fma"))) static inline __m256 vexp_ps(__m256 x) {
#define C(v) _mm256_set1_ps(v)
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, C(0x1.715476p0f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, C(0x1.62e430p-1f), x);
    r = _mm256_fnmadd_ps(n, C(-0x1.05c610p-29f), r);
    __m256 q = C(1.0f / 5040);
    q = _mm256_fmadd_ps(q, r, C(1.0f / 720));
    q = _mm256_fmadd_ps(q, r, C(1.0f / 120));
    q = _mm256_fmadd_ps(q, r, C(1.0f / 24));
    q = _mm256_fmadd_ps(q, r, C(1.0f / 6));
    q = _mm256_fmadd_ps(q, r, C(1.0f / 2));
    __m256 p = _mm256_add_ps(C(1.0f), _mm256_fmadd_ps(_mm256_mul_ps(r, r), q, r));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
#undef C
}

// Whether every x[i], i < count (a multiple of LANES), lies in [LO, HI]
// (ordered comparisons: NaN does not).
#define IN_RANGE(NAME, GT, VT, LANES, SUF, ALL)                                          \
    __attribute__((target("avx2,fma"))) static inline int NAME(const GT *x, size_t count, GT lo, GT hi) { \
        VT inside = _mm256_castsi256_##SUF(_mm256_set1_epi32(-1));                       \
        const VT vlo = _mm256_set1_##SUF(lo), vhi = _mm256_set1_##SUF(hi);              \
        for (size_t i = 0; i < count; i += LANES) {                                      \
            VT v = _mm256_loadu_##SUF(x + i);                                            \
            inside = _mm256_and_##SUF(inside, _mm256_and_##SUF(_mm256_cmp_##SUF(v, vlo, _CMP_GE_OQ), \
                                                                _mm256_cmp_##SUF(v, vhi, _CMP_LE_OQ))); \
        }                                                                                \
        return _mm256_movemask_##SUF(inside) == ALL;                                     \
    }
IN_RANGE(in_range_pd, double, __m256d, 4, pd, 0xF)
IN_RANGE(in_range_ps, float, __m256, 8, ps, 0xFF)

// The vector loops work in blocks of VBLOCK elements: a quick pass checks
// that the block's exponentials are all in vexp's range, and the loop
// proper then runs without a branch or a call (which would make the
// compiler spill its constants); a block with any argument out of range
// (rare: overflow, underflow, ±inf or NaN) goes through the scalar formula.
// Returns how many elements were done (a multiple of LANES).
#define VBLOCK 512
#define BLOCKED_LOOP(GT, LANES, SUF, LO, HI, SCALAR, BODY)                                \
    size_t whole = n / LANES * LANES;                                                     \
    for (size_t b = 0; b < whole; b += VBLOCK) {                                          \
        size_t end = whole - b < VBLOCK ? whole : b + VBLOCK;                             \
        if (in_range_##SUF(x + b, end - b, LO, HI)) {                                     \
            for (size_t i = b; i < end; i += LANES) BODY                                  \
        } else {                                                                          \
            for (size_t i = b; i < end; i++) y[i] = SCALAR(x[i]);                         \
        }                                                                                 \
    }                                                                                     \
    return whole;

// One vector loop per type: exp(-|x|), then (x >= 0 ? 1 : e) / (1 + e).
// exp(-|x|) is in range for |x| <= -LO.
#define SIGMOID_AVX2(NAME, GT, VT, LANES, SUF, LO, SCALAR)                        \
    __attribute__((target("avx2,fma")))                                          \
    static size_t NAME(const GT *x, GT *y, size_t n) {                           \
        const VT one = _mm256_set1_##SUF(1), signMask = _mm256_set1_##SUF(-0.0); \
        const VT zero = _mm256_setzero_##SUF();                                  \
        BLOCKED_LOOP(GT, LANES, SUF, LO, -(LO), SCALAR, {                        \
            VT v = _mm256_loadu_##SUF(x + i);                                    \
            VT e = vexp_##SUF(_mm256_or_##SUF(v, signMask));                     \
            VT positive = _mm256_cmp_##SUF(v, zero, _CMP_GE_OQ);                 \
            VT numerator = _mm256_blendv_##SUF(e, one, positive);                \
            _mm256_storeu_##SUF(y + i, _mm256_div_##SUF(numerator, _mm256_add_##SUF(one, e))); \
        })                                                                       \
    }
SIGMOID_AVX2(sigmoid_f32_avx2, float, __m256, 8, ps, VEXP_LO_F, sigmoid_f32_scalar)
SIGMOID_AVX2(sigmoid_f64_avx2, double, __m256d, 4, pd, VEXP_LO_D, sigmoid_f64_scalar)

#define EXP_AVX2(NAME, GT, LANES, SUF, LO, HI, SCALAR)                            \
    __attribute__((target("avx2,fma")))                                          \
    static size_t NAME(const GT *x, GT *y, size_t n) {                           \
        BLOCKED_LOOP(GT, LANES, SUF, LO, HI, SCALAR,                             \
                     { _mm256_storeu_##SUF(y + i, vexp_##SUF(_mm256_loadu_##SUF(x + i))); }) \
    }
EXP_AVX2(exp_f32_avx2, float, 8, ps, VEXP_LO_F, VEXP_HI_F, expf)
EXP_AVX2(exp_f64_avx2, double, 4, pd, VEXP_LO_D, VEXP_HI_D, exp)
#endif

// The exported functions: the AVX2 loop where the CPU has it, then the
// scalar formula for the rest (all of it elsewhere).
#ifdef NABLA_HAVE_AVX2_PATHS
#define VECTOR_PART(FN) if (hasAVX2()) i = FN(x, y, n);
#else
#define VECTOR_PART(FN)
#endif
#define ENTRY(NAME, GT, VECTOR, SCALAR)                 \
    void NAME(const GT *x, GT *y, size_t n) {           \
        size_t i = 0;                                   \
        VECTOR_PART(VECTOR)                             \
        for (; i < n; i++) y[i] = SCALAR(x[i]);         \
    }
ENTRY(nabla_sigmoid_f32, float, sigmoid_f32_avx2, sigmoid_f32_scalar)
ENTRY(nabla_sigmoid_f64, double, sigmoid_f64_avx2, sigmoid_f64_scalar)
ENTRY(nabla_exp_f32, float, exp_f32_avx2, expf)
ENTRY(nabla_exp_f64, double, exp_f64_avx2, exp)

// The optimiser's passes over a parameter: the sum of squares of its
// gradient (finiteness check and norm) and the SGD step. Bound by the
// bandwidth of L2 and L3: AVX2 moves twice the bytes per instruction of
// the baseline (SSE2) loops the Swift compiler emits for them.
#ifdef NABLA_HAVE_AVX2_PATHS
#define SUM_SQUARES_AVX2(NAME, GT, VT, LANES, SUF)                                 \
    __attribute__((target("avx2,fma")))                                          \
    static size_t NAME(const GT *x, size_t n, double *sum) {                     \
        VT acc[4] = {_mm256_setzero_##SUF(), _mm256_setzero_##SUF(),            \
                     _mm256_setzero_##SUF(), _mm256_setzero_##SUF()};           \
        size_t i = 0;                                                            \
        for (; i + 4 * LANES <= n; i += 4 * LANES)                               \
            for (int a = 0; a < 4; a++) {                                        \
                VT v = _mm256_loadu_##SUF(x + i + a * LANES);                    \
                acc[a] = _mm256_fmadd_##SUF(v, v, acc[a]);                       \
            }                                                                    \
        GT lanes[LANES];                                                         \
        _mm256_storeu_##SUF(lanes, _mm256_add_##SUF(_mm256_add_##SUF(acc[0], acc[1]), \
                                                   _mm256_add_##SUF(acc[2], acc[3]))); \
        double s = 0;                                                            \
        for (int l = 0; l < LANES; l++) s += lanes[l];                           \
        *sum = s;                                                                \
        return i;                                                                \
    }
SUM_SQUARES_AVX2(sum_squares_f32_avx2, float, __m256, 8, ps)
SUM_SQUARES_AVX2(sum_squares_f64_avx2, double, __m256d, 4, pd)

// w − η·g as a product and a difference, each rounded (no fused
// multiply-add), like the scalar loop for the rest.
#define SGD_AVX2(NAME, GT, VT, LANES, SUF)                                         \
    __attribute__((target("avx2,fma")))                                          \
    static size_t NAME(GT *w, const GT *g, GT eta, size_t n) {                   \
        const VT e = _mm256_set1_##SUF(eta);                                     \
        size_t i = 0;                                                            \
        for (; i + 2 * LANES <= n; i += 2 * LANES)                               \
            for (int a = 0; a < 2; a++) {                                        \
                VT product = _mm256_mul_##SUF(e, _mm256_loadu_##SUF(g + i + a * LANES)); \
                _mm256_storeu_##SUF(w + i + a * LANES, _mm256_sub_##SUF(_mm256_loadu_##SUF(w + i + a * LANES), product)); \
            }                                                                    \
        return i;                                                                \
    }
SGD_AVX2(sgd_f32_avx2, float, __m256, 8, ps)
SGD_AVX2(sgd_f64_avx2, double, __m256d, 4, pd)
#endif

#define SUM_SQUARES(NAME, GT, VECTOR)                                             \
    double NAME(const GT *x, size_t n) {                                          \
        size_t i = 0;                                                             \
        double s = 0;                                                             \
        VECTOR_SUM(VECTOR)                                                        \
        GT rest = 0;                                                              \
        for (; i < n; i++) rest += x[i] * x[i];                                   \
        return s + rest;                                                          \
    }
#define SGD(NAME, GT, VECTOR)                                                     \
    void NAME(GT *w, const GT *g, GT eta, size_t n) {                             \
        size_t i = 0;                                                             \
        VECTOR_SGD(VECTOR)                                                        \
        for (; i < n; i++) w[i] -= eta * g[i];                                    \
    }
#ifdef NABLA_HAVE_AVX2_PATHS
#define VECTOR_SUM(FN) if (hasAVX2()) i = FN(x, n, &s);
#define VECTOR_SGD(FN) if (hasAVX2()) i = FN(w, g, eta, n);
#else
#define VECTOR_SUM(FN)
#define VECTOR_SGD(FN)
#endif
SUM_SQUARES(nabla_sum_of_squares_f32, float, sum_squares_f32_avx2)
SUM_SQUARES(nabla_sum_of_squares_f64, double, sum_squares_f64_avx2)
SGD(nabla_sgd_f32, float, sgd_f32_avx2)
SGD(nabla_sgd_f64, double, sgd_f64_avx2)
