import NablaTensor
import Testing

@Suite("Tensor creation and storage")
struct CreationTests {
    func fromElements<S: TensorScalar>(_: S.Type) throws {
        let t = try Tensor<S>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.shape == [2, 3])
        #expect(t.rank == 2)
        #expect(t.count == 6)
        #expect(t.strides == [3, 1])
        #expect(t[1, 2] == 6)
        #expect(t[0, 1] == 2)
        #expect(t.scalars == [1, 2, 3, 4, 5, 6])

        let scalar = Tensor<S>(S(2.5))
        #expect(scalar.shape == [])
        #expect(scalar.count == 1)
        #expect(scalar.scalar == 2.5)
        #expect(Tensor<S>(1.5 as Double).scalar == 1.5)
        let literal: Tensor<S> = 3
        #expect(literal.shape == [] && literal.scalar == 3)

        #expect(Tensor<S>([1, 2, 3]).shape == [3])
        let m = try Tensor<S>([[1, 2], [3, 4], [5, 6]])
        #expect(m.shape == [3, 2])
        #expect(m[2, 0] == 5)
        #expect(try Tensor<S>([[S]]()).shape == [0, 0])
        #expect(
            thrownMessage { try Tensor<S>([[1, 2], [3]]) } == "init(_ rows:): row 1 has 1 elements, row 0 has 2")

        #expect(Tensor<S>(shape: [2, 2], repeating: 7).scalars == [7, 7, 7, 7])
        #expect(Tensor<S>.zeros(shape: [3]).scalars == [0, 0, 0])
        #expect(Tensor<S>.ones(shape: [2, 1]).scalars == [1, 1])
        #expect(Tensor<S>.zeros(shape: [2, 0]).count == 0)
        #expect(Tensor<S>.identity(3).scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor<S>.identity(0).shape == [0, 0])

        #expect(
            thrownMessage { try Tensor<S>(shape: [2, 3], scalars: [1, 2]) }
                == "init(shape:scalars:): shape [2, 3] needs 6 scalars, got 2")
        #expect(
            thrownMessage { try Tensor<S>(shape: [-1, 3], scalars: []) }
                == "init(shape:scalars:): shape [-1, 3] has a negative dimension")
        #expect(try Tensor<S>(shape: [], scalars: [4]).scalar == 4)
    }

    @Test func fromElements() throws {
        try fromElements(Float.self)
        try fromElements(Double.self)
    }

    func ranges<S: TensorScalar>(_: S.Type) {
        #expect(Tensor<S>.range(from: 0, to: 5).scalars == [0, 1, 2, 3, 4])
        #expect(Tensor<S>.range(from: 1, to: 2, by: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(Tensor<S>.range(from: 5, to: 0, by: -2).scalars == [5, 3, 1])
        #expect(Tensor<S>.range(from: 3, to: 3).count == 0)
        #expect(Tensor<S>.range(from: 3, to: 0).count == 0)
        #expect(Tensor<S>.linspace(from: 0, through: 1, count: 5).scalars == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor<S>.linspace(from: 2, through: 3, count: 1).scalars == [2])
        #expect(Tensor<S>.linspace(from: 2, through: 3, count: 0).count == 0)
        // The last element is exactly the endpoint even when the step is inexact.
        #expect(Tensor<S>.linspace(from: 0, through: 0.3, count: 7).scalars.last == S(0.3))
    }

    @Test func ranges() {
        ranges(Float.self)
        ranges(Double.self)
    }

    func random<S: TensorScalar>(_: S.Type) {
        let a = Tensor<S>.randomUniform(shape: [1000], lowerBound: -2, upperBound: 3, seed: 42)
        let b = Tensor<S>.randomUniform(shape: [1000], lowerBound: -2, upperBound: 3, seed: 42)
        let c = Tensor<S>.randomUniform(shape: [1000], lowerBound: -2, upperBound: 3, seed: 43)
        #expect(a == b)
        #expect(a != c)
        #expect(a.scalars.allSatisfy { $0 >= -2 && $0 <= 3 })
        #expect(Swift.abs(a.mean().scalar - 0.5) < 0.2)

        let n = Tensor<S>.randomNormal(shape: [2001], mean: 1, standardDeviation: 2, seed: 7)
        #expect(n == Tensor<S>.randomNormal(shape: [2001], mean: 1, standardDeviation: 2, seed: 7))
        let mean = n.mean().scalar
        let variance = (n - Tensor(mean)).map(.power(2)).mean().scalar
        #expect(Swift.abs(mean - 1) < 0.15)
        #expect(Swift.abs(variance.squareRoot() - 2) < 0.15)
        #expect(n.isFinite)

        var generator = SeededGenerator(seed: 42)
        let viaGenerator = Tensor<S>.randomUniform(shape: [1000], lowerBound: -2, upperBound: 3, using: &generator)
        #expect(viaGenerator == a)
    }

    @Test func seededRandomIsReproducible() {
        random(Float.self)
        random(Double.self)
    }

    @Test func seededGeneratorIsFixed() {
        // SplitMix64's published first outputs for seed 0: the sequence is
        // part of the contract (same numbers on every platform).
        let expected: [UInt64] = [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]
        var g = SeededGenerator(seed: 0)
        let drawn = (0..<3).map { _ in g.next() }
        #expect(drawn == expected)
        let u = Tensor<Double>.randomUniform(shape: [1], seed: 0).scalar
        #expect(u == Double(expected[0] >> 11) * 0x1p-53)
    }

    func copyOnWrite<S: TensorScalar>(_: S.Type) throws {
        let original = try Tensor<S>(shape: [2, 2], scalars: [1, 2, 3, 4])
        var copy = original
        copy[0, 1] = 20
        #expect(copy.scalars == [1, 20, 3, 4])
        #expect(original.scalars == [1, 2, 3, 4])

        // Reshaped tensors share storage until one of them is written.
        var reshaped = try original.reshaped(to: [4])
        reshaped[3] = 40
        #expect(original[1, 1] == 4)
        #expect(reshaped.scalars == [1, 2, 3, 40])

        var unique = Tensor<S>.zeros(shape: [3])
        unique[1] = 5
        unique.withUnsafeMutableBufferPointer { $0[2] = 6 }
        #expect(unique.scalars == [0, 5, 6])
        var shared = unique
        shared.withUnsafeMutableBufferPointer { $0[0] = 9 }
        #expect(unique.scalars == [0, 5, 6])
        #expect(shared.scalars == [9, 5, 6])
        #expect(shared.withUnsafeBufferPointer { $0.reduce(0, +) } == 20)
    }

    @Test func copyOnWrite() throws {
        try copyOnWrite(Float.self)
        try copyOnWrite(Double.self)
    }

    @Test func sendableAcrossTasks() async throws {
        let t = Tensor<Double>.range(from: 0, to: 100)
        func scaledSum(_ k: Double) async -> Double { (t * Tensor<Double>(k)).sum().scalar }
        async let one = scaledSum(1)
        async let two = scaledSum(2)
        let sums = await one + two
        #expect(sums == 4950 * 3)
    }

    @Test func description() throws {
        #expect("\(try Tensor<Double>([[1, 2], [3, 4]]))" == "[[1.0, 2.0], [3.0, 4.0]]")
        #expect("\(Tensor<Float>(2))" == "2.0")
        #expect("\(Tensor<Float>.zeros(shape: [0]))" == "[]")
    }
}
