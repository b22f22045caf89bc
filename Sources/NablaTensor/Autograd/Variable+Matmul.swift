import NablaRules

extension Variable {
    /// The matrix product, batched as ``Tensor/matmul(_:)``. For C = A·B
    /// the gradients are G·Bᵀ and Aᵀ·G, summed over the batch axis where an
    /// operand was shared by the batch; an operand that needs no gradient
    /// (the input data, typically) costs no product.
    ///
    /// - Throws: ``ShapeError`` as ``Tensor/matmul(_:)``, naming `matmul`
    ///   and both shapes.
    @inlinable
    public func matmul(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        let a = value, b = other.value
        let needA = requiresGrad, needB = other.requiresGrad
        let site = OperationSite(.fixed("matmul"), file: file, line: line)
        if a.rank == 2 && b.rank == 2 {
            // Two matrices: the transposes are folded into the GEMM.
            return Variable.record(try a.matmul(b), site, self, other) { g in
                (
                    needA ? try! g.matmul(b, transposingSelf: false, transposingOther: true) : nil,
                    needB ? try! a.matmul(g, transposingSelf: true) : nil
                )
            }
        }
        return Variable.record(try a.matmul(b), site, self, other) { g in
            (
                needA ? try! g.matmul(b.transposed()).summed(toShape: a.shape) : nil,
                needB ? try! a.transposed().matmul(g).summed(toShape: b.shape) : nil
            )
        }
    }
}
