// The tape's backward sweep in C, for the fused multiply-add (see
// CNablaTape.h). The loops are Tape.swift's generic sweep, line for line.

#include "CNablaTape.h"

#include <stdint.h>

// Products and sums are rounded one by one unless MULADD says otherwise.
#pragma STDC FP_CONTRACT OFF

typedef struct {
    int32_t parent0, parent1;
    float partial0, partial1;
} NodeF32;

typedef struct {
    int32_t parent0, parent1;
    double partial0, partial1;
} NodeF64;

#define SWEEP(NAME, GT, NODE, MULADD, ATTR)                                            \
    ATTR static void NAME(const NODE *nodes, GT *adj, long top, long lowest, int keeps) { \
        if (keeps) {                                                                   \
            for (long i = top; i >= lowest; i--) {                                     \
                NODE n = nodes[i];                                                     \
                GT g = adj[i];                                                         \
                adj[n.parent0] = MULADD(n.partial0, g, adj[n.parent0]);               \
                adj[n.parent1] = MULADD(n.partial1, g, adj[n.parent1]);               \
                adj[i] = g;                                                            \
            }                                                                          \
            return;                                                                    \
        }                                                                              \
        long i = top;                                                                  \
        GT g = top >= 0 ? adj[top] : 0;                                                \
        while (i >= lowest) {                                                          \
            NODE n = nodes[i];                                                         \
            long p0 = n.parent0, p1 = n.parent1;                                       \
            if (p0 == i - 1) {                                                         \
                GT next = MULADD(n.partial0, g, adj[p0]);                              \
                if (p1 == p0) next = MULADD(n.partial1, g, next);                      \
                else if (p1 != i) adj[p1] = MULADD(n.partial1, g, adj[p1]);            \
                g = next;                                                              \
            } else if (p1 == i - 1) {                                                  \
                adj[p0] = MULADD(n.partial0, g, adj[p0]);                              \
                g = MULADD(n.partial1, g, adj[p1]);                                    \
            } else {                                                                   \
                adj[p0] = MULADD(n.partial0, g, adj[p0]);                              \
                if (p1 != i) adj[p1] = MULADD(n.partial1, g, adj[p1]);                 \
                g = adj[i - 1];                                                        \
            }                                                                          \
            i--;                                                                       \
        }                                                                              \
        if (i >= 0) adj[i] = g;                                                        \
    }

// c + a·b, rounded twice (the generic Swift sweep's arithmetic).
#define MULADD_ROUNDED(a, b, c) ((c) + (a) * (b))
SWEEP(sweepF32, float, NodeF32, MULADD_ROUNDED, )
SWEEP(sweepF64, double, NodeF64, MULADD_ROUNDED, )

#if defined(__x86_64__)
#define NABLA_TAPE_FMA_PATHS 1
// c + a·b, rounded once.
#define MULADD_FUSED_F(a, b, c) __builtin_fmaf((a), (b), (c))
#define MULADD_FUSED_D(a, b, c) __builtin_fma((a), (b), (c))
SWEEP(sweepF32FMA, float, NodeF32, MULADD_FUSED_F, __attribute__((target("fma"))))
SWEEP(sweepF64FMA, double, NodeF64, MULADD_FUSED_D, __attribute__((target("fma"))))
#endif

int nabla_tape_sweep_fuses(void) {
#ifdef NABLA_TAPE_FMA_PATHS
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("fma") ? 1 : 0;
    }
    return cached;
#else
    return 0;
#endif
}

// The exported sweeps: the fused loop where the CPU has FMA, else the
// rounded one (everywhere off x86-64).
#ifdef NABLA_TAPE_FMA_PATHS
#define FUSED_PART(FN)                                                  \
    if (nabla_tape_sweep_fuses()) {                                     \
        FN(nodes, adjoints, top, lowest, keepsIntermediates);           \
        return;                                                         \
    }
#else
#define FUSED_PART(FN)
#endif
#define ENTRY(NAME, GT, ROUNDED, FUSED)                                                         \
    void NAME(const void *nodes, GT *adjoints, long top, long lowest, int keepsIntermediates) { \
        FUSED_PART(FUSED)                                                                       \
        ROUNDED(nodes, adjoints, top, lowest, keepsIntermediates);                              \
    }
ENTRY(nabla_tape_sweep_f32, float, sweepF32, sweepF32FMA)
ENTRY(nabla_tape_sweep_f64, double, sweepF64, sweepF64FMA)
