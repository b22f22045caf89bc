import NablaTestSupport
import NablaNumerical
import NablaRules
import Testing

/// The complex-step number against the rule table: for a real-analytic
/// function f computed with `ComplexStep` operations, Im f(x + ih)/h is f′(x)
/// to machine precision, so it must agree with the table's derivative to a
/// few ulps (1e-14 relative in Double, about 45 ulps; plus 1e-15 absolute for
/// derivatives that are 0). Non-analytic functions (abs, relu, sign, step,
/// min, max) are "complexified" by comparing real parts and must agree too.
@Suite("Complex step")
struct ComplexStepTests {
    static let relative = 1e-14
    static let absolute = 1e-15
    /// The default complex step, √(least normal magnitude) = 2⁻⁵¹¹ in Double.
    static let h = Double.leastNormalMagnitude.squareRoot()

    static func ruleDerivative<T: DifferentiableScalar>(_ op: UnaryOperation, at x: T) -> T {
        op.derivative(at: x, value: op.value(x))
    }

    @Test("unary rule in Double", arguments: RuleCases.unary)
    func unaryDouble(_ c: UnaryCase) {
        let op = c.operation
        for x in c.points {
            let estimate = complexStepDerivative(of: { (z: ComplexStep<Double>) in op.value(z) }, at: x)
            let expected = Self.ruleDerivative(op, at: x)
            #expect(isClose(estimate.value, expected, relative: Self.relative, absolute: Self.absolute),
                    "\(c)'(\(x)): complex step \(estimate.value), rule \(expected)")
            #expect(estimate.status == .converged)
            #expect(estimate.evaluations == 1)
            // The real part is the function's value, up to the O(h²) term
            // (about 1e-308, visible only where the value is 0: log at 1).
            let y = op.value(ComplexStep(real: x, imaginary: Self.h))
            #expect(isClose(y.real, op.value(x), relative: 4 * Double.ulpOfOne, absolute: 1e-300), "\(c)(\(x))")
        }
    }

    /// In Float the step is 2⁻⁶³; agreement to 1e-5 relative (about 80 ulps).
    @Test("unary rule in Float", arguments: RuleCases.unary)
    func unaryFloat(_ c: UnaryCase) {
        let op = c.operation
        for x in c.points.map(Float.init) {
            let estimate = complexStepDerivative(of: { (z: ComplexStep<Float>) in op.value(z) }, at: x)
            let expected = Self.ruleDerivative(op, at: x)
            #expect(isClose(estimate.value, expected, relative: 1e-5, absolute: 1e-6),
                    "\(c)'(\(x)) in Float: complex step \(estimate.value), rule \(expected)")
        }
    }

    @Test("binary rule in Double", arguments: RuleCases.binary)
    func binaryDouble(_ c: BinaryCase) {
        let op = c.operation
        for (x, y) in c.points {
            let gradient = complexStepGradient(of: { (v: [ComplexStep<Double>]) in op.value(v[0], v[1]) }, at: [x, y])
            let (dx, dy) = op.partials(at: x, y, value: op.value(x, y))
            #expect(gradient.value.count == 2)
            #expect(gradient.evaluations == 2)
            #expect(isClose(gradient.value[0], dx, relative: Self.relative, absolute: Self.absolute),
                    "∂\(op)/∂x at (\(x), \(y)): complex step \(gradient.value[0]), rule \(dx)")
            #expect(isClose(gradient.value[1], dy, relative: Self.relative, absolute: Self.absolute),
                    "∂\(op)/∂y at (\(x), \(y)): complex step \(gradient.value[1]), rule \(dy)")
            // Both operands perturbed at once: the directional derivative.
            let both = op.value(ComplexStep(real: x, imaginary: Self.h), ComplexStep(real: y, imaginary: Self.h))
            #expect(isClose(both.imaginary / Self.h, dx + dy, relative: Self.relative, absolute: Self.absolute),
                    "\(op) along (1, 1) at (\(x), \(y))")
        }
    }

    /// The derivative rules are themselves generic, so the complex step of a
    /// rule's derivative is the second derivative; checked against order-2
    /// finite differences of the value: 1e-7 relative, the reference's own
    /// accuracy for a second derivative, widened to twice the reference's
    /// error estimate where it is larger (near the singularities of asin and
    /// the cube root the reference stops short of its tolerance).
    @Test("second derivative through the rule", arguments: RuleCases.unary)
    func secondDerivative(_ c: UnaryCase) throws {
        let op = c.operation
        for x in c.points {
            let second = complexStepDerivative(
                of: { (z: ComplexStep<Double>) in op.derivative(at: z, value: op.value(z)) }, at: x)
            let reference = try numericalDerivative(of: { op.value($0) }, at: x, order: 2)
            try #require(reference.errorEstimate <= 1e-6 * Swift.max(1, reference.value.magnitude),
                         "\(c)''(\(x)) reference too inaccurate: \(reference.errorEstimate), \(reference.status)")
            #expect(isClose(second.value, reference.value, relative: 1e-7, absolute: 1e-9 + 2 * reference.errorEstimate),
                    "\(c)''(\(x)): complex step of the rule \(second.value), finite differences \(reference.value)")
        }
    }

    @Test func gradientOfThePolynomialIsExact() {
        func f<T: DifferentiableScalar>(_ v: [T]) -> T { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }
        let g = complexStepGradient(of: f, at: [1.0, 2.0])
        #expect(g.value == [8, 15])
        #expect(g.evaluations == 2)
        #expect(g.status == .converged)
        #expect(g.errorEstimate.allSatisfy { $0 > 0 && $0 < 1e-13 })
        let gf = complexStepGradient(of: f, at: [Float(1), 2])
        #expect(gf.value == [8, 15])
    }

    @Test func documentedExampleIsExact() {
        func f<T: DifferentiableScalar>(_ x: T) -> T {
            let s = T.sin(x), c = T.cos(x)
            return T.exp(x) / T.sqrt(s * s * s + c * c * c)
        }
        let x = 1.5
        let d = complexStepDerivative(of: f, at: x)
        // f′ = f · (1 - 3 sin x cos x (sin x - cos x) / (2 (sin³x + cos³x)))
        let (s, c) = (Double.sin(x), Double.cos(x))
        let g = s * s * s + c * c * c
        let exact = f(x) * (1 - 3 * s * c * (s - c) / (2 * g))
        #expect(isClose(d.value, exact, relative: 1e-14))
        #expect(isClose(d.value, 4.0534278938986201, relative: 1e-15))
        #expect(d.status == .converged)
    }

    @Test func compositionAgreesWithTheChainRule() {
        // sigmoid(x²)·log1p(|x|) + atan2(x, 2)·hypot(x, 1): mixes analytic,
        // table-expanded and non-analytic pieces.
        func f<T: DifferentiableScalar>(_ x: T) -> T {
            T.sigmoid(x * x) * T.log(onePlus: T.abs(x)) + T.atan2(y: x, x: 2) * T.hypot(x, 1)
        }
        for x in [-1.25, 0.5, 2.0] {
            let d = complexStepDerivative(of: f, at: x).value
            let s = Double.sigmoid(x * x)
            let a = Double.abs(x)
            let sign: Double = x < 0 ? -1 : 1
            let exact = s * (1 - s) * 2 * x * Double.log(onePlus: a) + s * sign / (1 + a)
                + 2 / (4 + x * x) * Double.hypot(x, 1) + Double.atan2(y: x, x: 2) * x / Double.hypot(x, 1)
            #expect(isClose(d, exact, relative: 1e-14), "at \(x)")
        }
    }

    // MARK: Points where the table has a convention

    @Test func conventionsAtZeroMatchTheTable() {
        func d(_ op: UnaryOperation, at x: Double) -> Double {
            complexStepDerivative(of: { (z: ComplexStep<Double>) in op.value(z) }, at: x).value
        }
        #expect(d(.relu, at: 0) == 0)
        #expect(d(.abs, at: 0) == 0, "abs'(0) = sign(0) = 0, as in the table")
        #expect(d(.abs, at: -0.0) == 0)
        #expect(d(.sign, at: 0) == 0)
        #expect(d(.step, at: 0) == 0)
        #expect(d(.power(0), at: 0) == 0)
        #expect(d(.power(1), at: 0) == 1)
        #expect(d(.power(2), at: 0) == 0)
        #expect(d(.power(3), at: 0) == 0)
        #expect(d(.sqrt, at: 0) == .infinity)
        // min and max at a tie split the derivative as the table does.
        for op in [BinaryOperation.min, .max] {
            let g = complexStepGradient(of: { (v: [ComplexStep<Double>]) in op.value(v[0], v[1]) }, at: [1.5, 1.5])
            #expect(g.value == [0.5, 0.5], "\(op) at a tie")
        }
    }

    @Test func nanPropagatesLikeTheRealFunctions() {
        let nan = ComplexStep<Double>(real: .nan, imaginary: Self.h)
        let one = ComplexStep<Double>(real: 1, imaginary: 0)
        #expect(ComplexStep.relu(nan).real.isNaN)
        #expect(ComplexStep.abs(nan).real.isNaN)
        #expect(ComplexStep.sign(nan).real.isNaN)
        #expect(ComplexStep.step(nan).real.isNaN)
        #expect(ComplexStep.min(nan, one).real.isNaN)
        #expect(ComplexStep.min(one, nan).real.isNaN)
        #expect(ComplexStep.max(nan, one).real.isNaN)
        #expect(ComplexStep.max(one, nan).real.isNaN)
    }

    /// A constant operand contributes nothing, even where its partial is
    /// infinite or NaN (the real power at x = 0).
    @Test func constantOperandsContributeNothing() {
        let zero = ComplexStep<Double>(real: 0, imaginary: Self.h)
        let z = ComplexStep.pow(zero, ComplexStep(real: 2.5, imaginary: 0))  // ∂/∂y = 0·log 0 = NaN, y constant
        #expect(z.real == 0)
        #expect(z.imaginary == 0)
        let r = ComplexStep.pow(zero, ComplexStep(real: 0.5, imaginary: 0))  // ∂/∂x = 0.5·0^-0.5 = ∞
        #expect(r.real == 0)
        #expect(r.imaginary == .infinity)
        // With the exponent varying, the table's NaN (0·log 0) shows.
        let n = ComplexStep.pow(ComplexStep(real: 0, imaginary: 0), ComplexStep(real: 2.5, imaginary: Self.h))
        #expect(n.imaginary.isNaN)
        let x = ComplexStep<Double>(real: 2, imaginary: Self.h)
        let w = ComplexStep.pow(x, ComplexStep(real: 3, imaginary: 0))
        #expect(isClose(w.real, 8, relative: 1e-15))
        #expect(isClose(w.imaginary / Self.h, 12, relative: 1e-15))
    }

    /// Regression: swift-numerics' complex sinh and cosh flip the sign of the
    /// imaginary part for real parts below -36, and its tanh cancels
    /// (cosh² - sinh²) in the imaginary part and returns 0 beyond 36.
    /// Checked against the closed forms cosh, sinh and 1/cosh².
    @Test(arguments: [-300.0, -100, -40, -36.5, -13, 0.125, 13, 21.5, 36.5, 40, 100, 300])
    func hyperbolicFunctionsFarFromZero(x: Double) {
        func d(_ op: UnaryOperation) -> Double {
            complexStepDerivative(of: { (z: ComplexStep<Double>) in op.value(z) }, at: x).value
        }
        #expect(isClose(d(.sinh), Double.cosh(x), relative: 1e-14), "sinh'(\(x))")
        #expect(isClose(d(.cosh), Double.sinh(x), relative: 1e-14), "cosh'(\(x))")
        // tanh'(±300) ≈ 1e-260: h·tanh' underflows, a limit of the method.
        guard x.magnitude < 300 else { return }
        let sech2 = 1 / (Double.cosh(x) * Double.cosh(x))
        #expect(isClose(d(.tanh), sech2, relative: 1e-14), "tanh'(\(x)) = \(sech2)")
        let y = ComplexStep.tanh(ComplexStep(real: x, imaginary: Self.h)).real
        #expect(isClose(y, Double.tanh(x), relative: 2 * Double.ulpOfOne))
    }

    /// Written out by hand, the hyperbolic functions are still the complex
    /// functions away from the real axis (values from Python's cmath).
    @Test func hyperbolicFunctionsAreComplexFunctions() {
        func check(_ z: ComplexStep<Double>, _ re: Double, _ im: Double, _ what: String) {
            #expect(isClose(z.real, re, relative: 1e-15) && isClose(z.imaginary, im, relative: 1e-15),
                    "\(what) = \(z), expected \(re) + \(im)i")
        }
        check(.sinh(ComplexStep(real: 0.5, imaginary: 0.75)), 0.3812796346521782, 0.7686335646933926, "sinh(0.5+0.75i)")
        check(.cosh(ComplexStep(real: -1.25, imaginary: 2)), -0.7858616225406462, -1.4566208977005033, "cosh(-1.25+2i)")
        check(.tanh(ComplexStep(real: -1.25, imaginary: 2)), -1.104324797946494, -0.13813677956429957, "tanh(-1.25+2i)")
        check(.tanh(ComplexStep(real: 0.5, imaginary: 0.75)), 0.7282118012804724, 0.6180963948062024, "tanh(0.5+0.75i)")
        let big = ComplexStep<Double>.tanh(ComplexStep(real: 1000, imaginary: Self.h))
        #expect(big.real == 1 && big.imaginary == 0, "no overflow to NaN: \(big)")
    }

    @Test func largeIntegerPowersOfNegativeNumbers() {
        for n in [5, 7, 10, -5, 31] {
            for x in [-1.5, -0.75, 1.25] {
                let d = complexStepDerivative(of: { (z: ComplexStep<Double>) in ComplexStep.pow(z, n) }, at: x).value
                let exact = Double(n) * Double.pow(x, n - 1)
                #expect(isClose(d, exact, relative: 1e-14), "d/dx x^\(n) at \(x)")
            }
        }
    }

    @Test func errorEstimateAndStatus() {
        let d = complexStepDerivative(of: { (z: ComplexStep<Double>) in ComplexStep.exp(z) }, at: 1)
        #expect(d.errorEstimate > 0)
        #expect(d.errorEstimate <= 4 * Double.ulpOfOne * Double.exp(1) * 1.0000001)
        let bad = complexStepDerivative(of: { (z: ComplexStep<Double>) in ComplexStep.log(z) }, at: -1)
        #expect(bad.status == .notConverged(.nonFiniteAtPoint))
        let pole = complexStepDerivative(of: { (z: ComplexStep<Double>) in ComplexStep.sqrt(z) }, at: 0)
        #expect(pole.status == .notConverged(.nonFiniteResult))
    }
}
