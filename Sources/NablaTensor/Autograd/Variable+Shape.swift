import NablaRules

// Operations that move elements without changing them: the gradient moves
// back (reshape, permute) or is scattered into zeros (slice) or cut apart
// (concatenate).

extension Variable {
    /// The same elements under a new shape (one dimension may be -1); the
    /// gradient is reshaped back.
    /// - Throws: ``ShapeError`` as ``Tensor/reshaped(to:)``.
    @inlinable
    public func reshaped(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        let shape = value.shape
        return Variable.record(try value.reshaped(to: newShape), OperationSite(.fixed("reshape"), file: file, line: line), self) {
            g in try! g.reshaped(to: shape)
        }
    }

    /// The elements as a vector of shape `[count]`; the gradient is
    /// reshaped back.
    @inlinable
    public func flattened(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let shape = value.shape
        return Variable.record(value.flattened(), OperationSite(.fixed("flatten"), file: file, line: line), self) { g in
            try! g.reshaped(to: shape)
        }
    }

    /// The variable without its dimensions of size 1, as
    /// ``Tensor/squeezed()``; the gradient is reshaped back.
    @inlinable
    public func squeezed(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let shape = value.shape
        return Variable.record(value.squeezed(), OperationSite(.fixed("squeeze"), file: file, line: line), self) { g in
            try! g.reshaped(to: shape)
        }
    }

    /// The variable without dimension `axis`, which must have size 1.
    /// - Throws: ``ShapeError`` as ``Tensor/squeezed(axis:)``.
    @inlinable
    public func squeezed(axis: Int, file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        let shape = value.shape
        return Variable.record(try value.squeezed(axis: axis), OperationSite(.fixed("squeeze"), file: file, line: line), self) {
            g in try! g.reshaped(to: shape)
        }
    }

    /// The variable with a new dimension of size 1 at `axis`, as
    /// ``Tensor/unsqueezed(at:)``. - Throws: ``ShapeError``.
    @inlinable
    public func unsqueezed(at axis: Int, file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        let shape = value.shape
        return Variable.record(try value.unsqueezed(at: axis), OperationSite(.fixed("unsqueeze"), file: file, line: line), self) {
            g in try! g.reshaped(to: shape)
        }
    }

    /// The transpose of the last two axes; the gradient is transposed back.
    /// Precondition: rank ≥ 2.
    @inlinable
    public func transposed(file: StaticString = #fileID, line: UInt = #line) -> Variable {
        Variable.record(value.transposed(), OperationSite(.fixed("transpose"), file: file, line: line), self) { g in
            g.transposed()
        }
    }

    /// The axes reordered, as ``Tensor/permuted(_:)``: axis i of the result
    /// is axis `axes[i]` of this variable. The gradient is permuted back by
    /// the inverse permutation.
    /// - Throws: ``ShapeError`` if `axes` is not a permutation of the axes.
    @inlinable
    public func permuted(_ axes: [Int], file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        let y = try value.permuted(axes)
        let r = value.rank
        var inverse = [Int](repeating: 0, count: r)
        for (i, axis) in axes.enumerated() { inverse[axis < 0 ? axis + r : axis] = i }
        return Variable.record(y, OperationSite(.fixed("permute"), file: file, line: line), self) { g in
            try! g.permuted(inverse)
        }
    }

    /// The elements whose index along `axis` lies in `range`, as
    /// ``Tensor/slice(alongAxis:_:)``. The gradient is the upstream gradient
    /// in the slice and 0 elsewhere.
    /// - Throws: ``ShapeError`` if the axis or the range is out of bounds.
    @inlinable
    public func slice(
        alongAxis axis: Int, _ range: Range<Int>, file: StaticString = #fileID, line: UInt = #line
    ) throws -> Variable {
        let y = try value.slice(alongAxis: axis, range)
        let a = try value.normalizedAxis(axis, operation: "slice")
        let shape = value.shape
        return Variable.record(y, OperationSite(.fixed("slice"), file: file, line: line), self) { g in
            g.embedded(alongAxis: a, at: range.lowerBound, in: shape)
        }
    }

    /// The variables joined end to end along `axis`, as
    /// ``Tensor/concatenating(_:alongAxis:)``; each gets back its own part
    /// of the upstream gradient.
    /// - Throws: ``ShapeError`` naming `concatenate` and the shapes if the
    ///   list is empty, the ranks differ, the axis is out of range or
    ///   another dimension differs.
    @inlinable
    public static func concatenating(
        _ variables: [Variable], alongAxis axis: Int = 0, file: StaticString = #fileID, line: UInt = #line
    ) throws -> Variable {
        let y = try Tensor.concatenating(variables.map(\.value), alongAxis: axis)
        let a = try variables[0].value.normalizedAxis(axis, operation: "concatenate")
        let sizes = variables.map { $0.value.shape[a] }
        let needed = variables.map(\.requiresGrad)
        return record(y, OperationSite(.fixed("concatenate"), file: file, line: line), variables) { g in
            var start = 0
            return sizes.indices.map { i in
                defer { start += sizes[i] }
                return needed[i] ? try! g.slice(alongAxis: a, start..<start + sizes[i]) : nil
            }
        }
    }

    /// This variable followed by `other` along `axis`; see
    /// ``concatenating(_:alongAxis:file:line:)``. - Throws: ``ShapeError``.
    @inlinable
    public func concatenated(
        with other: Variable, alongAxis axis: Int = 0, file: StaticString = #fileID, line: UInt = #line
    ) throws -> Variable {
        try Variable.concatenating([self, other], alongAxis: axis, file: file, line: line)
    }
}

extension Tensor {
    /// A tensor of `shape`, zero except along `axis` from `start` on, where
    /// it holds this tensor (whose shape is `shape` but for that axis): the
    /// adjoint of slicing.
    @inlinable
    func embedded(alongAxis axis: Int, at start: Int, in shape: [Int]) -> Tensor {
        var result = Tensor(shape: shape, repeating: 0)
        let (outer, n, inner) = result.split(at: axis)
        let part = self.shape[axis] * inner
        result.withUnsafeMutableBufferPointer { out in
            withUnsafeBufferPointer { source in
                guard part > 0 else { return }
                for b in 0..<outer {
                    (out.baseAddress! + b * n * inner + start * inner)
                        .update(from: source.baseAddress! + b * part, count: part)
                }
            }
        }
        return result
    }
}
