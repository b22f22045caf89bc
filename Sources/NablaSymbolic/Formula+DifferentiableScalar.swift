import NablaRules
import RealModule

/// Formulas are scalars too: a generic function run on symbols returns its
/// own formula, kept in canonical form as it is built, and the rule table's
/// derivatives run on formulas to give symbolic derivatives.
///
/// ```swift
/// @inlinable func f<T: DifferentiableScalar>(_ v: [T]) -> T { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }
/// f([Formula.variable("x"), .variable("y")])      // 2*x + 3*x*y + y^3
/// ```
///
/// Equality is structural (x + y and y + x built by hand are different
/// trees; built by arithmetic, both are canonical and equal).
extension Formula: RuleTableScalar {
    public init(_ value: Double) { self = .constant(value) }
    public init(integerLiteral value: Int) { self = .constant(Double(value)) }
    public init(floatLiteral value: Double) { self = .constant(value) }

    public static var zero: Formula { .constant(0) }
    public static var pi: Formula { .named(.pi) }

    /// False only for a NaN or infinite number.
    public var isFinite: Bool {
        if case .constant(let c) = self { return c.isFinite }
        return true
    }

    public static func applying(_ operation: UnaryOperation, to x: Formula) -> Formula {
        simplifying(operation, x)
    }

    public static func applying(_ operation: BinaryOperation, to x: Formula, _ y: Formula) -> Formula {
        simplifying(operation, x, y)
    }
}

extension Formula {
    /// The derivative with respect to `variable`, from the rule table,
    /// simplified; `order` repeats it.
    ///
    /// ```swift
    /// let f = try Formula(parsing: "2*x + 3*x*y + y^3")
    /// f.derivative(withRespectTo: "x")   // 2 + 3*y
    /// f.derivative(withRespectTo: "y")   // 3*x + 3*y^2
    /// ```
    ///
    /// Each distinct subformula is differentiated once (memoised), so
    /// derivatives of deep formulas whose subformulas are shared do not grow
    /// exponentially.
    public func derivative(withRespectTo variable: String, order: Int = 1) -> Formula {
        var result = self
        for _ in 0..<Swift.max(order, 0) { result = result.firstDerivative(variable) }
        return result
    }

    func firstDerivative(_ variable: String) -> Formula {
        var memo: [Formula: (value: Formula, derivative: Formula)] = [:]
        // Returns the simplified value and its derivative.
        func visit(_ f: Formula) -> (value: Formula, derivative: Formula) {
            if let done = memo[f] { return done }
            let result: (Formula, Formula)
            switch f {
            case .constant(let c) where c == 0: result = (0, 0)  // -0 too, as in simplified()
            case .constant, .named: result = (f, 0)
            case .variable(let name): result = (f, name == variable ? 1 : 0)
            case .unary(let op, let a):
                let (va, da) = visit(a)
                let value = Formula.simplifying(op, va)
                if da == 0 {
                    result = (value, 0)
                } else {
                    result = (value, op.derivative(at: va, value: value) * da)
                }
            case .binary(let op, let a, let b):
                let (va, da) = visit(a)
                let (vb, db) = visit(b)
                let value = Formula.simplifying(op, va, vb)
                let (pa, pb) = op.partials(at: va, vb, value: value)
                // A constant operand contributes nothing (its partial may be
                // undefined, as z·log x for x^y in y at x = 0).
                let fromA: Formula = da == 0 ? 0 : pa * da
                let fromB: Formula = db == 0 ? 0 : pb * db
                result = (value, fromA + fromB)
            }
            memo[f] = result
            return result
        }
        return visit(self).derivative
    }

    /// Every partial derivative, in the order of `variables`.
    public func gradient(variables: [String]) -> [Formula] {
        variables.map { derivative(withRespectTo: $0) }
    }

    /// The matrix of second partial derivatives (symmetric).
    public func hessian(variables: [String]) -> [[Formula]] {
        let g = gradient(variables: variables)
        var h: [[Formula]] = []
        for (i, gi) in g.enumerated() {
            var row: [Formula] = []
            for (j, name) in variables.enumerated() {
                row.append(j < i ? h[j][i] : gi.derivative(withRespectTo: name))
            }
            h.append(row)
        }
        return h
    }
}

/// The formula of a generic function, built by running it on symbols named
/// `names` (`x0, x1, …` by default).
public func symbolicFormula(of f: ([Formula]) -> Formula, names: [String]) -> Formula {
    f(names.map { .variable($0) })
}

/// The symbolic gradient of a generic function: its formula, differentiated
/// with respect to each name.
///
/// ```swift
/// symbolicGradient(of: f, names: ["x", "y"])   // ["2 + 3*y", "3*x + 3*y^2"]
/// ```
public func symbolicGradient(of f: ([Formula]) -> Formula, names: [String]) -> [Formula] {
    symbolicFormula(of: f, names: names).gradient(variables: names)
}

/// The symbolic derivative of a generic function of one variable.
public func symbolicDerivative(of f: (Formula) -> Formula, name: String = "x", order: Int = 1) -> Formula {
    f(.variable(name)).derivative(withRespectTo: name, order: order)
}
