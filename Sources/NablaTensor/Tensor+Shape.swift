import NablaRules

extension Tensor {
    /// The same elements, in the same row-major order, under a new shape.
    ///
    /// One dimension may be -1: it is inferred from the element count. The
    /// storage is shared, not copied.
    /// - Throws: ``ShapeError`` if the counts differ, more than one
    ///   dimension is -1, a dimension is below -1, or -1 cannot be inferred
    ///   (the other dimensions do not divide the count).
    @inlinable
    public func reshaped(to newShape: [Int]) throws -> Tensor {
        func failure(_ reason: String) -> ShapeError {
            ShapeError(operation: "reshape", shapes: [shape, newShape], reason: reason)
        }
        var target = newShape
        let inferred = target.indices.filter { target[$0] == -1 }
        guard inferred.count <= 1 else { throw failure("shape \(newShape) has more than one -1") }
        guard target.allSatisfy({ $0 >= -1 }) else { throw failure("shape \(newShape) has a negative dimension") }
        if let axis = inferred.first {
            let known = target.enumerated().reduce(1) { $1.offset == axis ? $0 : $0 * $1.element }
            guard known > 0, count % known == 0 else {
                throw failure("cannot infer the -1 in \(newShape) from \(count) elements (shape \(shape))")
            }
            target[axis] = count / known
        }
        guard Self.elementCount(target) == count else {
            throw failure(
                "cannot reshape \(shape) (\(count) elements) to \(newShape) (\(Self.elementCount(target)) elements)")
        }
        return Tensor(uncheckedShape: target, storage: storage)
    }

    /// The elements as a vector of shape `[count]` (storage shared).
    @inlinable
    public func flattened() -> Tensor { Tensor(uncheckedShape: [count], storage: storage) }

    /// The tensor with its axes reordered: axis i of the result is axis
    /// `axes[i]` of this tensor (NumPy's `transpose(axes)`, PyTorch's
    /// `permute`). The elements are copied into row-major order.
    ///
    /// - Throws: ``ShapeError`` if `axes` is not a permutation of
    ///   0..<rank (negative axes count from the end).
    @inlinable
    public func permuted(_ axes: [Int]) throws -> Tensor {
        let normalized = try axes.map { try normalizedAxis($0, operation: "permute") }
        guard normalized.count == rank, Set(normalized).count == rank else {
            throw ShapeError(
                operation: "permute", shapes: [shape],
                reason: "axes \(axes) are not a permutation of the \(rank) axes of shape \(shape)")
        }
        let newShape = normalized.map { shape[$0] }
        let oldStrides = strides
        let sourceStrides = normalized.map { oldStrides[$0] }
        return Tensor(shape: newShape) { out in
            Self.gather(from: storage.base, shape: newShape, strides: sourceStrides, into: out.baseAddress!)
        }
    }

    /// Copies a strided view (`shape`, `strides` into `source`) into
    /// contiguous row-major memory. The innermost axis is a tight loop.
    @inlinable
    static func gather(
        from source: UnsafePointer<Scalar>, shape: [Int], strides: [Int], into out: UnsafeMutablePointer<Scalar>
    ) {
        let n = elementCount(shape)
        if n == 0 { return }
        if shape.isEmpty {
            out[0] = source[0]
            return
        }
        let r = shape.count
        let inner = shape[r - 1], innerStride = strides[r - 1]
        var index = [Int](repeating: 0, count: r)
        var offset = 0
        var o = 0
        while o < n {
            if innerStride == 1 {
                (out + o).update(from: source + offset, count: inner)
            } else {
                for j in 0..<inner { out[o + j] = source[offset + j * innerStride] }
            }
            o += inner
            var axis = r - 2
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// The transpose of the last two axes: a matrix's transpose, or the
    /// transpose of every matrix in a batch.
    ///
    /// Precondition: rank ≥ 2.
    @inlinable
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed: needs rank 2 or more, got shape \(shape)")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return try! permuted(axes)
    }

    /// The elements whose index along `axis` lies in `range`; the other axes
    /// are kept whole. The rank stays the same.
    ///
    /// - Throws: ``ShapeError`` if the axis is out of range (negative axes
    ///   count from the end) or `range` is not within 0...shape[axis].
    @inlinable
    public func slice(alongAxis axis: Int, _ range: Range<Int>) throws -> Tensor {
        let a = try normalizedAxis(axis, operation: "slice")
        guard range.lowerBound >= 0 && range.upperBound <= shape[a] else {
            throw ShapeError(
                operation: "slice", shapes: [shape],
                reason: "range \(range) is out of bounds 0..<\(shape[a]) on axis \(a) of shape \(shape)")
        }
        var ranges = shape.map { 0..<$0 }
        ranges[a] = range
        return sliced(ranges)
    }

    /// The elements whose index along each leading axis lies in the given
    /// range: `t[0..<2, 1..<3]`. Axes without a range are kept whole.
    ///
    /// Precondition: at most `rank` ranges, each within its axis (use
    /// ``slice(alongAxis:_:)`` to get an error instead).
    @inlinable
    public subscript(_ ranges: Range<Int>...) -> Tensor {
        precondition(ranges.count <= rank, "Tensor subscript: \(ranges.count) ranges for shape \(shape)")
        var full = shape.map { 0..<$0 }
        for (axis, range) in ranges.enumerated() {
            precondition(
                range.lowerBound >= 0 && range.upperBound <= shape[axis],
                "Tensor subscript: range \(range) is out of bounds 0..<\(shape[axis]) on axis \(axis) of shape \(shape)")
            full[axis] = range
        }
        return sliced(full)
    }

    /// The sub-tensor at `index` along the first axis, of rank one less: a
    /// row of a matrix, a matrix of a batch, a scalar tensor of a vector.
    ///
    /// Precondition: rank ≥ 1 and 0 ≤ index < shape[0].
    @inlinable
    public subscript(row index: Int) -> Tensor {
        precondition(rank >= 1, "Tensor subscript(row:): a scalar tensor has no rows")
        precondition(
            index >= 0 && index < shape[0], "Tensor subscript(row:): index \(index) is out of range 0..<\(shape[0])")
        let rowShape = Array(shape.dropFirst())
        let n = Self.elementCount(rowShape)
        return Tensor(shape: rowShape) { out in
            out.baseAddress!.update(from: storage.base + index * n, count: n)
        }
    }

    /// Copies the box given by one in-bounds range per axis.
    @inlinable
    func sliced(_ ranges: [Range<Int>]) -> Tensor {
        let newShape = ranges.map { $0.count }
        let s = strides
        var start = 0
        for axis in ranges.indices { start += ranges[axis].lowerBound * s[axis] }
        return Tensor(shape: newShape) { out in
            Self.gather(from: storage.base + start, shape: newShape, strides: s, into: out.baseAddress!)
        }
    }

    /// The tensors joined end to end along `axis`; every other dimension
    /// must agree. Negative axes count from the end.
    ///
    /// - Throws: ``ShapeError`` if `tensors` is empty, ranks differ, the
    ///   axis is out of range, or another dimension differs.
    @inlinable
    public static func concatenating(_ tensors: [Tensor], alongAxis axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw ShapeError(operation: "concatenate", shapes: [], reason: "no tensors to concatenate")
        }
        let a = try first.normalizedAxis(axis, operation: "concatenate")
        for t in tensors.dropFirst() {
            var mismatch = t.rank != first.rank
            if !mismatch {
                for d in 0..<first.rank where d != a && t.shape[d] != first.shape[d] { mismatch = true }
            }
            if mismatch {
                throw ShapeError(
                    operation: "concatenate", shapes: tensors.map(\.shape),
                    reason: "shapes \(first.shape) and \(t.shape) differ outside axis \(a)")
            }
        }
        var newShape = first.shape
        newShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let outer = Self.elementCount(Array(first.shape[..<a]))
        return Tensor(shape: newShape) { out in
            var o = 0
            for block in 0..<outer {
                for t in tensors {
                    let chunk = t.count / Swift.max(outer, 1)
                    (out.baseAddress! + o).update(from: t.storage.base + block * chunk, count: chunk)
                    o += chunk
                }
            }
        }
    }

    /// This tensor followed by `other` along `axis`; see
    /// ``concatenating(_:alongAxis:)``.
    @inlinable
    public func concatenated(with other: Tensor, alongAxis axis: Int = 0) throws -> Tensor {
        try Self.concatenating([self, other], alongAxis: axis)
    }

    /// The tensor without its dimensions of size 1 (storage shared).
    @inlinable
    public func squeezed() -> Tensor {
        Tensor(uncheckedShape: shape.filter { $0 != 1 }, storage: storage)
    }

    /// The tensor without dimension `axis`, which must have size 1.
    ///
    /// - Throws: ``ShapeError`` if the axis is out of range or its size is not 1.
    @inlinable
    public func squeezed(axis: Int) throws -> Tensor {
        let a = try normalizedAxis(axis, operation: "squeeze")
        guard shape[a] == 1 else {
            throw ShapeError(
                operation: "squeeze", shapes: [shape], reason: "axis \(a) of shape \(shape) has size \(shape[a]), not 1")
        }
        var newShape = shape
        newShape.remove(at: a)
        return Tensor(uncheckedShape: newShape, storage: storage)
    }

    /// The tensor with a new dimension of size 1 inserted at `axis`
    /// (PyTorch's `unsqueeze`, NumPy's `expand_dims`); `axis` may be `rank`
    /// (append) and negative axes count from the end of the new shape.
    ///
    /// - Throws: ``ShapeError`` if `axis` is outside -(rank+1)...rank.
    @inlinable
    public func unsqueezed(at axis: Int) throws -> Tensor {
        let a = try normalizedAxis(axis, rank: rank + 1, operation: "unsqueeze")
        var newShape = shape
        newShape.insert(1, at: a)
        return Tensor(uncheckedShape: newShape, storage: storage)
    }
}
