import CNablaKernels
import NablaRules
import RealModule

extension Tensor {
    /// Runs `body` on every line along `axis`: its start offset, length and
    /// stride.
    @inlinable
    func forEachLine(alongAxis axis: Int, _ body: (_ start: Int, _ n: Int, _ stride: Int) -> Void) {
        let (outer, n, inner) = split(at: axis)
        for b in 0..<outer {
            for j in 0..<inner { body(b * n * inner + j, n, inner) }
        }
    }

    /// exp(x) / Σ exp(x) along `axis` (the last by default), computed
    /// stably as exp(x − max) / Σ exp(x − max): logits of 1000 give the
    /// same result as logits of 0. Float and Double take the exponentials
    /// from the vectorised kernel of ``map(_:)`` (within 1 ulp of `exp`).
    ///
    /// A line containing NaN, or whose maximum is ±∞, gives NaN (as in
    /// PyTorch); an element of −∞ among finite ones gives 0.
    /// Precondition: the axis is in range (negative axes count from the end).
    @inlinable
    public func softmax(alongAxis axis: Int = -1) -> Tensor {
        let a = checkedAxis(axis, operation: "softmax")
        return Tensor(shape: shape) { out in
            let x = storage.base
            // Every line shifted by its maximum, every exponential in one
            // pass of the vectorised kernel (Float, Double), every line
            // normalised.
            forEachLine(alongAxis: a) { start, n, stride in
                var m = -Scalar.infinity
                for k in 0..<n { m = Scalar.max(m, x[start + k * stride]) }
                for k in 0..<n { out[start + k * stride] = x[start + k * stride] - m }
            }
            Self.exponentiate(out)
            forEachLine(alongAxis: a) { start, n, stride in
                var s: Scalar = 0
                for k in 0..<n { s += out[start + k * stride] }
                for k in 0..<n { out[start + k * stride] /= s }
            }
        }
    }

    /// x[i] = exp(x[i]) in place, for kernels that work on raw buffers: the
    /// vectorised C kernel for Float and Double (within 1 ulp, as
    /// ``map(_:)``), the scalar rule otherwise.
    @inlinable
    public static func exponentiate(_ x: UnsafeMutableBufferPointer<Scalar>) {
        guard let base = x.baseAddress, !runKernel(nabla_exp_f32, nabla_exp_f64, base, base, x.count) else { return }
        for i in 0..<x.count { x[i] = Scalar.exp(x[i]) }
    }

    /// log softmax along `axis` (the last by default), computed stably as
    /// x − max − log Σ exp(x − max): never the log of an underflowed 0,
    /// so very negative logits give large negative finite values.
    ///
    /// Edge cases as ``softmax(alongAxis:)``; an element of −∞ among finite
    /// ones gives −∞.
    @inlinable
    public func logSoftmax(alongAxis axis: Int = -1) -> Tensor {
        let a = checkedAxis(axis, operation: "logSoftmax")
        return Tensor(shape: shape) { out in
            let x = storage.base
            forEachLine(alongAxis: a) { start, n, stride in
                let shift = Self.logSumExp(x + start, n, stride)
                for k in 0..<n { out[start + k * stride] = x[start + k * stride] - shift }
            }
        }
    }

    /// log Σ exp(x) over a strided line, computed as max + log Σ exp(x − max).
    @inlinable
    static func logSumExp(_ x: UnsafePointer<Scalar>, _ n: Int, _ stride: Int) -> Scalar {
        var m = -Scalar.infinity
        for k in 0..<n { m = Scalar.max(m, x[k * stride]) }
        var s: Scalar = 0
        for k in 0..<n { s += Scalar.exp(x[k * stride] - m) }
        return m + Scalar.log(s)
    }

    /// The mean over the batch of −log softmax(logits)[label]: the softmax
    /// cross-entropy of `logits` (shape `[batch, classes]`) with integer
    /// class labels, one per row.
    ///
    /// Computed from log-sum-exp, so it is finite for any finite logits
    /// (no log of 0). An empty batch gives NaN.
    ///
    /// - Throws: ``ShapeError`` if `logits` is not rank 2, the number of
    ///   labels is not the batch size, or a label is outside 0..<classes.
    @inlinable
    public static func crossEntropy(logits: Tensor, labels: [Int]) throws -> Tensor {
        let (batch, classes) = try crossEntropyShape(logits, [labels.count])
        guard labels.count == batch else {
            throw ShapeError.mismatch(
                "crossEntropy", logits.shape, [labels.count], "\(labels.count) labels for a batch of \(batch)")
        }
        if let row = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw ShapeError.mismatch(
                "crossEntropy", logits.shape, [labels.count],
                "label \(labels[row]) of row \(row) is outside 0..<\(classes)")
        }
        let x = logits.storage.base
        var total: Scalar = 0
        for b in 0..<batch {
            let row = x + b * classes
            total += logSumExp(row, classes, 1) - row[labels[b]]
        }
        return Tensor(total / Scalar(batch))
    }

    /// The mean over the batch of −Σ_c labels[c]·log softmax(logits)[c]:
    /// the softmax cross-entropy with one-hot (or any probability) targets
    /// of the same shape `[batch, classes]` as the logits.
    ///
    /// Classes whose target is 0 contribute nothing even where their log
    /// probability is −∞ (no 0·∞ = NaN). An empty batch gives NaN.
    ///
    /// - Throws: ``ShapeError`` if `logits` is not rank 2 or the shapes differ.
    @inlinable
    public static func crossEntropy(logits: Tensor, labels: Tensor) throws -> Tensor {
        let (batch, classes) = try crossEntropyShape(logits, labels.shape)
        guard labels.shape == logits.shape else {
            throw ShapeError.mismatch(
                "crossEntropy", logits.shape, labels.shape, "one-hot labels must have the logits' shape")
        }
        let x = logits.storage.base, t = labels.storage.base
        var total: Scalar = 0
        for b in 0..<batch {
            let row = x + b * classes, target = t + b * classes
            let shift = logSumExp(row, classes, 1)
            for c in 0..<classes where target[c] != 0 { total -= target[c] * (row[c] - shift) }
        }
        return Tensor(total / Scalar(batch))
    }

    @inlinable
    static func crossEntropyShape(_ logits: Tensor, _ labels: [Int]) throws -> (Int, Int) {
        guard logits.rank == 2 else {
            throw ShapeError.mismatch(
                "crossEntropy", logits.shape, labels, "logits must have shape [batch, classes], got rank \(logits.rank)")
        }
        return (logits.shape[0], logits.shape[1])
    }
}
