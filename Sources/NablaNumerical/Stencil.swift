import NablaRules
import RealModule

/// A finite-difference formula: f⁽ᵐ⁾(x) ≈ Σⱼ wⱼ f(x + oⱼh) / hᵐ.
///
/// Weights come from Fornberg's algorithm ("Generation of finite difference
/// formulas on arbitrarily spaced grids", Math. Comp. 51, 1988) for any set of
/// distinct offsets, so every derivative order and accuracy order uses the
/// same code. The stencil also knows its leading truncation term,
/// `errorCoefficient · f⁽ᵐ⁺ᵖ⁾(x) · hᵖ`, which step-size choice and
/// Richardson extrapolation use.
///
/// ```swift
/// let s = try Stencil.central(derivativeOrder: 1, accuracy: 4)
/// s.offsets   // [-2, -1, 0, 1, 2]
/// s.weights   // [1/12, -2/3, 0, 2/3, -1/12]
/// s.apply(to: { sin($0) }, at: 1.0, step: 1e-3)   // ≈ cos(1)
/// ```
public struct Stencil: Hashable, Sendable {
    /// The sample points, in units of the step h.
    public let offsets: [Double]
    /// The weight of each sample point (for a step of 1).
    public let weights: [Double]
    /// m: which derivative the stencil approximates.
    public let derivativeOrder: Int
    /// p: the truncation error shrinks like hᵖ.
    public let accuracyOrder: Int
    /// C in the leading error term C·f⁽ᵐ⁺ᵖ⁾(x)·hᵖ (the stencil's (m+p)-th
    /// moment divided by (m+p)!).
    public let errorCoefficient: Double

    /// The stencil for the derivative of order `derivativeOrder` on the given
    /// distinct offsets (in units of h), with Fornberg's weights.
    ///
    /// - Throws: ``FiniteDifferenceError/invalidStencil(_:)`` when the order is
    ///   below 1, the offsets are not distinct and finite, or there are too
    ///   few of them (at least `derivativeOrder + 1` are needed).
    public init(offsets: [Double], derivativeOrder: Int) throws {
        guard derivativeOrder >= 1 else {
            throw FiniteDifferenceError.invalidStencil("the derivative order must be at least 1, got \(derivativeOrder)")
        }
        guard offsets.allSatisfy(\.isFinite), Set(offsets).count == offsets.count else {
            throw FiniteDifferenceError.invalidStencil("the offsets must be finite and distinct, got \(offsets)")
        }
        guard offsets.count > derivativeOrder else {
            throw FiniteDifferenceError.invalidStencil(
                "a derivative of order \(derivativeOrder) needs at least \(derivativeOrder + 1) points, got \(offsets.count)")
        }
        var weights = Self.fornbergWeights(offsets: offsets, derivativeOrder: derivativeOrder)
        // Rounding in the recurrence leaves ~1e-17 where a weight is exactly 0
        // (the centre of a first-derivative central stencil): make it 0, so
        // that point is not evaluated and adds no noise.
        let largestWeight = weights.map(Swift.abs).max() ?? 0
        weights = weights.map { Swift.abs($0) <= 1e-13 * largestWeight ? 0 : $0 }
        // The accuracy order: the first moment Σ w oᵏ beyond k = m that does
        // not vanish gives the leading error term.
        var accuracy = 0
        var coefficient = 0.0
        var factorial = (1...derivativeOrder).reduce(1.0) { $0 * Double($1) }
        let scale = zip(weights, offsets).map { Swift.abs($0) * Swift.max(1, Swift.abs($1)) }.max() ?? 1
        for k in (derivativeOrder + 1)...(offsets.count + 2) {
            factorial *= Double(k)
            let moment = zip(weights, offsets).reduce(0.0) { $0 + $1.0 * Double.pow($1.1, k) }
            let largest = zip(weights, offsets).reduce(0.0) { Swift.max($0, Swift.abs($1.0 * Double.pow($1.1, k))) }
            if Swift.abs(moment) > 1e-9 * Swift.max(largest, scale) {
                accuracy = k - derivativeOrder
                coefficient = moment / factorial
                break
            }
        }
        self.offsets = offsets
        self.weights = weights
        self.derivativeOrder = derivativeOrder
        self.accuracyOrder = accuracy
        self.errorCoefficient = coefficient
    }

    /// The symmetric stencil on -r…r: for even accuracy orders 2, 4, 6, 8, …
    public static func central(derivativeOrder: Int, accuracy: Int) throws -> Stencil {
        guard accuracy >= 2, accuracy % 2 == 0 else {
            throw FiniteDifferenceError.invalidStencil("a central stencil has an even accuracy order (2, 4, 6, 8), got \(accuracy)")
        }
        guard derivativeOrder >= 1 else {
            throw FiniteDifferenceError.invalidStencil("the derivative order must be at least 1, got \(derivativeOrder)")
        }
        let points = 2 * ((derivativeOrder + 1) / 2) - 1 + accuracy
        let r = (points - 1) / 2
        return try Stencil(offsets: (-r...r).map(Double.init), derivativeOrder: derivativeOrder)
    }

    /// The one-sided stencil on 0, 1, …, m+p-1 (samples at and right of x).
    public static func forward(derivativeOrder: Int, accuracy: Int) throws -> Stencil {
        guard accuracy >= 1 else {
            throw FiniteDifferenceError.invalidStencil("the accuracy order must be at least 1, got \(accuracy)")
        }
        guard derivativeOrder >= 1 else {
            throw FiniteDifferenceError.invalidStencil("the derivative order must be at least 1, got \(derivativeOrder)")
        }
        return try Stencil(offsets: (0..<(derivativeOrder + accuracy)).map(Double.init), derivativeOrder: derivativeOrder)
    }

    /// The one-sided stencil on 0, -1, …, -(m+p-1) (samples at and left of x).
    public static func backward(derivativeOrder: Int, accuracy: Int) throws -> Stencil {
        let s = try forward(derivativeOrder: derivativeOrder, accuracy: accuracy)
        return try Stencil(offsets: s.offsets.map { -$0 }, derivativeOrder: derivativeOrder)
    }

    /// Σⱼ wⱼ f(x + oⱼh) / hᵐ. Points whose weight is exactly 0 (the centre of
    /// an odd-order central stencil) are not evaluated.
    @inlinable
    public func apply<T: Real & BinaryFloatingPoint>(to f: (T) -> T, at x: T, step h: T) -> T {
        var sum: T = 0
        for (w, o) in zip(weights, offsets) where w != 0 {
            sum += T(w) * f(x + T(o) * h)
        }
        return sum / T.pow(h, derivativeOrder)
    }

    /// How many function evaluations ``apply(to:at:step:)`` makes.
    public var evaluationCount: Int { weights.filter { $0 != 0 }.count }

    /// Fornberg's recurrence: weights of the derivative of order `m` at 0 on
    /// the nodes `x` (Fornberg 1998, "Calculation of weights in finite
    /// difference formulas", SIAM Review 40).
    static func fornbergWeights(offsets x: [Double], derivativeOrder m: Int) -> [Double] {
        let n = x.count - 1
        var c = [[Double]](repeating: [Double](repeating: 0, count: m + 1), count: n + 1)
        var c1 = 1.0
        var c4 = x[0]
        c[0][0] = 1
        if n >= 1 {
            for i in 1...n {
                let mn = Swift.min(i, m)
                var c2 = 1.0
                let c5 = c4
                c4 = x[i]
                for j in 0..<i {
                    let c3 = x[i] - x[j]
                    c2 *= c3
                    if j == i - 1 {
                        if mn >= 1 {
                            for k in stride(from: mn, through: 1, by: -1) {
                                c[i][k] = c1 * (Double(k) * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2
                            }
                        }
                        c[i][0] = -c1 * c5 * c[i - 1][0] / c2
                    }
                    if mn >= 1 {
                        for k in stride(from: mn, through: 1, by: -1) {
                            c[j][k] = (c4 * c[j][k] - Double(k) * c[j][k - 1]) / c3
                        }
                    }
                    c[j][0] = c4 * c[j][0] / c3
                }
                c1 = c2
            }
        }
        return c.map { $0[m] }
    }
}

extension Stencil: CustomStringConvertible {
    public var description: String {
        let terms = zip(weights, offsets).filter { $0.0 != 0 }.map { "\($0.0)·f(x\($0.1 >= 0 ? "+" : "")\($0.1)h)" }
        return "f^(\(derivativeOrder))(x) ≈ [" + terms.joined(separator: " + ") + "] / h^\(derivativeOrder)  (error O(h^\(accuracyOrder)))"
    }
}
