import CNablaKernels
import NablaTensor
import Testing

/// The C GEMM kernels (`CNablaKernels`) against a naive triple loop in Double.
///
/// Every kernel the CPU supports is forced in turn (`nabla_gemm_force_kernel`),
/// so on an AVX-512 machine all three run, on an AVX2 machine two. Sizes are
/// small because debug builds compile the C target at -O0.
///
/// Tolerance: |c − ref| ≤ ε·√k·Σₚ|aᵢₚ·bₚⱼ| (+ the same on beta·c), with
/// ε = 1e-5 for Float and 1e-13 for Double; the reference is exact up to
/// Double rounding because the inputs are the same Float/Double values.
@Suite("GEMM kernels", .serialized)
struct GemmKernelTests {
    /// (m, n, k): 1×1×1, primes, and sizes just below/at/above the micro-tile
    /// (4×8, 6×16, 6×8, 8×32, 8×16) and cache-block (kc = 256, mc = 64, 72,
    /// 120, 144, 240, nc = 2048, 4080, 4096) multiples.
    static let sizes: [(Int, Int, Int)] = [
        (1, 1, 1), (7, 5, 3), (33, 17, 65), (1, 40, 3), (40, 1, 3), (2, 3, 1),
        (5, 15, 7), (6, 16, 8), (7, 17, 9), (8, 32, 4), (9, 33, 5), (11, 31, 2),
        (12, 32, 16), (13, 7, 255), (5, 9, 256), (4, 6, 257), (3, 5, 520),
        (70, 65, 67), (145, 9, 3), (241, 18, 4), (2, 4100, 3), (48, 48, 48),
    ]

    /// The kernels this CPU can run (forced one by one), deduplicated by name.
    static func kernels() -> [(Int32, String)] {
        var seen = Set<String>()
        var result: [(Int32, String)] = []
        for which in Int32(1)...3 {
            let name = String(cString: nabla_gemm_force_kernel(which))
            if seen.insert(name).inserted { result.append((which, name)) }
        }
        _ = nabla_gemm_force_kernel(0)
        return result
    }

    struct LCG {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    /// Runs C = alpha·A·B + beta·C for padded leading dimensions and checks
    /// every element (padding of C included, which must stay untouched).
    func check<S: BinaryFloatingPoint>(
        _: S.Type, m: Int, n: Int, k: Int, padA: Int, padB: Int, padC: Int,
        alpha: S, beta: S, epsilon: Double, seed: UInt64,
        gemm: (Int32, Int32, Int32, S, UnsafePointer<S>, Int32, UnsafePointer<S>, Int32, S, UnsafeMutablePointer<S>, Int32) -> Void
    ) -> Int {
        let lda = k + padA, ldb = n + padB, ldc = n + padC
        var rng = LCG(state: seed)
        let a = (0..<(m * lda)).map { _ in S(rng.next()) }
        let b = (0..<(k * ldb)).map { _ in S(rng.next()) }
        // With beta == 0, C must not be read: fill it with NaN.
        let c0: [S] = (0..<(m * ldc)).map { i in
            beta == 0 && i % ldc < n ? S.nan : S(rng.next())
        }
        var c = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    gemm(Int32(m), Int32(n), Int32(k), alpha, ap.baseAddress!, Int32(lda),
                         bp.baseAddress!, Int32(ldb), beta, cp.baseAddress!, Int32(ldc))
                }
            }
        }
        var failures = 0
        for i in 0..<m {
            for j in 0..<ldc {
                let got = Double(c[i * ldc + j])
                if j >= n {
                    if c[i * ldc + j] != c0[i * ldc + j] { failures += 1 }
                    continue
                }
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Double(a[i * lda + p]) * Double(b[p * ldb + j])
                    sum += x
                    magnitude += abs(x)
                }
                var expected = Double(alpha) * sum
                var bound = abs(Double(alpha)) * magnitude
                if beta != 0 {
                    expected += Double(beta) * Double(c0[i * ldc + j])
                    bound += abs(Double(beta) * Double(c0[i * ldc + j]))
                }
                let tolerance = epsilon * Double(Swift.max(k, 1)).squareRoot() * Swift.max(bound, 1e-30)
                if !(abs(got - expected) <= tolerance) { failures += 1 }
            }
        }
        return failures
    }

    func sweep<S: BinaryFloatingPoint>(
        _ type: S.Type, epsilon: Double,
        gemm: (Int32, Int32, Int32, S, UnsafePointer<S>, Int32, UnsafePointer<S>, Int32, S, UnsafeMutablePointer<S>, Int32) -> Void
    ) {
        for (which, name) in Self.kernels() {
            _ = nabla_gemm_force_kernel(which)
            defer { _ = nabla_gemm_force_kernel(0) }
            for (index, (m, n, k)) in Self.sizes.enumerated() {
                // Contiguous, overwrite.
                let plain = check(type, m: m, n: n, k: k, padA: 0, padB: 0, padC: 0,
                                  alpha: 1, beta: 0, epsilon: epsilon, seed: UInt64(index), gemm: gemm)
                #expect(plain == 0, "\(name) \(S.self) \(m)x\(n)x\(k): \(plain) wrong elements")
                // Padded leading dimensions, alpha and beta.
                let padded = check(type, m: m, n: n, k: k, padA: 3, padB: 5, padC: 2,
                                   alpha: 1.5, beta: 0.5, epsilon: epsilon, seed: UInt64(100 + index), gemm: gemm)
                #expect(padded == 0, "\(name) \(S.self) \(m)x\(n)x\(k) padded, beta 0.5: \(padded) wrong elements")
                let accumulate = check(type, m: m, n: n, k: k, padA: 1, padB: 0, padC: 7,
                                       alpha: 1, beta: 1, epsilon: epsilon, seed: UInt64(200 + index), gemm: gemm)
                #expect(accumulate == 0, "\(name) \(S.self) \(m)x\(n)x\(k) C += A·B: \(accumulate) wrong elements")
            }
        }
    }

    /// Transposed operands on the shapes that take the special paths: the
    /// last columns computed as dot products (op(A) = A) or along C's rows
    /// (op(A) = Aᵀ) when fewer than half a vector is left over after whole
    /// tiles (n = 17, 18, 20, 50, 65 in Float; 10, 17, 18, 50, 65 in Double),
    /// and A read in place when B has at most four panels. m = 45 and 100
    /// take every row group of the transposed thin path (four vectors, one
    /// vector, a zero-padded rest). A last row tile of at most four rows
    /// runs the four-row kernel: read in place (m = 100, 70 with n = 65
    /// packed) or packed (m = 13, 9, 26, 45, 7); m = 5 takes the six-row one.
    @Test func transposedOperandsOnTheThinAndDirectPaths() {
        let shapes = [(13, 50, 37), (9, 18, 11), (26, 20, 9), (7, 10, 5), (70, 65, 67), (5, 17, 1), (100, 50, 20), (45, 50, 13)]
        for (which, name) in Self.kernels() {
            _ = nabla_gemm_force_kernel(which)
            defer { _ = nabla_gemm_force_kernel(0) }
            for (index, (m, n, k)) in shapes.enumerated() {
                for (ta, tb) in [(0, 0), (1, 0), (0, 1), (1, 1)] as [(Int32, Int32)] {
                    var rng = LCG(state: UInt64(300 + index))
                    let a = (0..<(m * k)).map { _ in rng.next() }
                    let b = (0..<(k * n)).map { _ in rng.next() }
                    let c0 = (0..<(m * n)).map { _ in rng.next() }
                    let lda = Int32(ta == 1 ? m : k), ldb = Int32(tb == 1 ? k : n)
                    var cd = c0
                    nabla_dgemm_t(ta, tb, Int32(m), Int32(n), Int32(k), 0.75, a, lda, b, ldb, -1.5, &cd, Int32(n))
                    var cf = c0.map { Float($0) }
                    let af = a.map { Float($0) }, bf = b.map { Float($0) }
                    nabla_sgemm_t(ta, tb, Int32(m), Int32(n), Int32(k), 0.75, af, lda, bf, ldb, -1.5, &cf, Int32(n))
                    var worstDouble = 0.0, worstFloat = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum = 0.0, magnitude = 0.0, sumF = 0.0
                            for p in 0..<k {
                                let x = ta == 1 ? a[p * m + i] : a[i * k + p]
                                let y = tb == 1 ? b[j * k + p] : b[p * n + j]
                                sum += x * y
                                magnitude += abs(x * y)
                                let xf = ta == 1 ? af[p * m + i] : af[i * k + p]
                                let yf = tb == 1 ? bf[j * k + p] : bf[p * n + j]
                                sumF += Double(xf) * Double(yf)
                            }
                            let scale = 0.75 * magnitude + 1.5 * abs(c0[i * n + j]) + 1e-30
                            let expected = 0.75 * sum - 1.5 * c0[i * n + j]
                            let expectedF = 0.75 * sumF - 1.5 * Double(Float(c0[i * n + j]))
                            worstDouble = max(worstDouble, abs(cd[i * n + j] - expected) / scale)
                            worstFloat = max(worstFloat, abs(Double(cf[i * n + j]) - expectedF) / scale)
                        }
                    }
                    let bound = Double(k).squareRoot()
                    #expect(worstDouble <= 1e-13 * bound, "\(name) Double \(m)x\(n)x\(k) ta=\(ta) tb=\(tb): \(worstDouble)")
                    #expect(worstFloat <= 1e-5 * bound, "\(name) Float \(m)x\(n)x\(k) ta=\(ta) tb=\(tb): \(worstFloat)")
                }
            }
        }
    }

    @Test func kernelName() {
        let name = String(cString: nabla_gemm_kernel_name())
        #expect(["avx512", "avx2", "baseline"].contains(name))
        #expect(Self.kernels().map(\.1).contains("baseline"))
        #expect(String(cString: nabla_gemm_kernel_name()) == name)
    }

    @Test func floatKernels() {
        sweep(Float.self, epsilon: 1e-5) { nabla_sgemm_ex($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) }
    }

    @Test func doubleKernels() {
        sweep(Double.self, epsilon: 1e-13) { nabla_dgemm_ex($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) }
    }

    @Test func overwriteEntryPoints() {
        // nabla_sgemm / nabla_dgemm: C = A·B, ignoring (NaN) contents of C.
        let af: [Float] = [1, 2, 3, 4, 5, 6], bf: [Float] = [7, 8, 9, 10, 11, 12]
        var cd = [Double](repeating: .nan, count: 4)
        let ad: [Double] = [1, 2, 3, 4, 5, 6], bd: [Double] = [7, 8, 9, 10, 11, 12]
        nabla_dgemm(2, 2, 3, ad, 3, bd, 2, &cd, 2)
        #expect(cd == [58, 64, 139, 154])
        var cf = [Float](repeating: .nan, count: 4)
        nabla_sgemm(2, 2, 3, af, 3, bf, 2, &cf, 2)
        #expect(cf == [58, 64, 139, 154])
        // k = 0 overwrites with zeros.
        nabla_sgemm(2, 2, 0, af, 1, bf, 2, &cf, 2)
        #expect(cf == [0, 0, 0, 0])
        // NaN and infinity in A or B propagate (no zero skipping).
        var c1 = [Double](repeating: 0, count: 1)
        nabla_dgemm(1, 1, 2, [0, 1], 2, [.nan, 1], 1, &c1, 1)
        #expect(c1[0].isNaN)
        nabla_dgemm(1, 1, 2, [0, 1], 2, [.infinity, 1], 1, &c1, 1)
        #expect(c1[0].isNaN)
    }

    /// Batched Tensor matmul (which calls the kernel once per matrix) against
    /// per-matrix naive products, with a shared rank-2 side on either side.
    func batched<S: TensorScalar>(_: S.Type, epsilon: Double) throws {
        let shapes: [([Int], [Int])] = [
            ([3, 7, 5], [3, 5, 9]), ([4, 13, 17], [17, 33]), ([13, 17], [2, 17, 6]),
            ([1, 6, 16], [5, 16, 8]), ([2, 1, 1], [2, 1, 1]),
        ]
        for (index, (sa, sb)) in shapes.enumerated() {
            let x = Tensor<S>.randomNormal(shape: sa, seed: UInt64(index))
            let y = Tensor<S>.randomNormal(shape: sb, seed: UInt64(40 + index))
            let product = try x.matmul(y)
            let m = sa[sa.count - 2], k = sa[sa.count - 1], n = sb[sb.count - 1]
            let batch = Swift.max(sa.count == 3 ? sa[0] : 1, sb.count == 3 ? sb[0] : 1)
            #expect(product.shape == [batch, m, n])
            let xs = x.scalars, ys = y.scalars, ps = product.scalars
            let strideX = sa.count == 3 && sa[0] > 1 ? m * k : 0
            let strideY = sb.count == 3 && sb[0] > 1 ? k * n : 0
            var failures = 0
            for t in 0..<batch {
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0.0, magnitude = 0.0
                        for p in 0..<k {
                            let v = Double(xs[t * strideX + i * k + p]) * Double(ys[t * strideY + p * n + j])
                            sum += v
                            magnitude += abs(v)
                        }
                        let got = Double(ps[(t * m + i) * n + j])
                        if !(abs(got - sum) <= epsilon * Double(k).squareRoot() * Swift.max(magnitude, 1e-30)) {
                            failures += 1
                        }
                    }
                }
            }
            #expect(failures == 0, "\(S.self) \(sa) × \(sb): \(failures) wrong elements")
        }
    }

    @Test func batchedTensorMatmul() throws {
        try batched(Float.self, epsilon: 1e-5)
        try batched(Double.self, epsilon: 1e-13)
    }
}
