// A GEMM instantiated once per (scalar type, instruction set) by kernels.c.
// Not a public header: kernels.c defines the parameters below, includes this
// file, and it undefines them at the end.
//
//   GT            scalar type (float or double)
//   GSUF          suffix for the generated function names
//   GATTR         function attributes (the target attribute, or nothing)
//   G_MR, G_NV    micro-tile: G_MR rows × G_NV vectors of G_VL lanes
//   G_VL          vector lanes
//   VT, VLOAD(p), VSTORE(p, v), VBCAST(x), VFMA(a, b, c) = a·b + c,
//   VZERO, VMUL(a, b), VADD(a, b)   vector type and operations
//   G_KC, G_MC, G_NC  cache blocking: K panel depth, rows of A per L2
//                     block, columns of B per L3 block (G_MC % G_MR == 0,
//                     G_NC % (G_NV·G_VL) == 0)
//
// Structure (Goto/BLIS): for each nc-wide block of columns of B and each
// kc-deep slice of K, B's slice is packed into kc×NR panels (zero-padded to
// a multiple of NR columns); for each mc-tall block of rows of A, A's slice
// is packed into kc×MR panels (zero-padded); the micro-kernel then runs over
// every MR×NR tile of the block, keeping the tile in registers over kc.
// Edge tiles are computed in full (padding is zero) into a stack buffer and
// only the valid part is written to C.

#define G_NR (G_NV * G_VL)
#define G_CAT_(a, b) a##b
#define G_CAT(a, b) G_CAT_(a, b)
#define G_FN(name) G_CAT(name, GSUF)

GATTR static void G_FN(pack_a)(int mc, int kc, const GT *a, size_t lda, GT *restrict pa) {
    for (int i0 = 0; i0 < mc; i0 += G_MR) {
        int mr = mc - i0 < G_MR ? mc - i0 : G_MR;
        const GT *src = a + (size_t)i0 * lda;
        if (mr == G_MR) {
            for (int r = 0; r < G_MR; r++) {
                const GT *row = src + (size_t)r * lda;
                for (int p = 0; p < kc; p++) pa[p * G_MR + r] = row[p];
            }
        } else {
            for (int r = 0; r < mr; r++) {
                const GT *row = src + (size_t)r * lda;
                for (int p = 0; p < kc; p++) pa[p * G_MR + r] = row[p];
            }
            for (int r = mr; r < G_MR; r++)
                for (int p = 0; p < kc; p++) pa[p * G_MR + r] = 0;
        }
        pa += (size_t)G_MR * kc;
    }
}

GATTR static void G_FN(pack_b)(int kc, int nc, const GT *b, size_t ldb, GT *restrict pb) {
    for (int j0 = 0; j0 < nc; j0 += G_NR) {
        int nr = nc - j0 < G_NR ? nc - j0 : G_NR;
        const GT *src = b + j0;
        if (nr == G_NR) {
            for (int p = 0; p < kc; p++) {
                const GT *row = src + (size_t)p * ldb;
                GT *dst = pb + (size_t)p * G_NR;
                for (int v = 0; v < G_NV; v++) VSTORE(dst + v * G_VL, VLOAD(row + v * G_VL));
            }
        } else {
            for (int p = 0; p < kc; p++) {
                const GT *row = src + (size_t)p * ldb;
                GT *dst = pb + (size_t)p * G_NR;
                int j = 0;
                for (; j < nr; j++) dst[j] = row[j];
                for (; j < G_NR; j++) dst[j] = 0;
            }
        }
        pb += (size_t)G_NR * kc;
    }
}

// Transposed sources: A stored k×m (element (i, p) at a[p·lda + i]), B
// stored n×k (element (p, j) at b[j·ldb + p]); same panel layouts as above.
GATTR static void G_FN(pack_at)(int mc, int kc, const GT *a, size_t lda, GT *restrict pa) {
    for (int i0 = 0; i0 < mc; i0 += G_MR) {
        int mr = mc - i0 < G_MR ? mc - i0 : G_MR;
        if (mr == G_MR) {
            // Fixed-length copies, so the compiler emits moves, not memcpy calls.
            for (int p = 0; p < kc; p++) {
                const GT *src = a + (size_t)p * lda + i0;
                GT *dst = pa + (size_t)p * G_MR;
                for (int r = 0; r < G_MR; r++) dst[r] = src[r];
            }
        } else {
            for (int p = 0; p < kc; p++) {
                const GT *src = a + (size_t)p * lda + i0;
                GT *dst = pa + (size_t)p * G_MR;
                int r = 0;
                for (; r < mr; r++) dst[r] = src[r];
                for (; r < G_MR; r++) dst[r] = 0;
            }
        }
        pa += (size_t)G_MR * kc;
    }
}

GATTR static void G_FN(pack_bt)(int kc, int nc, const GT *b, size_t ldb, GT *restrict pb) {
    for (int j0 = 0; j0 < nc; j0 += G_NR) {
        int nr = nc - j0 < G_NR ? nc - j0 : G_NR;
        for (int j = 0; j < nr; j++) {
            const GT *src = b + (size_t)(j0 + j) * ldb;
            for (int p = 0; p < kc; p++) pb[(size_t)p * G_NR + j] = src[p];
        }
        for (int j = nr; j < G_NR; j++)
            for (int p = 0; p < kc; p++) pb[(size_t)p * G_NR + j] = 0;
        pb += (size_t)G_NR * kc;
    }
}

// C[0..<mr, 0..<nr] = alpha·(Apanel·Bpanel) + beta·C (C not read when beta == 0).
GATTR static inline __attribute__((always_inline)) void G_FN(micro)(
    int kc, const GT *restrict pa, const GT *restrict pb, GT *c, size_t ldc,
    GT alpha, GT beta, int mr, int nr, int nv)
{
    VT acc[G_MR][G_NV];
    for (int r = 0; r < mr; r++) {
        __builtin_prefetch(c + (size_t)r * ldc, 1, 3);
        __builtin_prefetch(c + (size_t)r * ldc + nr - 1, 1, 3);
    }
    for (int r = 0; r < G_MR; r++)
        for (int v = 0; v < nv; v++) acc[r][v] = VZERO;
    // Unrolled 4x; B's micro-panel may come from L3 (large n) and A's from
    // L2, so both are prefetched 8 steps ahead (measured: +3-5% at n = 1024).
#pragma clang loop unroll_count(4)
    for (int p = 0; p < kc; p++) {
        __builtin_prefetch(pb + 8 * G_NR, 0, 3);
        __builtin_prefetch(pa + 8 * G_MR, 0, 3);
        VT bv[G_NV];
        for (int v = 0; v < nv; v++) bv[v] = VLOAD(pb + v * G_VL);
        for (int r = 0; r < G_MR; r++) {
            VT av = VBCAST(pa[r]);
            for (int v = 0; v < nv; v++) acc[r][v] = VFMA(av, bv[v], acc[r][v]);
        }
        pa += G_MR;
        pb += G_NR;
    }
    VT va = VBCAST(alpha);
    if (mr == G_MR && nr == G_NR && nv == G_NV) {
        if (beta == 0) {
            for (int r = 0; r < G_MR; r++)
                for (int v = 0; v < nv; v++)
                    VSTORE(c + (size_t)r * ldc + v * G_VL, VMUL(va, acc[r][v]));
        } else {
            VT vb = VBCAST(beta);
            for (int r = 0; r < G_MR; r++)
                for (int v = 0; v < nv; v++) {
                    GT *cp = c + (size_t)r * ldc + v * G_VL;
                    VSTORE(cp, VFMA(vb, VLOAD(cp), VMUL(va, acc[r][v])));
                }
        }
    } else {
        GT tmp[G_MR * G_NR] __attribute__((aligned(64)));
        for (int r = 0; r < G_MR; r++)
            for (int v = 0; v < nv; v++)
                VSTORE(tmp + r * G_NR + v * G_VL, VMUL(va, acc[r][v]));
        for (int r = 0; r < mr; r++) {
            GT *cr = c + (size_t)r * ldc;
            const GT *tr = tmp + r * G_NR;
            if (beta == 0) {
                for (int j = 0; j < nr; j++) cr[j] = tr[j];
            } else {
                for (int j = 0; j < nr; j++) cr[j] = beta * cr[j] + tr[j];
            }
        }
    }
}

// Returns 0 on success, -1 if the pack buffers could not be allocated
// (C untouched).
GATTR static int G_FN(gemm)(int transa, int transb, int m, int n, int k, GT alpha,
                            const GT *a, size_t lda, const GT *b, size_t ldb,
                            GT beta, GT *c, size_t ldc)
{
    int kcmax = k < G_KC ? k : G_KC;
    int ncmax = n < G_NC ? n : G_NC;
    int mcmax = m < G_MC ? m : G_MC;
    ncmax = (ncmax + G_NR - 1) / G_NR * G_NR;
    mcmax = (mcmax + G_MR - 1) / G_MR * G_MR;
    size_t bbytes = ((size_t)kcmax * ncmax * sizeof(GT) + 63) / 64 * 64;
    size_t abytes = ((size_t)kcmax * mcmax * sizeof(GT) + 63) / 64 * 64;
    char *buf = aligned_alloc(64, bbytes + abytes);
    if (!buf) return -1;
    GT *pb = (GT *)buf;
    GT *pa = (GT *)(buf + bbytes);

    for (int jc = 0; jc < n; jc += G_NC) {
        int nc = n - jc < G_NC ? n - jc : G_NC;
        for (int pc = 0; pc < k; pc += G_KC) {
            int kc = k - pc < G_KC ? k - pc : G_KC;
            GT betaEff = pc == 0 ? beta : (GT)1;
            if (transb) G_FN(pack_bt)(kc, nc, b + (size_t)jc * ldb + pc, ldb, pb);
            else G_FN(pack_b)(kc, nc, b + (size_t)pc * ldb + jc, ldb, pb);
            for (int ic = 0; ic < m; ic += G_MC) {
                int mc = m - ic < G_MC ? m - ic : G_MC;
                if (transa) G_FN(pack_at)(mc, kc, a + (size_t)pc * lda + ic, lda, pa);
                else G_FN(pack_a)(mc, kc, a + (size_t)ic * lda + pc, lda, pa);
                for (int jr = 0; jr < nc; jr += G_NR) {
                    int nr = nc - jr < G_NR ? nc - jr : G_NR;
                    const GT *bp = pb + (size_t)jr * kc;
                    for (int ir = 0; ir < mc; ir += G_MR) {
                        int mr = mc - ir < G_MR ? mc - ir : G_MR;
                        // A last panel at most one vector wide (n = 50 with
                        // 16-wide tiles leaves 2 columns) runs a one-vector
                        // kernel: same products per element, less padding.
                        if (G_NV > 1 && nr <= G_VL)
                            G_FN(micro)(kc, pa + (size_t)ir * kc, bp,
                                        c + (size_t)(ic + ir) * ldc + jc + jr, ldc,
                                        alpha, betaEff, mr, nr, 1);
                        else
                            G_FN(micro)(kc, pa + (size_t)ir * kc, bp,
                                        c + (size_t)(ic + ir) * ldc + jc + jr, ldc,
                                        alpha, betaEff, mr, nr, G_NV);
                    }
                }
            }
        }
    }
    free(buf);
    return 0;
}

#undef G_NR
#undef G_FN
#undef G_CAT
#undef G_CAT_
#undef GT
#undef GSUF
#undef GATTR
#undef G_MR
#undef G_NV
#undef G_VL
#undef VT
#undef VLOAD
#undef VSTORE
#undef VBCAST
#undef VFMA
#undef VZERO
#undef VMUL
#undef VADD
#undef G_KC
#undef G_MC
#undef G_NC
