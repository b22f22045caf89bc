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

#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE // sched_getaffinity, CPU_COUNT
#endif

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
// The thin columns of op(A) = A products inside the blocked loop (see
// gemm_impl.h): 3-5% faster at 100×50×784 here, no faster in Float.
#define G_FUSE_NN_THIN 1
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

// A kernel forced for the calling thread only (tests), 0 = none. Thread-local
// so that forcing the baseline in one test cannot change the bits another
// test computes at the same time on another thread.
static _Thread_local int forcedKernel = 0;

static int currentKernel(void) {
    if (forcedKernel != 0) return forcedKernel;
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
    forcedKernel = which <= 0 ? 0 : k;
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

// One thread, the whole product: the dispatched kernel, or the naive loop
// if the pack buffers cannot be allocated. `thin` more columns after the n
// are computed by the thin kernels inside the blocked loop (see below).
#define SERIAL(GTYPE, NAME, S, NAIVE_FN)                                                         \
    static void NAME(int kernel, int transa, int transb, int m, int n, int k, GTYPE alpha,       \
                     const GTYPE *a, int lda, const GTYPE *b, int ldb,                           \
                     GTYPE beta, GTYPE *c, int ldc, int thin) {                                  \
        int rc;                                                                                  \
        switch (kernel) {                                                                        \
        SERIAL_X86(S)                                                                            \
        default: rc = gemm_##S##_base(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, thin); break; \
        }                                                                                        \
        if (rc != 0) NAIVE_FN(transa, transb, m, n + thin, k, alpha, a, lda, b, ldb, beta, c, ldc); \
    }
#if defined(__x86_64__)
#define SERIAL_X86(S)                                                                            \
    case K_AVX512: rc = gemm_##S##_avx512(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, thin); break; \
    case K_AVX2: rc = gemm_##S##_avx2(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, thin); break;
#else
#define SERIAL_X86(S)
#endif
SERIAL(float, sgemm_serial, s, naive_s)
SERIAL(double, dgemm_serial, d, naive_d)

// The last few columns of a product (gemm_impl.h, "thin"): how many there
// are is decided once for the whole product. On one thread, gemm computes
// them (block by block inside its loop, or on their own first: see there);
// when the rest is split between threads, the calling thread computes them
// on their own afterwards. Every element gets the same operations in the
// same order either way, so the result does not depend on the thread count.
// (Interleaved A/B: block by block made 784×50×100 with Aᵀ 1.5-3% faster in
// session 7, and 100×50×784 3-5% faster in Double in session 8; in Float
// the latter stays a pass of its own, as fusing it did not help.)
#if defined(__x86_64__)
#define THIN_X86(S)                                                                       \
    case K_AVX512: return thin_count_##S##_avx512(n);                                     \
    case K_AVX2: return thin_count_##S##_avx2(n);
#define THIN_APART_X86(S)                                                                 \
    case K_AVX512: rc = thin_##S##_avx512(transa, transb, m, n0, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break; \
    case K_AVX2: rc = thin_##S##_avx2(transa, transb, m, n0, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
#else
#define THIN_X86(S)
#define THIN_APART_X86(S)
#endif
#define THIN(GTYPE, COUNT, APART, S, NAIVE_FN)                                             \
    static int COUNT(int kernel, int n) {                                                  \
        switch (kernel) {                                                                  \
        THIN_X86(S)                                                                        \
        default: return 0;                                                                 \
        }                                                                                  \
    }                                                                                      \
    static void APART(int kernel, int transa, int transb, int m, int n0, int n, int k, GTYPE alpha, \
                      const GTYPE *a, int lda, const GTYPE *b, int ldb, GTYPE beta,         \
                      GTYPE *c, int ldc) {                                                 \
        int rc = -1;                                                                       \
        switch (kernel) {                                                                  \
        THIN_APART_X86(S)                                                                  \
        default: break;                                                                    \
        }                                                                                  \
        if (rc != 0) {                                                                     \
            const GTYPE *bt = transb ? b + (size_t)n0 * ldb : b + n0;                      \
            NAIVE_FN(transa, transb, m, n - n0, k, alpha, a, lda, bt, ldb, beta, c + n0, ldc); \
        }                                                                                  \
    }
THIN(float, sgemm_thin_count, sgemm_thin_apart, s, naive_s)
THIN(double, dgemm_thin_count, dgemm_thin_apart, d, naive_d)

// ------------------------------------------------------------ two threads
//
// Large products are shared between the calling thread and one persistent
// worker (created on first use). The product is cut along M (in whole MR-row
// tiles) or N (in whole NR-column tiles), never K, into pieces, so every
// element of C is computed by one thread through the same micro-tile, in the
// same order over k: the result is bit-identical to the one-thread product.
// Each piece packs its own panels (the operand that is not cut is packed once
// per piece; the cut takes the dimension whose repacking is cheaper).
//
// Hand-off: one job slot, guarded by a try-lock (`slotBusy`): a GEMM that
// finds it taken (another Swift thread is using the worker) runs on its own
// thread. The caller publishes the job in one 64-bit word (`slotClaim`:
// generation, piece count, next piece); both threads claim pieces from it
// with compare-and-swap, and the caller waits only for the pieces the worker
// has claimed and not finished. A worker that is asleep or descheduled
// therefore never holds back more than the piece it is running: the caller
// takes the rest. After each job the worker spins for `spinNanoseconds`
// (pause instructions, checking the clock) before sleeping on a condition
// variable, so that products in quick succession do not pay the 40-100 µs
// wake-up; products below `wakeMinFlops` do not wake a sleeping worker.
//
// On a machine whose cores are busy with other processes, the worker may be
// descheduled while it holds a piece, and the caller waits for it, or it may
// not run at all, and the caller does every piece plus the repacking: after
// four such products in a row, products below the wake threshold run on one
// thread for the next 256, then one of them wakes the worker to try again.

#include <pthread.h>
#include <sched.h>
#include <time.h>
#if defined(__linux__)
#include <unistd.h>
#endif

#ifdef NABLA_GEMM_STATS
long long stolen, waited, waitNs;
#define STAT(x) x
#else
#define STAT(x)
#endif

typedef struct {
    int isDouble, kernel, ta, tb, m, n, k, lda, ldb, ldc;
    double alpha, beta; // a float converts to double and back exactly
    const void *a, *b;
    void *c;
} GemmJob;

static void runJob(const GemmJob *j) {
    if (j->isDouble)
        dgemm_serial(j->kernel, j->ta, j->tb, j->m, j->n, j->k, j->alpha, (const double *)j->a, j->lda,
                     (const double *)j->b, j->ldb, j->beta, (double *)j->c, j->ldc, 0);
    else
        sgemm_serial(j->kernel, j->ta, j->tb, j->m, j->n, j->k, (float)j->alpha, (const float *)j->a, j->lda,
                     (const float *)j->b, j->ldb, (float)j->beta, (float *)j->c, j->ldc, 0);
}

// A job cut into `pieces` tile-aligned parts along M (alongM) or N.
typedef struct {
    GemmJob whole;
    int alongM, tile, tiles, pieces;
} SharedJob;

static void runPiece(const SharedJob *s, int piece) {
    int t0 = (int)((long long)s->tiles * piece / s->pieces);
    int t1 = (int)((long long)s->tiles * (piece + 1) / s->pieces);
    GemmJob j = s->whole;
    size_t size = j.isDouble ? sizeof(double) : sizeof(float);
    int from = t0 * s->tile, to = t1 * s->tile;
    if (s->alongM) {
        if (to > j.m) to = j.m;
        j.m = to - from;
        j.a = (const char *)j.a + (j.ta ? (size_t)from : (size_t)from * j.lda) * size;
        j.c = (char *)j.c + (size_t)from * j.ldc * size;
    } else {
        if (to > j.n) to = j.n;
        j.n = to - from;
        j.b = (const char *)j.b + (j.tb ? (size_t)from * j.ldb : (size_t)from) * size;
        j.c = (char *)j.c + (size_t)from * size;
    }
    if (j.m > 0 && j.n > 0) runJob(&j);
}

static _Atomic int threadSetting = 0;            // 0: not decided yet
static _Atomic long parallelMinFlops = 1000000;  // 2·m·n·k below this: one thread
static _Atomic long wakeMinFlops = 20000000;     // below this, a sleeping worker is left asleep
static _Atomic long spinNanoseconds = 200000;
static _Atomic long pieceFlops = 8000000;        // target work per piece
static _Atomic unsigned long parallelRuns = 0;
static _Atomic int badStreak = 0;
static _Atomic int backoffProducts = 0;

static pthread_once_t workerOnce = PTHREAD_ONCE_INIT;
static int workerStarted = 0;
static _Atomic int slotBusy = 0;
// generation << 32 | pieces << 16 | next piece; nothing to claim when next >= pieces.
static _Atomic unsigned long long slotClaim = 0;
static _Atomic int slotDone = 0;
static _Atomic int workerSleeping = 0;
static SharedJob slotJob;
static pthread_mutex_t sleepMutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleepCond = PTHREAD_COND_INITIALIZER;

static inline int claimable(unsigned long long word) {
    return (int)(word & 0xFFFF) < (int)((word >> 16) & 0xFFFF);
}

// Claims the next piece of the current job; -1 when none is left.
static int claimPiece(void) {
    unsigned long long word = atomic_load_explicit(&slotClaim, memory_order_acquire);
    while (claimable(word)) {
        if (atomic_compare_exchange_weak_explicit(&slotClaim, &word, word + 1, memory_order_acq_rel,
                                                  memory_order_acquire))
            return (int)(word & 0xFFFF);
    }
    return -1;
}

static inline void cpuRelax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static long long nowNanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *workerMain(void *unused) {
    (void)unused;
    for (;;) {
        // Spin a while for the next job, then sleep.
        long long deadline = nowNanoseconds() + atomic_load_explicit(&spinNanoseconds, memory_order_relaxed);
        int spins = 0;
        while (!claimable(atomic_load_explicit(&slotClaim, memory_order_acquire))) {
            cpuRelax();
            if (++spins % 128 == 0 && nowNanoseconds() > deadline) break;
        }
        if (!claimable(atomic_load_explicit(&slotClaim, memory_order_acquire))) {
            pthread_mutex_lock(&sleepMutex);
            atomic_store(&workerSleeping, 1); // seq_cst: pairs with the poster's store of slotClaim
            while (!claimable(atomic_load(&slotClaim))) pthread_cond_wait(&sleepCond, &sleepMutex);
            atomic_store(&workerSleeping, 0);
            pthread_mutex_unlock(&sleepMutex);
        }
        // The job's fields were written before the word that made a piece
        // claimable; the caller does not reuse them until every claimed
        // piece is done.
        int piece;
        while ((piece = claimPiece()) >= 0) {
            runPiece(&slotJob, piece);
            atomic_fetch_add_explicit(&slotDone, 1, memory_order_release);
        }
    }
    return NULL;
}

static void startWorker(void) {
    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) != 0) return;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 1 << 20);
    workerStarted = pthread_create(&thread, &attr, workerMain, NULL) == 0;
    pthread_attr_destroy(&attr);
}

static int availableCPUs(void) {
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
#if defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n > 0) return (int)n;
#endif
    return 1;
}

int nabla_gemm_threads(void) {
    int t = atomic_load_explicit(&threadSetting, memory_order_relaxed);
    if (t == 0) {
        const char *env = getenv("NABLA_THREADS");
        long v = env && *env ? strtol(env, NULL, 10) : 0;
        if (v >= 1) t = v >= 2 ? 2 : 1;
        else t = availableCPUs() >= 2 ? 2 : 1;
        atomic_store_explicit(&threadSetting, t, memory_order_relaxed);
    }
    return t;
}

int nabla_gemm_set_threads(int threads) {
    int previous = nabla_gemm_threads();
    atomic_store_explicit(&threadSetting, threads <= 0 ? 0 : (threads >= 2 ? 2 : 1), memory_order_relaxed);
    return previous;
}

long nabla_gemm_set_parallel_threshold(long flops) {
    return atomic_exchange_explicit(&parallelMinFlops, flops < 0 ? 0 : flops, memory_order_relaxed);
}

long nabla_gemm_set_wake_threshold(long flops) {
    return atomic_exchange_explicit(&wakeMinFlops, flops < 0 ? 0 : flops, memory_order_relaxed);
}

long nabla_gemm_set_spin_nanoseconds(long nanoseconds) {
    return atomic_exchange_explicit(&spinNanoseconds, nanoseconds < 0 ? 0 : nanoseconds, memory_order_relaxed);
}

long nabla_gemm_set_piece_flops(long flops) {
    return atomic_exchange_explicit(&pieceFlops, flops < 0 ? 0 : flops, memory_order_relaxed);
}

unsigned long nabla_gemm_parallel_runs(void) {
    return atomic_load_explicit(&parallelRuns, memory_order_relaxed);
}

static void tileSize(int kernel, int isDouble, int *mr, int *nr) {
    switch (kernel) {
    case K_AVX512: *mr = 8; *nr = isDouble ? 16 : 32; break;
    case K_AVX2: *mr = 6; *nr = isDouble ? 8 : 16; break;
    default: *mr = 4; *nr = 8; break;
    }
}

// Runs the job on two threads when it is large enough, threading is on and
// the worker is free; returns 0 (having done nothing) otherwise.
static int runParallel(const GemmJob *whole) {
    if (nabla_gemm_threads() < 2) return 0;
    double flops = 2.0 * whole->m * whole->n * whole->k;
    if (flops < (double)atomic_load_explicit(&parallelMinFlops, memory_order_relaxed)) return 0;
    int mr, nr;
    tileSize(whole->kernel, whole->isDouble, &mr, &nr);
    int tilesM = (whole->m + mr - 1) / mr, tilesN = (whole->n + nr - 1) / nr;
    // Cutting M repacks B (k·n) per piece, cutting N repacks A (m·k).
    int alongM = tilesM >= 2 && (tilesN < 2 || whole->n <= whole->m);
    int tiles = alongM ? tilesM : tilesN;
    if (tiles < 2) return 0;
    double perPiece = (double)atomic_load_explicit(&pieceFlops, memory_order_relaxed);
    double wanted = perPiece > 0 ? flops / perPiece : 2;
    int pieces = wanted < 2 ? 2 : (wanted > 64 ? 64 : (int)wanted);
    if (pieces > tiles) pieces = tiles;
    pthread_once(&workerOnce, startWorker);
    if (!workerStarted) return 0;
    int large = flops >= (double)atomic_load_explicit(&wakeMinFlops, memory_order_relaxed);
    int probe = 0;
    if (!large) {
        // Backing off after the worker failed to help (see below).
        int skip = atomic_load_explicit(&backoffProducts, memory_order_relaxed);
        if (skip > 0) {
            atomic_store_explicit(&backoffProducts, skip - 1, memory_order_relaxed);
            probe = skip == 1; // the last skipped product wakes the worker to try again
            if (!probe) return 0;
        }
        if (!probe && atomic_load_explicit(&workerSleeping, memory_order_relaxed)) return 0;
    }
    int expected = 0;
    if (!atomic_compare_exchange_strong_explicit(&slotBusy, &expected, 1, memory_order_acquire,
                                                 memory_order_relaxed))
        return 0; // another thread is using the worker
    atomic_fetch_add_explicit(&parallelRuns, 1, memory_order_relaxed);
    slotJob.whole = *whole;
    slotJob.alongM = alongM;
    slotJob.tile = alongM ? mr : nr;
    slotJob.tiles = tiles;
    slotJob.pieces = pieces;
    atomic_store_explicit(&slotDone, 0, memory_order_relaxed);
    unsigned long long generation = (atomic_load_explicit(&slotClaim, memory_order_relaxed) >> 32) + 1;
    // seq_cst: pairs with workerSleeping (the worker stores it, then reads slotClaim).
    atomic_store(&slotClaim, generation << 32 | (unsigned long long)pieces << 16);
    if (atomic_load(&workerSleeping)) {
        pthread_mutex_lock(&sleepMutex);
        pthread_cond_signal(&sleepCond);
        pthread_mutex_unlock(&sleepMutex);
    }
    long long started = nowNanoseconds();
    int piece, mine = 0;
    while ((piece = claimPiece()) >= 0) {
        runPiece(&slotJob, piece);
        mine++;
    }
    long long ownDone = nowNanoseconds();
    STAT(if (mine == pieces) stolen++);
    int spins = 0;
    while (atomic_load_explicit(&slotDone, memory_order_acquire) != pieces - mine) {
        cpuRelax();
        if (++spins % 1024 == 0) sched_yield();
    }
    long long waitedNs = spins > 0 ? nowNanoseconds() - ownDone : 0;
    STAT(if (spins > 0) { waited++; waitNs += waitedNs; });
    atomic_store_explicit(&slotBusy, 0, memory_order_release);
    // On a machine whose cores are taken by other processes the worker may
    // not run when it is needed: the caller then does every piece, or waits
    // for one the worker holds. After a few such products in a row, products
    // below the wake threshold stay on one thread for a while (the worker
    // stops spinning and sleeps), then one of them tries again.
    int bad = mine == pieces || waitedNs * 4 > ownDone - started;
    if (!large) {
        if (!bad) atomic_store_explicit(&badStreak, 0, memory_order_relaxed);
        else if (atomic_fetch_add_explicit(&badStreak, 1, memory_order_relaxed) + 1 >= 4) {
            atomic_store_explicit(&badStreak, 0, memory_order_relaxed);
            atomic_store_explicit(&backoffProducts, 256, memory_order_relaxed);
        }
    }
    return 1;
}

// The entry points: the thin last columns (see "thin" above), then the rest
// on two threads when worth it, else on this one.
#define GEMM_ENTRY(GTYPE, NAME, S, IS_DOUBLE)                                                     \
    void NAME(int transa, int transb, int m, int n, int k, GTYPE alpha, const GTYPE *a, int lda,  \
              const GTYPE *b, int ldb, GTYPE beta, GTYPE *c, int ldc) {                           \
        if (m <= 0 || n <= 0) return;                                                             \
        if (k <= 0) { scale_##S(m, n, beta, c, (size_t)ldc); return; }                           \
        int kernel = currentKernel();                                                             \
        int thin = S##gemm_thin_count(kernel, n);                                                 \
        GemmJob job = {IS_DOUBLE, kernel, transa, transb, m, n - thin, k, lda, ldb, ldc, alpha, beta, a, b, c}; \
        if (runParallel(&job)) {                                                                  \
            if (thin)                                                                             \
                S##gemm_thin_apart(kernel, transa, transb, m, n - thin, n, k, alpha, a, lda, b, ldb, beta, c, ldc); \
            return;                                                                               \
        }                                                                                         \
        S##gemm_serial(kernel, transa, transb, m, n - thin, k, alpha, a, lda, b, ldb, beta, c, ldc, thin); \
    }
GEMM_ENTRY(float, nabla_sgemm_t, s, 0)
GEMM_ENTRY(double, nabla_dgemm_t, d, 1)

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

// ------------------------------------------------------------- FMA probe

// `iterations` steps of ten independent FMA chains (enough to cover the FMA
// latency on two pipes); returns a sum so that the work is not removed.
#if defined(__x86_64__)
__attribute__((target("avx512f,fma"))) static float fmaChainsAVX512(long iterations) {
    __m512 acc[10];
    for (int i = 0; i < 10; i++) acc[i] = _mm512_set1_ps(0.001f * (float)i);
    const __m512 b = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(0.0001f);
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 10; i++) acc[i] = _mm512_fmadd_ps(acc[i], b, c);
    float s = 0;
    for (int i = 0; i < 10; i++) s += _mm512_reduce_add_ps(acc[i]);
    return s;
}

__attribute__((target("avx2,fma"))) static float fmaChainsAVX2(long iterations) {
    __m256 acc[10];
    for (int i = 0; i < 10; i++) acc[i] = _mm256_set1_ps(0.001f * (float)i);
    const __m256 b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.0001f);
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 10; i++) acc[i] = _mm256_fmadd_ps(acc[i], b, c);
    float lanes[8], s = 0;
    for (int i = 0; i < 10; i++) {
        _mm256_storeu_ps(lanes, acc[i]);
        for (int l = 0; l < 8; l++) s += lanes[l];
    }
    return s;
}
#endif

static float fmaChainsScalar(long iterations) {
    float acc[10];
    for (int i = 0; i < 10; i++) acc[i] = 0.001f * (float)i;
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 10; i++) acc[i] = acc[i] * 0.999f + 0.0001f;
    float s = 0;
    for (int i = 0; i < 10; i++) s += acc[i];
    return s;
}

static int compareDoubles(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

// Runs `chunk` (which returns how many floating-point operations it did)
// for about `microseconds` (at least once, at most 64 times) and returns
// the median of the chunks' GFLOP/s.
static double medianChunkRate(int microseconds, double (*chunk)(void *), void *context) {
    double rates[64];
    int chunks = 0;
    long long start = nowNanoseconds();
    do {
        long long t0 = nowNanoseconds();
        double flops = chunk(context);
        long long t1 = nowNanoseconds();
        rates[chunks++] = t1 > t0 ? flops / (double)(t1 - t0) : 0;
    } while (chunks < 64 && nowNanoseconds() - start < (long long)microseconds * 1000);
    qsort(rates, (size_t)chunks, sizeof(double), compareDoubles);
    return rates[chunks / 2];
}

// One chunk of the FMA probe: about 0.2 ms at 100 GFLOP/s (2 flops per lane
// per FMA), on the widest FMA units the dispatcher has.
static double fmaChunk(void *unused) {
    (void)unused;
    int kernel = bestKernel();
    int lanes = kernel == K_AVX512 ? 16 : kernel == K_AVX2 ? 8 : 1;
    long iterations = kernel == K_BASELINE ? 20000 : 125000 / lanes;
    volatile float sink = 0;
    switch (kernel) {
#if defined(__x86_64__)
    case K_AVX512: sink += fmaChainsAVX512(iterations); break;
    case K_AVX2: sink += fmaChainsAVX2(iterations); break;
#endif
    default: sink += fmaChainsScalar(iterations); break;
    }
    (void)sink;
    return 2.0 * 10.0 * (double)lanes * (double)iterations;
}

double nabla_fma_probe_gflops(int microseconds) {
    return medianChunkRate(microseconds, fmaChunk, NULL);
}

// The GEMM probe's product: 96×48×64, operands of 24 + 12 KiB in Float and
// twice that in Double (in L1 and L2, so memory bandwidth plays no part),
// sixteen products a chunk.
enum { PROBE_M = 96, PROBE_N = 48, PROBE_K = 64, PROBE_REPEATS = 16 };

typedef struct {
    int isDouble;
    void *a, *b, *c;
} GemmProbe;

static double gemmChunk(void *context) {
    const GemmProbe *p = context;
    for (int r = 0; r < PROBE_REPEATS; r++) {
        if (p->isDouble)
            nabla_dgemm(PROBE_M, PROBE_N, PROBE_K, p->a, PROBE_K, p->b, PROBE_N, p->c, PROBE_N);
        else
            nabla_sgemm(PROBE_M, PROBE_N, PROBE_K, p->a, PROBE_K, p->b, PROBE_N, p->c, PROBE_N);
    }
    return (double)PROBE_REPEATS * 2.0 * PROBE_M * PROBE_N * PROBE_K;
}

double nabla_gemm_probe_gflops(int microseconds, int isDouble) {
    size_t size = isDouble ? sizeof(double) : sizeof(float);
    size_t na = (size_t)PROBE_M * PROBE_K, nb = (size_t)PROBE_K * PROBE_N, nc = (size_t)PROBE_M * PROBE_N;
    char *buffer = malloc(size * (na + nb + nc));
    if (!buffer) return 0;
    GemmProbe probe = {isDouble, buffer, buffer + size * na, buffer + size * (na + nb)};
    // Values in [0, 1) (as U[0, 1) data would be), the same every call.
    for (size_t i = 0; i < na + nb; i++) {
        double v = (double)((i * 2654435761u) % 1000) / 1000.0;
        if (isDouble) ((double *)buffer)[i] = v;
        else ((float *)buffer)[i] = (float)v;
    }
    double rate = medianChunkRate(microseconds, gemmChunk, &probe);
    free(buffer);
    return rate;
}
