import Foundation
import NablaTensor
import Testing

/// Written once against the scalar protocol; runs on scalars and tensors.
func activation<T: DifferentiableScalar>(_ x: T) -> T { T.tanh(x) * 2 }

func mixed<T: DifferentiableScalar>(_ x: T) -> T {
    let s = T.sigmoid(x) * x + T.softplus(-x)
    return s + T.pow(x, 3) / 4 - T.exp(-(x * x)) + T.max(x, 0.5) + T.relu(x - 1)
}

@Suite("Elementwise operations")
struct ElementwiseTests {
    /// Points across every function's domain and outside some of them
    /// (NaN must then match too), with the kinks 0 and ±1.
    static let points: [Double] = [-3, -1, -0.75, -0.2, 0, 0.3, 0.5, 1, 1.5, 2.5, 40]

    static let operations: [UnaryOperation] =
        UnaryOperation.namedFunctions + [.negate, .power(0), .power(1), .power(2), .power(3), .power(-2), .root(3)]

    func unary<S: TensorScalar>(_: S.Type) throws {
        let x = try Tensor<S>(shape: [Self.points.count], scalars: Self.points.map { S($0) })
        let matrix = try x.reshaped(to: [1, -1])
        for op in Self.operations {
            let y = x.map(op)
            let dy = x.derivative(of: op)
            let both = x.valueAndDerivative(of: op)
            #expect(matrix.map(op).shape == [1, Self.points.count])
            // exp and sigmoid run vectorised kernels: within 4 ulp (8 for
            // the derivative, computed from the value); the rest is exact.
            let ulps: S = op == .exp || op == .sigmoid ? 4 : 0
            for (i, xi) in x.scalars.enumerated() {
                let value = op.value(xi)
                let derivative = op.derivative(at: xi, value: value)
                #expect(near(y[i], value, ulps: ulps), "\(op) at \(xi): \(y[i]) vs \(value)")
                #expect(near(dy[i], derivative, ulps: 2 * ulps), "\(op)′ at \(xi): \(dy[i]) vs \(derivative)")
                #expect(same(both.value[i], y[i]) && same(both.derivative[i], dy[i]), "\(op)")
            }
            // The protocol's functions route through the same table.
            #expect(Tensor<S>.applying(op, to: x).scalars.elementsEqual(y.scalars, by: same))
        }
    }

    /// exp through the vectorised kernel at every length from 0 to 37 (the
    /// vector loop and the scalar rest), with overflow, underflow to
    /// subnormals and 0, ±∞ and NaN: within 4 ulp of libm's exp.
    func expKernel<S: TensorScalar>(_: S.Type, exp: (S) -> S) throws {
        var values: [Double] = [0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 1, -1, 17, -17, 80, -80, 88.5, -88.5, 103, -104,
                                700, -700, 709.7, 710, -745.1, -746, .infinity, -.infinity, .nan]
        values += (0..<60).map { Double($0) * 0.83 - 25 }
        for length in 0...37 {
            let x = try Tensor<S>(shape: [length], scalars: values.suffix(length).map { S($0) })
            for (xi, yi) in zip(x.scalars, x.map(.exp).scalars) {
                let expected = exp(xi)
                let ok = expected.isInfinite ? yi == expected
                    : near(yi, expected, ulps: 4) || Swift.abs(yi - expected) <= S.leastNonzeroMagnitude * 8
                #expect(ok, "\(S.self) exp(\(xi)) = \(yi), expected \(expected)")
            }
        }
    }

    @Test func vectorisedExpAtEveryLength() throws {
        try expKernel(Float.self, exp: { Foundation.exp($0) })
        try expKernel(Double.self, exp: { Foundation.exp($0) })
    }

    /// 3,000 arguments spread over the range whose exponential is a normal
    /// number, across several of the kernel's 512-element blocks: exp
    /// within 1 ulp of libm's, sigmoid within 4 ulp of the scalar rule.
    /// One block also holds NaN, -∞ and an argument whose exp is subnormal
    /// (that block goes to libm): they come out right and so does the rest.
    func wideArguments<S: TensorScalar>(_: S.Type, limit: Double, exp: (S) -> S) throws {
        var values = (0..<3000).map { i in limit * Double.sin(Double(i) * 0.61) }
        values[1100] = .nan
        values[1101] = -.infinity
        values[1102] = -limit - 15
        let x = try Tensor<S>(shape: [values.count], scalars: values.map { S($0) })
        let e = x.map(.exp).scalars, s = x.map(.sigmoid).scalars
        for (i, xi) in x.scalars.enumerated() {
            #expect(near(e[i], exp(xi), ulps: 1), "\(S.self) exp(\(xi)) = \(e[i]), libm \(exp(xi))")
            #expect(near(s[i], S.sigmoid(xi), ulps: 4), "\(S.self) sigmoid(\(xi)) = \(s[i]), rule \(S.sigmoid(xi))")
        }
        #expect(e[1100].isNaN && e[1101] == 0 && e[1102] > 0 && e[1102] < S.leastNormalMagnitude)
    }

    @Test func vectorisedExpOverTheWholeRange() throws {
        try wideArguments(Float.self, limit: 87, exp: { Foundation.exp($0) })
        try wideArguments(Double.self, limit: 708, exp: { Foundation.exp($0) })
    }

    @Test func everyUnaryTableEntryMatchesTheScalarRule() throws {
        try unary(Float.self)
        try unary(Double.self)
    }

    func generic<S: TensorScalar>(_: S.Type) throws {
        let values: [S] = [-2, -0.5, 0, 0.25, 1, 3]
        let t = try Tensor<S>(shape: [2, 3], scalars: values)
        let onTensor = activation(t)
        #expect(onTensor.shape == [2, 3])
        #expect(onTensor.scalars == values.map { activation($0) })
        let mixedTensor = mixed(t)
        let mixedScalars = values.map { mixed($0) }
        // sigmoid and exp are within a few ulp on tensors (vectorised).
        #expect(close(mixedTensor.scalars, mixedScalars, tolerance: 32 * S.ulpOfOne))
        #expect(Tensor<S>.sqrt(Tensor([4, 9])).scalars == [2, 3])
        #expect(Tensor<S>.log(onePlus: Tensor([0])).scalars == [0])
        #expect(Tensor<S>.pi.scalar == S.pi)
    }

    @Test func activationWrittenOnceRunsOnTensors() throws {
        try generic(Float.self)
        try generic(Double.self)
    }

    func comparisons<S: TensorScalar>(_: S.Type) throws {
        let a = try Tensor<S>([[1, 5, 3], [S.nan, 2, 0]])
        let b = Tensor<S>([2, 5, 1])
        #expect(try a.greater(than: b).scalars == [0, 0, 1, 0, 0, 0])
        #expect(try a.less(than: b).scalars == [1, 0, 0, 0, 1, 1])
        #expect(try a.equal(to: b).scalars == [0, 1, 0, 0, 0, 0])
        #expect(try a.greater(than: 1).scalars == [0, 1, 1, 0, 1, 0])
        let picked = try Tensor.where(a.greater(than: b), a, Tensor<S>(-1))
        #expect(picked.scalars == [-1, -1, 3, -1, -1, -1])
        let relu = try Tensor.where(a.greater(than: 0), a, 0)
        #expect(relu.shape == [2, 3] && relu[0, 1] == 5 && relu[1, 2] == 0)
        let rows = try Tensor.where(Tensor<S>([[1], [0]]), Tensor<S>([1, 2]), Tensor<S>([10, 20]))
        #expect(rows.shape == [2, 2] && rows.scalars == [1, 2, 10, 20])
        #expect(thrownMessage { try a.greater(than: Tensor<S>([1, 2])) }?.hasPrefix("greater: shapes [2, 3] and [2]") == true)
        #expect(
            thrownMessage { try Tensor.where(Tensor<S>([1, 0]), a, b) }?.hasPrefix("where: shapes [2] and [2, 3]") == true)
    }

    @Test func comparisonsAndWhere() throws {
        try comparisons(Float.self)
        try comparisons(Double.self)
    }

    func equality<S: TensorScalar>(_: S.Type) throws {
        let v = Tensor<S>([1, 2])
        #expect(v == Tensor<S>([1, 2]))
        #expect(v != (try v.reshaped(to: [2, 1])))
        #expect(Tensor<S>(1) != Tensor<S>([1]))
        #expect(Tensor<S>([S.nan]) != Tensor<S>([S.nan]))
        #expect(v.isFinite)
        #expect(!Tensor<S>([1, S.infinity]).isFinite)
        #expect(!Tensor<S>([S.nan, 1]).isFinite)
        #expect(Tensor<S>.zeros(shape: [0]).isFinite)
        #expect(!(Tensor<S>([-1]).map(.log)).isFinite)
    }

    @Test func equalityAndFiniteness() throws {
        try equality(Float.self)
        try equality(Double.self)
    }
}
