import NablaRules

extension Variable {
    /// The sum of all elements (rank 0); the gradient is the upstream
    /// value repeated over the input's shape.
    @inlinable
    public func sum(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let shape = value.shape
        return Variable.record(value.sum(), OperationSite(.fixed("sum"), file: file, line: line), self) { g in
            Tensor(shape: shape, repeating: g.scalar)
        }
    }

    /// The mean of all elements (rank 0); NaN for an empty tensor.
    @inlinable
    public func mean(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let shape = value.shape, n = Scalar(value.count)
        return Variable.record(value.mean(), OperationSite(.fixed("mean"), file: file, line: line), self) { g in
            Tensor(shape: shape, repeating: g.scalar / n)
        }
    }

    /// The sums along `axis` (negative axes count from the end); see
    /// ``Tensor/sum(alongAxis:keepingDimensions:)``. The gradient is the
    /// upstream gradient repeated along the axis.
    /// Precondition: the axis is in range.
    @inlinable
    public func sum(
        alongAxis axis: Int, keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let a = value.checkedAxis(axis, operation: "sum")
        let shape = value.shape
        let y = value.sum(alongAxis: a, keepingDimensions: keepingDimensions)
        return Variable.record(y, OperationSite(.fixed("sum"), file: file, line: line), self) { g in
            Variable.spread(g, alongAxis: a, kept: keepingDimensions, to: shape)
        }
    }

    /// The means along `axis`; see ``sum(alongAxis:keepingDimensions:file:line:)``.
    @inlinable
    public func mean(
        alongAxis axis: Int, keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let a = value.checkedAxis(axis, operation: "mean")
        let shape = value.shape, n = Scalar(shape[a])
        let y = value.mean(alongAxis: a, keepingDimensions: keepingDimensions)
        return Variable.record(y, OperationSite(.fixed("mean"), file: file, line: line), self) { g in
            Variable.spread(g, alongAxis: a, kept: keepingDimensions, to: shape).scaled(by: 1 / n)
        }
    }

    /// The upstream gradient of a reduction along `axis` repeated along it:
    /// the adjoint of summing.
    @inlinable
    static func spread(_ g: Tensor<Scalar>, alongAxis axis: Int, kept: Bool, to shape: [Int]) -> Tensor<Scalar> {
        let withAxis = kept ? g : try! g.unsqueezed(at: axis)
        return try! withAxis.broadcast(to: shape)
    }

    // MARK: Maximum and minimum

    /// The largest element (rank 0), as ``Tensor/max()``.
    ///
    /// The gradient goes to the element that attains the maximum. When
    /// several tie, it is split evenly among them (each gets g/k for k tied
    /// elements), so the gradient stays symmetric and sums to g, as
    /// PyTorch's `amax`; a NaN maximum sends it to the NaN elements.
    /// Precondition: the tensor is not empty.
    @inlinable
    public func max(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        extremum(value.max(), alongAxis: nil, kept: false, OperationSite(.fixed("max"), file: file, line: line))
    }

    /// The smallest element (rank 0); the gradient goes to it, split evenly
    /// among ties, as ``max(file:line:)``.
    /// Precondition: the tensor is not empty.
    @inlinable
    public func min(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        extremum(value.min(), alongAxis: nil, kept: false, OperationSite(.fixed("min"), file: file, line: line))
    }

    /// The maxima along `axis` (negative axes count from the end), as
    /// ``Tensor/max(alongAxis:keepingDimensions:)``. Along each line the
    /// gradient goes to the maximal element, split evenly among ties (see
    /// ``max(file:line:)``).
    /// Precondition: the axis is in range and not empty.
    @inlinable
    public func max(
        alongAxis axis: Int, keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let a = value.checkedAxis(axis, operation: "max")
        return extremum(
            value.max(alongAxis: a, keepingDimensions: true), alongAxis: a, kept: keepingDimensions,
            OperationSite(.fixed("max"), file: file, line: line))
    }

    /// The minima along `axis`; the gradient goes to the minimal element
    /// of each line, split evenly among ties.
    /// Precondition: the axis is in range and not empty.
    @inlinable
    public func min(
        alongAxis axis: Int, keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Variable {
        let a = value.checkedAxis(axis, operation: "min")
        return extremum(
            value.min(alongAxis: a, keepingDimensions: true), alongAxis: a, kept: keepingDimensions,
            OperationSite(.fixed("min"), file: file, line: line))
    }

    /// The result of a max or min reduction whose values `m` (with the
    /// reduced axis kept, or rank 0 for all elements) were computed from
    /// ``value``. The pullback's mask marks the elements equal to their
    /// line's extremum (NaN counts as equal to a NaN extremum); the
    /// gradient is mask · g / (number of marked elements in the line).
    @inlinable
    func extremum(_ m: Tensor<Scalar>, alongAxis axis: Int?, kept: Bool, _ site: OperationSite) -> Variable {
        let x = value
        let y = axis == nil || kept ? m : try! m.squeezed(axis: axis!)
        return Variable.record(y, site, self) { g in
            let mask = try! Tensor.zip(x, m, operation: "extremum") { v, e in
                v == e || (v.isNaN && e.isNaN) ? 1 : 0
            }
            let gKept = axis == nil || kept ? g : try! g.unsqueezed(at: axis!)
            let ties = axis.map { mask.sum(alongAxis: $0, keepingDimensions: true) } ?? mask.sum()
            return mask * (gKept / ties)
        }
    }
}
