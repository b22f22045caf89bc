import NablaTensor
import Testing

@Suite("Broadcasting")
struct BroadcastingTests {
    @Test(arguments: [
        ([], [], []),
        ([], [2, 3], [2, 3]),
        ([3], [], [3]),
        ([2, 3], [3], [2, 3]),
        ([3, 1], [4], [3, 4]),
        ([2, 1, 4], [3, 1], [2, 3, 4]),
        ([1], [5], [5]),
        ([0], [1], [0]),
        ([2, 0], [2, 1], [2, 0]),
        ([5, 1, 1], [1, 6, 1], [5, 6, 1]),
    ] as [([Int], [Int], [Int])])
    func broadcastShape(a: [Int], b: [Int], expected: [Int]) throws {
        #expect(try Tensor<Float>.broadcastShape(a, b) == expected)
        #expect(try Tensor<Double>.broadcastShape(b, a) == expected)
    }

    @Test func incompatibleShapesNameBoth() {
        #expect(
            thrownMessage { try Tensor<Float>.broadcastShape([2, 3], [4]) }
                == "broadcast: shapes [2, 3] and [4] do not match: cannot broadcast: dimension 3 of [2, 3] and 4 of [4] (axis -1 from the end) differ and neither is 1"
        )
        #expect(thrownMessage { try Tensor<Double>.broadcastShape([2, 0], [3]) } != nil)
        let a = Tensor<Double>.zeros(shape: [2, 3]), b = Tensor<Double>.zeros(shape: [3, 2])
        #expect(
            thrownMessage { try a.adding(b) }
                == "+: shapes [2, 3] and [3, 2] do not match: cannot broadcast: dimension 3 of [2, 3] and 2 of [3, 2] (axis -1 from the end) differ and neither is 1"
        )
        #expect(thrownMessage { try a.applying(.atan2, b) }?.hasPrefix("atan2: shapes [2, 3] and [3, 2]") == true)
        #expect(thrownMessage { try a.broadcast(to: [3]) }?.hasPrefix("broadcast(to:): shapes [2, 3] and [3]") == true)
        #expect(
            thrownMessage { try Tensor<Double>.zeros(shape: [3]).broadcast(to: [1]) }
                == "broadcast(to:): shapes [3] and [1] do not match: [3] does not broadcast to [1]")
    }

    /// The naive definition: index each operand with the broadcast index.
    func reference<S: TensorScalar>(
        _ a: Tensor<S>, _ b: Tensor<S>, _ f: (S, S) -> S
    ) throws -> [S] {
        let shape = try Tensor<S>.broadcastShape(a.shape, b.shape)
        let n = shape.reduce(1, *)
        var result: [S] = []
        for flat in 0..<n {
            var index = [Int](repeating: 0, count: shape.count)
            var rest = flat
            for axis in shape.indices.reversed() {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            func element(_ t: Tensor<S>) -> S {
                let lead = shape.count - t.rank
                var offset = 0
                for axis in 0..<t.rank {
                    let i = t.shape[axis] == 1 ? 0 : index[axis + lead]
                    offset += i * t.strides[axis]
                }
                return t.scalars[offset]
            }
            result.append(f(element(a), element(b)))
        }
        return result
    }

    func binaryOps<S: TensorScalar>(_: S.Type) throws {
        let pairs: [([Int], [Int])] = [
            ([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 3]), ([2, 1], [1, 3]), ([], [2, 2]), ([2, 2], []),
            ([2, 1, 3], [4, 1]), ([4, 1], [2, 1, 3]), ([1, 1], [3, 1, 2]), ([2, 3, 1], [2, 1, 4]),
        ]
        for (k, (sa, sb)) in pairs.enumerated() {
            let a = Tensor<S>.randomUniform(shape: sa, lowerBound: 0.5, upperBound: 2, seed: UInt64(k))
            let b = Tensor<S>.randomUniform(shape: sb, lowerBound: 0.5, upperBound: 2, seed: UInt64(100 + k))
            for op in BinaryOperation.allCases {
                let result = try a.applying(op, b)
                #expect(result.shape == (try Tensor<S>.broadcastShape(sa, sb)))
                let expected = try reference(a, b) { op.value($0, $1) }
                #expect(result.scalars == expected, "\(op) on \(sa) and \(sb)")
            }
            // Operators agree with the named methods.
            #expect(a + b == (try a.adding(b)))
            #expect(a - b == (try a.subtracting(b)))
            #expect(a * b == (try a.multiplying(b)))
            #expect(a / b == (try a.dividing(b)))
            #expect(Tensor.pow(a, b) == (try a.raised(to: b)))
            #expect(Tensor.max(a, b) == (try a.applying(.max, b)))
            #expect(Tensor.hypot(a, b) == (try a.applying(.hypot, b)))
            #expect(Tensor.atan2(y: a, x: b) == (try a.applying(.atan2, b)))
        }
    }

    @Test func binaryOperationsBroadcast() throws {
        try binaryOps(Float.self)
        try binaryOps(Double.self)
    }

    func withScalars<S: TensorScalar>(_: S.Type) throws {
        let v = Tensor<S>([1, 2, 3])
        #expect((2 * v + 1).scalars == [3, 5, 7])
        #expect((v - 1).scalars == [0, 1, 2])
        let reciprocals: [S] = [1, S(1) / S(2), S(1) / S(3)]
        #expect((1 / v).scalars == reciprocals)
        #expect((v * Tensor(S(0.5))).scalars == [0.5, 1, 1.5])
        #expect(v.scaled(by: 3).scalars == [3, 6, 9])
        #expect((-v).scalars == [-1, -2, -3])
        #expect(v + .zero == v)
        var w = v
        w += 1
        w *= 2
        #expect(w.scalars == [4, 6, 8])
        let e = Tensor<S>.zeros(shape: [0, 2])
        #expect((e + Tensor<S>([1, 2])).shape == [0, 2])
    }

    @Test func operationsWithScalars() throws {
        try withScalars(Float.self)
        try withScalars(Double.self)
    }

    func partials<S: TensorScalar>(_: S.Type) throws {
        let a = try Tensor<S>([[1, 2, 3], [4, 5, 6]])
        let b = Tensor<S>([2, 0.5, 3])
        for op in BinaryOperation.allCases {
            let (dx, dy) = try a.partials(of: op, b)
            #expect(dx.shape == [2, 3] && dy.shape == [2, 3])
            for i in 0..<2 {
                for j in 0..<3 {
                    let (x, y) = (a[i, j], b[j])
                    let (px, py) = op.partials(at: x, y, value: op.value(x, y))
                    #expect(same(dx[i, j], px) && same(dy[i, j], py), "\(op)")
                }
            }
        }
    }

    @Test func partialsOfBinaryOperations() throws {
        try partials(Float.self)
        try partials(Double.self)
    }
}

@Suite("Operators stop on shape mismatches")
struct OperatorMismatchTests {
    @Test func mismatchedOperatorStopsNamingBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Tensor<Float>.zeros(shape: [2, 3])
            _ = a * Tensor<Float>.zeros(shape: [4])
        }
        let message = result.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(message.contains("*: shapes [2, 3] and [4] do not match"), "\(message)")
    }
}
