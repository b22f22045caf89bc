import CNablaKernels
import NablaRules

extension Tensor {
    /// The matrix product of this tensor and `other`.
    ///
    /// - `[m, k] × [k, n] → [m, n]`;
    /// - batched: `[B, m, k] × [B, k, n] → [B, m, n]`, where a batch of 1
    ///   on either side, or a rank-2 operand, is shared by every matrix of
    ///   the other's batch.
    ///
    /// Float and Double go through the blocked, packed GEMM of the C target
    /// `CNablaKernels` (AVX-512, AVX2+FMA or a portable kernel, chosen at run
    /// time; see `nabla_gemm_kernel_name()`), one call per matrix of the
    /// batch. Other scalar types, and sizes beyond `Int32`, use an i-k-j loop
    /// over contiguous rows. Neither has a special case for zeros, so NaN and
    /// infinity propagate as in the naive product. An inner dimension of 0
    /// gives zeros.
    ///
    /// - Throws: ``ShapeError`` naming both shapes if a rank is not 2 or 3,
    ///   the inner dimensions differ, or the batch sizes differ (and neither
    ///   is 1), e.g. `matmul: shapes [2, 3] and [4, 5] do not match: inner
    ///   dimensions 3 and 4 differ`.
    @inlinable
    public func matmul(_ other: Tensor) throws -> Tensor {
        let a = shape, b = other.shape
        guard (2...3).contains(a.count) && (2...3).contains(b.count) else {
            throw ShapeError.mismatch("matmul", a, b, "matmul needs ranks 2 or 3, got ranks \(a.count) and \(b.count)")
        }
        let m = a[a.count - 2], k = a[a.count - 1], k2 = b[b.count - 2], n = b[b.count - 1]
        guard k == k2 else {
            throw ShapeError.mismatch("matmul", a, b, "inner dimensions \(k) and \(k2) differ")
        }
        let batchA = a.count == 3 ? a[0] : 1, batchB = b.count == 3 ? b[0] : 1
        guard batchA == batchB || batchA == 1 || batchB == 1 else {
            throw ShapeError.mismatch("matmul", a, b, "batch dimensions \(batchA) and \(batchB) differ")
        }
        let batch = Swift.max(batchA, batchB)
        let resultShape = a.count == 3 || b.count == 3 ? [batch, m, n] : [m, n]
        return Tensor(shape: resultShape) { out in
            if Self.gemm(
                storage.base, other.storage.base, into: out.baseAddress!,
                batch: batch, strideA: batchA == 1 ? 0 : m * k, strideB: batchB == 1 ? 0 : k * n,
                m: m, k: k, n: n)
            {
                return
            }
            out.initialize(repeating: 0)
            for i in 0..<batch {
                Self.multiplyAccumulate(
                    storage.base + (batchA == 1 ? 0 : i * m * k),
                    other.storage.base + (batchB == 1 ? 0 : i * k * n),
                    into: out.baseAddress! + i * m * n, m: m, k: k, n: n)
            }
        }
    }

    /// The product op(self)·op(other) of two matrices, where op transposes
    /// the operand when asked: `a.matmul(b, transposingSelf: true)` is aᵀ·b.
    /// Float and Double fold the transposition into the GEMM's packing, so
    /// no transposed copy is made (backpropagation through a matrix product
    /// needs G·Bᵀ and Aᵀ·G).
    ///
    /// - Throws: ``ShapeError`` naming both shapes if either is not a matrix
    ///   or the inner dimensions of op(self) and op(other) differ.
    @inlinable
    public func matmul(_ other: Tensor, transposingSelf: Bool, transposingOther: Bool = false) throws -> Tensor {
        let a = shape, b = other.shape
        guard a.count == 2 && b.count == 2 else {
            throw ShapeError.mismatch("matmul", a, b, "a transposed product needs two matrices, got ranks \(a.count) and \(b.count)")
        }
        let m = transposingSelf ? a[1] : a[0], k = transposingSelf ? a[0] : a[1]
        let k2 = transposingOther ? b[1] : b[0], n = transposingOther ? b[0] : b[1]
        guard k == k2 else {
            throw ShapeError.mismatch(
                "matmul", a, b,
                "inner dimensions \(k) and \(k2) differ (the product is \(transposingSelf ? "[\(a[0]), \(a[1])]ᵀ" : "\(a)")"
                    + " × \(transposingOther ? "[\(b[0]), \(b[1])]ᵀ" : "\(b)"))")
        }
        var done = false
        let result = Tensor(shape: [m, n]) { out in
            done = Self.gemm(
                storage.base, other.storage.base, into: out.baseAddress!, batch: 1, strideA: 0, strideB: 0,
                m: m, k: k, n: n, transposeA: transposingSelf, transposeB: transposingOther)
        }
        if done { return result }
        // Other scalar types: through transposed copies.
        return try (transposingSelf ? transposed() : self).matmul(transposingOther ? other.transposed() : other)
    }

    /// c = alpha·op(a)·op(b) + beta·c for each of `batch` row-major products
    /// through the C kernels, when `Scalar` is Float or Double and the sizes
    /// fit in `Int32`; op transposes an operand stored transposed (a as k×m,
    /// b as n×k). The i-th a starts at `a + i * strideA`, the i-th b at
    /// `b + i * strideB`, the i-th c at `c + i * m * n`; c is not read when
    /// beta is 0. Returns false (writing nothing) otherwise. The one Float
    /// and Double dispatch of the package's GEMM (the network layers call it
    /// too).
    @inlinable
    package static func gemm(
        _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, into c: UnsafeMutablePointer<Scalar>,
        batch: Int = 1, strideA: Int = 0, strideB: Int = 0, m: Int, k: Int, n: Int,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Scalar = 1, beta: Scalar = 0
    ) -> Bool {
        let limit = Int(Int32.max)
        guard m <= limit, k <= limit, n <= limit else { return false }
        let m32 = Int32(m), k32 = Int32(k), n32 = Int32(n)
        let ta: Int32 = transposeA ? 1 : 0, tb: Int32 = transposeB ? 1 : 0
        let lda = Swift.max(transposeA ? m32 : k32, 1), ldb = Swift.max(transposeB ? k32 : n32, 1)
        let ldc = Swift.max(n32, 1)
        if Scalar.self == Float.self {
            let a = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
            let b = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
            let c = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
            let alpha = unsafeBitCast(alpha, to: Float.self), beta = unsafeBitCast(beta, to: Float.self)
            for i in 0..<batch {
                nabla_sgemm_t(ta, tb, m32, n32, k32, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * m * n, ldc)
            }
            return true
        }
        if Scalar.self == Double.self {
            let a = UnsafeRawPointer(a).assumingMemoryBound(to: Double.self)
            let b = UnsafeRawPointer(b).assumingMemoryBound(to: Double.self)
            let c = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self)
            let alpha = unsafeBitCast(alpha, to: Double.self), beta = unsafeBitCast(beta, to: Double.self)
            for i in 0..<batch {
                nabla_dgemm_t(ta, tb, m32, n32, k32, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * m * n, ldc)
            }
            return true
        }
        return false
    }

    /// c += a·b for row-major a (m×k), b (k×n), c (m×n). The innermost loop
    /// runs along contiguous rows of b and c and vectorises.
    @inlinable
    static func multiplyAccumulate(
        _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, into c: UnsafeMutablePointer<Scalar>,
        m: Int, k: Int, n: Int
    ) {
        for i in 0..<m {
            let row = c + i * n
            for p in 0..<k {
                let x = a[i * k + p], bRow = b + p * n
                for j in 0..<n { row[j] += x * bRow[j] }
            }
        }
    }
}

/// The matrix product `a × b`; see ``Tensor/matmul(_:)``.
///
/// - Throws: ``ShapeError`` if the shapes do not fit.
@inlinable
public func matmul<Scalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) throws -> Tensor<Scalar> {
    try a.matmul(b)
}
