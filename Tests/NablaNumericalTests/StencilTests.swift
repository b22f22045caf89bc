import Testing
import RealModule
@testable import NablaNumerical

@Suite("Stencil: Fornberg weights, accuracy order, convergence")
struct StencilTests {
    @Test("central m=1 p=2 is exactly [-1/2, 0, 1/2] and skips the centre")
    func centralFirstOrderTwo() throws {
        let s = try Stencil.central(derivativeOrder: 1, accuracy: 2)
        #expect(s.offsets == [-1, 0, 1])
        #expect(s.weights == [-0.5, 0, 0.5])
        #expect(s.weights[1] == 0)  // exactly 0, not 1e-17
        #expect(s.accuracyOrder == 2)
        #expect(s.evaluationCount == 2)
        // The centre point is not evaluated.
        var evaluated: [Double] = []
        _ = s.apply(to: { x in evaluated.append(x); return x }, at: 1.0, step: 0.25)
        #expect(evaluated == [0.75, 1.25])
    }

    @Test("central m=1 p=4 is [1/12, -2/3, 0, 2/3, -1/12]")
    func centralFirstOrderFour() throws {
        let s = try Stencil.central(derivativeOrder: 1, accuracy: 4)
        #expect(s.offsets == [-2, -1, 0, 1, 2])
        let expected = [1.0 / 12, -2.0 / 3, 0, 2.0 / 3, -1.0 / 12]
        for (w, e) in zip(s.weights, expected) {
            #expect((w - e).magnitude <= 2 * e.magnitude.ulp, "weight \(w) vs \(e)")
        }
        #expect(s.weights[2] == 0)
        #expect(s.accuracyOrder == 4)
        #expect(s.evaluationCount == 4)
    }

    @Test("integer stencils are exact: [1,-2,1], [-1,1], [1,-4,6,-4,1]")
    func integerStencils() throws {
        let second = try Stencil.central(derivativeOrder: 2, accuracy: 2)
        #expect(second.offsets == [-1, 0, 1])
        #expect(second.weights == [1, -2, 1])
        #expect(second.accuracyOrder == 2)
        #expect(second.evaluationCount == 3)

        let forward = try Stencil.forward(derivativeOrder: 1, accuracy: 1)
        #expect(forward.offsets == [0, 1])
        #expect(forward.weights == [-1, 1])
        #expect(forward.accuracyOrder == 1)

        let backward = try Stencil.backward(derivativeOrder: 1, accuracy: 1)
        #expect(backward.offsets == [0, -1])
        #expect(backward.weights == [1, -1])
        #expect(backward.accuracyOrder == 1)

        let fourth = try Stencil.central(derivativeOrder: 4, accuracy: 2)
        #expect(fourth.offsets == [-2, -1, 0, 1, 2])
        #expect(fourth.weights == [1, -4, 6, -4, 1])
        #expect(fourth.accuracyOrder == 2)
    }

    @Test("leading error coefficients: 1/6, -1/30, 1/12, 1/2, -1/2")
    func errorCoefficients() throws {
        let cases: [(Stencil, Double)] = [
            (try .central(derivativeOrder: 1, accuracy: 2), 1.0 / 6),
            (try .central(derivativeOrder: 1, accuracy: 4), -1.0 / 30),
            (try .central(derivativeOrder: 2, accuracy: 2), 1.0 / 12),
            (try .forward(derivativeOrder: 1, accuracy: 1), 0.5),
            (try .backward(derivativeOrder: 1, accuracy: 1), -0.5),
            (try .central(derivativeOrder: 4, accuracy: 2), 1.0 / 6),
        ]
        for (s, c) in cases {
            #expect(relativeError(s.errorCoefficient, c) <= 1e-12, "\(s): C = \(s.errorCoefficient), expected \(c)")
        }
    }

    @Test("accuracy order is p for m = 1…4, central p = 2, 4, 6, 8",
          arguments: [1, 2, 3, 4], [2, 4, 6, 8])
    func centralAccuracyOrder(m: Int, p: Int) throws {
        let s = try Stencil.central(derivativeOrder: m, accuracy: p)
        #expect(s.derivativeOrder == m)
        #expect(s.accuracyOrder == p)
        #expect(s.offsets == s.offsets.reversed().map { -$0 })  // symmetric
        // Weights of an odd derivative are antisymmetric, of an even one symmetric.
        let sign: Double = m % 2 == 0 ? 1 : -1
        for (w, v) in zip(s.weights, s.weights.reversed()) {
            #expect((w - sign * v).magnitude <= 1e-12 * Swift.max(1, w.magnitude))
        }
        // Σ w = 0 (the derivative of a constant) and Σ w·oᵐ = m!.
        let factorial = (1...m).reduce(1.0) { $0 * Double($1) }
        let sum = s.weights.reduce(0, +)
        let moment = zip(s.weights, s.offsets).reduce(0.0) { $0 + $1.0 * Double.pow($1.1, m) }
        #expect(sum.magnitude <= 1e-11)
        #expect(relativeError(moment, factorial) <= 1e-11)
    }

    @Test("accuracy order is p for m = 1…4, one-sided p = 1…4",
          arguments: [1, 2, 3, 4], [1, 2, 3, 4])
    func oneSidedAccuracyOrder(m: Int, p: Int) throws {
        let f = try Stencil.forward(derivativeOrder: m, accuracy: p)
        let b = try Stencil.backward(derivativeOrder: m, accuracy: p)
        #expect(f.accuracyOrder == p)
        #expect(b.accuracyOrder == p)
        #expect(f.offsets == (0..<(m + p)).map(Double.init))
        #expect(b.offsets == f.offsets.map { -$0 })
        #expect(f.offsets.allSatisfy { $0 >= 0 })
        #expect(b.offsets.allSatisfy { $0 <= 0 })
        // Backward weights are forward weights times (-1)^m.
        let sign: Double = m % 2 == 0 ? 1 : -1
        for (wf, wb) in zip(f.weights, b.weights) {
            #expect((wb - sign * wf).magnitude <= 1e-12 * Swift.max(1, wf.magnitude))
        }
    }

    @Test("a stencil on n arbitrary points is exact for polynomials of degree n-1")
    func exactOnPolynomials() throws {
        let offsets: [Double] = [-1.5, 0, 0.5, 2, 3]
        // p(x) = 1 - 2x + 3x² - x³ + 0.5x⁴ and its derivatives at x = 0.3
        let p: (Double) -> Double = { x in 1 - 2 * x + 3 * x * x - x * x * x + 0.5 * x * x * x * x }
        let x = 0.3
        let exact = [-2 + 6 * x - 3 * x * x + 2 * x * x * x, 6 - 6 * x + 6 * x * x, -6 + 12 * x, 12.0]
        for m in 1...4 {
            let s = try Stencil(offsets: offsets, derivativeOrder: m)
            #expect(s.accuracyOrder >= 5 - m)  // n - m at least
            let d = s.apply(to: p, at: x, step: 0.125)
            #expect(relativeError(d, exact[m - 1]) <= 1e-11, "m = \(m): \(d) vs \(exact[m - 1])")
        }
    }

    /// Errors at h and h/2 for the m-th derivative of f at 0.7: the ratio
    /// must be 2^p within ±0.25 in the exponent, and the error must match the
    /// leading term C·f⁽ᵐ⁺ᵖ⁾(x)·hᵖ within 30%. h is the power of two where
    /// truncation at h/2 is about 300 times the rounding error (so rounding
    /// moves the measured order by < 0.01) and higher-order terms are small.
    static func checkConvergence(_ s: Stencil, f: (Double) -> Double, derivatives: (Int) -> Double) {
        let m = s.derivativeOrder
        let p = s.accuracyOrder
        let x = 0.7
        let weightSum = s.weights.map(\.magnitude).reduce(0, +)
        let raw = Double.pow(300 * Double.ulpOfOne * weightSum * Double.pow(2, m + p) / s.errorCoefficient.magnitude,
                             1 / Double(m + p))
        let h = Double.pow(2, Double.log2(raw).rounded())
        let exact = derivatives(m)
        let e1 = s.apply(to: f, at: x, step: h) - exact
        let e2 = s.apply(to: f, at: x, step: h / 2) - exact
        let order = Double.log2(e1.magnitude / e2.magnitude)
        let predicted = s.errorCoefficient * derivatives(m + p) * Double.pow(h, p)
        #expect((order - Double(p)).magnitude <= 0.25,
                "m=\(m) p=\(p) offsets \(s.offsets): measured order \(order) at h = \(h)")
        #expect((e1 / predicted - 1).magnitude <= 0.3,
                "m=\(m) p=\(p): error \(e1), leading term \(predicted)")
    }

    static let expDerivatives: @Sendable (Int) -> Double = { _ in .exp(0.7) }
    static let sinDerivatives: @Sendable (Int) -> Double = { k in
        switch k % 4 {
        case 0: return .sin(0.7)
        case 1: return .cos(0.7)
        case 2: return -.sin(0.7)
        default: return -.cos(0.7)
        }
    }

    @Test("central stencils converge like h^p on exp and sin", arguments: [1, 2, 3, 4], [2, 4, 6, 8])
    func centralConvergence(m: Int, p: Int) throws {
        let s = try Stencil.central(derivativeOrder: m, accuracy: p)
        Self.checkConvergence(s, f: { .exp($0) }, derivatives: Self.expDerivatives)
        Self.checkConvergence(s, f: { .sin($0) }, derivatives: Self.sinDerivatives)
    }

    @Test("one-sided stencils converge like h^p on exp and sin", arguments: [1, 2, 3, 4], [1, 2, 3, 4])
    func oneSidedConvergence(m: Int, p: Int) throws {
        for s in [try Stencil.forward(derivativeOrder: m, accuracy: p), try Stencil.backward(derivativeOrder: m, accuracy: p)] {
            Self.checkConvergence(s, f: { .exp($0) }, derivatives: Self.expDerivatives)
            Self.checkConvergence(s, f: { .sin($0) }, derivatives: Self.sinDerivatives)
        }
    }

    @Test("apply in Float")
    func applyInFloat() throws {
        let s = try Stencil.central(derivativeOrder: 1, accuracy: 4)
        let d = s.apply(to: { (x: Float) in .exp(x) }, at: Float(0.7), step: Float(0.0625))
        #expect(relativeError(d, Float.exp(0.7)) <= 2e-6)
    }

    @Test("invalid stencils throw invalidStencil")
    func invalidStencils() {
        let bad: [(String, () throws -> Void)] = [
            ("order 0", { _ = try Stencil(offsets: [-1, 0, 1], derivativeOrder: 0) }),
            ("negative order", { _ = try Stencil(offsets: [-1, 0, 1], derivativeOrder: -1) }),
            ("repeated offsets", { _ = try Stencil(offsets: [0, 1, 1], derivativeOrder: 1) }),
            ("NaN offset", { _ = try Stencil(offsets: [0, .nan], derivativeOrder: 1) }),
            ("infinite offset", { _ = try Stencil(offsets: [0, .infinity], derivativeOrder: 1) }),
            ("too few points", { _ = try Stencil(offsets: [0, 1], derivativeOrder: 2) }),
            ("no points", { _ = try Stencil(offsets: [], derivativeOrder: 1) }),
            ("odd central accuracy", { _ = try Stencil.central(derivativeOrder: 1, accuracy: 3) }),
            ("zero central accuracy", { _ = try Stencil.central(derivativeOrder: 1, accuracy: 0) }),
            ("central order 0", { _ = try Stencil.central(derivativeOrder: 0, accuracy: 2) }),
            ("forward accuracy 0", { _ = try Stencil.forward(derivativeOrder: 1, accuracy: 0) }),
            ("forward order 0", { _ = try Stencil.forward(derivativeOrder: 0, accuracy: 1) }),
            ("backward accuracy 0", { _ = try Stencil.backward(derivativeOrder: 2, accuracy: 0) }),
        ]
        for (label, body) in bad {
            let error = finiteDifferenceError(body)
            #expect(error?.isInvalidStencil == true, "\(label): \(String(describing: error))")
            #expect(error.map { !$0.message.isEmpty } == true)
        }
        // The message says what is wrong.
        #expect(finiteDifferenceError { _ = try Stencil(offsets: [0, 1], derivativeOrder: 2) }?.message.contains("3 points") == true)
        #expect(finiteDifferenceError { _ = try Stencil.central(derivativeOrder: 1, accuracy: 3) }?.message.contains("even") == true)
    }

    @Test("the description names the order and the points")
    func description() throws {
        let s = try Stencil.central(derivativeOrder: 1, accuracy: 2)
        #expect(s.description.contains("O(h^2)"))
        #expect(s.description.contains("f^(1)"))
        #expect(!s.description.contains("f(x+0.0h)"))  // the zero-weight centre is not shown
    }
}
