import NablaTensor
import Testing

@Suite("Softmax and cross-entropy")
struct SoftmaxTests {
    func softmax<S: TensorScalar>(_: S.Type) throws {
        let logits = try Tensor<S>([[1, 2, 3], [-1, 0, 5], [0, 0, 0]])
        let p = logits.softmax()
        #expect(p.shape == [3, 3])
        #expect(close(p.sum(alongAxis: 1).scalars, [1, 1, 1], tolerance: tolerance(S.self)))
        let e: [S] = [S.exp(1), S.exp(2), S.exp(3)]
        let total = e[0] + e[1] + e[2]
        #expect(close(p[row: 0].scalars, e.map { $0 / total }, tolerance: tolerance(S.self)))
        let third = S(1) / S(3)
        #expect(close(p[row: 2].scalars, [third, third, third], tolerance: tolerance(S.self)))

        // Stable: shifting by 1000 changes nothing, and nothing overflows.
        let shifted = logits + 1000
        #expect(shifted.softmax().isFinite)
        #expect(close(shifted.softmax().scalars, p.scalars, tolerance: tolerance(S.self)))
        #expect(close((logits - 1000).softmax().scalars, p.scalars, tolerance: tolerance(S.self)))
        let big = Tensor<S>([1000, 0])
        #expect(big.softmax().scalars == [1, 0])
        #expect(big.logSoftmax().scalars == [0, -1000])

        // Along the first axis: columns sum to 1.
        let columns = logits.softmax(alongAxis: 0)
        #expect(close(columns.sum(alongAxis: 0).scalars, [1, 1, 1], tolerance: tolerance(S.self)))
        #expect(close(columns.transposed().scalars, logits.transposed().softmax().scalars, tolerance: tolerance(S.self)))

        // log softmax agrees with log of softmax, and stays finite where that underflows.
        #expect(close(logits.logSoftmax().scalars, p.map(.log).scalars, tolerance: tolerance(S.self) * 10))
        #expect(close(logits.logSoftmax(alongAxis: 0).scalars, columns.map(.log).scalars, tolerance: tolerance(S.self) * 10))
        let far = Tensor<S>([0, -200000])
        #expect(far.softmax().scalars == [1, 0])
        #expect(far.logSoftmax().scalars == [0, -200000])

        // -∞ among finite logits gets probability 0; NaN spreads.
        let masked = Tensor<S>([0, -S.infinity]).softmax()
        #expect(masked.scalars == [1, 0])
        let spread = Tensor<S>([0, S.nan]).softmax().scalars
        #expect(spread.allSatisfy { $0.isNaN })
    }

    @Test func softmaxAndLogSoftmax() throws {
        try softmax(Float.self)
        try softmax(Double.self)
    }

    func crossEntropy<S: TensorScalar>(_: S.Type) throws {
        let logits = try Tensor<S>([[2, 1, 0.1], [0.5, 2.5, 0.3], [-1, 0, 3]])
        let labels = [0, 1, 2]
        // Direct computation: -mean log(exp(x_label) / Σ exp(x)).
        var direct: S = 0
        for (b, label) in labels.enumerated() {
            let row = logits[row: b].scalars
            let total = row.reduce(0) { $0 + S.exp($1) }
            direct -= S.log(S.exp(row[label]) / total)
        }
        direct /= 3
        let loss = try Tensor.crossEntropy(logits: logits, labels: labels)
        #expect(loss.shape == [])
        #expect(close([loss.scalar], [direct], tolerance: tolerance(S.self)))

        var oneHot = Tensor<S>.zeros(shape: [3, 3])
        for (b, label) in labels.enumerated() { oneHot[b, label] = 1 }
        let viaOneHot = try Tensor.crossEntropy(logits: logits, labels: oneHot)
        #expect(close([viaOneHot.scalar], [direct], tolerance: tolerance(S.self)))

        // Soft targets: -mean Σ t log p.
        let soft = try Tensor<S>([[0.5, 0.5, 0], [0, 1, 0], [0.25, 0.25, 0.5]])
        let logP = logits.logSoftmax()
        let expected = -(soft * logP).sum().scalar / 3
        #expect(close([try Tensor.crossEntropy(logits: logits, labels: soft).scalar], [expected], tolerance: tolerance(S.self)))

        // Never log(0): huge logits stay finite, and a -∞ logit with target 0 contributes nothing.
        let huge = try Tensor<S>([[1000, -1000], [-1000, 1000]])
        let hugeLoss = try Tensor.crossEntropy(logits: huge, labels: [1, 0])
        #expect(hugeLoss.scalar == 2000)
        let masked = try Tensor<S>([[0, -S.infinity]])
        #expect(try Tensor.crossEntropy(logits: masked, labels: Tensor<S>([[1, 0]])).scalar == 0)

        #expect(
            thrownMessage { try Tensor.crossEntropy(logits: logits, labels: [0, 1]) }
                == "crossEntropy: shapes [3, 3] and [2] do not match: 2 labels for a batch of 3")
        #expect(
            thrownMessage { try Tensor.crossEntropy(logits: logits, labels: [0, 3, 1]) }
                == "crossEntropy: shapes [3, 3] and [3] do not match: label 3 of row 1 is outside 0..<3")
        #expect(
            thrownMessage { try Tensor.crossEntropy(logits: logits, labels: Tensor<S>.zeros(shape: [3, 2])) }
                == "crossEntropy: shapes [3, 3] and [3, 2] do not match: one-hot labels must have the logits' shape")
        #expect(
            thrownMessage { try Tensor.crossEntropy(logits: Tensor<S>([1, 2]), labels: [0]) }
                == "crossEntropy: shapes [2] and [1] do not match: logits must have shape [batch, classes], got rank 1")
    }

    @Test func crossEntropyWithIntegerAndOneHotLabels() throws {
        try crossEntropy(Float.self)
        try crossEntropy(Double.self)
    }
}
