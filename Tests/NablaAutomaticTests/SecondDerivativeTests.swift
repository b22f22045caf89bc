import NablaForward
import NablaReverse
import NablaRules
import Testing

/// Second derivatives of every rule: forward over forward (`Dual<Dual>`,
/// `secondDerivative`) and forward over reverse (`hessian(of:at:)` on a tape
/// of duals), against the adaptive order-2 finite difference.
///
/// Tolerances:
/// - Against finite differences: 1e-7 relative plus 1e-8 absolute. The
///   order-2 reference converges to about 1.6e-10 relative to max(|f″|,
///   |f|/max(1,|x|)²), so it is 100 to 1000 times less accurate than the
///   first-order one; where f″ is 0 or tiny next to f (sin at 0, softplus at
///   30, the piecewise rules, x⁰ and x¹) its error is absolute, ~1e-10·|f|,
///   hence the absolute term. The AD value itself can also lose relative
///   accuracy there (softplus″(30) = σ(30)(1 - σ(30)) ≈ 9e-14 is computed
///   from 1 - σ(30), good to only ~1e-3 relative), which the absolute term
///   also covers.
/// - Forward over forward against forward over reverse: 1e-14 relative (both
///   differentiate the same rule expression; only the order of a few
///   roundings may differ).
@Suite("Second derivatives of every rule")
struct SecondDerivativeTests {
    static let relative = 1e-7
    static let absolute = 1e-8

    @Test("unary rule: secondDerivative and hessian", arguments: AutomaticRuleCases.unary)
    func unary(_ c: AutomaticUnaryCase) throws {
        let op = c.operation
        for x in c.points {
            let expected = try FiniteDifferenceReference.secondDerivative({ op.value($0) }, at: x)
            let forward = secondDerivative(of: { op.value($0) }, at: x)
            #expect(automaticIsClose(forward, expected, relative: Self.relative, absolute: Self.absolute),
                    "\(c)''(\(x)): Dual<Dual> \(forward), finite differences \(expected)")
            let h = hessian(of: { op.value($0[0]) }, at: [x])
            try #require(h.count == 1 && h[0].count == 1)
            #expect(automaticIsClose(h[0][0], expected, relative: Self.relative, absolute: Self.absolute),
                    "\(c)''(\(x)): forward over reverse \(h[0][0]), finite differences \(expected)")
            #expect(automaticIsClose(h[0][0], forward, relative: 1e-14, absolute: 1e-300),
                    "\(c)''(\(x)): forward over reverse \(h[0][0]), Dual<Dual> \(forward)")
            // The Hessian-vector product along 2 is twice the second derivative
            // (exact: a power-of-two scaling), and its gradient is the first.
            let hv = hessianVectorProduct(of: { op.value($0[0]) }, at: [x], direction: [2])
            #expect(hv.hessianVectorProduct == [2 * h[0][0]])
            #expect(hv.gradient == [op.derivative(at: x, value: op.value(x))])
        }
    }

    /// The 2×2 Hessian of each binary rule. min and max are linear away from
    /// a tie, so their Hessian is exactly 0; the finite-difference Hessian's
    /// diagonal probes (eᵢ ± eⱼ) could cross the tie, so they are checked
    /// against exact zeros instead.
    @Test("binary rule: 2×2 Hessian", arguments: AutomaticRuleCases.binary)
    func binary(_ c: AutomaticBinaryCase) throws {
        let op = c.operation
        for (x, y) in c.points {
            let reverse = hessian(of: { op.value($0[0], $0[1]) }, at: [x, y])
            let forward = forwardOverForwardHessian(of: { op.value($0[0], $0[1]) }, at: [x, y])
            #expect(automaticIsClose(reverse, forward, relative: 1e-14, absolute: 1e-300),
                    "\(op) at (\(x), \(y)): forward over reverse \(reverse), forward over forward \(forward)")
            // The two columns come from separate sweeps: symmetric to rounding.
            #expect(automaticIsClose(reverse[0][1], reverse[1][0], relative: 1e-14, absolute: 1e-300),
                    "\(op) at (\(x), \(y)): not symmetric \(reverse)")
            if op == .min || op == .max {
                #expect(reverse == [[0, 0], [0, 0]], "\(op) at (\(x), \(y)): \(reverse)")
                continue
            }
            let expected = try FiniteDifferenceReference.hessian({ op.value($0[0], $0[1]) }, at: [x, y])
            #expect(automaticIsClose(reverse, expected, relative: Self.relative, absolute: Self.absolute),
                    "∇²\(op) at (\(x), \(y)): forward over reverse \(reverse), finite differences \(expected)")
        }
    }

    /// Textbook second derivatives, exact or to a few ulps.
    @Test func knownSecondDerivatives() {
        func cube<T: DifferentiableScalar>(_ x: T) -> T { x * x * x }
        #expect(secondDerivative(of: cube, at: 2.0) == 12)
        #expect(hessian(of: { cube($0[0]) }, at: [2.0]) == [[12]])
        func sinTimesX<T: DifferentiableScalar>(_ x: T) -> T { T.sin(x) * x }
        let x = 2.0
        #expect(automaticIsClose(secondDerivative(of: sinTimesX, at: x), 2 * .cos(x) - x * .sin(x), relative: 1e-15))
        // Rosenbrock: H = [[1200x² - 400y + 2, -400x], [-400x, 200]].
        func rosenbrock<T: DifferentiableScalar>(_ v: [T]) -> T {
            let a = 1 - v[0], b = v[1] - v[0] * v[0]
            return a * a + 100 * b * b
        }
        #expect(hessian(of: rosenbrock, at: [1.0, 2.0]) == [[402, -400], [-400, 200]])
        #expect(forwardOverForwardHessian(of: rosenbrock, at: [1.0, 2.0]) == [[402, -400], [-400, 200]])
    }

    /// A constant real exponent applied to a base whose first derivative
    /// vanishes but whose second does not: at x = 0, √(x² + 1) has f′ = 0 and
    /// f″ = 1, and 2^(x²) has f″ = 2·log 2. In a `Dual<Dual>` the base's
    /// tangent is then Dual(0, 2), which compares equal to 0 (equality looks
    /// at values only) and must not be mistaken for a constant's zero tangent.
    @Test func realPowerAtAStationaryPointOfItsArgument() {
        func root<T: DifferentiableScalar>(_ x: T) -> T { T.pow(x * x + 1, 0.5) }
        func exponential<T: DifferentiableScalar>(_ x: T) -> T { T.pow(2, x * x) }
        #expect(secondDerivative(of: root, at: 0.0) == 1)
        #expect(hessian(of: { root($0[0]) }, at: [0.0]) == [[1]])
        let log2 = Double.log(2.0)
        #expect(automaticIsClose(secondDerivative(of: exponential, at: 0.0), 2 * log2, relative: 1e-15))
        #expect(automaticIsClose(hessian(of: { exponential($0[0]) }, at: [0.0])[0][0], 2 * log2, relative: 1e-15))
        // Both operands variable, exponent stationary: d²/dx² (x+2)^(x²) at 0 = 2·log 2 + 0.
        func both<T: DifferentiableScalar>(_ x: T) -> T { T.pow(x + 2, x * x) }
        #expect(automaticIsClose(secondDerivative(of: both, at: 0.0), 2 * log2, relative: 1e-15))
    }
}
