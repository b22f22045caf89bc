import NablaNumerical
import NablaRules
import NablaSymbolic
import Testing

/// The design's running example, written once generically.
func symbolicSeed<T: DifferentiableScalar>(_ v: [T]) -> T { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }

@Suite("Symbolic derivative")
struct SymbolicDerivativeTests {
    static let seed = "2*x + 3*x*y + y^3"

    private func derivative(_ text: String, _ variable: String = "x", order: Int = 1) throws -> String {
        try Formula(parsing: text).derivative(withRespectTo: variable, order: order).description
    }

    // MARK: Acceptance: exact printed results

    @Test func theSeedsPartialDerivatives() throws {
        let f = try Formula(parsing: Self.seed)
        #expect(f.derivative(withRespectTo: "x").description == "2 + 3*y")
        #expect(f.derivative(withRespectTo: "y").description == "3*x + 3*y^2")
        #expect(f.gradient(variables: ["x", "y"]).map(\.description) == ["2 + 3*y", "3*x + 3*y^2"])
        #expect(f.derivative(withRespectTo: "x").latex == "2 + 3y")
        #expect(f.derivative(withRespectTo: "y").latex == "3x + 3y^{2}")
        // A variable the formula does not use.
        #expect(f.derivative(withRespectTo: "z").description == "0")
    }

    @Test func acceptanceDerivatives() throws {
        #expect(try derivative("x^3") == "3*x^2")
        #expect(try derivative("exp(2*x)") == "2*exp(2*x)")
        #expect(try derivative("sigmoid(x)") == "sigmoid(x)*(1 - sigmoid(x))")
    }

    @Test func symbolicGradientOfAGenericFunction() throws {
        #expect(symbolicFormula(of: symbolicSeed, names: ["x", "y"]).description == Self.seed)
        let g = symbolicGradient(of: symbolicSeed, names: ["x", "y"])
        #expect(g.map(\.description) == ["2 + 3*y", "3*x + 3*y^2"])
        #expect(g.map(\.latex) == ["2 + 3y", "3x + 3y^{2}"])
        // The same generic function in Double agrees with the formulas.
        let program = try g.map { try $0.compiled(variables: ["x", "y"]) }
        let at: [Double] = [1, 2]
        #expect(program.map { $0(at) } == [8, 15])
        // Names default to none: the caller's names are used in order.
        let swapped = symbolicGradient(of: symbolicSeed, names: ["y", "x"])
        #expect(swapped.map(\.description) == ["2 + 3*x", "3*y + 3*x^2"])
    }

    @Test func symbolicDerivativeOfGenericOneVariableFunctions() {
        func sigmoid<T: DifferentiableScalar>(_ x: T) -> T { T.sigmoid(x) }
        func cube<T: DifferentiableScalar>(_ x: T) -> T { x * x * x }
        func exp2x<T: DifferentiableScalar>(_ x: T) -> T { T.exp(2 * x) }
        #expect(symbolicDerivative(of: sigmoid).description == "sigmoid(x)*(1 - sigmoid(x))")
        #expect(symbolicDerivative(of: cube).description == "3*x^2")
        #expect(symbolicDerivative(of: cube, order: 2).description == "6*x")
        #expect(symbolicDerivative(of: cube, order: 3).description == "6")
        #expect(symbolicDerivative(of: cube, order: 4).description == "0")
        #expect(symbolicDerivative(of: cube, order: 0).description == "x^3")
        #expect(symbolicDerivative(of: exp2x, name: "t").description == "2*exp(2*t)")
        #expect(symbolicDerivative(of: exp2x, name: "t", order: 2).description == "4*exp(2*t)")
    }

    @Test func hessianOfTheSeed() throws {
        let h = try Formula(parsing: Self.seed).hessian(variables: ["x", "y"])
        #expect(h.map { $0.map(\.description) } == [["0", "3"], ["3", "6*y"]])
        let empty = try Formula(parsing: Self.seed).hessian(variables: [])
        #expect(empty.isEmpty)
    }

    /// The Hessian of a function that mixes every kind of node, against
    /// finite differences (1e-6 relative: second differences).
    @Test func hessianAgreesWithFiniteDifferences() throws {
        let f = try Formula(parsing: "x^2*sin(y) + exp(x*y)/(1 + z^2) + atan2(y, x)*hypot(x, z) + log(x + y + z)")
        let names = ["x", "y", "z"]
        let h = f.hessian(variables: names)
        let program = try f.compiled(variables: names)
        for point in [[0.7, 1.1, 0.4], [1.5, -0.3, 0.9]] {
            let numerical = try numericalHessian(of: { program($0) }, at: point)
            for i in 0..<3 {
                for j in 0..<3 {
                    let symbolic = try h[i][j].compiled(variables: names)(point)
                    #expect(h[i][j] == h[j][i], "the Hessian is symmetric")
                    #expect(agree(symbolic, numerical.value[i][j], relative: 1e-6, scale: 1),
                            "∂²f/∂\(names[i])∂\(names[j]) at \(point): \(symbolic) vs \(numerical.value[i][j])")
                }
            }
        }
    }

    /// A gradient of many variables built by generic code, against finite
    /// differences (1e-9 relative).
    @Test func gradientAgreesWithFiniteDifferences() throws {
        func f<T: DifferentiableScalar>(_ v: [T]) -> T {
            var s: T = 0
            for i in 0..<v.count - 1 {
                s += T.tanh(v[i] * v[i + 1]) + T.softplus(v[i] - 2 * v[i + 1]) / (1 + v[i] * v[i])
            }
            return s * T.cos(v[0])
        }
        let names = (0..<6).map { "x\($0)" }
        let g = symbolicGradient(of: f, names: names)
        let point: [Double] = [0.3, -0.7, 1.2, 0.1, -1.4, 0.8]
        let numerical = try numericalGradient(of: { (v: [Double]) in f(v) }, at: point)
        for (i, gi) in g.enumerated() {
            let value = try gi.compiled(variables: names)(point)
            #expect(agree(value, numerical.value[i], relative: 1e-9, scale: 1e-3), "∂f/∂x\(i): \(value) vs \(numerical.value[i])")
        }
    }

    // MARK: Exact printed derivatives of the rules (simplified)

    @Test(arguments: [
        ("sin(x)", "cos(x)"), ("cos(x)", "-sin(x)"), ("tan(x)", "1 + tan(x)^2"), ("exp(x)", "exp(x)"),
        ("expm1(x)", "1 + expm1(x)"), ("log(x)", "1/x"), ("log1p(x)", "1/(1 + x)"), ("sqrt(x)", "1/(2*sqrt(x))"),
        ("root(x, 3)", "1/(3*root(x, 3)^2)"), ("asin(x)", "1/sqrt(1 - x^2)"), ("acos(x)", "-1/sqrt(1 - x^2)"),
        ("atan(x)", "1/(1 + x^2)"), ("sinh(x)", "cosh(x)"), ("cosh(x)", "sinh(x)"), ("tanh(x)", "1 - tanh(x)^2"),
        ("asinh(x)", "1/sqrt(1 + x^2)"), ("acosh(x)", "1/sqrt(-1 + x^2)"), ("atanh(x)", "1/(1 - x^2)"),
        ("erf(x)", "2*exp(-x^2)/sqrt(pi)"), ("softplus(x)", "sigmoid(x)"), ("relu(x)", "step(x)"),
        ("abs(x)", "sign(x)"), ("sign(x)", "0"), ("step(x)", "0"), ("-x", "-1"), ("x^-2", "-2/x^3"), ("x^0", "0"),
        ("x^1", "1"), ("pow(x, y)", "y*x^(-1 + y)"), ("pow(y, x)", "y^x*log(y)"), ("atan2(x, y)", "y/(x^2 + y^2)"),
        ("atan2(y, x)", "-y/(x^2 + y^2)"), ("hypot(x, y)", "x/hypot(x, y)"), ("min(x, y)", "(1 - sign(x - y))/2"),
        ("max(x, y)", "(1 + sign(x - y))/2"), ("x/y", "1/y"), ("y/x", "-y/x^2"), ("x*sin(x)", "sin(x) + x*cos(x)"),
        ("exp(-x^2/2)", "-x*exp(-x^2/2)"), ("x - y", "1"), ("y - x", "-1"), ("sin(x)/x", "cos(x)/x - sin(x)/x^2"),
    ])
    func printedRuleDerivatives(formula: String, expected: String) throws {
        #expect(try derivative(formula) == expected)
    }

    @Test(arguments: [
        ("sin(x)", "-sin(x)"), ("log(x)", "-1/x^2"), ("sqrt(x)", "-1/(4*sqrt(x)^3)"),
        ("tanh(x)", "-2*tanh(x)*(1 - tanh(x)^2)"), ("atan(x)", "-2*x/(1 + x^2)^2"), ("x^-2", "6/x^4"),
        ("sigmoid(x)", "sigmoid(x)*(1 - sigmoid(x))^2 - sigmoid(x)^2*(1 - sigmoid(x))"),
        ("x*sin(x)", "2*cos(x) - x*sin(x)"), ("relu(x)", "0"), ("abs(x)", "0"),
    ])
    func printedSecondDerivatives(formula: String, expected: String) throws {
        #expect(try derivative(formula, order: 2) == expected)
    }

    /// Constants, named constants and other variables have derivative 0, and
    /// the derivative of a variable is 1.
    @Test func leaves() throws {
        #expect(try derivative("7") == "0")
        #expect(try derivative("pi") == "0")
        #expect(try derivative("e") == "0")
        #expect(try derivative("y") == "0")
        #expect(try derivative("x") == "1")
        #expect(try derivative("x", "y") == "0")
        #expect(try derivative("sin(y)*exp(z)") == "0")
        #expect(try derivative("pi*x") == "pi")
        #expect(try derivative("e^x") == "e^x*log(e)", "the real power's rule, log e left unevaluated")
    }

    // MARK: Every rule of the table against finite differences

    /// A rule with the intervals where it is smooth.
    struct UnaryRule: Sendable, CustomTestStringConvertible {
        let op: UnaryOperation
        let domain: [ClosedRange<Double>]
        var testDescription: String { op.name }
    }

    static let symmetric: [ClosedRange<Double>] = [-3 ... -0.2, 0.2...3]

    static let unaryRules: [UnaryRule] = {
        var rules: [UnaryRule] = [UnaryRule(op: .negate, domain: [-3...3])]
        for n in -3...4 { rules.append(UnaryRule(op: .power(n), domain: n < 0 ? symmetric : [-3...3])) }
        rules.append(UnaryRule(op: .root(2), domain: [0.1...4]))
        rules.append(UnaryRule(op: .root(3), domain: symmetric))
        for op in UnaryOperation.namedFunctions {
            let domain: [ClosedRange<Double>]
            switch op {
            case .sqrt, .log: domain = [0.1...5]
            case .log1p: domain = [-0.9...5]
            case .tan: domain = [-1.4...1.4]
            case .asin, .acos, .atanh: domain = [-0.95...0.95]
            case .acosh: domain = [1.05...5]
            case .exp, .expm1, .sinh, .cosh, .tanh, .erf: domain = [-3...3]
            case .sigmoid, .softplus, .atan, .asinh, .sin, .cos: domain = [-5...5]
            case .relu, .abs, .sign, .step: domain = symmetric
            default: domain = [-2...2]
            }
            rules.append(UnaryRule(op: op, domain: domain))
        }
        return rules
    }()

    static func points(in domain: [ClosedRange<Double>], name: String, count: Int = 6) -> [Double] {
        var rng = SplitMix64(name: name)
        return (0..<count).map { k in
            let interval = domain[k % domain.count]
            return Double.random(in: interval, using: &rng)
        }
    }

    @Test func theRuleListCoversTheTable() {
        let named = Set(Self.unaryRules.map(\.op))
        #expect(UnaryOperation.namedFunctions.allSatisfy(named.contains))
        #expect(named.contains(.negate) && named.contains(.root(2)) && named.contains(.root(3)))
        #expect((-3...4).allSatisfy { named.contains(.power($0)) })
    }

    /// d/dx f(x) from the symbolic engine, evaluated in Double, against the
    /// adaptive finite difference (1e-9 relative; the difference itself is
    /// good to about 1e-13).
    @Test(arguments: unaryRules)
    func unaryRuleAgreesWithFiniteDifferences(rule: UnaryRule) throws {
        let f = Formula.unary(rule.op, .variable("x"))
        let program = try f.compiled(variables: ["x"])
        let derivative = try f.derivative(withRespectTo: "x").compiled(variables: ["x"])
        for x in Self.points(in: rule.domain, name: rule.op.name) {
            let numerical = try numericalDerivative(of: { program([$0]) }, at: x)
            #expect(numerical.status.isConverged, "\(rule.op.name) at \(x): \(numerical.status)")
            let symbolic = derivative([x])
            let scale = program([x]).magnitude / Swift.max(1, x.magnitude)
            #expect(agree(symbolic, numerical.value, relative: 1e-9, scale: Swift.max(scale, 1e-300)),
                    "\(f)' at \(x): symbolic \(symbolic), numerical \(numerical.value) ± \(numerical.errorEstimate)")
        }
    }

    /// d²/dx² f(x) (the derivative of the derivative, both from the table)
    /// against the adaptive second difference (1e-6 relative).
    @Test(arguments: unaryRules)
    func unaryRuleSecondDerivativeAgreesWithFiniteDifferences(rule: UnaryRule) throws {
        let f = Formula.unary(rule.op, .variable("x"))
        let program = try f.compiled(variables: ["x"])
        let second = f.derivative(withRespectTo: "x", order: 2)
        #expect(second == f.derivative(withRespectTo: "x").derivative(withRespectTo: "x"))
        let derivative = try second.compiled(variables: ["x"])
        for x in Self.points(in: rule.domain, name: "2" + rule.op.name) {
            let numerical = try numericalDerivative(of: { program([$0]) }, at: x, order: 2)
            let symbolic = derivative([x])
            let scale = program([x]).magnitude / Swift.max(1, x.magnitude * x.magnitude)
            #expect(agree(symbolic, numerical.value, relative: 1e-6, scale: Swift.max(scale, 1e-300)),
                    "\(f)'' at \(x): symbolic \(symbolic), numerical \(numerical.value) ± \(numerical.errorEstimate)")
        }
    }

    /// The same rules reached through the parser (`sin(x)` rather than a
    /// hand-built tree), composed with an inner function so that the chain
    /// rule multiplies by its derivative.
    @Test(arguments: UnaryOperation.namedFunctions)
    func chainRuleThroughTheParser(op: UnaryOperation) throws {
        // x ↦ 0.5 + 0.25*sin(x) stays in (0.25, 0.75): inside every domain but acosh's.
        let inner = op == .acosh ? "2 + 0.5*sin(x)" : "0.5 + 0.25*sin(x)"
        let f = try Formula(parsing: "\(op.name)(\(inner))")
        let program = try f.compiled(variables: ["x"])
        let derivative = try f.derivative(withRespectTo: "x").compiled(variables: ["x"])
        for x in Self.points(in: [-3...3], name: "chain" + op.name, count: 4) {
            let numerical = try numericalDerivative(of: { program([$0]) }, at: x)
            #expect(numerical.status.isConverged)
            #expect(agree(derivative([x]), numerical.value, relative: 1e-9, scale: 1e-6),
                    "\(f)' at \(x): \(derivative([x])) vs \(numerical.value)")
        }
    }

    /// A two-argument rule with where it is smooth: x and y intervals, and a
    /// condition on the pair (away from a tie or the origin).
    struct BinaryRule: Sendable, CustomTestStringConvertible {
        let op: BinaryOperation
        let x: ClosedRange<Double>
        let y: [ClosedRange<Double>]
        let avoid: @Sendable (Double, Double) -> Bool
        var testDescription: String { op.name }
    }

    static let binaryRules: [BinaryRule] = BinaryOperation.allCases.map { op in
        switch op {
        case .add, .subtract, .multiply: return BinaryRule(op: op, x: -3...3, y: [-3...3]) { _, _ in false }
        case .divide: return BinaryRule(op: op, x: -3...3, y: symmetric) { _, _ in false }
        case .power: return BinaryRule(op: op, x: 0.2...3, y: [-2...2]) { _, _ in false }
        case .atan2, .hypot: return BinaryRule(op: op, x: -3...3, y: [-3...3]) { x, y in x * x + y * y < 0.25 }
        case .min, .max: return BinaryRule(op: op, x: -3...3, y: [-3...3]) { x, y in (x - y).magnitude < 0.2 }
        }
    }

    /// ∂f/∂x and ∂f/∂y of f(x, y) for every binary rule against finite
    /// differences (1e-9 relative), and the second partials ∂²f/∂x², ∂²f/∂y²
    /// (1e-6 relative).
    @Test(arguments: binaryRules)
    func binaryRuleAgreesWithFiniteDifferences(rule: BinaryRule) throws {
        let f = Formula.binary(rule.op, .variable("x"), .variable("y"))
        let names = ["x", "y"]
        let program = try f.compiled(variables: names)
        let dx = try f.derivative(withRespectTo: "x").compiled(variables: names)
        let dy = try f.derivative(withRespectTo: "y").compiled(variables: names)
        let dxx = try f.derivative(withRespectTo: "x", order: 2).compiled(variables: names)
        let dyy = try f.derivative(withRespectTo: "y", order: 2).compiled(variables: names)
        var rng = SplitMix64(name: rule.op.name)
        var checked = 0
        while checked < 6 {
            let x = Double.random(in: rule.x, using: &rng)
            let y = Double.random(in: rule.y[checked % rule.y.count], using: &rng)
            if rule.avoid(x, y) { continue }
            checked += 1
            let scale = Swift.max(program([x, y]).magnitude, 1e-300)
            let nx = try numericalDerivative(of: { program([$0, y]) }, at: x)
            let ny = try numericalDerivative(of: { program([x, $0]) }, at: y)
            #expect(nx.status.isConverged && ny.status.isConverged)
            #expect(agree(dx([x, y]), nx.value, relative: 1e-9, scale: scale / Swift.max(1, x.magnitude)),
                    "∂/∂x \(f) at (\(x), \(y)): \(dx([x, y])) vs \(nx.value)")
            #expect(agree(dy([x, y]), ny.value, relative: 1e-9, scale: scale / Swift.max(1, y.magnitude)),
                    "∂/∂y \(f) at (\(x), \(y)): \(dy([x, y])) vs \(ny.value)")
            let nxx = try numericalDerivative(of: { program([$0, y]) }, at: x, order: 2)
            let nyy = try numericalDerivative(of: { program([x, $0]) }, at: y, order: 2)
            #expect(agree(dxx([x, y]), nxx.value, relative: 1e-6, scale: scale / Swift.max(1, x * x)),
                    "∂²/∂x² \(f) at (\(x), \(y)): \(dxx([x, y])) vs \(nxx.value)")
            #expect(agree(dyy([x, y]), nyy.value, relative: 1e-6, scale: scale / Swift.max(1, y * y)),
                    "∂²/∂y² \(f) at (\(x), \(y)): \(dyy([x, y])) vs \(nyy.value)")
        }
    }

    /// A constant operand contributes nothing, even where its partial is
    /// undefined: d/dx pow(x, 2.5) at x = 0 is 0, not NaN from 0^2.5·log 0.
    @Test func constantOperandsContributeNothing() throws {
        let f = try Formula(parsing: "pow(x, 2.5)")
        let d = f.derivative(withRespectTo: "x")
        #expect(d.description == "2.5*x^1.5")
        #expect(try d.evaluate(["x": 0.0]) == 0)
        let g = try Formula(parsing: "pow(2, x)")
        #expect(g.derivative(withRespectTo: "x").description == "2^x*log(2)")
    }

    // MARK: Size and time of derivatives of big formulas

    static func timed<R>(_ body: () throws -> R) rethrows -> (R, Duration) {
        let clock = ContinuousClock()
        var result: R?
        let elapsed = try clock.measure { result = try body() }
        return (result!, elapsed)
    }

    /// d/dx of a product of 30 factors (product rule 29 times): the result is
    /// a nested sum of products, quadratic in size, not 30! terms.
    @Test(arguments: [
        (1...30).map { "(x + \($0))" }.joined(separator: "*"),
        (1...30).map { "sin(\($0)*x)" }.joined(separator: "*"),
        (1...30).map { "(x^2 + \($0)*x + 1)" }.joined(separator: "*"),
    ])
    func derivativeOfALongProduct(text: String) throws {
        let f = try Formula(parsing: text)
        let (d, elapsed) = Self.timed { f.derivative(withRespectTo: "x") }
        #expect(elapsed < .seconds(1), "took \(elapsed)")
        let length = d.description.count
        #expect(length < 100_000, "printed length \(length)")
        let program = try f.compiled(variables: ["x"])
        let derivative = try d.compiled(variables: ["x"])
        for x in [0.37, -0.61] {
            let numerical = try numericalDerivative(of: { program([$0]) }, at: x)
            #expect(agree(derivative([x]), numerical.value, relative: 1e-8),
                    "at \(x): \(derivative([x])) vs \(numerical.value) ± \(numerical.errorEstimate)")
        }
    }

    /// The same product built by generic arithmetic (each step canonical).
    @Test func derivativeOfAProductBuiltByArithmetic() throws {
        func product<T: DifferentiableScalar>(_ x: T) -> T {
            var p: T = 1
            for k in 1...30 { p *= x + T(Double(k)) }
            return p
        }
        let (d, elapsed) = Self.timed { symbolicDerivative(of: product) }
        #expect(elapsed < .seconds(1), "took \(elapsed)")
        let derivative = try d.compiled(variables: ["x"])
        let numerical = try numericalDerivative(of: { (x: Double) in product(x) }, at: 0.37)
        #expect(agree(derivative([0.37]), numerical.value, relative: 1e-8))
    }

    /// sin(sin(...sin(x))) 20 deep (and tanh, sigmoid): the chain rule
    /// gives a product of 20 factors. The printed first derivative stays
    /// under 10,000 characters and the second under 400,000; doubling the
    /// depth from 10 to 20 multiplies the first's length by under 8 and the
    /// second's by under 16 (polynomial: quadratic and cubic, not 2^10).
    @Test(arguments: ["sin", "tanh", "sigmoid"])
    func derivativeOfADeepNest(function: String) throws {
        func nest(_ depth: Int) throws -> Formula {
            var text = "x"
            for _ in 0..<depth { text = "\(function)(\(text))" }
            return try Formula(parsing: text)
        }
        let f = try nest(20)
        let (d, elapsed) = Self.timed { f.derivative(withRespectTo: "x") }
        let (d2, elapsed2) = Self.timed { f.derivative(withRespectTo: "x", order: 2) }
        #expect(elapsed < .seconds(1), "took \(elapsed)")
        // The second derivative of the sigmoid nest (138,000 characters)
        // takes about 0.8 s in debug: a guard against exponential growth only.
        #expect(elapsed2 < .seconds(5), "second derivative took \(elapsed2)")
        let (length, length2) = (d.description.count, d2.description.count)
        #expect(length < 10_000, "printed length \(length)")
        #expect(length2 < 400_000, "second derivative printed length \(length2)")
        let half = try nest(10)
        let halfLength = half.derivative(withRespectTo: "x").description.count
        let halfLength2 = half.derivative(withRespectTo: "x", order: 2).description.count
        #expect(length < 8 * halfLength, "\(halfLength) -> \(length)")
        #expect(length2 < 16 * halfLength2, "\(halfLength2) -> \(length2)")
        let program = try f.compiled(variables: ["x"])
        for (formula, order) in [(d, 1), (d2, 2)] {
            let symbolic = try formula.compiled(variables: ["x"])([0.9])
            let numerical = try numericalDerivative(of: { program([$0]) }, at: 0.9, order: order)
            // Relative to the natural scale |f|/max(1, |x|)^order: the
            // derivative of the sigmoid nest is ~1e-13 against f ~ 0.7.
            #expect(agree(symbolic, numerical.value, relative: order == 1 ? 1e-9 : 1e-6, scale: program([0.9])),
                    "order \(order): \(symbolic) vs \(numerical.value) ± \(numerical.errorEstimate)")
        }
    }
}
