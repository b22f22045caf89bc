import CNablaKernels
import NablaTensor

/// The dense kernels the layers run on: GEMM with transposed operands
/// (through the C kernels, no transposed copies) and a few fused loops.
enum Kernels {
    /// c = alpha·op(a)·op(b) + beta·c for row-major matrices; op(a) is m×k,
    /// op(b) is k×n. `transposeA`: a is stored k×m; `transposeB`: b is stored
    /// n×k. Leading dimensions are the stored row lengths.
    @inlinable
    static func gemm<Scalar: TensorScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Scalar, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>,
        beta: Scalar, _ c: UnsafeMutablePointer<Scalar>
    ) {
        precondition(
            m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max),
            "gemm: dimensions \(m)×\(k)×\(n) exceed the kernel's 32-bit range")
        let lda = Int32(Swift.max(transposeA ? m : k, 1))
        let ldb = Int32(Swift.max(transposeB ? k : n, 1))
        let ldc = Int32(Swift.max(n, 1))
        let ta: Int32 = transposeA ? 1 : 0, tb: Int32 = transposeB ? 1 : 0
        if Scalar.self == Float.self {
            nabla_sgemm_t(
                ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha),
                UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb,
                Float(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc)
        } else if Scalar.self == Double.self {
            nabla_dgemm_t(
                ta, tb, Int32(m), Int32(n), Int32(k), Double(alpha),
                UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb,
                Double(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc)
        } else {
            // Generic fallback for other element types (none today).
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Scalar = 0
                    for p in 0..<k {
                        let x = transposeA ? a[p * m + i] : a[i * k + p]
                        let y = transposeB ? b[j * k + p] : b[p * n + j]
                        sum += x * y
                    }
                    c[i * n + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * n + j])
                }
            }
        }
    }

    /// The same product on tensors: returns alpha·op(a)·op(b) as a new m×n tensor.
    @inlinable
    static func product<Scalar: TensorScalar>(
        _ a: Tensor<Scalar>, _ b: Tensor<Scalar>,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Scalar = 1
    ) -> Tensor<Scalar> {
        precondition(a.rank == 2 && b.rank == 2, "product: matrices expected, got shapes \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let k2 = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == k2, "product: inner dimensions \(k) and \(k2) differ (shapes \(a.shape), \(b.shape))")
        return Tensor(shape: [m, n]) { c in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                         pa.baseAddress!, pb.baseAddress!, beta: 0, c.baseAddress!)
                }
            }
        }
    }
}
