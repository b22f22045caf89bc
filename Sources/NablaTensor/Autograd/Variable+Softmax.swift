import NablaRules

extension Variable {
    /// softmax along `axis` (the last by default); see
    /// ``Tensor/softmax(alongAxis:)``. For y = softmax(x) the gradient is
    /// y ⊙ (g − Σ g ⊙ y) along the axis.
    @inlinable
    public func softmax(alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let a = value.checkedAxis(axis, operation: "softmax")
        let y = value.softmax(alongAxis: a)
        return Variable.record(y, OperationSite(.fixed("softmax"), file: file, line: line), self) { g in
            y * (g - (g * y).sum(alongAxis: a, keepingDimensions: true))
        }
    }

    /// log softmax along `axis` (the last by default); see
    /// ``Tensor/logSoftmax(alongAxis:)``. For y = log softmax(x) the
    /// gradient is g − exp(y) ⊙ Σ g along the axis.
    @inlinable
    public func logSoftmax(alongAxis axis: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        let a = value.checkedAxis(axis, operation: "logSoftmax")
        let y = value.logSoftmax(alongAxis: a)
        return Variable.record(y, OperationSite(.fixed("logSoftmax"), file: file, line: line), self) { g in
            g - Tensor.exp(y) * g.sum(alongAxis: a, keepingDimensions: true)
        }
    }

    /// The mean softmax cross-entropy of `logits` (`[batch, classes]`) with
    /// integer labels; see ``Tensor/crossEntropy(logits:labels:)-(_,[Int])``.
    /// The backward is the fused (softmax(logits) − onehot(labels)) / batch,
    /// which needs neither the log nor a division by a probability.
    ///
    /// - Throws: ``ShapeError`` as the tensor version.
    @inlinable
    public static func crossEntropy(
        logits: Variable, labels: [Int], file: StaticString = #fileID, line: UInt = #line
    ) throws -> Variable {
        let x = logits.value
        let loss = try Tensor.crossEntropy(logits: x, labels: labels)
        return record(loss, OperationSite(.fixed("crossEntropy"), file: file, line: line), logits) { g in
            let batch = x.shape[0], classes = x.shape[1]
            var d = x.softmax(alongAxis: 1)
            let scale = g.scalar / Scalar(batch)
            d.withUnsafeMutableBufferPointer { p in
                for b in 0..<batch { p[b * classes + labels[b]] -= 1 }
                for i in p.indices { p[i] *= scale }
            }
            return d
        }
    }

    /// The mean softmax cross-entropy of `logits` with one-hot (or soft:
    /// any probability) targets `labels` of the same shape
    /// `[batch, classes]`, −Σ labels ⊙ log softmax(logits) / batch; see
    /// ``Tensor/crossEntropy(logits:labels:)-(_,Tensor)``. The labels are
    /// data (no gradient).
    ///
    /// The backward is fused and stable: (softmax(logits) · s − labels) /
    /// batch, where s is each row's sum of labels, which is 1 for one-hot
    /// and probability targets, giving the familiar (softmax − t) / batch.
    /// It needs neither the log nor a division by a probability, so
    /// saturated logits give finite gradients.
    ///
    /// - Throws: ``ShapeError`` naming `crossEntropy` and both shapes if
    ///   `logits` is not rank 2 or the shapes differ.
    @inlinable
    public static func crossEntropy(
        logits: Variable, labels: Tensor<Scalar>, file: StaticString = #fileID, line: UInt = #line
    ) throws -> Variable {
        let x = logits.value
        let loss = try Tensor.crossEntropy(logits: x, labels: labels)
        return record(loss, OperationSite(.fixed("crossEntropy"), file: file, line: line), logits) { g in
            let batch = x.shape[0], classes = x.shape[1]
            var d = x.softmax(alongAxis: 1)
            let scale = g.scalar / Scalar(batch)
            d.withUnsafeMutableBufferPointer { p in
                labels.withUnsafeBufferPointer { t in
                    for b in 0..<batch {
                        let row = b * classes
                        var s: Scalar = 0
                        for c in 0..<classes { s += t[row + c] }
                        for c in 0..<classes { p[row + c] = (p[row + c] * s - t[row + c]) * scale }
                    }
                }
            }
            return d
        }
    }
}
