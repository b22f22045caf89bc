import NablaForward
import NablaNumerical
import NablaReverse
import NablaRules
import Testing

/// A map ℝ³ → ℝ² with every input in every output.
func automaticTestMap<T: DifferentiableScalar>(_ v: [T]) -> [T] {
    let (x, y, z) = (v[0], v[1], v[2])
    return [x * y + T.sin(z) * x, T.exp(x) / (1 + z * z) - y * y * z]
}

/// The public entry points of forward and reverse mode: Jacobians, products
/// with vectors, constants, fan-out, long tapes and constant operands.
///
/// Tolerances: 1e-9 relative (+1e-12 absolute) against finite differences,
/// whose adaptive reference is good to about 1e-13; 1e-15 relative (+1e-15
/// absolute, for sums that cancel) between forward and reverse mode; exact
/// where the arithmetic is exact (dyadic values and integer results).
@Suite("Forward and reverse mode entry points")
struct AutomaticAPITests {
    static let point = [0.75, -1.5, 2.25]

    @Test func reverseJacobianMatchesForwardAndFiniteDifferences() throws {
        let x = Self.point
        let reverse = reverseJacobian(of: automaticTestMap, at: x)
        let forward = forwardJacobian(of: automaticTestMap, at: x)
        let expected = try FiniteDifferenceReference.jacobian(automaticTestMap, at: x)
        #expect(reverse.value == automaticTestMap(x))
        #expect(forward.value == automaticTestMap(x))
        #expect(reverse.jacobian.count == 2 && reverse.jacobian.allSatisfy { $0.count == 3 })
        #expect(automaticIsClose(reverse.jacobian, forward.jacobian, relative: 1e-15, absolute: 1e-15),
                "reverse \(reverse.jacobian), forward \(forward.jacobian)")
        #expect(automaticIsClose(reverse.jacobian, expected, relative: 1e-9, absolute: 1e-12),
                "reverse \(reverse.jacobian), finite differences \(expected)")
        // Analytic, for the first row: (y + sin z, x, x cos z).
        let (x0, y0, z0) = (x[0], x[1], x[2])
        #expect(automaticIsClose(reverse.jacobian[0], [y0 + .sin(z0), x0, x0 * .cos(z0)], relative: 1e-15))
    }

    @Test func pullbackIsTheTransposedJacobianTimesTheCotangent() throws {
        let x = Self.point
        let jacobian = try FiniteDifferenceReference.jacobian(automaticTestMap, at: x)
        let exact = forwardJacobian(of: automaticTestMap, at: x).jacobian
        for u in [[1.0, 0], [0, 1], [0.5, -2], [3, 0.25]] {
            let (value, vjp) = valueAndPullback(of: automaticTestMap, at: x, cotangent: u)
            #expect(value == automaticTestMap(x))
            let transposed = (0..<3).map { j in u[0] * jacobian[0][j] + u[1] * jacobian[1][j] }
            #expect(automaticIsClose(vjp, transposed, relative: 1e-9, absolute: 1e-12),
                    "u = \(u): pullback \(vjp), Jᵀu by finite differences \(transposed)")
            let transposedExact = (0..<3).map { j in u[0] * exact[0][j] + u[1] * exact[1][j] }
            #expect(automaticIsClose(vjp, transposedExact, relative: 1e-15, absolute: 1e-15),
                    "u = \(u): pullback \(vjp), Jᵀu by forward mode \(transposedExact)")
        }
    }

    @Test func jacobianVectorProductIsTheJacobianTimesTheDirection() throws {
        let x = Self.point
        let jacobian = try FiniteDifferenceReference.jacobian(automaticTestMap, at: x)
        for v in [[1.0, 0, 0], [0, 0, 1], [0.5, -2, 1.25]] {
            let (value, jvp) = valueAndJacobianVectorProduct(of: automaticTestMap, at: x, direction: v)
            #expect(value == automaticTestMap(x))
            let product = jacobian.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } }
            #expect(automaticIsClose(jvp, product, relative: 1e-9, absolute: 1e-12),
                    "v = \(v): JVP \(jvp), J·v by finite differences \(product)")
        }
        // Along a unit vector, the JVP is exactly that column of the forward Jacobian.
        let column = valueAndJacobianVectorProduct(of: automaticTestMap, at: x, direction: [0, 1, 0])
        #expect(column.jacobianVectorProduct == forwardJacobian(of: automaticTestMap, at: x).jacobian.map { $0[1] })
    }

    @Test func directionalDerivativeIsTheGradientAlongTheDirection() throws {
        func f<T: DifferentiableScalar>(_ v: [T]) -> T { T.log(v[0] * v[0] + v[1] * v[1] + 1) * T.cos(v[2]) }
        let x = Self.point
        let g = gradient(of: f, at: x)
        #expect(automaticIsClose(forwardGradient(of: f, at: x), g, relative: 1e-15, absolute: 1e-15))
        for v in [[1.0, 0, 0], [1, 1, 1], [-0.5, 2, 0.25]] {
            let d = directionalDerivative(of: f, at: x, direction: v)
            let dot = zip(g, v).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(automaticIsClose(d, dot, relative: 1e-15, absolute: 1e-15), "v = \(v): \(d) vs ∇f·v = \(dot)")
            let expected = try numericalDirectionalDerivative(of: f, at: x, direction: v)
            #expect(expected.status == .converged)
            #expect(automaticIsClose(d, expected.value, relative: 1e-9, absolute: 1e-12),
                    "v = \(v): \(d), finite differences \(expected.value)")
        }
        #expect(directionalDerivative(of: f, at: x, direction: [0, 0, 0]) == 0)
    }

    // MARK: - Constants, identities, fan-out

    @Test func constantOutputsHaveZeroGradient() {
        let x = [1.5, -2.0]
        let (value, g) = valueAndGradient(of: { (_: [TapeVariable<Double>]) in 3.5 }, at: x)
        #expect(value == 3.5)
        #expect(g == [0, 0])
        // A constant built from the inputs' values only is still a constant.
        let folded = gradient(of: { TapeVariable(constant: $0[0].value * 2) + TapeVariable(constant: 1) }, at: x)
        #expect(folded == [0, 0])
        #expect(forwardGradient(of: { (_: [Dual<Double>]) in Dual(3.5) }, at: x) == [0, 0])
        #expect(derivative(of: { (_: Dual<Double>) in 7 }, at: 2.0) == 0)
        #expect(gradient(of: { (_: TapeVariable<Double>) in 7 }, at: 2.0) == 0)
        // A constant row of a Jacobian, and a cotangent on a constant output.
        let map = { (v: [TapeVariable<Double>]) in [TapeVariable<Double>(2), v[0] * v[1]] }
        let jacobian = reverseJacobian(of: map, at: x)
        #expect(jacobian.value == [2, -3])
        #expect(jacobian.jacobian == [[0, 0], [-2, 1.5]])
        let pulled = valueAndPullback(of: map, at: x, cotangent: [5, 2])
        #expect(pulled.vectorJacobianProduct == [-4, 3])
        let allConstant = valueAndPullback(of: { (_: [TapeVariable<Double>]) in [1, 2] }, at: x, cotangent: [1, 1])
        #expect(allConstant.value == [1, 2])
        #expect(allConstant.vectorJacobianProduct == [0, 0])
        #expect(forwardJacobian(of: { (_: [Dual<Double>]) in [Dual(1)] }, at: x).jacobian == [[0, 0]])
        // Anomaly mode with a constant output.
        #expect(throws: Never.self) {
            let r = try valueAndGradientDetectingAnomalies(of: { (_: [TapeVariable<Double>]) in 1 }, at: x)
            #expect(r.value == 1 && r.gradient == [0, 0])
        }
        // The Hessian of a constant and of a linear function.
        #expect(hessian(of: { (_: [TapeVariable<Dual<Double>>]) in 4 }, at: x) == [[0, 0], [0, 0]])
        #expect(hessian(of: { 3 * $0[0] - $0[1] }, at: x) == [[0, 0], [0, 0]])
    }

    @Test func outputEqualToAnInput() {
        let x = [1.5, -2.0, 4.0]
        let (value, g) = valueAndGradient(of: { $0[1] }, at: x)
        #expect(value == -2)
        #expect(g == [0, 1, 0])
        #expect(forwardGradient(of: { $0[2] }, at: x) == [0, 0, 1])
        #expect(gradient(of: { (v: TapeVariable<Double>) in v }, at: 3.0) == 1)
        #expect(derivative(of: { (v: Dual<Double>) in v }, at: 3.0) == 1)
        // The identity map: both Jacobians are the identity matrix.
        let identity = [[1.0, 0, 0], [0, 1, 0], [0, 0, 1]]
        #expect(reverseJacobian(of: { $0 }, at: x).jacobian == identity)
        #expect(forwardJacobian(of: { $0 }, at: x).jacobian == identity)
        // Outputs in another order, one repeated: rows follow the outputs.
        let permuted = reverseJacobian(of: { [$0[2], $0[0], $0[2]] }, at: x)
        #expect(permuted.value == [4, 1.5, 4])
        #expect(permuted.jacobian == [[0, 0, 1], [1, 0, 0], [0, 0, 1]])
        // A cotangent on two outputs that are the same variable adds up.
        #expect(valueAndPullback(of: { [$0[1], $0[1]] }, at: x, cotangent: [2, 3]).vectorJacobianProduct == [0, 5, 0])
    }

    @Test func fanOutAccumulatesEveryUse() {
        func fourth<T: DifferentiableScalar>(_ x: T) -> T { x * x * x * x }
        // 4x³ at 1.5 = 13.5, exact in binary.
        #expect(gradient(of: { (v: TapeVariable<Double>) in fourth(v) }, at: 1.5) == 13.5)
        #expect(derivative(of: fourth, at: 1.5) == 13.5)
        #expect(gradient(of: { (v: TapeVariable<Float>) in fourth(v) }, at: Float(1.5)) == 13.5)
        // One variable used 1,000 times in a sum, and in a product with another.
        let (value, g) = valueAndGradient(of: { v in
            var s = TapeVariable<Double>(0)
            for _ in 0..<1000 { s = s + v[0] * v[1] }
            return s
        }, at: [0.5, 3.0])
        #expect(value == 1500)
        #expect(g == [3000, 500])
        // x·y + x·x + y: the same input in many places, through several paths.
        func mixed<T: DifferentiableScalar>(_ v: [T]) -> T {
            let x = v[0], y = v[1]
            let a = x * y, b = x * x
            return a * b + a / y + T.sin(x) * b
        }
        let x = [0.75, 1.25]
        let reverse = gradient(of: mixed, at: x)
        let forward = forwardGradient(of: mixed, at: x)
        #expect(automaticIsClose(reverse, forward, relative: 1e-15))
        // ∂/∂x = 3x²y + 1 + cos x·x² + 2x sin x, ∂/∂y = x³ (a/y = x contributes 0 to ∂/∂y).
        let (x0, y0) = (x[0], x[1])
        let exact = [3 * x0 * x0 * y0 + 1 + .cos(x0) * x0 * x0 + 2 * x0 * .sin(x0), x0 * x0 * x0]
        #expect(automaticIsClose(reverse, exact, relative: 1e-15, absolute: 1e-15), "\(reverse) vs \(exact)")
    }

    /// Tapes of 10⁵ nodes and more: they outgrow the initial allocation
    /// (thousands of nodes) several times, and every node must survive the
    /// moves.
    @Test func longChainOfOperations() {
        let n = 100_000
        // y = x + x + ... + x (n terms): n - 1 additions, dy/dx = n exactly.
        let (sum, dSum) = valueAndGradient(of: { v in
            var y = v[0]
            for _ in 1..<n { y = y + v[0] }
            return y
        }, at: [0.5])
        #expect(sum == 50_000)
        #expect(dSum == [Double(n)])
        // y = x·c·c·...·c (n factors c): dy/dx = cⁿ. Forward and reverse multiply
        // the same factor n times (in opposite order, which cannot matter
        // for equal factors): equal exactly; against pow(c, n) to 1e-10
        // relative (n roundings of 1.1e-16 each, at most 1.1e-11).
        let c = 1.00001
        func chain<T: DifferentiableScalar>(_ x: T) -> T {
            var y = x
            for _ in 0..<n { y = y * T(c) }
            return y
        }
        let reverse = gradient(of: { (v: TapeVariable<Double>) in chain(v) }, at: 2.0)
        let forward = derivative(of: chain, at: 2.0)
        #expect(reverse == forward)
        #expect(automaticIsClose(reverse, Double.pow(c, n), relative: 1e-10), "\(reverse) vs \(Double.pow(c, n))")
        // A nonlinear chain, y ← y + h·sin y with h = 10⁻⁵, 40,000 times (three
        // nodes each): a step of Euler's method for y′ = sin y, whose flow has
        // dy(t)/dy(0) = sin y(t) / sin y(0). The discrete derivative is a
        // product of 40,000 factors 1 + h·cos yₖ; forward and reverse round
        // them in different orders (≤ 1e-10 relative even if every rounding
        // went the same way), and Euler's method is within O(h·t) = 1e-5 of
        // the flow (1e-4 relative allowed).
        let h = 0.00001
        let steps = 40_000
        func euler<T: DifferentiableScalar>(_ x: T) -> T {
            var y = x
            for _ in 0..<steps { y = y + T(h) * T.sin(y) }
            return y
        }
        let y0 = 0.75
        let (yEnd, r) = valueAndGradient(of: { euler($0[0]) }, at: [y0])
        let f = derivative(of: euler, at: y0)
        #expect(automaticIsClose(r[0], f, relative: 1e-10), "reverse \(r[0]), forward \(f)")
        let flow = Double.sin(yEnd) / .sin(y0)
        #expect(flow > 1.1, "the chain must move y far enough to test anything: \(flow)")
        #expect(automaticIsClose(r[0], flow, relative: 1e-4), "reverse \(r[0]), flow \(flow)")
    }

    /// More inputs than the first tape buffer holds (2,730 nodes of 24
    /// bytes): the input nodes are written before anything is recorded, so
    /// the buffer must grow first, and anomaly mode's log must still number
    /// every node.
    @Test func moreInputsThanTheFirstTapeBuffer() throws {
        let n = 10_000
        let x = (0..<n).map { Double($0 % 97) / 8 }
        // f = Σ xᵢ² + x₀·x_{n−1}: ∂f/∂xᵢ = 2xᵢ, plus x_{n−1} for i = 0 and x₀ for i = n − 1.
        func f<T: DifferentiableScalar>(_ v: [T]) -> T {
            var s = v[0] * v[n - 1]
            for xi in v { s = s + xi * xi }
            return s
        }
        var exact = x.map { 2 * $0 }
        exact[0] += x[n - 1]
        exact[n - 1] += x[0]
        let (value, g) = valueAndGradient(of: f, at: x)
        #expect(g == exact)
        #expect(value == f(x))
        let checked = try valueAndGradientDetectingAnomalies(of: f, at: x)
        #expect(checked.gradient == exact)
        // log(x₀ − x₀) = log 0 = −∞ is the first node after the inputs.
        do {
            _ = try valueAndGradientDetectingAnomalies(of: { v in TapeVariable.log(v[0] - v[0]) + v[n - 1] }, at: x)
            Issue.record("log 0 was not reported")
        } catch let error as AnomalyError {
            #expect(error.pass == .forward)
            #expect(error.node == n + 1, "\(error)")
            #expect(error.operation.hasPrefix("log("), "\(error)")
        }
    }

    // MARK: - Literals and constant operands

    /// x^0.5 with a constant exponent at x = 0: d/dx = +∞, not NaN (the
    /// exponent's partial, 0.5·log 0·0^0.5 = NaN, must not leak in).
    @Test func realPowerWithConstantExponentAtZero() {
        func root<T: DifferentiableScalar>(_ x: T) -> T { T.pow(x, 0.5) }
        let forward = derivative(of: root, at: 0.0)
        let reverse = gradient(of: { (v: TapeVariable<Double>) in root(v) }, at: 0.0)
        #expect(forward == .infinity)
        #expect(reverse == .infinity)
        #expect(derivative(of: root, at: Float(0)) == .infinity)
        #expect(gradient(of: { (v: TapeVariable<Float>) in root(v) }, at: Float(0)) == .infinity)
        // Away from 0 it is 0.5/√x.
        #expect(derivative(of: root, at: 4.0) == 0.25)
        #expect(gradient(of: { (v: TapeVariable<Double>) in root(v) }, at: 4.0) == 0.25)
        // The value at 0 is 0.
        #expect(valueAndDerivative(of: root, at: 0.0).value == 0)
        // Same with the constant made by init(_:) rather than a literal.
        #expect(derivative(of: { Dual.pow($0, Dual(0.5)) }, at: 0.0) == .infinity)
        #expect(gradient(of: { TapeVariable.pow($0, TapeVariable(constant: 0.5)) }, at: 0.0) == .infinity)
    }

    /// pow(x, y) with respect to the exponent, for a positive base:
    /// ∂/∂y = xʸ·log x.
    @Test func realPowerWithRespectToTheExponent() throws {
        for (x, y) in [(2.0, 3.0), (0.5, -1.25), (3.0, 0.5), (1.0, 2.0)] {
            let expected = Double.pow(x, y) * .log(x)
            let forward = derivative(of: { Dual.pow(Dual(x), $0) }, at: y)
            let reverse = gradient(of: { TapeVariable.pow(TapeVariable(constant: x), $0) }, at: y)
            #expect(automaticIsClose(forward, expected, relative: 1e-15), "x = \(x), y = \(y): \(forward)")
            #expect(reverse == forward)
            let both = gradient(of: { TapeVariable.pow($0[0], $0[1]) }, at: [x, y])
            #expect(both[1] == reverse)
            #expect(automaticIsClose(both[0], y * .pow(x, y - 1), relative: 1e-15))
            let reference = try FiniteDifferenceReference.derivative({ Double.pow(x, $0) }, at: y)
            #expect(automaticIsClose(reverse, reference, relative: 1e-9, absolute: 1e-12))
        }
        // The exponent written as a literal times a variable.
        func f<T: DifferentiableScalar>(_ y: T) -> T { T.pow(3, 2 * y) }
        #expect(automaticIsClose(derivative(of: f, at: 1.0), 9 * 2 * .log(3.0), relative: 1e-15))
        #expect(automaticIsClose(gradient(of: { (v: TapeVariable<Double>) in f(v) }, at: 1.0), 18 * .log(3.0),
                                 relative: 1e-15))
    }

    /// Literals and constants mixed with variables: the derivative is exact.
    @Test func literalsAndMixedConstants() {
        func affine<T: DifferentiableScalar>(_ x: T) -> T { 3 * x + 2.5 - x / 4 + T(0.125) * x - T.pi }
        // 3 - 0.25 + 0.125 = 2.875.
        #expect(derivative(of: affine, at: 1.0) == 2.875)
        #expect(gradient(of: { (v: TapeVariable<Double>) in affine(v) }, at: 1.0) == 2.875)
        #expect(derivative(of: affine, at: Float(1)) == 2.875)
        // Constant subexpressions stay off the tape: only the variable's own
        // operations are recorded, so the gradient is that of 2.875·x.
        #expect(gradient(of: { (v: [TapeVariable<Double>]) in
            let k = TapeVariable<Double>.exp(2) * .sin(1)  // a constant, however computed
            return k * v[0] + k
        }, at: [5.0]) == [.exp(2.0) * .sin(1.0)])
        let constant = TapeVariable<Double>.exp(2)
        #expect(constant.isConstant)
        #expect(!Dual<Double>(2).tangent.isNaN && Dual<Double>(2).tangent == 0)
    }
}
