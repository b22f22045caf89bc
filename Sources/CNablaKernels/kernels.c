// GEMM kernels with run-time CPU dispatch.
//
// The same blocked algorithm (gemm_impl.h) is instantiated for float and
// double with three instruction sets:
//   - AVX-512F + FMA: 8×32 float / 8×16 double micro-tiles (16 zmm accumulators)
//   - AVX2 + FMA:     6×16 float / 6×8 double micro-tiles (12 ymm accumulators)
//   - baseline:       4×8 scalar tiles (the compiler may vectorise them)
// The x86 kernels carry per-function target attributes, so the target needs
// no compiler flags; the choice is made once with __builtin_cpu_supports and
// cached. Other architectures get the baseline only.

#include "CNablaKernels.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// ---------------------------------------------------------------- baseline

#define GT float
#define GSUF _s_base
#define GATTR
#define G_MR 4
#define G_NV 8
#define G_VL 1
#define VT float
#define VLOAD(p) (*(p))
#define VSTORE(p, v) (*(p) = (v))
#define VBCAST(x) (x)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VZERO 0.0f
#define VMUL(a, b) ((a) * (b))
#define VADD(a, b) ((a) + (b))
#define G_KC 256
#define G_MC 64
#define G_NC 2048
#include "gemm_impl.h"

#define GT double
#define GSUF _d_base
#define GATTR
#define G_MR 4
#define G_NV 8
#define G_VL 1
#define VT double
#define VLOAD(p) (*(p))
#define VSTORE(p, v) (*(p) = (v))
#define VBCAST(x) (x)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VZERO 0.0
#define VMUL(a, b) ((a) * (b))
#define VADD(a, b) ((a) + (b))
#define G_KC 256
#define G_MC 64
#define G_NC 2048
#include "gemm_impl.h"

#if defined(__x86_64__)

// -------------------------------------------------------------------- AVX2

#define GT float
#define GSUF _s_avx2
#define GATTR __attribute__((target("avx2,fma")))
#define G_MR 6
#define G_NV 2
#define G_VL 8
#define VT __m256
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VBCAST(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VZERO _mm256_setzero_ps()
#define VMUL(a, b) _mm256_mul_ps((a), (b))
#define VADD(a, b) _mm256_add_ps((a), (b))
#define G_KC 256
#define G_MC 144
#define G_NC 4080
#include "gemm_impl.h"

#define GT double
#define GSUF _d_avx2
#define GATTR __attribute__((target("avx2,fma")))
#define G_MR 6
#define G_NV 2
#define G_VL 4
#define VT __m256d
#define VLOAD(p) _mm256_loadu_pd(p)
#define VSTORE(p, v) _mm256_storeu_pd((p), (v))
#define VBCAST(x) _mm256_set1_pd(x)
#define VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define VZERO _mm256_setzero_pd()
#define VMUL(a, b) _mm256_mul_pd((a), (b))
#define VADD(a, b) _mm256_add_pd((a), (b))
#define G_KC 256
#define G_MC 72
#define G_NC 4080
#include "gemm_impl.h"

// ----------------------------------------------------------------- AVX-512

#define GT float
#define GSUF _s_avx512
#define GATTR __attribute__((target("avx512f,fma")))
#define G_MR 8
#define G_NV 2
#define G_VL 16
#define VT __m512
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VBCAST(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VZERO _mm512_setzero_ps()
#define VMUL(a, b) _mm512_mul_ps((a), (b))
#define VADD(a, b) _mm512_add_ps((a), (b))
#define G_KC 256
#define G_MC 240
#define G_NC 4096
#include "gemm_impl.h"

#define GT double
#define GSUF _d_avx512
#define GATTR __attribute__((target("avx512f,fma")))
#define G_MR 8
#define G_NV 2
#define G_VL 8
#define VT __m512d
#define VLOAD(p) _mm512_loadu_pd(p)
#define VSTORE(p, v) _mm512_storeu_pd((p), (v))
#define VBCAST(x) _mm512_set1_pd(x)
#define VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define VZERO _mm512_setzero_pd()
#define VMUL(a, b) _mm512_mul_pd((a), (b))
#define VADD(a, b) _mm512_add_pd((a), (b))
#define G_KC 256
#define G_MC 120
#define G_NC 4096
#include "gemm_impl.h"

#endif // __x86_64__

// ---------------------------------------------------------------- dispatch

enum { K_UNSET = 0, K_BASELINE = 1, K_AVX2 = 2, K_AVX512 = 3 };

static _Atomic int selectedKernel = K_UNSET;

static int bestKernel(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return K_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return K_AVX2;
#endif
    return K_BASELINE;
}

static int currentKernel(void) {
    int k = atomic_load_explicit(&selectedKernel, memory_order_relaxed);
    if (k == K_UNSET) {
        k = bestKernel();
        atomic_store_explicit(&selectedKernel, k, memory_order_relaxed);
    }
    return k;
}

static const char *kernelName(int k) {
    switch (k) {
    case K_AVX512: return "avx512";
    case K_AVX2: return "avx2";
    default: return "baseline";
    }
}

const char *nabla_gemm_kernel_name(void) { return kernelName(currentKernel()); }

const char *nabla_gemm_force_kernel(int which) {
    int best = bestKernel();
    int k = which <= 0 ? best : (which > best ? best : which);
    atomic_store_explicit(&selectedKernel, k, memory_order_relaxed);
    return kernelName(k);
}

// Naive fallback used only when the pack buffers cannot be allocated.
#define NAIVE(GTYPE, NAME)                                                        \
    static void NAME(int ta, int tb, int m, int n, int k, GTYPE alpha,            \
                     const GTYPE *a, size_t lda, const GTYPE *b, size_t ldb,      \
                     GTYPE beta, GTYPE *c, size_t ldc) {                          \
        for (int i = 0; i < m; i++) {                                             \
            GTYPE *cr = c + (size_t)i * ldc;                                      \
            for (int j = 0; j < n; j++) cr[j] = beta == 0 ? 0 : beta * cr[j];     \
            for (int p = 0; p < k; p++) {                                         \
                GTYPE x = alpha * (ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]); \
                for (int j = 0; j < n; j++)                                       \
                    cr[j] += x * (tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j]); \
            }                                                                     \
        }                                                                         \
    }
NAIVE(float, naive_s)
NAIVE(double, naive_d)

#define SCALE_ONLY(GTYPE, NAME)                                                   \
    static void NAME(int m, int n, GTYPE beta, GTYPE *c, size_t ldc) {            \
        for (int i = 0; i < m; i++) {                                             \
            GTYPE *cr = c + (size_t)i * ldc;                                      \
            for (int j = 0; j < n; j++) cr[j] = beta == 0 ? 0 : beta * cr[j];     \
        }                                                                         \
    }
SCALE_ONLY(float, scale_s)
SCALE_ONLY(double, scale_d)

void nabla_sgemm_t(int transa, int transb, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { scale_s(m, n, beta, c, (size_t)ldc); return; }
    int rc;
    switch (currentKernel()) {
#if defined(__x86_64__)
    case K_AVX512: rc = gemm_s_avx512(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
    case K_AVX2: rc = gemm_s_avx2(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
#endif
    default: rc = gemm_s_base(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
    }
    if (rc != 0) naive_s(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void nabla_dgemm_t(int transa, int transb, int m, int n, int k, double alpha,
                   const double *a, int lda, const double *b, int ldb,
                   double beta, double *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { scale_d(m, n, beta, c, (size_t)ldc); return; }
    int rc;
    switch (currentKernel()) {
#if defined(__x86_64__)
    case K_AVX512: rc = gemm_d_avx512(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
    case K_AVX2: rc = gemm_d_avx2(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
#endif
    default: rc = gemm_d_base(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
    }
    if (rc != 0) naive_d(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void nabla_sgemm_ex(int m, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc) {
    nabla_sgemm_t(0, 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void nabla_dgemm_ex(int m, int n, int k, double alpha, const double *a, int lda,
                    const double *b, int ldb, double beta, double *c, int ldc) {
    nabla_dgemm_t(0, 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void nabla_sgemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                 float *c, int ldc) {
    nabla_sgemm_ex(m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}

void nabla_dgemm(int m, int n, int k, const double *a, int lda, const double *b, int ldb,
                 double *c, int ldc) {
    nabla_dgemm_ex(m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}
