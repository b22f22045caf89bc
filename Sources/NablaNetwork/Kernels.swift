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
        if Tensor<Scalar>.gemm(a, b, into: c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                               alpha: alpha, beta: beta) {
            return
        }
        // Other element types (none today), or sizes beyond the C kernels'
        // 32-bit range.
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
