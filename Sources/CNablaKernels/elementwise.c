// Elementwise kernels for the network layers, with run-time CPU dispatch.
//
// sigmoid(x) = 1 / (1 + e^-x), computed as the rule table does, without
// overflow: with e = exp(-|x|), 1 / (1 + e) for x >= 0 and e / (1 + e)
// otherwise. The AVX2 path takes exp from glibc's vector math library
// (libmvec, part of every glibc since 2.22), eight floats or four doubles
// per call, within 4 ulp of the scalar exp; everything else is the same
// arithmetic. The baseline path is the scalar formula.

#include "CNablaKernels.h"

#include <math.h>
#include <stddef.h>

#if defined(__x86_64__) && defined(__linux__)
#define NABLA_HAVE_LIBMVEC 1
#include <immintrin.h>

__attribute__((target("avx2,fma"))) __m256 _ZGVdN8v_expf(__m256 x);
__attribute__((target("avx2,fma"))) __m256d _ZGVdN4v_exp(__m256d x);

static int hasAVX2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}

// One vector loop per type: exp(-|x|) from libmvec, then (x >= 0 ? 1 : e) / (1 + e).
#define SIGMOID_AVX2(NAME, GT, VT, LANES, SUF, EXP)                               \
    __attribute__((target("avx2,fma")))                                          \
    static size_t NAME(const GT *x, GT *y, size_t n) {                           \
        const VT one = _mm256_set1_##SUF(1), signMask = _mm256_set1_##SUF(-0.0); \
        const VT zero = _mm256_setzero_##SUF();                                  \
        size_t i = 0;                                                            \
        for (; i + LANES <= n; i += LANES) {                                     \
            VT v = _mm256_loadu_##SUF(x + i);                                    \
            VT e = EXP(_mm256_or_##SUF(v, signMask));                            \
            VT positive = _mm256_cmp_##SUF(v, zero, _CMP_GE_OQ);                 \
            VT numerator = _mm256_blendv_##SUF(e, one, positive);                \
            _mm256_storeu_##SUF(y + i, _mm256_div_##SUF(numerator, _mm256_add_##SUF(one, e))); \
        }                                                                        \
        return i;                                                                \
    }
SIGMOID_AVX2(sigmoid_f32_avx2, float, __m256, 8, ps, _ZGVdN8v_expf)
SIGMOID_AVX2(sigmoid_f64_avx2, double, __m256d, 4, pd, _ZGVdN4v_exp)

#define EXP_AVX2(NAME, GT, LANES, SUF, EXP)                                       \
    __attribute__((target("avx2,fma")))                                          \
    static size_t NAME(const GT *x, GT *y, size_t n) {                           \
        size_t i = 0;                                                            \
        for (; i + LANES <= n; i += LANES) _mm256_storeu_##SUF(y + i, EXP(_mm256_loadu_##SUF(x + i))); \
        return i;                                                                \
    }
EXP_AVX2(exp_f32_avx2, float, 8, ps, _ZGVdN8v_expf)
EXP_AVX2(exp_f64_avx2, double, 4, pd, _ZGVdN4v_exp)
#endif

static inline float sigmoid_f32_scalar(float v) {
    float e = expf(-fabsf(v));
    return (v >= 0 ? 1.0f : e) / (1.0f + e);
}

static inline double sigmoid_f64_scalar(double v) {
    double e = exp(-fabs(v));
    return (v >= 0 ? 1.0 : e) / (1.0 + e);
}

// The exported functions: the AVX2 loop where the CPU has it, then the
// scalar formula for the rest (all of it elsewhere).
#ifdef NABLA_HAVE_LIBMVEC
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
