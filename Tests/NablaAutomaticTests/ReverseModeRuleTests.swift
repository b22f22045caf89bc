import NablaForward
import NablaReverse
import NablaRules
import Testing

/// Every entry of the rule table differentiated by reverse mode (the tape),
/// against high-accuracy finite differences, the table itself and forward mode.
///
/// Tolerances as in ``ForwardModeRuleTests``: Double 1e-9 relative + 1e-12
/// absolute; Float (against the Double reference) 1e-5 relative + 1e-6
/// absolute. Against the table and forward mode: exact for a single rule (the
/// backward sweep multiplies the partial by the seed 1 and adds it to a zero
/// adjoint); 1e-15 relative for composite functions, where the two modes
/// round in a different order.
@Suite("Reverse mode: every rule against finite differences")
struct ReverseModeRuleTests {
    static let doubleRelative = 1e-9
    static let doubleAbsolute = 1e-12
    static let floatRelative = 1e-5
    static let floatAbsolute = 1e-6

    @Test("unary rule by TapeVariable<Double>", arguments: AutomaticRuleCases.unary)
    func unaryDouble(_ c: AutomaticUnaryCase) throws {
        let op = c.operation
        for x in c.points {
            let expected = try FiniteDifferenceReference.derivative({ op.value($0) }, at: x)
            let (value, g) = valueAndGradient(of: { op.value($0[0]) }, at: [x])
            try #require(g.count == 1)
            #expect(value == op.value(x), "\(c)(\(x)): the recorded value is not the function's")
            #expect(automaticIsClose(g[0], expected, relative: Self.doubleRelative, absolute: Self.doubleAbsolute),
                    "\(c)'(\(x)): reverse \(g[0]), finite differences \(expected)")
            let rule = op.derivative(at: x, value: op.value(x))
            #expect(g[0] == rule, "\(c)'(\(x)): reverse \(g[0]), rule table \(rule)")
            // The one-variable overload and forward mode agree exactly.
            #expect(gradient(of: { (v: TapeVariable<Double>) in op.value(v) }, at: x) == g[0])
            let forward = derivative(of: { op.value($0) }, at: x)
            #expect(forward == g[0], "\(c)'(\(x)): forward \(forward), reverse \(g[0])")
        }
    }

    @Test("unary rule by TapeVariable<Float>", arguments: AutomaticRuleCases.unary)
    func unaryFloat(_ c: AutomaticUnaryCase) throws {
        let op = c.operation
        for x in c.points {
            let xf = Float(x)
            try #require(Double(xf) == x, "test point \(x) is not exact in Float")
            let expected = try FiniteDifferenceReference.derivative({ op.value($0) }, at: x)
            let g = gradient(of: { (v: TapeVariable<Float>) in op.value(v) }, at: xf)
            #expect(automaticIsClose(Double(g), expected, relative: Self.floatRelative, absolute: Self.floatAbsolute),
                    "\(c)'(\(x)) in Float: reverse \(g), finite differences \(expected)")
            #expect(g == derivative(of: { op.value($0) }, at: xf), "\(c)'(\(x)) in Float: reverse and forward differ")
        }
    }

    @Test("binary rule by TapeVariable<Double>, both partials", arguments: AutomaticRuleCases.binary)
    func binaryDouble(_ c: AutomaticBinaryCase) throws {
        let op = c.operation
        for (x, y) in c.points {
            let expected = try FiniteDifferenceReference.gradient({ op.value($0[0], $0[1]) }, at: [x, y])
            let (value, g) = valueAndGradient(of: { op.value($0[0], $0[1]) }, at: [x, y])
            #expect(value == op.value(x, y))
            #expect(automaticIsClose(g, expected, relative: Self.doubleRelative, absolute: Self.doubleAbsolute),
                    "∇\(op) at (\(x), \(y)): reverse \(g), finite differences \(expected)")
            let (dx, dy) = op.partials(at: x, y, value: op.value(x, y))
            #expect(g == [dx, dy], "∇\(op) at (\(x), \(y)): reverse \(g), rule table \([dx, dy])")
            let forward = forwardGradient(of: { op.value($0[0], $0[1]) }, at: [x, y])
            #expect(forward == g, "∇\(op) at (\(x), \(y)): forward \(forward), reverse \(g)")
        }
    }

    @Test("binary rule by TapeVariable<Float>, both partials", arguments: AutomaticRuleCases.binary)
    func binaryFloat(_ c: AutomaticBinaryCase) throws {
        let op = c.operation
        for (x, y) in c.points {
            let expected = try FiniteDifferenceReference.gradient({ op.value($0[0], $0[1]) }, at: [x, y])
            let g = gradient(of: { op.value($0[0], $0[1]) }, at: [Float(x), Float(y)])
            #expect(automaticIsClose(g.map(Double.init), expected, relative: Self.floatRelative,
                                     absolute: Self.floatAbsolute),
                    "∇\(op) at (\(x), \(y)) in Float: reverse \(g), finite differences \(expected)")
            #expect(g == forwardGradient(of: { op.value($0[0], $0[1]) }, at: [Float(x), Float(y)]))
        }
    }

    /// Each binary rule applied with one operand a constant: the constant
    /// gets no adjoint and the variable exactly its partial.
    @Test("binary rule with one constant operand", arguments: AutomaticRuleCases.binary)
    func binaryWithConstant(_ c: AutomaticBinaryCase) {
        let op = c.operation
        for (x, y) in c.points {
            let (dx, dy) = op.partials(at: x, y, value: op.value(x, y))
            let byX = gradient(of: { (v: TapeVariable<Double>) in op.value(v, TapeVariable(constant: y)) }, at: x)
            let byY = gradient(of: { (v: TapeVariable<Double>) in op.value(TapeVariable(constant: x), v) }, at: y)
            #expect(byX == dx, "∂\(op)/∂x at (\(x), \(y))")
            #expect(byY == dy, "∂\(op)/∂y at (\(x), \(y))")
            #expect(derivative(of: { op.value($0, Dual(y)) }, at: x) == dx)
            #expect(derivative(of: { op.value(Dual(x), $0) }, at: y) == dy)
        }
    }

    /// A composite of every unary rule in its domain: the two modes round in a
    /// different order but must agree to 1e-15 relative (a few ulps).
    @Test func forwardAndReverseAgreeOnACompositeOfManyRules() throws {
        func f<T: DifferentiableScalar>(_ v: [T]) -> T {
            let x = v[0], y = v[1]
            var s = T.sin(x) * T.cos(y) + T.tan(x / 4) - T.exp(-x * y) + T.expMinusOne(y / 8)
            s += T.log(x * x + 1) + T.log(onePlus: y * y) + T.sqrt(x * x + y * y) + T.root(x + 3, 3)
            s += T.asin(x / 4) + T.acos(y / 4) + T.atan(x * y) + T.sinh(x / 2) * T.cosh(y / 3)
            s += T.tanh(x - y) + T.asinh(x) + T.acosh(y * y + 2) + T.atanh(x / 3)
            s += T.erf(y) + T.sigmoid(x) + T.softplus(y) + T.relu(x) + T.abs(y) + T.pow(x, 3) * T.pow(y, -2)
            s += T.atan2(y: x, x: y) + T.hypot(x, y) + T.min(x, y) * T.max(x, y) + T.pow(x * x + 1, y)
            return s / (T.sign(x) + T.step(y) + 3)
        }
        for point in [[0.75, 1.25], [-0.5, 2.0], [1.5, -0.25]] {
            let reverse = gradient(of: f, at: point)
            let forward = forwardGradient(of: f, at: point)
            #expect(automaticIsClose(reverse, forward, relative: 1e-15, absolute: 1e-15),
                    "at \(point): reverse \(reverse), forward \(forward)")
            let expected = try FiniteDifferenceReference.gradient(f, at: point)
            #expect(automaticIsClose(reverse, expected, relative: Self.doubleRelative, absolute: Self.doubleAbsolute),
                    "at \(point): reverse \(reverse), finite differences \(expected)")
        }
    }
}
