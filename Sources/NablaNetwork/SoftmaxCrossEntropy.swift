import NablaTensor

/// Softmax followed by the cross-entropy loss, fused (the book's
/// `SoftmaxWithLoss`): for logits a [batch, classes] and integer labels t,
/// loss = −(1/N) Σ_i log softmax(a_i)[t_i], computed stably with log-sum-exp
/// (no `+ 1e-7` inside the log is needed). Backward gives the famous clean
/// gradient (softmax(a) − onehot(t)) / N.
public final class SoftmaxCrossEntropy<Scalar: TensorScalar> {
    /// softmax of the last forward's logits.
    public private(set) var probabilities: Tensor<Scalar>?
    private var labels: [Int] = []

    public init() {}

    /// The mean loss over the batch. Labels must be in 0..<classes, one per row.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ logits: Tensor<Scalar>, labels: [Int]) throws -> Scalar {
        guard logits.rank == 2, logits.shape[0] > 0 else {
            throw NetworkError.inputShape(layer: "softmax-cross-entropy", expected: "[batch > 0, classes]", got: logits.shape)
        }
        let n = logits.shape[0], c = logits.shape[1]
        guard labels.count == n else {
            throw NetworkError.labels("softmax-cross-entropy: \(labels.count) labels for a batch of \(n) rows")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= c }) {
            throw NetworkError.labels("softmax-cross-entropy: label \(labels[bad]) at row \(bad) is outside 0..<\(c)")
        }
        var total: Scalar = 0
        let probabilities = Tensor<Scalar>(shape: logits.shape) { p in
            logits.withUnsafeBufferPointer { a in
                // Each row shifted by its maximum, then every exponential in
                // one vectorised pass, then the rows normalised. The loss
                // adds −log softmax at the label = −(a_t − m) + log s in two
                // parts, one per pass.
                for i in 0..<n {
                    let row = a.baseAddress! + i * c, out = p.baseAddress! + i * c
                    var m = row[0]
                    for j in 1..<c where row[j] > m { m = row[j] }
                    for j in 0..<c { out[j] = row[j] - m }
                    total -= out[labels[i]]
                }
                Tensor<Scalar>.exponentiate(p)
                for i in 0..<n {
                    let out = p.baseAddress! + i * c
                    var s: Scalar = 0
                    for j in 0..<c { s += out[j] }
                    let inverse = 1 / s
                    for j in 0..<c { out[j] *= inverse }
                    total += Scalar.log(s)
                }
            }
        }
        self.probabilities = probabilities
        self.labels = labels
        return total / Scalar(n)
    }

    /// d loss / d logits = (softmax − onehot) / N for the last forward.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward() throws -> Tensor<Scalar> {
        guard var gradient = probabilities else {
            throw NetworkError.backwardBeforeForward(layer: "softmax-cross-entropy")
        }
        let n = gradient.shape[0], c = gradient.shape[1]
        let inverse = 1 / Scalar(n)
        gradient.withUnsafeMutableBufferPointer { g in
            for i in 0..<n { g[i * c + labels[i]] -= 1 }
            for k in 0..<g.count { g[k] *= inverse }
        }
        return gradient
    }
}
