import NablaRules

extension Variable {
    /// The matrix product, batched as ``Tensor/matmul(_:)``. For C = A·B
    /// the gradients are G·Bᵀ and Aᵀ·G, summed over the batch axis where an
    /// operand was shared by the batch.
    ///
    /// - Throws: ``ShapeError`` as ``Tensor/matmul(_:)``.
    @inlinable
    public func matmul(_ other: Variable) throws -> Variable {
        let a = value, b = other.value
        return Variable.record(try a.matmul(b), [self, other]) { g in
            [
                try! g.matmul(b.transposed()).summed(toShape: a.shape),
                try! a.transposed().matmul(g).summed(toShape: b.shape),
            ]
        }
    }
}
