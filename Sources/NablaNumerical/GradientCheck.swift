import NablaRules
import RealModule

/// The result of comparing a gradient with finite differences: see
/// ``checkGradient(of:gradient:at:relativeTolerance:absoluteTolerance:)``.
public struct GradientCheck<T: FloatingScalar>: CustomStringConvertible {
    /// One component's comparison.
    public struct Component {
        public let index: Int
        /// The gradient being checked.
        public let given: T
        /// The adaptive finite-difference reference.
        public let numerical: T
        /// The reference's own error estimate.
        public let numericalError: T
        /// |given - numerical|.
        public let absoluteError: T
        /// |given - numerical| / max(|given|, |numerical|) (0 when both are 0).
        public let relativeError: T
        public let passed: Bool
    }

    /// The Taylor-remainder test: r(t) = |f(x + t·v) - f(x) - t·g·v| must
    /// shrink like t² for a correct gradient g (like t for a wrong one).
    public struct TaylorTest {
        /// The direction v (a fixed pseudo-random unit vector).
        public let direction: [T]
        /// The steps t, halving.
        public let steps: [T]
        /// r(t) for each step.
        public let remainders: [T]
        /// log₂ r(t)/r(t/2) for consecutive steps where r is above rounding
        /// noise: about 2 for a correct gradient, about 1 for a wrong one.
        public let observedOrders: [T]
        /// Whether the remainder shrinks like t² (median order ≥ 1.8 over the
        /// smaller half of the steps), or is at rounding level throughout
        /// (nothing to measure, nothing wrong).
        public let passed: Bool
    }

    public let components: [Component]
    public let taylor: TaylorTest
    /// Both the per-component comparison and the Taylor test passed.
    public var passed: Bool { components.allSatisfy(\.passed) && taylor.passed }
    /// Function evaluations spent (finite differences and the Taylor test).
    public let evaluations: Int

    public var description: String {
        var lines = ["gradient check: \(passed ? "passed" : "FAILED")"]
        lines.append("  i  given                    numerical                abs. error  rel. error")
        for c in components {
            func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: Swift.max(0, n - s.count)) }
            lines.append("  " + pad("\(c.index)", 3) + pad("\(c.given)", 25) + pad("\(c.numerical)", 25)
                         + pad(Self.short(c.absoluteError), 12) + Self.short(c.relativeError) + (c.passed ? "" : "  <- mismatch"))
        }
        let orders = taylor.observedOrders.map { Self.short($0, digits: 2) }.joined(separator: " ")
        lines.append("  Taylor remainder orders (2 = correct, 1 = wrong): \(orders.isEmpty ? "at rounding level" : orders)"
                     + (taylor.passed ? "" : "  <- the gradient is inconsistent with f"))
        return lines.joined(separator: "\n")
    }

    static func short(_ x: T, digits: Int = 1) -> String {
        let d = Double(x)
        if d == 0 { return "0" }
        if !d.isFinite { return "\(d)" }
        let exponent = Int(Double.log10(d.magnitude).rounded(.down))
        if digits == 2 && exponent >= -2 && exponent < 3 { return "\(Double(Int(d * 100)) / 100)" }
        let mantissa = d / Double.pow(10, exponent)
        let scale = Double.pow(10, digits)
        return "\((mantissa * scale).rounded() / scale)e\(exponent)"
    }
}

/// Compares a gradient — from reverse mode, forward mode, a hand-written
/// formula or Swift's `_Differentiation` — with finite differences.
///
/// Two independent tests:
/// 1. each component against the adaptive numerical gradient: it passes
///    when |g - n| ≤ atol + rtol·max(|g|, |n|) + 2·(the reference's error
///    estimate). Defaults: rtol = 1e-6 in Double, 1e-3 in Float, so that
///    correct Float gradients do not raise false alarms; atol = rtol times
///    the function's scale |f(x)|/max(1, |x|).
/// 2. the Taylor-remainder test, which needs no step size at all: along a
///    fixed pseudo-random unit direction v, r(t) = |f(x + tv) - f(x) - t·g·v|
///    must shrink like t² as t halves. A wrong gradient leaves a first-order
///    term, so r shrinks like t.
///
/// - Throws: ``FiniteDifferenceError/dimensionMismatch(_:)`` when g and x
///   differ in length.
@_specialize(where T == Double)
@_specialize(where T == Float)
public func checkGradient<T: FloatingScalar>(
    of f: ([T]) -> T, gradient g: [T], at x: [T],
    relativeTolerance: T? = nil, absoluteTolerance: T? = nil
) throws -> GradientCheck<T> {
    guard g.count == x.count else {
        throw FiniteDifferenceError.dimensionMismatch("the gradient has \(g.count) components, the point \(x.count)")
    }
    let rtol = relativeTolerance ?? (T.ulpOfOne < 1e-10 ? 1e-6 : 1e-3)
    let fx = f(x)
    let xScale = x.reduce(T(1)) { Swift.max($0, $1.magnitude) }
    let atol = absoluteTolerance ?? rtol * fx.magnitude / xScale
    let numerical = try numericalGradient(of: f, at: x)
    var components: [GradientCheck<T>.Component] = []
    for i in x.indices {
        let n = numerical.value[i]
        let e = numerical.errorEstimate[i]
        let absolute = (g[i] - n).magnitude
        let size = Swift.max(g[i].magnitude, n.magnitude)
        let relative = size == 0 ? absolute : absolute / size
        let allowed = atol + rtol * size + 2 * (e.isFinite ? e : 0)
        let passed = g[i].isFinite && n.isFinite && absolute <= allowed
        components.append(.init(index: i, given: g[i], numerical: n, numericalError: e,
                                absoluteError: absolute, relativeError: relative, passed: passed))
    }
    let taylor = taylorRemainderTest(of: f, gradient: g, at: x, value: fx, scale: xScale)
    return GradientCheck(components: components, taylor: taylor.test,
                         evaluations: numerical.evaluations + taylor.evaluations + 1)
}

func taylorRemainderTest<T: FloatingScalar>(
    of f: ([T]) -> T, gradient g: [T], at x: [T], value fx: T, scale: T
) -> (test: GradientCheck<T>.TaylorTest, evaluations: Int) {
    // A fixed pseudo-random direction (splitmix64), so checks are repeatable.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> T {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return T(Double(z >> 11) / Double(1 << 53)) * 2 - 1
    }
    var v = x.map { _ in next() }
    let norm = v.reduce(T(0)) { T.hypot($0, $1) }
    v = norm > 0 ? v.map { $0 / norm } : v
    let slope = zip(g, v).reduce(T(0)) { $0 + $1.0 * $1.1 }
    var steps: [T] = []
    var remainders: [T] = []
    var t = scale / 8
    for _ in 0..<14 {
        let point = zip(x, v).map { $0 + t * $1 }
        remainders.append((f(point) - fx - t * slope).magnitude)
        steps.append(t)
        t /= 2
    }
    // Rounding noise in r(t): a few ulps of f and of t·g·v.
    let noise = 64 * T.ulpOfOne * (fx.magnitude + scale * slope.magnitude)
    var orders: [T] = []
    for k in 0..<(remainders.count - 1) where remainders[k] > 100 * noise && remainders[k + 1] > 10 * noise {
        orders.append(T.log2(remainders[k] / remainders[k + 1]))
    }
    let passed: Bool
    if orders.isEmpty {
        passed = remainders.allSatisfy { $0.isFinite }  // at rounding level throughout
    } else {
        // Judge by the smallest steps, where the expansion is asymptotic: a
        // small gradient error shows only once t·|error| outgrows t²·|f″|/2.
        let tail = orders.suffix(Swift.max(1, (orders.count + 1) / 2)).sorted()
        passed = tail[tail.count / 2] >= 1.8
    }
    return (.init(direction: v, steps: steps, remainders: remainders, observedOrders: orders, passed: passed),
            remainders.count)
}
