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
#ifndef G_FUSE_NN_THIN
#define G_FUSE_NN_THIN 0
#endif
#define G_CAT_(a, b) a##b
#define G_CAT(a, b) G_CAT_(a, b)
#define G_FN(name) G_CAT(name, GSUF)

GATTR static void G_FN(pack_a)(int mc, int kc, const GT *a, size_t lda, GT *restrict pa) {
    for (int i0 = 0; i0 < mc; i0 += G_MR) {
        int mr = mc - i0 < G_MR ? mc - i0 : G_MR;
        const GT *src = a + (size_t)i0 * lda;
        if (mr == G_MR) {
            // k outer: each step writes one contiguous column of the panel
            // from G_MR row streams (row outer scattered stride-G_MR stores;
            // measured: +5-7% at n = 1024, +8% at 100×50×784).
            const GT *rows[G_MR];
            for (int r = 0; r < G_MR; r++) rows[r] = src + (size_t)r * lda;
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < G_MR; r++) pa[p * G_MR + r] = rows[r][p];
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
    // Whole panels row by row: each row of B is read once, in order, into
    // every panel's stream (panel by panel, every row was fetched once per
    // panel: 8.4 -> 6.9 µs for the 784×48 Double weights of a 784-50 layer).
    int full = nc / G_NR;
    for (int p = 0; p < kc; p++) {
        const GT *row = b + (size_t)p * ldb;
        GT *dst = pb + (size_t)p * G_NR;
        for (int j = 0; j < full; j++)
            for (int v = 0; v < G_NV; v++)
                VSTORE(dst + (size_t)j * G_NR * kc + v * G_VL, VLOAD(row + j * G_NR + v * G_VL));
    }
    int nr = nc - full * G_NR;
    if (nr > 0) {
        // The last, partial panel, zero-padded to G_NR columns.
        const GT *src = b + full * G_NR;
        GT *last = pb + (size_t)full * G_NR * kc;
        for (int p = 0; p < kc; p++) {
            const GT *row = src + (size_t)p * ldb;
            GT *dst = last + (size_t)p * G_NR;
            int j = 0;
            for (; j < nr; j++) dst[j] = row[j];
            for (; j < G_NR; j++) dst[j] = 0;
        }
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
// A's element (r, p) is pa[r·ars + p·aps]: a packed panel (ars = 1,
// aps = G_MR) or A read in place (ars = lda, aps = 1). The kernel computes
// `rows` rows (G_MR, or G_MR_SMALL for a last tile of at most that many:
// 100 rows are 16 tiles of 6 and one of 4, which a 6-row kernel computes at
// the cost of 6); rows and nv are constants at every call site.
#define G_MR_SMALL (G_MR > 4 ? 4 : G_MR)
GATTR static inline __attribute__((always_inline)) void G_FN(micro)(
    int kc, const GT *restrict pa, size_t ars, size_t aps, const GT *restrict pb, GT *c, size_t ldc,
    GT alpha, GT beta, int mr, int nr, int nv, int rows)
{
    VT acc[G_MR][G_NV];
    for (int r = 0; r < mr; r++) {
        __builtin_prefetch(c + (size_t)r * ldc, 1, 3);
        __builtin_prefetch(c + (size_t)r * ldc + nr - 1, 1, 3);
    }
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < nv; v++) acc[r][v] = VZERO;
    // Unrolled 4x. No software prefetch: the hardware prefetcher keeps up
    // with both panels. (A prefetch of B 8 steps ahead once gained 3-5% at
    // n = 1024; in session 7 it made no difference there and cost 2-3% on
    // the 784×50×100 products of a training step.)
#pragma clang loop unroll_count(4)
    for (int p = 0; p < kc; p++) {
        VT bv[G_NV];
        for (int v = 0; v < nv; v++) bv[v] = VLOAD(pb + v * G_VL);
        for (int r = 0; r < rows; r++) {
            VT av = VBCAST(pa[r * ars]);
            for (int v = 0; v < nv; v++) acc[r][v] = VFMA(av, bv[v], acc[r][v]);
        }
        pa += aps;
        pb += G_NR;
    }
    VT va = VBCAST(alpha);
    if (mr == rows && nr == G_NR && nv == G_NV) {
        if (beta == 0) {
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < nv; v++)
                    VSTORE(c + (size_t)r * ldc + v * G_VL, VMUL(va, acc[r][v]));
        } else {
            VT vb = VBCAST(beta);
            for (int r = 0; r < rows; r++)
                for (int v = 0; v < nv; v++) {
                    GT *cp = c + (size_t)r * ldc + v * G_VL;
                    VSTORE(cp, VFMA(vb, VLOAD(cp), VMUL(va, acc[r][v])));
                }
        }
    } else {
        GT tmp[G_MR * G_NR] __attribute__((aligned(64)));
        for (int r = 0; r < rows; r++)
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

// One out-of-line copy of the micro-kernel per call site of the blocked loop
// below: A transposed in place (T), A in place (N) or A packed (P); a
// G_MR-row tile or a G_MR_SMALL-row one; G_NV vectors or one. Each copy has
// its strides and sizes as constants, as the inlined kernels had, but the
// blocked loop stays small. Inlining all twelve into it made the products
// of a training step (100×50×784, 784×50×100) 3-8% slower on average, in
// Float and Double (interleaved A/B, 300 rounds, B faster in 70-90% of
// them), and n = 64 about 4% slower.
#define G_WRAP(NAME, ARS, APS, NV, ROWS)                                                           \
    GATTR __attribute__((noinline)) static void G_FN(NAME)(int kc, const GT *pa, size_t lda,        \
        const GT *pb, GT *c, size_t ldc, GT alpha, GT beta, int mr, int nr) {                        \
        (void)lda;                                                                                   \
        G_FN(micro)(kc, pa, ARS, APS, pb, c, ldc, alpha, beta, mr, nr, NV, ROWS);                    \
    }
G_WRAP(tile_T_big_full, 1, lda, G_NV, G_MR)
G_WRAP(tile_T_big_one, 1, lda, 1, G_MR)
G_WRAP(tile_T_small_full, 1, lda, G_NV, G_MR_SMALL)
G_WRAP(tile_T_small_one, 1, lda, 1, G_MR_SMALL)
G_WRAP(tile_N_big_full, lda, 1, G_NV, G_MR)
G_WRAP(tile_N_big_one, lda, 1, 1, G_MR)
G_WRAP(tile_N_small_full, lda, 1, G_NV, G_MR_SMALL)
G_WRAP(tile_N_small_one, lda, 1, 1, G_MR_SMALL)
G_WRAP(tile_P_big_full, 1, G_MR, G_NV, G_MR)
G_WRAP(tile_P_big_one, 1, G_MR, 1, G_MR)
G_WRAP(tile_P_small_full, 1, G_MR, G_NV, G_MR_SMALL)
G_WRAP(tile_P_small_one, 1, G_MR, 1, G_MR_SMALL)

// The last few columns of C (fewer than half a vector: n = 50 leaves 2 with
// 8 floats or 4 doubles per vector) would cost the blocked algorithm a whole
// vector per row, in a one-vector micro-kernel whose 6 accumulators cannot
// hide the FMA latency: with n = 50, 22% of the time for 4% of the work.
// Instead they are computed with vectors along another dimension:
//   - op(A) = A (rows contiguous): dot products along k, G_VL products of
//     each row with each column at a time, B's columns packed contiguous
//     (already so when op(B) = Bᵀ);
//   - op(A) = Aᵀ (columns contiguous): along the rows of C, 2·G_VL rows of
//     one column at a time (the remaining rows through a zero-padded copy).
// Every element of C is computed the same way whatever rows or columns a
// caller asks for, so splitting a product between threads stays bit-identical.
#define G_THIN_ROWS 4
// FN(FIRST, w, ...) with the column count w (1 or 2) as a constant.
#define G_BY_WIDTH(W, FN, FIRST, ...)              \
    do {                                           \
        if ((W) == 2) FN(FIRST, 2, __VA_ARGS__);   \
        else FN(FIRST, 1, __VA_ARGS__);            \
    } while (0)

GATTR static inline __attribute__((always_inline)) void G_FN(thin_dot)(
    int rows, int cols, int k, const GT *a, size_t lda, const GT *bt, size_t ldbt,
    GT alpha, GT beta, GT *c, size_t ldc, VT *part, size_t pstride, int first, int last)
{
    VT acc[G_THIN_ROWS][2];
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) acc[r][j] = first ? VZERO : part[(size_t)r * pstride + j];
    int p = 0;
    for (; p + G_VL <= k; p += G_VL) {
        VT bv[2];
        for (int j = 0; j < cols; j++) bv[j] = VLOAD(bt + (size_t)j * ldbt + p);
        for (int r = 0; r < rows; r++) {
            VT av = VLOAD(a + (size_t)r * lda + p);
            for (int j = 0; j < cols; j++) acc[r][j] = VFMA(av, bv[j], acc[r][j]);
        }
    }
    if (!last) {
        // A pass before the last (k is whole vectors): the sums go on.
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) part[(size_t)r * pstride + j] = acc[r][j];
        return;
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) {
            GT lanes[G_VL] __attribute__((aligned(64)));
            VSTORE(lanes, acc[r][j]);
            GT s = 0;
            for (int l = 0; l < G_VL; l++) s += lanes[l];
            for (int q = p; q < k; q++) s += a[(size_t)r * lda + q] * bt[(size_t)j * ldbt + q];
            GT *cp = c + (size_t)r * ldc + j;
            *cp = beta == 0 ? alpha * s : alpha * s + beta * *cp;
        }
}

// rows = vecs·G_VL rows of C (the first `h` written) × cols ≤ 2 columns
// from j, for op(A) = Aᵀ: C[i, j] = Σ_p a[p·lda + i]·op(B)[p, j].
#define G_THIN_VECS 4
GATTR static inline __attribute__((always_inline)) void G_FN(thin_t)(
    int vecs, int cols, int k, const GT *a, size_t lda, const GT *b, size_t ldb, int transb, int j,
    GT alpha, GT beta, GT *c, size_t ldc, int h)
{
    VT acc[G_THIN_VECS][2];
    for (int v = 0; v < vecs; v++)
        for (int q = 0; q < cols; q++) acc[v][q] = VZERO;
    for (int p = 0; p < k; p++) {
        VT bv[2];
        for (int q = 0; q < cols; q++)
            bv[q] = VBCAST(transb ? b[(size_t)(j + q) * ldb + p] : b[(size_t)p * ldb + j + q]);
        const GT *ap = a + (size_t)p * lda;
        for (int v = 0; v < vecs; v++) {
            VT av = VLOAD(ap + v * G_VL);
            for (int q = 0; q < cols; q++) acc[v][q] = VFMA(av, bv[q], acc[v][q]);
        }
    }
    for (int q = 0; q < cols; q++) {
        GT out[G_THIN_VECS * G_VL] __attribute__((aligned(64)));
        for (int v = 0; v < vecs; v++) VSTORE(out + v * G_VL, acc[v][q]);
        int rows = vecs * G_VL < h ? vecs * G_VL : h;
        for (int l = 0; l < rows; l++) {
            GT *cp = c + (size_t)l * ldc + q;
            *cp = beta == 0 ? alpha * out[l] : alpha * out[l] + beta * *cp;
        }
    }
}

// K is cut into passes of equal depth (784 = 4 × 196, not 256 + 256 + 256 +
// 16: a 16-deep pass costs a full sweep over C for little work). The thin
// columns use the same passes as the blocked loop; where they are computed
// inside it with op(A) = A (G_FUSE_NN_THIN), passes are whole vectors, so
// that their dot products can carry on from one pass to the next.
static inline int G_FN(pass_depth)(int k) {
    int kpasses = (k + G_KC - 1) / G_KC;
    int depth = (k + kpasses - 1) / kpasses;
#if G_FUSE_NN_THIN
    depth = (depth + G_VL - 1) / G_VL * G_VL;
#endif
    return depth;
}

// Thin columns [n0, n0 + cols) of C, rows [i0, i0 + h), from depths
// [pc, pc + kc): C = alpha·(partial product) + beta·C. `bt` holds op(B)'s
// thin columns at depths [pc, pc + kc), contiguous along k (ldbt apart), for
// op(A) = A; op(A) = Aᵀ reads B itself. With op(A) = A and `part` (one
// vector per row and column), the dot products carry over between passes:
// `first` starts them, a pass before `last` leaves them in `part`, and the
// last writes C = alpha·(sum) + beta·C, so every element gets the same
// operations as in one pass over the whole depth. `pad` has room for G_VL·kc
// values (the last rows of Aᵀ, fewer than a vector). The blocked loop calls this for each block of rows
// and depths while A's block is in cache; `thin` below calls it for whole
// depth passes: every element gets the same operations in the same order
// either way, whatever the blocking or the thread count.
GATTR static void G_FN(thin_block)(int transa, int transb, int i0, int h, int n0, int cols, int pc, int kc,
                                   GT alpha, const GT *a, size_t lda, const GT *b, size_t ldb,
                                   const GT *bt, size_t ldbt, GT beta, GT *c, size_t ldc, GT *pad,
                                   VT *part, int first, int last)
{
    if (!transa) {
        const GT *ap = a + (size_t)i0 * lda + pc;
        GT *cp = c + (size_t)i0 * ldc + n0;
        for (int j = 0; j < cols; j += 2) {
            int w = cols - j < 2 ? cols - j : 2;
            int i = 0;
            for (; i + G_THIN_ROWS <= h; i += G_THIN_ROWS) {
                G_BY_WIDTH(w, G_FN(thin_dot), G_THIN_ROWS, kc, ap + (size_t)i * lda, lda, bt + j * ldbt, ldbt, alpha, beta, cp + (size_t)i * ldc + j, ldc,
                           part ? part + (size_t)(i0 + i) * cols + j : NULL, (size_t)cols, first, last);
            }
            for (; i < h; i++) {
                G_BY_WIDTH(w, G_FN(thin_dot), 1, kc, ap + (size_t)i * lda, lda, bt + j * ldbt, ldbt, alpha, beta, cp + (size_t)i * ldc + j, ldc,
                           part ? part + (size_t)(i0 + i) * cols + j : NULL, (size_t)cols, first, last);
            }
        }
        return;
    }
    // op(A) = Aᵀ: a[p·lda + i] is contiguous in i. Two columns and up to
    // G_THIN_VECS vectors of rows at a time, so that enough independent sums
    // hide the FMA latency (one column and two vectors ran at a quarter of
    // the FMA rate: 31 µs for the two last columns of a 784×50×100 dgemm).
    const GT *ap = a + (size_t)pc * lda + i0;
    const GT *bp = transb ? b + pc : b + (size_t)pc * ldb;
    GT *cp = c + (size_t)i0 * ldc;
    for (int j = n0; j < n0 + cols; j += 2) {
        int w = n0 + cols - j < 2 ? n0 + cols - j : 2;
        int i = 0;
        for (; i + G_THIN_VECS * G_VL <= h; i += G_THIN_VECS * G_VL) {
            G_BY_WIDTH(w, G_FN(thin_t), G_THIN_VECS, kc, ap + i, lda, bp, ldb, transb, j, alpha, beta, cp + (size_t)i * ldc + j, ldc, G_THIN_VECS * G_VL);
        }
        for (; i + G_VL <= h; i += G_VL) {
            G_BY_WIDTH(w, G_FN(thin_t), 1, kc, ap + i, lda, bp, ldb, transb, j, alpha, beta, cp + (size_t)i * ldc + j, ldc, G_VL);
        }
        if (i < h) {
            // The last rows, fewer than a vector, through a zero-padded copy.
            int rest = h - i;
            for (int p = 0; p < kc; p++)
                for (int l = 0; l < G_VL; l++) pad[(size_t)p * G_VL + l] = l < rest ? ap[(size_t)p * lda + i + l] : 0;
            G_FN(thin_t)(1, w, kc, pad, G_VL, bp, ldb, transb, j, alpha, beta, cp + (size_t)i * ldc + j, ldc, rest);
        }
    }
}

// op(B)'s columns [n0, n0 + cols) contiguous along k, for thin_block with
// op(A) = A: B's rows already are when op(B) = Bᵀ, else copied into `into`.
GATTR static const GT *G_FN(thin_columns)(int transb, int n0, int cols, int k, const GT *b, size_t ldb,
                                          GT *into, size_t *ldbt)
{
    if (transb) {
        *ldbt = ldb;
        return b + (size_t)n0 * ldb;
    }
    for (int p = 0; p < k; p++)
        for (int j = 0; j < cols; j++) into[(size_t)j * k + p] = b[(size_t)p * ldb + n0 + j];
    *ldbt = (size_t)k;
    return into;
}

// Columns [n0, n) of C on their own: with op(A) = Aᵀ pass by pass (the
// blocked loop's passes, for when the rest of the product is split between
// threads; see thin_block), with op(A) = A over the whole depth at once.
// Returns 0, or -1 if a buffer could not be allocated (C untouched).
GATTR __attribute__((unused)) static int G_FN(thin)(int transa, int transb, int m, int n0, int n, int k, GT alpha,
                            const GT *a, size_t lda, const GT *b, size_t ldb,
                            GT beta, GT *c, size_t ldc)
{
    int cols = n - n0, kcb = transa ? G_FN(pass_depth)(k) : k;
    GT *buf = malloc(sizeof(GT) * ((size_t)cols * (size_t)k + (size_t)G_VL * (size_t)kcb));
    if (!buf) return -1;
    size_t ldbt = 0;
    const GT *bt = transa ? NULL : G_FN(thin_columns)(transb, n0, cols, k, b, ldb, buf, &ldbt);
    GT *pad = buf + (size_t)cols * (size_t)k;
    for (int pc = 0; pc < k; pc += kcb) {
        int kc = k - pc < kcb ? k - pc : kcb;
        G_FN(thin_block)(transa, transb, 0, m, n0, cols, pc, kc, alpha, a, lda, b, ldb, bt ? bt + pc : NULL, ldbt,
                         pc == 0 ? beta : (GT)1, c, ldc, pad, NULL, 1, 1);
    }
    free(buf);
    return 0;
}

// How many last columns of an n-column product the thin kernels take: the
// columns left after whole tiles when they are at most half a vector (and
// there is at least one whole tile). kernels.c decides this once for the
// whole product, before any split between threads, and hands gemm below a
// column count that is a multiple of G_NR.
GATTR __attribute__((unused)) static int G_FN(thin_count)(int n) {
    int rest = G_VL > 1 && n > G_NR ? n % G_NR : 0;
    return rest * 2 <= G_VL ? rest : 0;
}

// Returns 0 on success, -1 if the pack buffers could not be allocated
// (C untouched). `thin` more columns after the n (at most half a vector, see
// thin_count) are computed by the thin kernels: with op(A) = Aᵀ block by
// block while A's block is in cache; with op(A) = A the same way where
// G_FUSE_NN_THIN is set (B's thin columns copied for each pass right after
// packing read those rows; 100×50×784 in Double 3-5% faster), else on their
// own first (in Float, fusing measured 0-2.7% slower).
GATTR static int G_FN(gemm)(int transa, int transb, int m, int n, int k, GT alpha,
                            const GT *a, size_t lda, const GT *b, size_t ldb,
                            GT beta, GT *c, size_t ldc, int thin)
{
    int kcb = G_FN(pass_depth)(k);
    int kcmax = kcb;
    int ncmax = n < G_NC ? n : G_NC;
    int mcmax = m < G_MC ? m : G_MC;
    ncmax = (ncmax + G_NR - 1) / G_NR * G_NR;
    mcmax = (mcmax + G_MR - 1) / G_MR * G_MR;
    size_t bbytes = ((size_t)kcmax * ncmax * sizeof(GT) + 63) / 64 * 64;
    size_t abytes = ((size_t)kcmax * mcmax * sizeof(GT) + 63) / 64 * 64;
    // With op(A) = A and G_FUSE_NN_THIN off, the thin columns are computed on
    // their own over the whole depth (after the buffer is allocated, so that
    // a failure leaves C untouched), and the blocked loop has none.
    int apart = thin && !transa && !G_FUSE_NN_THIN;
    int wholeThin = thin;
    if (apart) thin = 0;
    // One allocation, 64-byte aligned parts: B's and A's panels, then for
    // the thin columns Aᵀ's padded last rows, B's columns of one pass and
    // the carried dot products (op(A) = A).
    size_t padbytes = thin && transa ? sizeof(GT) * (size_t)G_VL * (size_t)kcmax : 0;
    size_t btbytes = thin && !transa && !transb ? sizeof(GT) * (size_t)thin * (size_t)kcmax : 0;
    size_t partbytes = thin && !transa ? sizeof(VT) * (size_t)m * (size_t)thin : 0;
    size_t padAt = bbytes + abytes, btAt = padAt + (padbytes + 63) / 64 * 64;
    size_t partAt = btAt + (btbytes + 63) / 64 * 64;
    char *buf = aligned_alloc(64, partAt + (partbytes + 63) / 64 * 64);
    if (!buf) return -1;
    if (apart && G_FN(thin)(transa, transb, m, n, n + wholeThin, k, alpha, a, lda, b, ldb, beta, c, ldc) != 0) {
        free(buf);
        return -1;
    }
    GT *pb = (GT *)buf;
    GT *pa = (GT *)(buf + bbytes);
    GT *pad = (GT *)(buf + padAt);
    GT *btbuf = (GT *)(buf + btAt);
    VT *part = partbytes ? (VT *)(buf + partAt) : NULL;

    for (int jc = 0; jc < n; jc += G_NC) {
        int nc = n - jc < G_NC ? n - jc : G_NC;
        for (int pc = 0; pc < k; pc += kcb) {
            int kc = k - pc < kcb ? k - pc : kcb;
            GT betaEff = pc == 0 ? beta : (GT)1;
            if (transb) G_FN(pack_bt)(kc, nc, b + (size_t)jc * ldb + pc, ldb, pb);
            else G_FN(pack_b)(kc, nc, b + (size_t)pc * ldb + jc, ldb, pb);
            // op(A) = A: B's thin columns for this pass, contiguous along k
            // (rows of B when op(B) = Bᵀ), copied while the pass's rows of B
            // are in cache from packing.
            const GT *bt = NULL;
            size_t ldbt = 0;
            if (thin && !transa && jc + nc >= n) {
                if (transb) {
                    bt = b + (size_t)n * ldb + pc;
                    ldbt = ldb;
                } else {
                    for (int p = 0; p < kc; p++)
                        for (int j = 0; j < thin; j++) btbuf[(size_t)j * kc + p] = b[(size_t)(pc + p) * ldb + n + j];
                    bt = btbuf;
                    ldbt = (size_t)kc;
                }
            }
            // A block used by few panels of B (n = 50: three of 16 floats,
            // six of 8 doubles) is read in place: packing would copy all of
            // A for little reuse (measured: 73 -> 82 GFLOP/s at 96×48×768 in
            // Float, 37 -> 40 at 100×48×784 and 100×64×784 in Double). Aᵀ
            // too: a micro-tile's MR rows at one depth are then contiguous
            // (784×50×100 with Aᵀ: 106 -> 100 µs in Float, 212 -> 205 µs in
            // Double). Only a last partial row tile is packed, for its zero
            // padding.
            int direct = ((nc + G_NR - 1) / G_NR <= 4 || nc <= 64);
            for (int ic = 0; ic < m; ic += G_MC) {
                int mc = m - ic < G_MC ? m - ic : G_MC;
                if (!direct) {
                    if (transa) G_FN(pack_at)(mc, kc, a + (size_t)pc * lda + ic, lda, pa);
                    else G_FN(pack_a)(mc, kc, a + (size_t)ic * lda + pc, lda, pa);
                } else if (mc % G_MR && mc % G_MR != G_MR_SMALL) {
                    // (A last tile of exactly G_MR_SMALL rows is read in place too.)
                    int full = mc / G_MR * G_MR;
                    if (transa) G_FN(pack_at)(mc - full, kc, a + (size_t)pc * lda + ic + full, lda, pa + (size_t)full * kc);
                    else G_FN(pack_a)(mc - full, kc, a + (size_t)(ic + full) * lda + pc, lda, pa + (size_t)full * kc);
                }
                for (int jr = 0; jr < nc; jr += G_NR) {
                    int nr = nc - jr < G_NR ? nc - jr : G_NR;
                    const GT *bp = pb + (size_t)jr * kc;
                    // A last panel at most one vector wide runs a one-vector
                    // kernel: same products per element, less padding.
                    int nv = (G_NV > 1 && nr <= G_VL) ? 1 : G_NV;
                    for (int ir = 0; ir < mc; ir += G_MR) {
                        int mr = mc - ir < G_MR ? mc - ir : G_MR;
                        GT *cp = c + (size_t)(ic + ir) * ldc + jc + jr;
                        // A tile of ROWS rows (SIZE big or small): A read in
                        // place when the tile has exactly ROWS rows, else from
                        // its packed, zero-padded panel.
#define G_CALL(KIND, SIZE, AP)                                                                          \
    do {                                                                                               \
        if (nv == 1) G_FN(G_CAT(G_CAT(tile_, KIND), G_CAT(SIZE, _one)))(kc, AP, lda, bp, cp, ldc, alpha, betaEff, mr, nr); \
        else G_FN(G_CAT(G_CAT(tile_, KIND), G_CAT(SIZE, _full)))(kc, AP, lda, bp, cp, ldc, alpha, betaEff, mr, nr); \
    } while (0)
#define G_TILE(ROWS, SIZE)                                                                              \
    do {                                                                                               \
        if (direct && mr == (ROWS) && transa) G_CALL(T, SIZE, a + (size_t)pc * lda + ic + ir);         \
        else if (direct && mr == (ROWS)) G_CALL(N, SIZE, a + (size_t)(ic + ir) * lda + pc);            \
        else G_CALL(P, SIZE, pa + (size_t)ir * kc);                                                    \
    } while (0)
                        if (G_MR_SMALL < G_MR && mr <= G_MR_SMALL) G_TILE(G_MR_SMALL, _small);
                        else G_TILE(G_MR, _big);
#undef G_TILE
#undef G_CALL
                    }
                }
                if (thin && jc + nc >= n)
                    G_FN(thin_block)(transa, transb, ic, mc, n, thin, pc, kc, alpha, a, lda, b, ldb, bt, ldbt,
                                     transa ? betaEff : beta, c, ldc, pad, part, pc == 0, pc + kc >= k);
            }
        }
    }
    free(buf);
    return 0;
}

#undef G_NR
#undef G_FUSE_NN_THIN
#undef G_MR_SMALL
#undef G_THIN_ROWS
#undef G_WRAP
#undef G_THIN_VECS
#undef G_BY_WIDTH
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
