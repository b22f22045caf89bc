import NablaRules

extension Variable {
    /// The sum of all elements (rank 0); the gradient is the upstream
    /// value repeated over the input's shape.
    @inlinable
    public func sum() -> Variable {
        let shape = value.shape
        return Variable.record(value.sum(), [self]) { g in
            [Tensor(shape: shape, repeating: g.scalar)]
        }
    }

    /// The mean of all elements (rank 0); NaN for an empty tensor.
    @inlinable
    public func mean() -> Variable {
        let shape = value.shape, n = Scalar(value.count)
        return Variable.record(value.mean(), [self]) { g in
            [Tensor(shape: shape, repeating: g.scalar / n)]
        }
    }

    /// The sums along `axis` (negative axes count from the end); see
    /// ``Tensor/sum(alongAxis:keepingDimensions:)``. The gradient is the
    /// upstream gradient repeated along the axis.
    /// Precondition: the axis is in range.
    @inlinable
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Variable {
        let a = value.checkedAxis(axis, operation: "sum")
        let shape = value.shape
        return Variable.record(value.sum(alongAxis: a, keepingDimensions: keepingDimensions), [self]) { g in
            [Variable.spread(g, alongAxis: a, kept: keepingDimensions, to: shape)]
        }
    }

    /// The means along `axis`; see ``sum(alongAxis:keepingDimensions:)``.
    @inlinable
    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Variable {
        let a = value.checkedAxis(axis, operation: "mean")
        let shape = value.shape, n = Scalar(shape[a])
        return Variable.record(value.mean(alongAxis: a, keepingDimensions: keepingDimensions), [self]) { g in
            [Variable.spread(g, alongAxis: a, kept: keepingDimensions, to: shape).scaled(by: 1 / n)]
        }
    }

    /// The upstream gradient of a reduction along `axis` repeated along it:
    /// the adjoint of summing.
    @inlinable
    static func spread(_ g: Tensor<Scalar>, alongAxis axis: Int, kept: Bool, to shape: [Int]) -> Tensor<Scalar> {
        let withAxis = kept ? g : try! g.unsqueezed(at: axis)
        return try! withAxis.broadcast(to: shape)
    }

    /// The same elements under a new shape (one dimension may be -1); the
    /// gradient is reshaped back.
    /// - Throws: ``ShapeError`` as ``Tensor/reshaped(to:)``.
    @inlinable
    public func reshaped(to newShape: [Int]) throws -> Variable {
        let shape = value.shape
        return Variable.record(try value.reshaped(to: newShape), [self]) { g in
            [try! g.reshaped(to: shape)]
        }
    }

    /// The transpose of the last two axes; the gradient is transposed back.
    /// Precondition: rank ≥ 2.
    @inlinable
    public func transposed() -> Variable {
        Variable.record(value.transposed(), [self]) { g in [g.transposed()] }
    }
}
