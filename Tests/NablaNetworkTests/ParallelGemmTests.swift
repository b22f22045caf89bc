import CNablaKernels
import Foundation
import NablaTensor
import Testing

@testable import NablaNetwork

/// The two-thread GEMM (kernels.c) cuts products along M or N at
/// micro-tile boundaries into pieces, so its results must equal the one-thread product
/// bit for bit. The threshold is lowered to 0 so that small shapes (debug
/// builds compile the kernels without optimisation) take the threaded path;
/// the suite is serialised because the settings are process-wide.
@Suite(.serialized)
struct ParallelGemmTests {
    /// Runs `body` with the given thread count and thresholds, restoring them after.
    /// `pieceFlops` 0 cuts shared products in two; 1 cuts them into as many
    /// pieces as they have tiles (up to 64).
    func withSettings<T>(threads: Int32, pieceFlops: Int = 0, _ body: () throws -> T) rethrows -> T {
        let oldThreads = nabla_gemm_set_threads(threads)
        let oldThreshold = nabla_gemm_set_parallel_threshold(0)
        let oldWake = nabla_gemm_set_wake_threshold(0)
        let oldPiece = nabla_gemm_set_piece_flops(pieceFlops)
        defer {
            nabla_gemm_set_threads(oldThreads)
            nabla_gemm_set_parallel_threshold(oldThreshold)
            nabla_gemm_set_wake_threshold(oldWake)
            nabla_gemm_set_piece_flops(oldPiece)
        }
        return try body()
    }

    /// The same bits: equal with the same sign, or both NaN.
    func identical<Scalar: TensorScalar>(_ x: Scalar, _ y: Scalar) -> Bool {
        (x == y && x.sign == y.sign) || (x.isNaN && y.isNaN)
    }

    func randomValues<Scalar: TensorScalar>(_ count: Int, seed: UInt64, as: Scalar.Type) -> [Scalar] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Scalar(Double(generator.next() % 2001) / 1000 - 1) }
    }

    /// op(a)·op(b)·alpha + beta·c through `Kernels.gemm`.
    func product<Scalar: TensorScalar>(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Scalar], _ b: [Scalar], _ c0: [Scalar],
        alpha: Scalar, beta: Scalar
    ) -> [Scalar] {
        var c = c0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    Kernels.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha,
                                 a.baseAddress!, b.baseAddress!, beta: beta, c.baseAddress!)
                }
            }
        }
        return c
    }

    /// One case: random operands from `seed`, the product on one thread and
    /// on two (cut in two or into every tile, by the seed's parity), and the
    /// check that both have the same bits. Returns the operands and the
    /// one-thread result.
    @discardableResult
    func threadedCase<Scalar: TensorScalar>(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, seed: UInt64, unitAlpha: Bool, _: Scalar.Type
    ) -> (a: [Scalar], b: [Scalar], c0: [Scalar], alpha: Scalar, beta: Scalar, single: [Scalar]) {
        let a = randomValues(m * k, seed: seed, as: Scalar.self)
        let b = randomValues(k * n, seed: seed &+ 1000, as: Scalar.self)
        let c0 = randomValues(m * n, seed: seed &+ 2000, as: Scalar.self)
        let (alpha, beta): (Scalar, Scalar) = unitAlpha ? (1, 0) : (Scalar(0.75), Scalar(-1.25))
        let single = withSettings(threads: 1) { product(ta, tb, m, n, k, a, b, c0, alpha: alpha, beta: beta) }
        let double = withSettings(threads: 2, pieceFlops: Int(seed % 2)) {
            product(ta, tb, m, n, k, a, b, c0, alpha: alpha, beta: beta)
        }
        #expect(zip(single, double).allSatisfy(identical),
                "\(Scalar.self) m=\(m) n=\(n) k=\(k) ta=\(ta) tb=\(tb): threaded result differs")
        return (a, b, c0, alpha, beta, single)
    }

    func sweep<Scalar: TensorScalar>(_: Scalar.Type) {
        let sizes = [1, 2, 5, 6, 7, 8, 9, 13, 16, 17, 31, 33, 48, 50, 67]
        var seed: UInt64 = 1
        var cases = 0
        let before = nabla_gemm_parallel_runs()
        for m in sizes where m % 2 == 1 || m >= 16 {
            for n in sizes where n % 3 != 0 || n >= 16 {
                for k in [1, 7, 40] {
                    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                        seed += 1
                        threadedCase(ta, tb, m, n, k, seed: seed, unitAlpha: seed % 3 == 0, Scalar.self)
                        cases += 1
                    }
                }
            }
        }
        #expect(cases > 100)
        // Most shapes have two tiles to split, so the threaded path really ran.
        #expect(nabla_gemm_parallel_runs() - before > UInt(cases / 2))
    }

    /// Products deep enough for several depth passes (K > 256), with thin
    /// last columns (n = 17, 18, 50 leave 1 or 2 after whole tiles), which
    /// the blocked loop computes pass by pass on one thread and the calling
    /// thread computes on their own when the rest is split: the same bits,
    /// and the right values.
    func deep<Scalar: TensorScalar>(_: Scalar.Type, tolerance: Double) {
        var seed: UInt64 = 77
        for (m, n, k) in [(13, 18, 600), (33, 50, 300), (20, 17, 520), (8, 50, 257)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                seed += 1
                let (a, b, c0, alpha, beta, single) = threadedCase(
                    ta, tb, m, n, k, seed: seed, unitAlpha: seed % 2 == 0, Scalar.self)
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0.0
                        for p in 0..<k {
                            let x = Double(ta ? a[p * m + i] : a[i * k + p])
                            let y = Double(tb ? b[j * k + p] : b[p * n + j])
                            sum += x * y
                        }
                        let expected = Double(alpha) * sum + Double(beta) * Double(c0[i * n + j])
                        worst = Swift.max(worst, abs(Double(single[i * n + j]) - expected))
                    }
                }
                #expect(worst <= tolerance * Double(k),
                        "\(Scalar.self) m=\(m) n=\(n) k=\(k) ta=\(ta) tb=\(tb): off by \(worst)")
            }
        }
    }

    @Test func deepFloatProductsWithThinColumns() { deep(Float.self, tolerance: 1e-6) }

    @Test func deepDoubleProductsWithThinColumns() { deep(Double.self, tolerance: 1e-15) }

    @Test func floatThreadedProductsAreBitIdentical() { sweep(Float.self) }

    @Test func doubleThreadedProductsAreBitIdentical() { sweep(Double.self) }

    @Test func threadedProductMatchesNaiveProduct() {
        let m = 61, n = 37, k = 45
        let a = randomValues(m * k, seed: 7, as: Double.self)
        let b = randomValues(k * n, seed: 8, as: Double.self)
        let c = withSettings(threads: 2) {
            product(true, false, m, n, k, a, b, [Double](repeating: .nan, count: m * n), alpha: 1, beta: 0)
        }
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += a[p * m + i] * b[p * n + j] }
                worst = max(worst, abs(s - c[i * n + j]))
            }
        }
        #expect(worst < 1e-12)
    }

    @Test func concurrentCallersGetCorrectResults() {
        // Several threads multiply at once: one gets the worker, the others
        // run on their own thread; every result must equal the one-thread one.
        let shapes = [(40, 33, 29), (67, 50, 31), (17, 64, 40), (50, 10, 50), (33, 67, 8), (64, 48, 64)]
        let inputs = shapes.enumerated().map { (i, s) in
            (randomValues(s.0 * s.2, seed: UInt64(100 + i), as: Float.self),
             randomValues(s.2 * s.1, seed: UInt64(200 + i), as: Float.self))
        }
        let expected = withSettings(threads: 1) {
            shapes.indices.map { i in
                product(false, false, shapes[i].0, shapes[i].1, shapes[i].2, inputs[i].0, inputs[i].1,
                        [Float](repeating: 0, count: shapes[i].0 * shapes[i].1), alpha: 1, beta: 0)
            }
        }
        let failures = withSettings(threads: 2, pieceFlops: 1) {
            let lock = NSLock()
            nonisolated(unsafe) var failures = 0
            DispatchQueue.concurrentPerform(iterations: 24) { t in
                for round in 0..<20 {
                    let i = (t + round) % shapes.count
                    let (m, n, k) = shapes[i]
                    let c = product(false, false, m, n, k, inputs[i].0, inputs[i].1,
                                    [Float](repeating: .nan, count: m * n), alpha: 1, beta: 0)
                    if !zip(c, expected[i]).allSatisfy(identical) {
                        lock.lock()
                        failures += 1
                        lock.unlock()
                    }
                }
            }
            return failures
        }
        #expect(failures == 0)
    }

    @Test func threadCountSettings() {
        let old = nabla_gemm_set_threads(1)
        #expect(nabla_gemm_threads() == 1)
        nabla_gemm_set_threads(7)
        #expect(nabla_gemm_threads() == 2)
        nabla_gemm_set_threads(0)
        #expect((1...2).contains(nabla_gemm_threads()))
        nabla_gemm_set_threads(old)
        #expect(nabla_gemm_threads() == old)
    }
}
