import NablaForward
import NablaReverse
import NablaRules
import Testing

/// Nested scalars: duals of duals (in Float too), tapes of duals (forward
/// over reverse) and duals of tape variables (reverse over forward), and
/// third derivatives from three levels of duals.
///
/// Tolerances: exact where the arithmetic is (small integers and dyadic
/// values); 1e-15 relative against closed forms in Double; Float results
/// against the Double closed form to 1e-5 relative (a few Float roundings).
@Suite("Nested automatic differentiation")
struct NestingTests {
    @Test func dualOfDualOfFloat() {
        func cube<T: DifferentiableScalar>(_ x: T) -> T { x * x * x }
        #expect(secondDerivative(of: cube, at: Float(2)) == 12)
        func f<T: DifferentiableScalar>(_ x: T) -> T { T.sin(x) * T.exp(x) }
        // (sin·exp)″ = 2 cos x · eˣ
        for x in [-1.0, 0.5, 2.0] {
            let d2 = secondDerivative(of: f, at: Float(x))
            #expect(automaticIsClose(Double(d2), 2 * .cos(x) * .exp(x), relative: 1e-5), "x = \(x): \(d2)")
        }
        // Built by hand: value, both first-order tangents and the second-order part.
        let seed = Dual<Dual<Float>>(value: Dual(value: 3, tangent: 1), tangent: Dual(value: 1, tangent: 0))
        let y = seed * seed
        #expect(y.value.value == 9)
        #expect(y.value.tangent == 6)
        #expect(y.tangent.value == 6)
        #expect(y.tangent.tangent == 2)
        #expect(y.isFinite)
    }

    @Test func thirdDerivativeFromThreeLevelsOfDuals() {
        // d³/dx³ sin x = -cos x; d³/dx³ x⁴ = 24x.
        func third<T: DifferentiableScalar>(_ f: (Dual<Dual<Dual<T>>>) -> Dual<Dual<Dual<T>>>, at x: T) -> T {
            let seed = Dual(value: Dual(value: Dual(value: x, tangent: 1), tangent: Dual(value: 1, tangent: 0)),
                            tangent: Dual(value: Dual(value: 1, tangent: 0), tangent: Dual(value: 0, tangent: 0)))
            return f(seed).tangent.tangent.tangent
        }
        for x in [-1.25, 0.0, 0.5, 2.0] {
            #expect(automaticIsClose(third({ .sin($0) }, at: x), -.cos(x), relative: 1e-15))
            #expect(third({ $0 * $0 * $0 * $0 }, at: x) == 24 * x)
        }
    }

    @Test func tapeOfDuals() {
        // valueAndGradient on TapeVariable<Dual<Double>>: the gradient's tangents
        // are the Hessian times the input tangents.
        func f<T: DifferentiableScalar>(_ v: [T]) -> T { v[0] * v[0] * v[1] + T.sin(v[1]) }
        let x = [1.5, 0.5], v = [1.0, -2.0]
        let (value, g) = valueAndGradient(of: f, at: zip(x, v).map { Dual(value: $0, tangent: $1) })
        #expect(value.value == f(x))
        // ∇f = (2xy, x² + cos y); H = [[2y, 2x], [2x, -sin y]].
        #expect(g.map(\.value) == [2 * x[0] * x[1], x[0] * x[0] + .cos(x[1])])
        let hv = [2 * x[1] * v[0] + 2 * x[0] * v[1], 2 * x[0] * v[0] - .sin(x[1]) * v[1]]
        #expect(automaticIsClose(g.map(\.tangent), hv, relative: 1e-15), "\(g)")
        #expect(hessianVectorProduct(of: f, at: x, direction: v).hessianVectorProduct == g.map(\.tangent))
        // TapeVariable<Dual<Float>>.
        let h = hessian(of: f, at: [Float(1.5), 0.5])
        #expect(h[0] == [1, 3])
        #expect(h[1][0] == 3)
        #expect(automaticIsClose(Double(h[1][1]), -.sin(0.5), relative: 1e-6))
    }

    @Test func dualOfTapeVariableIsReverseOverForward() {
        // The gradient of f′: differentiate by forward mode inside a reverse-mode
        // computation. For f(x) = x³ sin x, f″(x) = 6x sin x + 6x² cos x - x³ sin x.
        func f<T: DifferentiableScalar>(_ x: T) -> T { x * x * x * T.sin(x) }
        for x in [0.5, 1.25, -2.0] {
            let d2 = gradient(of: { (v: TapeVariable<Double>) in derivative(of: f, at: v) }, at: x)
            let exact = 6 * x * .sin(x) + 6 * x * x * .cos(x) - x * x * x * .sin(x)
            #expect(automaticIsClose(d2, exact, relative: 1e-14), "x = \(x): \(d2) vs \(exact)")
            #expect(automaticIsClose(d2, secondDerivative(of: f, at: x), relative: 1e-14))
        }
    }

    @Test func hessianOfAFunctionOfFiveVariables() {
        // hessian(of:at:) on a function of many variables, against forward over forward.
        func f<T: DifferentiableScalar>(_ v: [T]) -> T {
            var s: T = 0
            for i in 0..<(v.count - 1) { s = s + T.exp(v[i] * v[i + 1]) - T.log(v[i] * v[i] + 1) }
            return s * T.tanh(v[0])
        }
        let x = [0.25, -0.5, 0.75, 1.0, -0.125]
        let reverse = hessian(of: f, at: x)
        let forward = forwardOverForwardHessian(of: f, at: x)
        #expect(automaticIsClose(reverse, forward, relative: 1e-14, absolute: 1e-15))
        for i in x.indices {
            // The columns come from separate sweeps: symmetric to rounding.
            for j in x.indices {
                #expect(automaticIsClose(reverse[i][j], reverse[j][i], relative: 1e-14, absolute: 1e-15),
                        "not symmetric at (\(i), \(j))")
            }
        }
    }
}
