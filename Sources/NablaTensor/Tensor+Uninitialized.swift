extension Tensor {
    /// Creates a tensor of the given shape whose elements `body` writes.
    ///
    /// Like `Array(unsafeUninitializedCapacity:initializingWith:)`: the
    /// buffer starts uninitialised and `body` must write every element
    /// before returning (the elements are trivial, so unwritten ones are
    /// garbage, not undefined behaviour, but never rely on it). Kernels use it
    /// to fill a fresh result without a zeroing pass.
    ///
    /// Precondition: every dimension is non-negative.
    @inlinable
    public init(
        unsafeUninitializedShape shape: [Int],
        initializingWith body: (UnsafeMutableBufferPointer<Scalar>) throws -> Void
    ) rethrows {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        let count = shape.reduce(1, *)
        let storage = TensorStorage<Scalar>(uninitializedCount: count)
        try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
        self.init(uncheckedShape: shape, storage: storage)
    }
}
