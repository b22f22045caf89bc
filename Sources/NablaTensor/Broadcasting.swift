import NablaRules

extension Tensor {
    /// The shape two tensors broadcast to, by NumPy's rules.
    ///
    /// Shapes are aligned at their last dimension; a missing leading
    /// dimension counts as 1. Two dimensions are compatible when they are
    /// equal or one of them is 1, and the result takes the other. So `[]`
    /// (a scalar) broadcasts with anything, `[3, 1]` and `[4]` give `[3, 4]`,
    /// and a dimension 0 only matches 0 or 1 (giving 0).
    ///
    /// - Throws: ``ShapeError`` (operation `broadcast`) naming both shapes
    ///   and the last incompatible pair of dimensions.
    @inlinable
    public static func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        try broadcastShape(a, b, operation: "broadcast")
    }

    @inlinable
    static func broadcastShape(_ a: [Int], _ b: [Int], operation: String) throws -> [Int] {
        if a == b { return a }
        let r = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: r)
        for i in (0..<r).reversed() {  // aligned at the end, so report from there
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 {
                result[i] = da
            } else if da == 1 {
                result[i] = db
            } else {
                throw ShapeError.mismatch(
                    operation, a, b,
                    "cannot broadcast: dimension \(da) of \(a) and \(db) of \(b) (axis \(i - r) from the end) differ and neither is 1")
            }
        }
        return result
    }

    /// Strides that read `shape` as if it had `target`'s shape: 0 along
    /// broadcast dimensions. `target` must be a broadcast of `shape`.
    @inlinable
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(of: shape)
        let lead = target.count - shape.count
        return target.indices.map { i in
            i < lead || shape[i - lead] == 1 ? 0 : own[i - lead]
        }
    }

    /// This tensor's elements repeated to `target` shape (a copy).
    ///
    /// - Throws: ``ShapeError`` if the shape does not broadcast to `target`
    ///   (broadcasting it with `target` must give `target`).
    @inlinable
    public func broadcast(to target: [Int]) throws -> Tensor {
        let joint = try Self.broadcastShape(shape, target, operation: "broadcast(to:)")
        guard joint == target else {
            throw ShapeError.mismatch("broadcast(to:)", shape, target, "\(shape) does not broadcast to \(target)")
        }
        if shape == target { return self }
        let s = Self.broadcastStrides(shape, to: target)
        return Tensor(shape: target) { out in
            Self.gather(from: storage.base, shape: target, strides: s, into: out.baseAddress!)
        }
    }

    /// f applied elementwise to a and b broadcast against each other.
    ///
    /// The innermost axis is a tight loop, specialised for the three cases
    /// that vectorise (both operands contiguous, one of them constant along
    /// the axis); an odometer walks the outer axes.
    @inlinable
    static func zip(
        _ a: Tensor, _ b: Tensor, operation: String, _ f: (Scalar, Scalar) -> Scalar
    ) throws -> Tensor {
        let shape = try broadcastShape(a.shape, b.shape, operation: operation)
        return Tensor(shape: shape) { out in
            let o = out.baseAddress!, pa = a.storage.base, pb = b.storage.base
            let n = out.count
            if n == 0 { return }
            if a.count == n && b.count == n {
                for i in 0..<n { o[i] = f(pa[i], pb[i]) }
            } else if b.count == 1 {
                let y = pb[0]
                for i in 0..<n { o[i] = f(pa[i], y) }
            } else if a.count == 1 {
                let x = pa[0]
                for i in 0..<n { o[i] = f(x, pb[i]) }
            } else {
                zipStrided(pa, broadcastStrides(a.shape, to: shape), pb, broadcastStrides(b.shape, to: shape),
                           shape: shape, into: o, f)
            }
        }
    }

    @inlinable
    static func zipStrided(
        _ pa: UnsafePointer<Scalar>, _ sa: [Int], _ pb: UnsafePointer<Scalar>, _ sb: [Int],
        shape: [Int], into o: UnsafeMutablePointer<Scalar>, _ f: (Scalar, Scalar) -> Scalar
    ) {
        let r = shape.count, n = elementCount(shape)
        let inner = shape[r - 1], ia = sa[r - 1], ib = sb[r - 1]
        var index = [Int](repeating: 0, count: r)
        var offA = 0, offB = 0, k = 0
        while k < n {
            let xa = pa + offA, xb = pb + offB, y = o + k
            if ia != 0 && ib != 0 {
                for j in 0..<inner { y[j] = f(xa[j], xb[j]) }
            } else if ib == 0 {
                let v = xb[0]
                if ia == 0 {
                    let u = xa[0]
                    for j in 0..<inner { y[j] = f(u, v) }
                } else {
                    for j in 0..<inner { y[j] = f(xa[j], v) }
                }
            } else {
                let u = xa[0]
                for j in 0..<inner { y[j] = f(u, xb[j]) }
            }
            k += inner
            var axis = r - 2
            while axis >= 0 {
                index[axis] += 1
                offA += sa[axis]
                offB += sb[axis]
                if index[axis] < shape[axis] { break }
                offA -= sa[axis] * shape[axis]
                offB -= sb[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
