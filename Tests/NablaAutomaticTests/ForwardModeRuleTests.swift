import NablaForward
import NablaRules
import Testing

/// Every entry of the rule table differentiated by forward mode (`Dual`),
/// against high-accuracy finite differences and against the table itself.
///
/// Tolerances (the same as the rule table's own tests):
/// - Double: 1e-9 relative, plus 1e-12 absolute for derivatives that are
///   exactly 0 (cos at 0, sign, step, ...), where the reference is rounding
///   noise of that size. The reference itself is good to about 1e-13.
/// - Float, compared with the Double reference: 1e-5 relative (about 80 Float
///   ulps: a few roundings in the rule, amplified by at most ~10 at these
///   points), plus 1e-6 absolute.
/// - Against the rule table: exact. Seeding the tangent with 1 makes the
///   tangent f′(x)·1, and for a binary rule the other partial is multiplied
///   by a zero tangent, so no rounding separates the two.
@Suite("Forward mode: every rule against finite differences")
struct ForwardModeRuleTests {
    static let doubleRelative = 1e-9
    static let doubleAbsolute = 1e-12
    static let floatRelative = 1e-5
    static let floatAbsolute = 1e-6

    @Test func theCaseListsCoverTheWholeTable() {
        let covered = Set(AutomaticRuleCases.unary.map(\.operation))
        for op in AutomaticRuleCases.requiredUnary {
            #expect(covered.contains(op), "no points for \(op)")
        }
        #expect(AutomaticRuleCases.unary.count == covered.count, "an entry is listed twice")
        #expect(Set(AutomaticRuleCases.binary.map(\.operation)) == Set(BinaryOperation.allCases))
        for c in AutomaticRuleCases.unary { #expect(c.points.count >= 4, "\(c) has too few points") }
        for c in AutomaticRuleCases.binary { #expect(c.points.count >= 4, "\(c) has too few points") }
    }

    @Test("unary rule by Dual<Double>", arguments: AutomaticRuleCases.unary)
    func unaryDouble(_ c: AutomaticUnaryCase) throws {
        let op = c.operation
        for x in c.points {
            let expected = try FiniteDifferenceReference.derivative({ op.value($0) }, at: x)
            let (value, d) = valueAndDerivative(of: { op.value($0) }, at: x)
            #expect(value == op.value(x), "\(c)(\(x)): the dual's value is not the function's")
            #expect(automaticIsClose(d, expected, relative: Self.doubleRelative, absolute: Self.doubleAbsolute),
                    "\(c)'(\(x)): forward \(d), finite differences \(expected)")
            let rule = op.derivative(at: x, value: op.value(x))
            #expect(d == rule, "\(c)'(\(x)): forward \(d), rule table \(rule)")
            #expect(derivative(of: { op.value($0) }, at: x) == d)
        }
    }

    @Test("unary rule by Dual<Float>", arguments: AutomaticRuleCases.unary)
    func unaryFloat(_ c: AutomaticUnaryCase) throws {
        let op = c.operation
        for x in c.points {
            let xf = Float(x)
            try #require(Double(xf) == x, "test point \(x) is not exact in Float")
            let expected = try FiniteDifferenceReference.derivative({ op.value($0) }, at: x)
            let d = derivative(of: { op.value($0) }, at: xf)
            #expect(automaticIsClose(Double(d), expected, relative: Self.floatRelative, absolute: Self.floatAbsolute),
                    "\(c)'(\(x)) in Float: forward \(d), finite differences \(expected)")
            #expect(d == op.derivative(at: xf, value: op.value(xf)))
        }
    }

    @Test("binary rule by Dual<Double>, both partials", arguments: AutomaticRuleCases.binary)
    func binaryDouble(_ c: AutomaticBinaryCase) throws {
        let op = c.operation
        for (x, y) in c.points {
            let expected = try FiniteDifferenceReference.gradient({ op.value($0[0], $0[1]) }, at: [x, y])
            let g = forwardGradient(of: { op.value($0[0], $0[1]) }, at: [x, y])
            #expect(automaticIsClose(g, expected, relative: Self.doubleRelative, absolute: Self.doubleAbsolute),
                    "∇\(op) at (\(x), \(y)): forward \(g), finite differences \(expected)")
            let (dx, dy) = op.partials(at: x, y, value: op.value(x, y))
            #expect(g == [dx, dy], "∇\(op) at (\(x), \(y)): forward \(g), rule table \([dx, dy])")
            // One sweep along (1, 1) gives the sum of the partials.
            let along = directionalDerivative(of: { op.value($0[0], $0[1]) }, at: [x, y], direction: [1, 1])
            #expect(automaticIsClose(along, dx + dy, relative: 1e-15), "\(op) at (\(x), \(y))")
        }
    }

    @Test("binary rule by Dual<Float>, both partials", arguments: AutomaticRuleCases.binary)
    func binaryFloat(_ c: AutomaticBinaryCase) throws {
        let op = c.operation
        for (x, y) in c.points {
            let expected = try FiniteDifferenceReference.gradient({ op.value($0[0], $0[1]) }, at: [x, y])
            let g = forwardGradient(of: { op.value($0[0], $0[1]) }, at: [Float(x), Float(y)])
            #expect(automaticIsClose(g.map(Double.init), expected, relative: Self.floatRelative,
                                     absolute: Self.floatAbsolute),
                    "∇\(op) at (\(x), \(y)) in Float: forward \(g), finite differences \(expected)")
        }
    }
}
