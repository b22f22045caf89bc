import NablaTestSupport
import NablaNumerical
import NablaRules
import Testing

/// Every entry of the rule table against high-accuracy finite differences.
///
/// The reference is `numericalDerivative(of:at:)` (adaptive Richardson
/// extrapolation, about 1e-13 relative in Double) applied to the table's own
/// `value` function in Double, and it must report `.converged`.
///
/// Tolerances:
/// - Double rules: 1e-9 relative, plus 1e-12 absolute for derivatives that
///   are exactly 0 (cos at 0, sign, step, ...), where the reference is
///   rounding noise of that size.
/// - Float rules, compared with the Double reference: 1e-5 relative (about
///   80 Float ulps: a few roundings in the rule, amplified by at most ~10 at
///   the chosen points), plus 1e-6 absolute.
@Suite("Rule table against finite differences")
struct RuleTableTests {
    static let doubleRelative = 1e-9
    static let doubleAbsolute = 1e-12
    static let floatRelative = 1e-5
    static let floatAbsolute = 1e-6

    /// The reference derivative of g at x, required to have converged.
    static func reference(_ g: (Double) -> Double, at x: Double,
                          sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let estimate = try numericalDerivative(of: g, at: x)
        try #require(estimate.status == .converged, "reference did not converge at x = \(x): \(estimate.status)",
                     sourceLocation: sourceLocation)
        return estimate.value
    }

    @Test func theCaseListsCoverTheWholeTable() {
        let covered = Set(RuleCases.unary.map(\.operation))
        for op in RuleCases.requiredUnary {
            #expect(covered.contains(op), "no points for \(op)")
        }
        #expect(RuleCases.unary.count == Set(RuleCases.unary.map(\.operation)).count, "an entry is listed twice")
        #expect(Set(RuleCases.binary.map(\.operation)) == Set(BinaryOperation.allCases))
        for c in RuleCases.unary { #expect(c.points.count >= 4, "\(c) has too few points") }
        for c in RuleCases.binary { #expect(c.points.count >= 4, "\(c) has too few points") }
    }

    @Test("unary derivative in Double", arguments: RuleCases.unary)
    func unaryDouble(_ c: UnaryCase) throws {
        let op = c.operation
        for x in c.points {
            let expected = try Self.reference({ op.value($0) }, at: x)
            let rule = op.derivative(at: x, value: op.value(x))
            #expect(isClose(rule, expected, relative: Self.doubleRelative, absolute: Self.doubleAbsolute),
                    "\(c)'(\(x)): rule \(rule), finite differences \(expected)")
        }
    }

    /// `valueAndDerivative` (what the engines call) is `value` and
    /// `derivative` computed together: for sin and cos from one argument
    /// reduction (glibc's sincos), for every other rule the same two calls.
    @Test("value and derivative together", arguments: RuleCases.unary)
    func valueAndDerivativeTogether(_ c: UnaryCase) {
        let op = c.operation
        for x in c.points {
            let (y, d) = op.valueAndDerivative(x)
            let yRef = op.value(x), dRef = op.derivative(at: x, value: yRef)
            #expect(isClose(y, yRef, relative: 2e-16, absolute: 0) || (y.isNaN && yRef.isNaN), "\(c)(\(x)): \(y) vs \(yRef)")
            #expect(isClose(d, dRef, relative: 2e-16, absolute: 1e-300) || (d.isNaN && dRef.isNaN),
                    "\(c)'(\(x)): \(d) vs \(dRef)")
            let xf = Float(x)
            let (yf, df) = op.valueAndDerivative(xf)
            let yfRef = op.value(xf), dfRef = op.derivative(at: xf, value: yfRef)
            #expect(isClose(Double(yf), Double(yfRef), relative: 1.2e-7, absolute: 0) || (yf.isNaN && yfRef.isNaN))
            #expect(isClose(Double(df), Double(dfRef), relative: 1.2e-7, absolute: 1e-38) || (df.isNaN && dfRef.isNaN))
        }
    }

    /// sinAndCos against the separate functions over a wide sweep, large
    /// arguments (Payne-Hanek reduction) and the special values included:
    /// within one rounding of each.
    @Test func sinAndCosAgreeWithSinAndCos() {
        var arguments: [Double] = [0, -0.0, .pi, -.pi / 2, 1e-300, 1e22, -1e300, .infinity, -.infinity, .nan]
        arguments += (0..<2000).map { Double($0) * 0.0137 - 13.7 }
        for x in arguments {
            let (s, c) = Double.sinAndCos(x)
            #expect(isClose(s, Double.sin(x), relative: 2.3e-16, absolute: 0) || (s.isNaN && Double.sin(x).isNaN), "sin(\(x))")
            #expect(isClose(c, Double.cos(x), relative: 2.3e-16, absolute: 0) || (c.isNaN && Double.cos(x).isNaN), "cos(\(x))")
            let xf = Float(x)
            let (sf, cf) = Float.sinAndCos(xf)
            #expect(isClose(Double(sf), Double(Float.sin(xf)), relative: 1.2e-7, absolute: 0) || (sf.isNaN && Float.sin(xf).isNaN),
                    "sin(\(xf)) in Float")
            #expect(isClose(Double(cf), Double(Float.cos(xf)), relative: 1.2e-7, absolute: 0) || (cf.isNaN && Float.cos(xf).isNaN),
                    "cos(\(xf)) in Float")
        }
    }

    @Test("unary derivative in Float", arguments: RuleCases.unary)
    func unaryFloat(_ c: UnaryCase) throws {
        let op = c.operation
        for x in c.points {
            let expected = try Self.reference({ op.value($0) }, at: x)
            let xf = Float(x)
            #expect(Double(xf) == x, "test point \(x) is not exact in Float")
            let rule = op.derivative(at: xf, value: op.value(xf))
            #expect(isClose(Double(rule), expected, relative: Self.floatRelative, absolute: Self.floatAbsolute),
                    "\(c)'(\(x)) in Float: rule \(rule), finite differences \(expected)")
        }
    }

    @Test("binary partials in Double", arguments: RuleCases.binary)
    func binaryDouble(_ c: BinaryCase) throws {
        let op = c.operation
        for (x, y) in c.points {
            let expectedX = try Self.reference({ op.value($0, y) }, at: x)
            let expectedY = try Self.reference({ op.value(x, $0) }, at: y)
            let (dx, dy) = op.partials(at: x, y, value: op.value(x, y))
            #expect(isClose(dx, expectedX, relative: Self.doubleRelative, absolute: Self.doubleAbsolute),
                    "∂\(op)/∂x at (\(x), \(y)): rule \(dx), finite differences \(expectedX)")
            #expect(isClose(dy, expectedY, relative: Self.doubleRelative, absolute: Self.doubleAbsolute),
                    "∂\(op)/∂y at (\(x), \(y)): rule \(dy), finite differences \(expectedY)")
        }
    }

    @Test("binary partials in Float", arguments: RuleCases.binary)
    func binaryFloat(_ c: BinaryCase) throws {
        let op = c.operation
        for (x, y) in c.points {
            let expectedX = try Self.reference({ op.value($0, y) }, at: x)
            let expectedY = try Self.reference({ op.value(x, $0) }, at: y)
            let (xf, yf) = (Float(x), Float(y))
            let (dx, dy) = op.partials(at: xf, yf, value: op.value(xf, yf))
            #expect(isClose(Double(dx), expectedX, relative: Self.floatRelative, absolute: Self.floatAbsolute),
                    "∂\(op)/∂x at (\(x), \(y)) in Float: rule \(dx), finite differences \(expectedX)")
            #expect(isClose(Double(dy), expectedY, relative: Self.floatRelative, absolute: Self.floatAbsolute),
                    "∂\(op)/∂y at (\(x), \(y)) in Float: rule \(dy), finite differences \(expectedY)")
        }
    }

    /// Rules written in terms of the value (tanh' = 1 - y², sigmoid' = y(1 - y),
    /// expm1' = y + 1) cancel where the function saturates: their relative
    /// error grows like eps/f′, but the absolute error stays at a few ulps of
    /// 1. Checked against the closed forms 1/cosh², sigmoid(x)·sigmoid(-x), eˣ.
    @Test func saturatedDerivativesAreAccurateInAbsoluteTerms() {
        for x in [-30.0, -20, -8] {
            let rule = UnaryOperation.expm1.derivative(at: x, value: Double.expMinusOne(x))
            #expect((rule - Double.exp(x)).magnitude <= 2 * Double.ulpOfOne, "expm1'(\(x))")
            let ruleF = UnaryOperation.expm1.derivative(at: Float(x), value: Float.expMinusOne(Float(x)))
            #expect((Double(ruleF) - Double.exp(x)).magnitude <= 2 * Double(Float.ulpOfOne), "expm1'(\(x)) in Float")
        }
        for x in [-20.0, -8, 8, 20] {
            let tanhRule = UnaryOperation.tanh.derivative(at: x, value: Double.tanh(x))
            let tanhExact = 1 / (Double.cosh(x) * Double.cosh(x))
            #expect((tanhRule - tanhExact).magnitude <= 4 * Double.ulpOfOne, "tanh'(\(x))")

            let sigmoidRule = UnaryOperation.sigmoid.derivative(at: x, value: Double.sigmoid(x))
            let sigmoidExact = Double.sigmoid(x) * Double.sigmoid(-x)
            #expect((sigmoidRule - sigmoidExact).magnitude <= 4 * Double.ulpOfOne, "sigmoid'(\(x))")

            let xf = Float(x)
            let tanhRuleF = UnaryOperation.tanh.derivative(at: xf, value: Float.tanh(xf))
            #expect((Double(tanhRuleF) - tanhExact).magnitude <= 4 * Double(Float.ulpOfOne), "tanh'(\(x)) in Float")
            let sigmoidRuleF = UnaryOperation.sigmoid.derivative(at: xf, value: Float.sigmoid(xf))
            #expect((Double(sigmoidRuleF) - sigmoidExact).magnitude <= 4 * Double(Float.ulpOfOne),
                    "sigmoid'(\(x)) in Float")
        }
    }

    @Test func namesReadBackToTheSameOperation() {
        for op in UnaryOperation.namedFunctions {
            #expect(UnaryOperation(named: op.name) == op)
        }
        for op in BinaryOperation.namedFunctions {
            #expect(BinaryOperation(named: op.name) == op)
        }
        #expect(Set(UnaryOperation.namedFunctions.map(\.name)).count == UnaryOperation.namedFunctions.count)
        #expect(UnaryOperation(named: "frobnicate") == nil)
        #expect(UnaryOperation(named: "-") == nil, "negation is an operator, not a named function")
        #expect(UnaryOperation(named: "Sin") == nil, "names are case-sensitive")
        #expect(BinaryOperation(named: "+") == nil, "operators are not named functions")
        #expect(BinaryOperation(named: "sin") == nil)
        #expect(UnaryOperation.power(-2).name == "^-2")
        #expect(UnaryOperation.root(3).name == "root_3")
        #expect(UnaryOperation.negate.name == "-")
        #expect(BinaryOperation.power.name == "pow")
        #expect(BinaryOperation.divide.name == "/")
    }

    /// The table's values are the scalar type's own functions.
    @Test func valuesAreTheScalarFunctions() {
        #expect(UnaryOperation.power(3).value(-2.0) == -8)
        #expect(UnaryOperation.power(-2).value(-2.0) == 0.25)
        #expect(UnaryOperation.power(0).value(0.0) == 1)
        #expect(isClose(UnaryOperation.root(3).value(-27.0), -3, relative: 4 * Double.ulpOfOne), "odd roots of negatives")
        #expect(UnaryOperation.root(2).value(-4.0).isNaN)
        #expect(UnaryOperation.negate.value(2.5) == -2.5)
        #expect(BinaryOperation.atan2.value(1.0, 0.0) == Double.pi / 2, "the first operand is the y coordinate")
        #expect(BinaryOperation.atan2.value(0.0, -1.0) == Double.pi)
        #expect(BinaryOperation.hypot.value(3.0, 4.0) == 5)
        #expect(BinaryOperation.power.value(-8.0, 1.0 / 3).isNaN, "the real power is NaN for x < 0")
        #expect(BinaryOperation.subtract.value(Float(1), Float(3)) == -2)
    }
}
