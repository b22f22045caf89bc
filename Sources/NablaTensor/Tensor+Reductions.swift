import NablaRules

extension Tensor {
    /// The sizes of the axes before `axis`, of `axis`, and after it: the
    /// tensor viewed as `[outer, n, inner]`.
    @inlinable
    func split(at axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (Self.elementCount(Array(shape[..<axis])), shape[axis], Self.elementCount(Array(shape[(axis + 1)...])))
    }

    @inlinable
    func reducedShape(_ axis: Int, keepingDimensions: Bool) -> [Int] {
        var s = shape
        if keepingDimensions { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    /// Reduces along `axis` by `combine`. Rows of the inner block are
    /// combined whole (a contiguous loop that vectorises); when the axis is
    /// the last, `line` reduces each contiguous line.
    @inlinable
    func reduce(
        alongAxis axis: Int, keepingDimensions: Bool, operation: String,
        combine: (Scalar, Scalar) -> Scalar, line: (UnsafePointer<Scalar>, Int) -> Scalar
    ) -> Tensor {
        let a = checkedAxis(axis, operation: operation)
        let (outer, n, inner) = split(at: a)
        precondition(
            n > 0 || outer * inner == 0,
            "\(operation): axis \(a) of shape \(shape) is empty and the reduction has no identity")
        return Tensor(shape: reducedShape(a, keepingDimensions: keepingDimensions)) { out in
            let x = UnsafePointer(storage.base), o = out.baseAddress!
            if inner == 1 {
                for b in 0..<outer { o[b] = line(x + b * n, n) }
                return
            }
            for b in 0..<outer {
                let acc = o + b * inner, source = x + b * n * inner
                acc.update(from: source, count: inner)
                for k in 1..<Swift.max(n, 1) {
                    let row = source + k * inner
                    for j in 0..<inner { acc[j] = combine(acc[j], row[j]) }
                }
            }
        }
    }

    /// The sum of `n` contiguous elements with four independent
    /// accumulators (faster, and no less accurate, than one).
    @inlinable
    static func sumContiguous(_ x: UnsafePointer<Scalar>, _ n: Int) -> Scalar {
        var s0: Scalar = 0, s1: Scalar = 0, s2: Scalar = 0, s3: Scalar = 0
        var i = 0
        while i + 4 <= n {
            s0 += x[i]
            s1 += x[i + 1]
            s2 += x[i + 2]
            s3 += x[i + 3]
            i += 4
        }
        while i < n {
            s0 += x[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    @inlinable
    static func maxContiguous(_ x: UnsafePointer<Scalar>, _ n: Int) -> Scalar {
        var m = x[0]
        for i in 1..<Swift.max(n, 1) { m = Scalar.max(m, x[i]) }
        return m
    }

    @inlinable
    static func minContiguous(_ x: UnsafePointer<Scalar>, _ n: Int) -> Scalar {
        var m = x[0]
        for i in 1..<Swift.max(n, 1) { m = Scalar.min(m, x[i]) }
        return m
    }

    // MARK: Over all elements

    /// The sum of all elements, as a rank-0 tensor (0 for an empty tensor).
    @inlinable
    public func sum() -> Tensor { Tensor(Self.sumContiguous(storage.base, count)) }

    /// The mean of all elements, as a rank-0 tensor (NaN for an empty tensor).
    @inlinable
    public func mean() -> Tensor { Tensor(Self.sumContiguous(storage.base, count) / Scalar(count)) }

    /// The largest element, as a rank-0 tensor; NaN if any element is NaN.
    /// Precondition: the tensor is not empty.
    @inlinable
    public func max() -> Tensor {
        precondition(count > 0, "max: the tensor of shape \(shape) is empty")
        return Tensor(Self.maxContiguous(storage.base, count))
    }

    /// The smallest element, as a rank-0 tensor; NaN if any element is NaN.
    /// Precondition: the tensor is not empty.
    @inlinable
    public func min() -> Tensor {
        precondition(count > 0, "min: the tensor of shape \(shape) is empty")
        return Tensor(Self.minContiguous(storage.base, count))
    }

    /// The row-major index of the largest element: the first one if several
    /// tie, the first NaN if there is one (as NumPy).
    /// Precondition: the tensor is not empty.
    @inlinable
    public func argmax() -> Int {
        precondition(count > 0, "argmax: the tensor of shape \(shape) is empty")
        let x = storage.base
        var best = x[0], index = 0
        for i in 1..<count where Self.beats(x[i], best) {
            best = x[i]
            index = i
        }
        return index
    }

    /// Whether `v` replaces `best` in argmax: strictly greater, or the first NaN.
    @inlinable
    static func beats(_ v: Scalar, _ best: Scalar) -> Bool {
        v > best || (v.isNaN && !best.isNaN)
    }

    // MARK: Along one axis

    /// The sums along `axis` (negative axes count from the end). The axis
    /// is removed from the shape, or kept with size 1 if
    /// `keepingDimensions`. An empty axis sums to 0.
    /// Precondition: the axis is in range.
    @inlinable
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let a = checkedAxis(axis, operation: "sum")
        if shape[a] == 0 {
            return Tensor(shape: reducedShape(a, keepingDimensions: keepingDimensions), repeating: 0)
        }
        return reduce(
            alongAxis: a, keepingDimensions: keepingDimensions, operation: "sum", combine: +,
            line: Self.sumContiguous)
    }

    /// The means along `axis`; see ``sum(alongAxis:keepingDimensions:)``.
    /// An empty axis gives NaN.
    @inlinable
    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let a = checkedAxis(axis, operation: "mean")
        let n = Scalar(shape[a])
        return sum(alongAxis: a, keepingDimensions: keepingDimensions).mapScalars { $0 / n }
    }

    /// The maxima along `axis` (NaN where a NaN is met); see
    /// ``sum(alongAxis:keepingDimensions:)``.
    /// Precondition: the axis is in range and not empty.
    @inlinable
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        reduce(
            alongAxis: axis, keepingDimensions: keepingDimensions, operation: "max",
            combine: { Scalar.max($0, $1) }, line: Self.maxContiguous)
    }

    /// The minima along `axis` (NaN where a NaN is met); see
    /// ``sum(alongAxis:keepingDimensions:)``.
    /// Precondition: the axis is in range and not empty.
    @inlinable
    public func min(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        reduce(
            alongAxis: axis, keepingDimensions: keepingDimensions, operation: "min",
            combine: { Scalar.min($0, $1) }, line: Self.minContiguous)
    }

    /// The index of the largest element along `axis`, as a tensor of
    /// indices (exact as Float up to 2²⁴): the first index when several
    /// tie, the first NaN if there is one, as NumPy.
    /// Precondition: the axis is in range and not empty.
    @inlinable
    public func argmax(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let a = checkedAxis(axis, operation: "argmax")
        let (outer, n, inner) = split(at: a)
        precondition(n > 0 || outer * inner == 0, "argmax: axis \(a) of shape \(shape) is empty")
        return Tensor(shape: reducedShape(a, keepingDimensions: keepingDimensions)) { out in
            let x = storage.base
            for b in 0..<outer {
                for j in 0..<inner {
                    let start = b * n * inner + j
                    var best = x[start], index = 0
                    for k in 1..<Swift.max(n, 1) where Self.beats(x[start + k * inner], best) {
                        best = x[start + k * inner]
                        index = k
                    }
                    out[b * inner + j] = Scalar(index)
                }
            }
        }
    }
}
