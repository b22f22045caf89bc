import NablaRules

extension Variable {
    /// softmax along `axis` (the last by default); see
    /// ``Tensor/softmax(alongAxis:)``. For y = softmax(x) the gradient is
    /// y ⊙ (g − Σ g ⊙ y) along the axis.
    @inlinable
    public func softmax(alongAxis axis: Int = -1) -> Variable {
        let a = value.checkedAxis(axis, operation: "softmax")
        let y = value.softmax(alongAxis: a)
        return Variable.record(y, [self]) { g in
            [y * (g - (g * y).sum(alongAxis: a, keepingDimensions: true))]
        }
    }

    /// log softmax along `axis` (the last by default); see
    /// ``Tensor/logSoftmax(alongAxis:)``. For y = log softmax(x) the
    /// gradient is g − exp(y) ⊙ Σ g along the axis.
    @inlinable
    public func logSoftmax(alongAxis axis: Int = -1) -> Variable {
        let a = value.checkedAxis(axis, operation: "logSoftmax")
        let y = value.logSoftmax(alongAxis: a)
        return Variable.record(y, [self]) { g in
            [g - Tensor.exp(y) * g.sum(alongAxis: a, keepingDimensions: true)]
        }
    }

    /// The mean softmax cross-entropy of `logits` (`[batch, classes]`) with
    /// integer labels; see ``Tensor/crossEntropy(logits:labels:)-(_,[Int])``.
    /// The backward is the fused (softmax(logits) − onehot(labels)) / batch,
    /// which needs neither the log nor a division by a probability.
    ///
    /// - Throws: ``ShapeError`` as the tensor version.
    @inlinable
    public static func crossEntropy(logits: Variable, labels: [Int]) throws -> Variable {
        let x = logits.value
        let loss = try Tensor.crossEntropy(logits: x, labels: labels)
        return record(loss, [logits]) { g in
            let batch = x.shape[0], classes = x.shape[1]
            var d = x.softmax(alongAxis: 1)
            let scale = g.scalar / Scalar(batch)
            d.withUnsafeMutableBufferPointer { p in
                for b in 0..<batch { p[b * classes + labels[b]] -= 1 }
                for i in p.indices { p[i] *= scale }
            }
            return [d]
        }
    }
}
