import CNablaKernels

extension Tensor {
    /// Σ x[i]² in Double through the C kernel (vectorised under AVX2) when
    /// `Scalar` is Float or Double, accumulated in the element type as the
    /// optimiser's check needs (NaN or ±∞ anywhere gives a non-finite sum);
    /// nil for other element types. The optimisers of `NablaNetwork` call it.
    @inlinable
    package static func sumOfSquares(_ x: UnsafeBufferPointer<Scalar>) -> Double? {
        guard let base = x.baseAddress else { return 0 }
        if Scalar.self == Float.self {
            return nabla_sum_of_squares_f32(UnsafeRawPointer(base).assumingMemoryBound(to: Float.self), x.count)
        }
        if Scalar.self == Double.self {
            return nabla_sum_of_squares_f64(UnsafeRawPointer(base).assumingMemoryBound(to: Double.self), x.count)
        }
        return nil
    }

    /// w[i] −= eta·g[i] (product and difference each rounded, as the scalar
    /// loop does) through the C kernel when `Scalar` is Float or Double;
    /// false, writing nothing, for other element types.
    @inlinable
    package static func sgdStep(
        _ w: UnsafeMutableBufferPointer<Scalar>, _ g: UnsafeBufferPointer<Scalar>, eta: Scalar
    ) -> Bool {
        precondition(w.count == g.count, "sgdStep: \(w.count) weights, \(g.count) gradients")
        guard let wb = w.baseAddress, let gb = g.baseAddress else { return true }
        if Scalar.self == Float.self {
            nabla_sgd_f32(UnsafeMutableRawPointer(wb).assumingMemoryBound(to: Float.self),
                          UnsafeRawPointer(gb).assumingMemoryBound(to: Float.self),
                          unsafeBitCast(eta, to: Float.self), w.count)
            return true
        }
        if Scalar.self == Double.self {
            nabla_sgd_f64(UnsafeMutableRawPointer(wb).assumingMemoryBound(to: Double.self),
                          UnsafeRawPointer(gb).assumingMemoryBound(to: Double.self),
                          unsafeBitCast(eta, to: Double.self), w.count)
            return true
        }
        return false
    }
}
