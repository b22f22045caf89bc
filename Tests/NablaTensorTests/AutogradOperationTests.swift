import NablaTensor
import Testing

/// The gradient of every operation on `Variable` against finite differences.
@Suite("Autograd: gradients of operations")
struct AutogradOperationTests {
    /// Inputs inside each function's domain and away from kinks.
    static func input(for operation: UnaryOperation) throws -> Tensor<Double> {
        switch operation {
        case .sqrt, .log, .log1p, .root, .power: return randomTensor([2, 3], 0.3, 0.9, seed: 1)
        case .asin, .acos, .atanh: return randomTensor([2, 3], -0.8, 0.8, seed: 2)
        case .acosh: return randomTensor([2, 3], 1.2, 2, seed: 3)
        case .relu, .abs, .sign, .step: return try Tensor([[-0.7, -0.3, 0.4], [0.8, -0.5, 0.2]])
        default: return randomTensor([2, 3], -0.9, 0.9, seed: 4)
        }
    }

    @Test("Unary operations take f′ from the rule table", arguments:
        UnaryOperation.namedFunctions + [.negate, .power(3), .power(-2), .root(3)])
    func unary(_ operation: UnaryOperation) throws {
        try expectGradientsMatchFiniteDifferences([try Self.input(for: operation)]) { v in
            v[0].applying(operation)
        }
    }

    @Test("Binary operations broadcast and sum gradients back to each shape", arguments:
        [BinaryOperation.add, .subtract, .multiply, .divide, .power, .atan2, .hypot, .min, .max])
    func binary(_ operation: BinaryOperation) throws {
        let shapes: [([Int], [Int])] = [([2, 3], [2, 3]), ([3, 1], [1, 4]), ([], [2, 3]), ([2, 3], [3]), ([2, 1, 3], [4, 1])]
        for (k, (a, b)) in shapes.enumerated() {
            // Positive bases for power; distinct values so min/max have no ties.
            let x = randomTensor(a, 0.2, 1.0, seed: UInt64(10 + k))
            let y = randomTensor(b, 1.1, 2.0, seed: UInt64(20 + k))
            try expectGradientsMatchFiniteDifferences([x, y]) { v in try v[0].applying(operation, v[1]) }
        }
    }

    /// The same-shape path of + − × ÷ (which reads the operands' elements in
    /// place) gives exactly `Tensor.applying`'s values, special values and
    /// empty tensors included, recorded or not, in Float and Double.
    @Test(arguments: [BinaryOperation.add, .subtract, .multiply, .divide])
    func sameShapeArithmeticMatchesTensors(_ operation: BinaryOperation) throws {
        try check(Float.self, operation)
        try check(Double.self, operation)
    }

    func check<T: TensorScalar>(_: T.Type, _ operation: BinaryOperation) throws {
        let specials: [T] = [0, -0.0, 1.5, -2.25, .infinity, -.infinity, .nan, 3e-30, 7]
        let shapes: [[Int]] = [[], [0], [9], [3, 3], [1, 3, 3]]
        for shape in shapes {
            let n = shape.reduce(1, *)
            let x = try Tensor<T>(shape: shape, scalars: (0..<n).map { specials[$0 % specials.count] })
            let y = try Tensor<T>(shape: shape, scalars: (0..<n).map { specials[($0 * 4 + 3) % specials.count] })
            let expected = try x.applying(operation, y)
            for requiresGrad in [false, true] {
                let z = try Variable(x, requiresGrad: requiresGrad).applying(operation, Variable(y))
                #expect(z.shape == shape)
                let same = zip(z.value.scalars, expected.scalars).allSatisfy { a, b in
                    (a.isNaN && b.isNaN) || (a == b && a.sign == b.sign)
                }
                #expect(same && z.value.count == expected.count, "\(T.self) \(operation.name) \(shape) requiresGrad \(requiresGrad)")
                #expect(z.hasHistory == requiresGrad)
            }
        }
    }

    @Test func operators() throws {
        let x = randomTensor([3, 1], seed: 5), y = randomTensor([1, 4], 1, 2, seed: 6)
        try expectGradientsMatchFiniteDifferences([x, y]) { v in
            let a = (v[0] + v[1]) * v[0]
            let b = v[1] / (v[0] * v[0] + 1)
            let c = (-v[1]) * 2 + 3 / v[1]
            return a - b - c - 1
        }
        // [2, 3] * [3] and scalar + matrix.
        try expectGradientsMatchFiniteDifferences([randomTensor([2, 3], seed: 7), randomTensor([3], seed: 8)]) { v in
            v[0] * v[1]
        }
        try expectGradientsMatchFiniteDifferences([randomTensor([], seed: 9), randomTensor([2, 3], seed: 10)]) { v in
            v[0] + v[1]
        }
    }

    @Test func broadcastGradientsHaveTheParentsShape() throws {
        let a = Variable(randomTensor([3, 1], seed: 11), requiresGrad: true)
        let b = Variable(randomTensor([1, 4], seed: 12), requiresGrad: true)
        try (a + b).sum().backward()
        #expect(a.grad?.shape == [3, 1] && a.grad?.scalars == [4, 4, 4])
        #expect(b.grad?.shape == [1, 4] && b.grad?.scalars == [3, 3, 3, 3])

        let s = Variable(Tensor<Double>(2), requiresGrad: true)
        let m = Variable(randomTensor([2, 3], seed: 13), requiresGrad: true)
        try (s * m).sum().backward()
        #expect(s.grad?.shape == [])
        #expect(Swift.abs(s.grad!.scalar - m.value.sum().scalar) < 1e-14)
        #expect(m.grad?.scalars == Array(repeating: 2, count: 6))
    }

    @Test func summedToShapeUndoesBroadcasting() throws {
        let t = try Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(t.summed(toShape: [2, 3]) == t)
        #expect(t.summed(toShape: [3]).scalars == [5, 7, 9])
        #expect(t.summed(toShape: [1, 3]).shape == [1, 3])
        #expect(t.summed(toShape: [2, 1]).scalars == [6, 15])
        #expect(t.summed(toShape: []).scalars == [21])
        #expect(t.summed(toShape: [1, 1]).shape == [1, 1])
    }

    @Test func matmul() throws {
        try expectGradientsMatchFiniteDifferences([randomTensor([2, 3], seed: 14), randomTensor([3, 4], seed: 15)]) { v in
            try v[0].matmul(v[1])
        }
        // Batched, with a shared rank-2 operand on either side.
        try expectGradientsMatchFiniteDifferences([randomTensor([2, 2, 3], seed: 16), randomTensor([3, 2], seed: 17)]) { v in
            try v[0].matmul(v[1])
        }
        try expectGradientsMatchFiniteDifferences([randomTensor([2, 3], seed: 18), randomTensor([2, 3, 2], seed: 19)]) { v in
            try v[0].matmul(v[1])
        }
        try expectGradientsMatchFiniteDifferences([randomTensor([1, 2, 3], seed: 20), randomTensor([2, 3, 2], seed: 21)]) { v in
            try v[0].matmul(v[1])
        }
    }

    @Test func reductionsAndShapes() throws {
        let x = randomTensor([2, 3, 2], seed: 22)
        try expectGradientsMatchFiniteDifferences([x]) { v in v[0].sum() }
        try expectGradientsMatchFiniteDifferences([x]) { v in v[0].mean() }
        for axis in [0, 1, -1] {
            for keep in [false, true] {
                try expectGradientsMatchFiniteDifferences([x]) { v in v[0].sum(alongAxis: axis, keepingDimensions: keep) }
                try expectGradientsMatchFiniteDifferences([x]) { v in v[0].mean(alongAxis: axis, keepingDimensions: keep) }
            }
        }
        try expectGradientsMatchFiniteDifferences([x]) { v in try v[0].reshaped(to: [3, -1]) }
        try expectGradientsMatchFiniteDifferences([x]) { v in v[0].transposed() }
        #expect(throws: ShapeError.self) { try Variable(x).reshaped(to: [5, 2]) }
    }

    @Test func softmaxAndCrossEntropy() throws {
        let logits = randomTensor([3, 4], -2, 2, seed: 23)
        for axis in [0, -1] {
            try expectGradientsMatchFiniteDifferences([logits]) { v in v[0].softmax(alongAxis: axis) }
            try expectGradientsMatchFiniteDifferences([logits]) { v in v[0].logSoftmax(alongAxis: axis) }
        }
        try expectGradientsMatchFiniteDifferences([logits]) { v in
            try Variable.crossEntropy(logits: v[0], labels: [2, 0, 3])
        }
        // Scaled upstream gradient reaches the fused backward.
        try expectGradientsMatchFiniteDifferences([logits]) { v in
            try Variable.crossEntropy(logits: v[0], labels: [1, 1, 0]) * 3
        }
        #expect(throws: ShapeError.self) { try Variable.crossEntropy(logits: Variable(logits), labels: [0, 4, 1]) }
        #expect(throws: ShapeError.self) { try Variable(logits).applying(.add, Variable(randomTensor([2], seed: 1))) }
    }

    @Test("Float gradients agree with Double's")
    func float() throws {
        let xd = randomTensor([2, 3], seed: 24), yd = randomTensor([3], 1, 2, seed: 25), wd = randomTensor([3, 2], seed: 26)
        func loss<S: TensorScalar>(_ x: Variable<S>, _ y: Variable<S>, _ w: Variable<S>) throws -> Variable<S> {
            let h = (x * y).applying(.tanh) / y
            return try Variable.crossEntropy(logits: try h.matmul(w), labels: [1, 0]) + h.logSoftmax().mean()
        }
        func gradients<S: TensorScalar>(_: S.Type) throws -> [[Double]] {
            let vs = [xd, yd, wd].map {
                Variable(try! Tensor<S>(shape: $0.shape, scalars: $0.scalars.map { S($0) }), requiresGrad: true)
            }
            try loss(vs[0], vs[1], vs[2]).backward()
            return vs.map { $0.grad!.scalars.map { Double($0) } }
        }
        let f = try gradients(Float.self), d = try gradients(Double.self)
        for (a, b) in zip(f, d) { #expect(close(a, b, tolerance: 1e-5)) }
    }
}
