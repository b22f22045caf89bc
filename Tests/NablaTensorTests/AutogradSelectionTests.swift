import NablaTensor
import Testing

/// Gradients of max/min, slicing, concatenation, permutation, squeezing,
/// `where`, the named elementwise methods and cross-entropy with label
/// tensors: against finite differences in Double, values in Float and
/// Double, and shape errors.
@Suite("Autograd: selection, shapes and label tensors")
struct AutogradSelectionTests {
    // MARK: max and min

    @Test func maxAndMinMatchFiniteDifferences() throws {
        // Random values: no ties, so the functions are smooth at the point.
        let x = randomTensor([2, 3, 4], seed: 40)
        try expectGradientsMatchFiniteDifferences([x]) { v in v[0].max() }
        try expectGradientsMatchFiniteDifferences([x]) { v in v[0].min() }
        for axis in [0, 1, 2, -1] {
            for keep in [false, true] {
                try expectGradientsMatchFiniteDifferences([x]) { v in v[0].max(alongAxis: axis, keepingDimensions: keep) }
                try expectGradientsMatchFiniteDifferences([x]) { v in v[0].min(alongAxis: axis, keepingDimensions: keep) }
            }
        }
        // Inside a larger expression, with broadcasting against the result.
        try expectGradientsMatchFiniteDifferences([x]) { v in
            v[0] - v[0].max(alongAxis: -1, keepingDimensions: true)
        }
    }

    @Test func tiesSplitTheGradientEvenly() throws {
        let x = Variable(Tensor<Double>([1, 3, 3, 2, 3]), requiresGrad: true)
        try x.max().backward()
        #expect(x.grad?.scalars == [0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3])

        let m = Variable(try Tensor<Double>([[1, 1, 0], [2, 5, 5], [4, 3, 2]]), requiresGrad: true)
        try (m.max(alongAxis: 1) * Variable(Tensor([1, 2, 4]))).sum().backward()
        #expect(m.grad?.scalars == [0.5, 0.5, 0, 0, 1, 1, 4, 0, 0])
        let c = Variable(try Tensor<Double>([[1, 3, 0], [1, 5, 0], [4, 3, 0]]), requiresGrad: true)
        try c.min(alongAxis: 0, keepingDimensions: true).sum().backward()
        #expect(c.grad?.scalars == [0.5, 0.5, 1.0 / 3, 0.5, 0, 1.0 / 3, 0, 0.5, 1.0 / 3])
        #expect(c.min(alongAxis: 0, keepingDimensions: true).shape == [1, 3])
        #expect(c.min(alongAxis: 0).value.scalars == [1, 3, 0])

        // A NaN maximum sends the gradient to the NaN elements.
        let n = Variable(Tensor<Double>([1, .nan, 2]), requiresGrad: true)
        try n.max().backward()
        #expect(n.grad?.scalars == [0, 1, 0])
    }

    @Test("max and min values in Float and Double")
    func maxAndMinValues() throws {
        func check<S: TensorScalar>(_: S.Type) throws {
            let t = Tensor<S>.randomUniform(shape: [3, 4], lowerBound: -1, upperBound: 1, seed: 41)
            let v = Variable(t, requiresGrad: true)
            #expect(v.max().value == t.max() && v.min().value == t.min())
            for axis in [0, 1, -1] {
                #expect(v.max(alongAxis: axis).value == t.max(alongAxis: axis))
                #expect(v.min(alongAxis: axis, keepingDimensions: true).value == t.min(alongAxis: axis, keepingDimensions: true))
            }
            try v.max(alongAxis: 0).sum().backward()
            // One 1 per column, at the argmax.
            let g = try #require(v.grad)
            #expect(g.sum(alongAxis: 0).scalars == [1, 1, 1, 1])
            #expect(g.argmax(alongAxis: 0) == t.argmax(alongAxis: 0))
        }
        try check(Float.self)
        try check(Double.self)
    }

    // MARK: Shapes

    @Test func sliceMatchesFiniteDifferences() throws {
        let x = randomTensor([3, 4, 2], seed: 42)
        try expectGradientsMatchFiniteDifferences([x]) { v in try v[0].slice(alongAxis: 0, 1..<3) }
        try expectGradientsMatchFiniteDifferences([x]) { v in try v[0].slice(alongAxis: 1, 0..<1) }
        try expectGradientsMatchFiniteDifferences([x]) { v in try v[0].slice(alongAxis: -1, 1..<2) }
        // Overlapping slices accumulate; an empty slice gives zeros.
        try expectGradientsMatchFiniteDifferences([x]) { v in
            try v[0].slice(alongAxis: 1, 0..<3) * v[0].slice(alongAxis: 1, 1..<4)
        }
        let e = Variable(x, requiresGrad: true)
        try (e.slice(alongAxis: 1, 2..<2).sum() + e.slice(alongAxis: 1, 3..<4).sum()).backward()
        #expect(e.grad?.scalars.reduce(0, +) == 6)
    }

    @Test func sliceErrors() throws {
        let v = Variable(randomTensor([3, 4], seed: 43), requiresGrad: true)
        let range = thrownMessage { try v.slice(alongAxis: 1, 2..<5) }
        #expect(range?.contains("slice") == true && range?.contains("[3, 4]") == true)
        #expect(throws: ShapeError.self) { try v.slice(alongAxis: 2, 0..<1) }
    }

    @Test func concatenateMatchesFiniteDifferences() throws {
        let a = randomTensor([2, 3], seed: 44), b = randomTensor([1, 3], seed: 45), c = randomTensor([3, 3], seed: 46)
        try expectGradientsMatchFiniteDifferences([a, b, c]) { v in try Variable.concatenating(v, alongAxis: 0) }
        let d = randomTensor([2, 1], seed: 47)
        try expectGradientsMatchFiniteDifferences([a, d]) { v in try Variable.concatenating(v, alongAxis: -1) }
        try expectGradientsMatchFiniteDifferences([a, d]) { v in try v[1].concatenated(with: v[0], alongAxis: 1) }
        let x = randomTensor([2, 2, 3], seed: 48), y = randomTensor([2, 1, 3], seed: 49)
        try expectGradientsMatchFiniteDifferences([x, y]) { v in try Variable.concatenating([v[0], v[1], v[0]], alongAxis: 1) }
    }

    @Test func concatenateWithAConstantAndErrors() throws {
        let p = Variable(Tensor<Float>([1, 2]), requiresGrad: true)
        let k = Variable(Tensor<Float>([3]))
        let joined = try Variable.concatenating([k, p, k], alongAxis: 0)
        #expect(joined.value.scalars == [3, 1, 2, 3])
        try (joined * Variable(Tensor([10, 20, 30, 40]))).sum().backward()
        #expect(p.grad?.scalars == [20, 30] && k.grad == nil)

        let message = thrownMessage {
            try Variable.concatenating([Variable(Tensor<Double>.zeros(shape: [2, 3])), Variable(Tensor.zeros(shape: [2, 4]))])
        }
        #expect(message?.contains("concatenate") == true && message?.contains("[2, 3]") == true && message?.contains("[2, 4]") == true)
        #expect(throws: ShapeError.self) { try Variable<Double>.concatenating([]) }
        #expect(throws: ShapeError.self) { try p.concatenated(with: p, alongAxis: 1) }
    }

    @Test func permuteSqueezeAndBroadcastMatchFiniteDifferences() throws {
        let x = randomTensor([2, 3, 4], seed: 50)
        try expectGradientsMatchFiniteDifferences([x]) { v in try v[0].permuted([2, 0, 1]) }
        try expectGradientsMatchFiniteDifferences([x]) { v in try v[0].permuted([-1, 1, 0]) }
        let s = randomTensor([2, 1, 3, 1], seed: 51)
        try expectGradientsMatchFiniteDifferences([s]) { v in v[0].squeezed() }
        try expectGradientsMatchFiniteDifferences([s]) { v in try v[0].squeezed(axis: 1) }
        try expectGradientsMatchFiniteDifferences([s]) { v in try v[0].unsqueezed(at: 0) }
        try expectGradientsMatchFiniteDifferences([s]) { v in v[0].flattened() }
        try expectGradientsMatchFiniteDifferences([randomTensor([3, 1], seed: 52)]) { v in try v[0].broadcast(to: [2, 3, 4]) }

        let v = Variable(x)
        let permute = thrownMessage { try v.permuted([0, 0, 1]) }
        #expect(permute?.contains("permute") == true && permute?.contains("[2, 3, 4]") == true)
        #expect(throws: ShapeError.self) { try v.squeezed(axis: 0) }
        #expect(throws: ShapeError.self) { try v.unsqueezed(at: 5) }
        let broadcast = thrownMessage { try v.broadcast(to: [3, 3, 4]) }
        #expect(broadcast?.contains("[2, 3, 4]") == true && broadcast?.contains("[3, 3, 4]") == true)
    }

    @Test("Shape operations: values in Float and Double")
    func shapeValues() throws {
        func check<S: TensorScalar>(_: S.Type) throws {
            let t = Tensor<S>.randomUniform(shape: [2, 3, 4], seed: 53)
            let v = Variable(t, requiresGrad: true)
            #expect(try v.permuted([1, 2, 0]).value == t.permuted([1, 2, 0]))
            #expect(try v.slice(alongAxis: 2, 1..<3).value == t.slice(alongAxis: 2, 1..<3))
            #expect(try Variable.concatenating([v, v], alongAxis: 1).value == Tensor.concatenating([t, t], alongAxis: 1))
            #expect(try v.unsqueezed(at: 1).squeezed(axis: 1).value == t)
            #expect(v.flattened().shape == [24] && v.squeezed().shape == [2, 3, 4])
            // The gradient of a permutation of a slice lands in the slice.
            try v.slice(alongAxis: 1, 1..<2).permuted([2, 1, 0]).sum().backward()
            let g = try #require(v.grad)
            let inSlice = try g.slice(alongAxis: 1, 1..<2)
            #expect(g.sum().scalar == 8 && inSlice.scalars.allSatisfy { $0 == 1 })
        }
        try check(Float.self)
        try check(Double.self)
    }

    // MARK: where and named methods

    @Test func whereSendsTheGradientToTheChosenBranch() throws {
        let condition = try Tensor<Double>([[1], [0]])
        let a = randomTensor([2, 3], seed: 54), b = randomTensor([3], seed: 55)
        try expectGradientsMatchFiniteDifferences([a, b]) { v in try Variable.where(condition, v[0], v[1]) }
        try expectGradientsMatchFiniteDifferences([a, b]) { v in
            try Variable.where(try v[0].greater(than: v[1]), v[0] * v[0], v[1].applying(.exp))
        }

        // The branch not chosen gets exactly 0, even where its value is NaN.
        let x = Variable(Tensor<Double>([-1, 4]), requiresGrad: true)
        let safe = try Variable.where(try x.greater(than: Variable(Tensor(0))), x.applying(.log), x)
        #expect(safe.value.scalars == [-1, Double.log(4)])
        try safe.sum().backward()
        #expect(x.grad?.scalars == [1, 0.25])

        let message = thrownMessage { try Variable.where(Tensor<Double>([1, 0]), Variable(a), Variable(Tensor([1, 2]))) }
        #expect(message?.contains("where") == true)
    }

    @Test("Comparisons give masks; where in Float and Double")
    func comparisonsAndWhereValues() throws {
        func check<S: TensorScalar>(_: S.Type) throws {
            let p = Variable(Tensor<S>([1, 5, 3]), requiresGrad: true), q = Variable(Tensor<S>([2, 2, 3]))
            #expect(try p.greater(than: q).scalars == [0, 1, 0])
            #expect(try p.less(than: q).scalars == [1, 0, 0])
            #expect(try p.equal(to: q).scalars == [0, 0, 1])
            let w = try Variable.where(try p.greater(than: q), p, q)
            #expect(w.value.scalars == [2, 5, 3])
            try w.sum().backward()
            #expect(p.grad?.scalars == [0, 1, 0])
        }
        try check(Float.self)
        try check(Double.self)
    }

    @Test func namedMethodsMatchFiniteDifferences() throws {
        let x = randomTensor([2, 3], 0.5, 1.5, seed: 56), y = randomTensor([3], 0.5, 1.5, seed: 57)
        try expectGradientsMatchFiniteDifferences([x, y]) { v in
            let s = try v[0].adding(v[1]).multiplying(v[1])
            return try s.subtracting(v[0]).dividing(v[1]).raised(to: v[1]).scaled(by: -2)
        }
        #expect(throws: ShapeError.self) { try Variable(x).adding(Variable(randomTensor([2], seed: 1))) }
        let pow = thrownMessage { try Variable(x).raised(to: Variable(randomTensor([4], seed: 1))) }
        #expect(pow?.contains("pow") == true && pow?.contains("[2, 3]") == true && pow?.contains("[4]") == true)
    }

    @Test func aConstantOperandGetsNoGradient() throws {
        let w = Variable(randomTensor([3, 2], seed: 58), requiresGrad: true)
        let data = Variable(randomTensor([4, 3], seed: 59))
        try (data.matmul(w) * data.slice(alongAxis: 1, 0..<2)).sum().backward()
        #expect(w.grad?.shape == [3, 2] && data.grad == nil)
    }

    // MARK: Cross-entropy with label tensors

    @Test func crossEntropyWithLabelTensorsMatchesFiniteDifferences() throws {
        let logits = randomTensor([3, 4], -2, 2, seed: 60)
        let oneHot = try Tensor<Double>([[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
        try expectGradientsMatchFiniteDifferences([logits]) { v in try Variable.crossEntropy(logits: v[0], labels: oneHot) }
        let soft = try Tensor<Double>([[0.1, 0.2, 0.7, 0], [0.25, 0.25, 0.25, 0.25], [0, 0.5, 0, 0.5]])
        try expectGradientsMatchFiniteDifferences([logits]) { v in try Variable.crossEntropy(logits: v[0], labels: soft) * 3 }
        // Targets that do not sum to 1 per row still get the exact gradient.
        let unnormalised = randomTensor([3, 4], 0, 2, seed: 61)
        try expectGradientsMatchFiniteDifferences([logits]) { v in try Variable.crossEntropy(logits: v[0], labels: unnormalised) }
    }

    @Test("Cross-entropy with one-hot tensors equals the integer-label version, Float and Double")
    func crossEntropyOneHotEqualsLabels() throws {
        func check<S: TensorScalar>(_: S.Type) throws {
            let labels = [2, 0, 3, 1]
            let logits = Tensor<S>.randomUniform(shape: [4, 5], lowerBound: -3, upperBound: 3, seed: 62)
            let oneHot = Tensor<S>(shape: [4, 5]) { p in
                p.initialize(repeating: 0)
                for (b, l) in labels.enumerated() { p[b * 5 + l] = 1 }
            }
            let a = Variable(logits, requiresGrad: true), b = Variable(logits, requiresGrad: true)
            let la = try Variable.crossEntropy(logits: a, labels: labels)
            let lb = try Variable.crossEntropy(logits: b, labels: oneHot)
            #expect(Swift.abs(la.value.scalar - lb.value.scalar) <= tolerance(S.self))
            try la.backward()
            try lb.backward()
            #expect(close(a.grad!.scalars, b.grad!.scalars, tolerance: tolerance(S.self)))
            // Saturated logits: the fused backward stays finite.
            let huge = Variable(try Tensor<S>([[1000, -1000, 0]]), requiresGrad: true)
            try Variable.crossEntropy(logits: huge, labels: try Tensor<S>([[0, 1, 0]])).backward()
            #expect(huge.grad!.isFinite && huge.grad!.scalars == [1, -1, 0])
        }
        try check(Float.self)
        try check(Double.self)
    }

    @Test func crossEntropyLabelTensorErrors() throws {
        let logits = Variable(randomTensor([3, 4], seed: 63), requiresGrad: true)
        let message = thrownMessage { try Variable.crossEntropy(logits: logits, labels: Tensor<Double>.zeros(shape: [3, 5])) }
        #expect(message?.contains("crossEntropy") == true && message?.contains("[3, 4]") == true && message?.contains("[3, 5]") == true)
        #expect(throws: ShapeError.self) {
            try Variable.crossEntropy(logits: Variable(randomTensor([12], seed: 1)), labels: Tensor<Double>.zeros(shape: [12]))
        }
    }
}
