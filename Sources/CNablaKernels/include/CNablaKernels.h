#ifndef CNABLAKERNELS_H
#define CNABLAKERNELS_H

// GEMM for row-major matrices with run-time CPU dispatch
// (see kernels.c): AVX-512F+FMA, AVX2+FMA, or a portable baseline.
//
//   C = A·B               (nabla_sgemm, nabla_dgemm)
//   C = alpha·A·B + beta·C (nabla_sgemm_ex, nabla_dgemm_ex)
//
// A is m×k with row stride lda (lda >= k), B is k×n with row stride ldb
// (ldb >= n), C is m×n with row stride ldc (ldc >= n); strides count
// elements. With beta == 0, C is not read (NaN in C does not propagate).
// k == 0 gives C = beta·C. Negative sizes are treated as 0. NaN and infinity
// in A and B propagate as in the naive product (no zero skipping).

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void nabla_sgemm(int m, int n, int k,
                 const float *a, int lda,
                 const float *b, int ldb,
                 float *c, int ldc);

void nabla_dgemm(int m, int n, int k,
                 const double *a, int lda,
                 const double *b, int ldb,
                 double *c, int ldc);

void nabla_sgemm_ex(int m, int n, int k, float alpha,
                    const float *a, int lda,
                    const float *b, int ldb,
                    float beta, float *c, int ldc);

void nabla_dgemm_ex(int m, int n, int k, double alpha,
                    const double *a, int lda,
                    const double *b, int ldb,
                    double beta, double *c, int ldc);

// With transposed operands: C = alpha·op(A)·op(B) + beta·C, where op(A) is
// m×k and op(B) is k×n. transa != 0: A is stored k×m (row stride lda >= m)
// and op(A) = Aᵀ; transb != 0: B is stored n×k (row stride ldb >= k) and
// op(B) = Bᵀ. The transposition happens while packing, at no extra pass.
void nabla_sgemm_t(int transa, int transb, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc);

void nabla_dgemm_t(int transa, int transb, int m, int n, int k, double alpha,
                   const double *a, int lda, const double *b, int ldb,
                   double beta, double *c, int ldc);

/// Threads: products with 2·m·n·k at or above the parallel threshold run on
/// two threads, the caller and one persistent worker (started on first use),
/// cut along M or N at micro-tile boundaries, never K: the result is
/// bit-identical to the one-thread product. A product that finds the worker
/// busy (GEMMs called from several threads at once) runs on its own thread.
///
/// The thread count in use: 1 or 2. Default: 2 when the process may run on
/// at least 2 CPUs, else 1; the environment variable NABLA_THREADS (1 or
/// more; values above 2 mean 2) overrides the default.
int nabla_gemm_threads(void);

/// Sets the thread count (1 or 2; larger values mean 2, 0 or less restores
/// the default). Returns the previous count.
int nabla_gemm_set_threads(int threads);

/// Sets the parallel threshold in floating-point operations (2·m·n·k;
/// default 1,000,000; 0 threads every product that has two tiles to split,
/// which tests use). Returns the previous threshold.
long nabla_gemm_set_parallel_threshold(long flops);

/// Sets the size (2·m·n·k) from which a product wakes a sleeping worker
/// (default 20,000,000); smaller products above the parallel threshold use
/// the worker only while it is awake (spinning after its last job). Returns
/// the previous value.
long nabla_gemm_set_wake_threshold(long flops);

/// Sets how long the worker spins for the next job after finishing one
/// before it sleeps (default 200,000 ns). Returns the previous value.
long nabla_gemm_set_spin_nanoseconds(long nanoseconds);

/// Sets the work per piece a shared product is cut into (2·m·n·k / pieces;
/// default 8,000,000; at least 2 and at most 64 pieces, at most one per
/// tile; 0 means 2 pieces). Returns the previous value.
long nabla_gemm_set_piece_flops(long flops);

/// How many products have been split in two so far (for tests).
unsigned long nabla_gemm_parallel_runs(void);

/// The kernel the dispatcher chose: "avx512", "avx2" or "baseline".
const char *nabla_gemm_kernel_name(void);

/// Forces a kernel for the calling thread, for testing: 0 = automatic,
/// 1 = baseline, 2 = avx2, 3 = avx512. A kernel the CPU lacks falls back to the
/// best available. Other threads keep the automatic choice (a product handed to
/// the worker thread runs the caller's kernel). Returns the name of the kernel
/// now selected for this thread.
const char *nabla_gemm_force_kernel(int which);

/// y[i] = sigmoid(x[i]) = 1 / (1 + exp(-x[i])) for i < n, without overflow
/// (exp of -|x| only). On x86-64 Linux with AVX2 the exponentials come from
/// glibc's vector math library (within 4 ulp of exp); NaN stays NaN, -inf
/// gives 0 and +inf gives 1. x and y may be the same buffer.
void nabla_sigmoid_f32(const float *x, float *y, size_t n);
void nabla_sigmoid_f64(const double *x, double *y, size_t n);

/// y[i] = exp(x[i]) for i < n, from glibc's vector math library under AVX2
/// on x86-64 Linux (within 4 ulp of exp), from libm otherwise. x and y may
/// be the same buffer.
void nabla_exp_f32(const float *x, float *y, size_t n);
void nabla_exp_f64(const double *x, double *y, size_t n);

/// Σ x[i]² for i < n, accumulated in the element type (in vectors under
/// AVX2) and summed in Double: NaN or ±∞ anywhere makes it non-finite.
double nabla_sum_of_squares_f32(const float *x, size_t n);
double nabla_sum_of_squares_f64(const double *x, size_t n);

/// The SGD step w[i] = w[i] − eta·g[i] for i < n, the product and the
/// difference each rounded (no fused multiply-add): the same values on
/// every path.
void nabla_sgd_f32(float *w, const float *g, float eta, size_t n);
void nabla_sgd_f64(double *w, const double *g, double eta, size_t n);

/// What the vector FMA units deliver right now: Float GFLOP/s of
/// independent fused multiply-adds on registers (the widest the dispatcher
/// uses: AVX-512, AVX2, or scalar), the median of chunks of about 0.2 ms run
/// for about `microseconds` (at least one chunk), on the calling thread.
/// On a shared host whose sibling hyperthreads compete for the FMA units it
/// swings by up to 2x within seconds; `nabla bench` prints it before and
/// after each section, so that a slow measurement can be told from a slow
/// machine.
double nabla_fma_probe_gflops(int microseconds);

/// What the GEMM delivers right now on operands in cache: GFLOP/s of
/// `nabla_sgemm` (isDouble == 0) or `nabla_dgemm` (otherwise) on a
/// 96×48×64 product (below the default parallel threshold, so one thread),
/// the median of chunks of sixteen products
/// run for about `microseconds` (at least one chunk); 0 if its buffers could
/// not be allocated. Next to `nabla_fma_probe_gflops` it tells how much of
/// the FMA units' rate the micro-kernel gets: on a shared host whose sibling
/// hyperthreads compete for the load units, this fraction drops (from about
/// 0.9 to about 0.7 here) while the FMA probe does not move.
double nabla_gemm_probe_gflops(int microseconds, int isDouble);

#ifdef __cplusplus
}
#endif

#endif
