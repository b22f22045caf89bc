import NablaRules
import RealModule

// Canonical forms. A formula built with the arithmetic of Formula (and so
// every symbolic derivative) is kept in a canonical form as it is built:
//
// - a sum is a list of terms; like terms (equal factors) are collected by
//   adding their coefficients (3*x + 2*x = 5*x), zeros dropped, the constant
//   first, then polynomial terms by total degree, then the rest in order of
//   appearance; it is written with + and -, so `x - 3*y`, never `x + -3*y`;
// - a term is a coefficient (an exact fraction while everything is an
//   integer) times factors base^n; equal bases add their exponents
//   (x*x = x^2, x^2*x = x^3, x/x = 1); it is written coefficient first, then
//   the factors with positive exponents, then `/` and the rest;
// - functions of a constant are evaluated when the result is exact
//   (exp(0) = 1, sqrt(4) = 2), powers x^1, x^0, 1^n are removed.
//
// Sums are not multiplied out: (x + 1)*(x - 1) stays a product, so the size
// of a formula never explodes. Simplification never changes the value
// except where the original is undefined (x/x is 1 also at x = 0).

/// A factor of a term: base^exponent.
struct Factor: Hashable {
    var base: Formula
    var exponent: Int
}

/// coefficient × Π factors.
struct Term: Hashable {
    var coefficient: Coefficient
    var factors: [Factor]

    static let one = Term(coefficient: .one, factors: [])

    static func * (a: Term, b: Term) -> Term {
        var result = a
        result.coefficient = a.coefficient * b.coefficient
        for factor in b.factors {
            if let i = result.factors.firstIndex(where: { $0.base == factor.base }),
               case let (sum, overflow) = result.factors[i].exponent.addingReportingOverflow(factor.exponent),
               !overflow, sum != .min {
                result.factors[i].exponent = sum
            } else {
                // A new base, or an exponent beyond Int: kept as its own factor.
                result.factors.append(factor)
            }
        }
        result.factors.removeAll { $0.exponent == 0 }
        return result
    }

    func power(_ n: Int) -> Term {
        guard n != 0 else { return Term(coefficient: coefficient.power(0), factors: []) }
        var powered: [Factor] = []
        for f in factors {
            let (e, overflow) = f.exponent.multipliedReportingOverflow(by: n)
            guard !overflow, e != .min else {
                // An exponent beyond Int: the power stays unexpanded, (term)^n.
                return Term(coefficient: .one, factors: [Factor(base: .unary(.power(n), Formula.canonicalSum([self])), exponent: 1)])
            }
            powered.append(Factor(base: f.base, exponent: e))
        }
        return Term(coefficient: coefficient.power(n), factors: powered)
    }

    var reciprocal: Term { power(-1) }

    /// The sum of the exponents of plain variables, and whether any factor
    /// is something else (a function, a sum, a real power).
    var degree: (polynomial: Bool, degree: Int) {
        var total = 0
        var polynomial = true
        for f in factors {
            if case .variable = f.base { total &+= f.exponent } else { polynomial = false }
        }
        return (polynomial, total)
    }
}

extension Formula {
    /// The terms of a formula read as a sum.
    func sumTerms() -> [Term] {
        switch self {
        case .binary(.add, let a, let b): return a.sumTerms() + b.sumTerms()
        case .binary(.subtract, let a, let b): return a.sumTerms() + b.sumTerms().map { Term(coefficient: -$0.coefficient, factors: $0.factors) }
        case .unary(.negate, let a): return a.sumTerms().map { Term(coefficient: -$0.coefficient, factors: $0.factors) }
        case .constant(let c): return c == 0 ? [] : [Term(coefficient: Coefficient(c), factors: [])]
        default: return [productTerm()]
        }
    }

    /// The formula read as one term (a sum inside becomes a factor).
    func productTerm() -> Term {
        switch self {
        case .constant(let c):
            return Term(coefficient: Coefficient(c), factors: [])
        case .binary(.multiply, let a, let b):
            return a.productTerm() * b.productTerm()
        case .binary(.divide, let a, let b):
            let denominator = b.productTerm()
            if denominator.coefficient.isZero { return Term(coefficient: .one, factors: [Factor(base: self, exponent: 1)]) }
            return a.productTerm() * denominator.reciprocal
        case .unary(.negate, let a):
            var t = a.productTerm()
            t.coefficient = -t.coefficient
            return t
        case .unary(.power(let n), let base):
            let t = base.productTerm()
            if n < 0 && t.coefficient.isZero { return Term(coefficient: .one, factors: [Factor(base: self, exponent: 1)]) }
            return t.power(n)
        case .binary(.add, _, _), .binary(.subtract, _, _):
            // A sum with a single term is that term.
            let terms = sumTerms()
            if terms.isEmpty { return Term(coefficient: .zero, factors: []) }
            if terms.count == 1 { return terms[0] }
            return Term(coefficient: .one, factors: [Factor(base: self, exponent: 1)])
        default:
            return Term(coefficient: .one, factors: [Factor(base: self, exponent: 1)])
        }
    }

    /// The canonical formula of a sum of terms.
    static func canonicalSum(_ terms: [Term]) -> Formula {
        var collected: [Term] = []
        // Terms are like when their factors are equal in any order
        // (sin(x)*cos(x) and cos(x)*sin(x)); the first one met sets the order.
        var index: [[Factor: Int]: Int] = [:]
        for term in terms where !term.coefficient.isZero {
            let factors = sortedFactors(term.factors)
            let key = Dictionary(factors.map { ($0, 1) }, uniquingKeysWith: +)
            if let i = index[key] {
                collected[i].coefficient = collected[i].coefficient + term.coefficient
            } else {
                index[key] = collected.count
                collected.append(Term(coefficient: term.coefficient, factors: factors))
            }
        }
        collected.removeAll { $0.coefficient.isZero }
        guard !collected.isEmpty else { return .constant(0) }
        // Constant first, then polynomial terms by degree, then the rest, stably.
        // Polynomial terms of equal degree go by their variables' names (x^2 + y^2).
        func rank(_ t: Term) -> (Int, Int, String) {
            if t.factors.isEmpty { return (0, 0, "") }
            let (polynomial, degree) = t.degree
            guard polynomial else { return (2, 0, "") }
            return (1, degree, t.factors.map { f in
                if case .variable(let name) = f.base { return "\(name)^\(f.exponent)" }
                return ""
            }.joined(separator: "*"))
        }
        let ordered = collected.enumerated().sorted { a, b in
            let ra = rank(a.element), rb = rank(b.element)
            if ra.0 != rb.0 { return ra.0 < rb.0 }
            if ra.1 != rb.1 { return ra.1 < rb.1 }
            if ra.2 != rb.2 { return ra.2 < rb.2 }
            return a.offset < b.offset
        }.map(\.element)
        var result = canonicalTerm(ordered[0], signed: true)
        for term in ordered.dropFirst() {
            let magnitude = canonicalTerm(term, signed: false)
            result = term.coefficient.isNegative ? .binary(.subtract, result, magnitude) : .binary(.add, result, magnitude)
        }
        return result
    }

    /// Factors in canonical order: variables by name and power, then other
    /// factors (functions, real powers), then sums; bases compared by text.
    static func sortedFactors(_ factors: [Factor]) -> [Factor] {
        func rank(_ f: Factor) -> Int {
            switch f.base {
            case .variable: return 0
            case .named: return 1
            case .binary(.add, _, _), .binary(.subtract, _, _): return 3
            default: return 2
            }
        }
        return factors.enumerated().sorted { a, b in
            let ra = rank(a.element), rb = rank(b.element)
            if ra != rb { return ra < rb }
            if ra == 0, case .variable(let x) = a.element.base, case .variable(let y) = b.element.base, x != y { return x < y }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The canonical formula of one term; unsigned writes |coefficient|.
    static func canonicalTerm(_ term: Term, signed: Bool) -> Formula {
        let factors = sortedFactors(term.factors)
        func power(_ f: Factor, _ e: Int) -> Formula { e == 1 ? f.base : .unary(.power(e), f.base) }
        let up = factors.filter { $0.exponent > 0 }.map { power($0, $0.exponent) }
        let down = factors.filter { $0.exponent < 0 }.map { power($0, -$0.exponent) }
        let (numeratorConstant, denominatorConstant) = term.coefficient.parts
        let negative = signed && term.coefficient.isNegative
        var numerator = (numeratorConstant.map { [$0] } ?? []) + up
        if numerator.isEmpty { numerator = [.constant(1)] }
        if negative, case .binary(let op, _, _) = numerator[0], op == .add || op == .subtract {
            // A leading sum cannot carry the sign: -(a - b)*c would read back
            // as (-a + b)*c, since negation distributes over sums. So -(a - b)
            // alone is -a + b, and otherwise the whole term is negated.
            if factors.count == 1 && denominatorConstant == nil {
                return canonicalSum(numerator[0].sumTerms().map { Term(coefficient: -$0.coefficient, factors: $0.factors) })
            }
            return .unary(.negate, canonicalTerm(term, signed: false))
        }
        if negative {
            // -3*x, -x*y, -1/x: the sign goes on the leading number or factor.
            if case .constant(let c) = numerator[0] {
                numerator[0] = .constant(-c)
            } else {
                numerator[0] = .unary(.negate, numerator[0])
            }
        }
        var result = numerator.dropFirst().reduce(numerator[0]) { .binary(.multiply, $0, $1) }
        let denominator = (denominatorConstant.map { [$0] } ?? []) + down
        if !denominator.isEmpty {
            let d = denominator.dropFirst().reduce(denominator[0]) { .binary(.multiply, $0, $1) }
            result = .binary(.divide, result, d)
        }
        return result
    }

    /// Whether the formula is a number (after simplification).
    var constantValue: Double? {
        if case .constant(let c) = self { return c }
        return nil
    }

    /// A one-argument operation applied with simplification (the smart
    /// constructor used by Formula's arithmetic and by derivatives).
    static func simplifying(_ op: UnaryOperation, _ x: Formula) -> Formula {
        switch op {
        case .negate:
            return canonicalSum(x.sumTerms().map { Term(coefficient: -$0.coefficient, factors: $0.factors) })
        case .power(let n):
            if n == 1 { return x }
            if n == 0 { return .constant(1) }
            return canonicalSum([x.productTerm().power(n)])
        default:
            break
        }
        if let c = x.constantValue, let folded = foldedConstant(op, c) { return .constant(folded) }
        return .unary(op, x)
    }

    /// f(c) when it is exact: an integer (sqrt(4), exp(0), log(1), abs(-2))
    /// or sigmoid(0) = 1/2.
    static func foldedConstant(_ op: UnaryOperation, _ c: Double) -> Double? {
        let r = op.value(c)
        guard r.isFinite else { return nil }
        switch op {
        case .sqrt: return r * r == c && r == r.rounded() ? r : nil
        case .root(let n): return Double.pow(r, n) == c && r == r.rounded() ? r : nil
        case .abs, .sign, .step, .relu: return r
        default:
            // Transcendental functions: only at the points where they are exact.
            if c == 0 && (r == r.rounded() || op == .sigmoid) { return r }
            if op == .log && c == 1 { return 0 }
            return nil
        }
    }

    /// A two-argument operation applied with simplification.
    static func simplifying(_ op: BinaryOperation, _ x: Formula, _ y: Formula) -> Formula {
        switch op {
        case .add:
            return canonicalSum(x.sumTerms() + y.sumTerms())
        case .subtract:
            return canonicalSum(x.sumTerms() + y.sumTerms().map { Term(coefficient: -$0.coefficient, factors: $0.factors) })
        case .multiply:
            let (a, b) = (x.productTerm(), y.productTerm())
            if a.coefficient.isZero || b.coefficient.isZero { return .constant(0) }
            return canonicalSum([a * b])
        case .divide:
            let b = y.productTerm()
            if b.coefficient.isZero { return .binary(.divide, x, y) }
            let a = x.productTerm()
            if a.coefficient.isZero { return .constant(0) }
            return canonicalSum([a * b.reciprocal])
        case .power:
            if let n = y.constantValue, n == n.rounded(), Swift.abs(n) <= 1_000_000 {
                return simplifying(.power(Int(n)), x)
            }
            if x.constantValue == 1 { return .constant(1) }
            return .binary(.power, x, y)
        case .min, .max:
            if x == y { return x }
            if let a = x.constantValue, let b = y.constantValue { return .constant(op.value(a, b)) }
            return .binary(op, x, y)
        case .atan2, .hypot:
            if let a = x.constantValue, let b = y.constantValue {
                let r = op.value(a, b)
                if r.isFinite && r == r.rounded() { return .constant(r) }
            }
            return .binary(op, x, y)
        }
    }

    /// The formula in canonical form: constants folded, like terms collected,
    /// powers of equal bases combined, terms and factors ordered. The value
    /// is unchanged wherever the original is defined.
    public func simplified() -> Formula {
        var memo: [Formula: Formula] = [:]
        func visit(_ f: Formula) -> Formula {
            if let done = memo[f] { return done }
            let result: Formula
            switch f {
            // -0 is 0: the memo's keys compare numbers with ==, which
            // cannot tell them apart, so both must simplify alike.
            case .constant(let c) where c == 0: result = .constant(0)
            case .constant, .named, .variable: result = f
            case .unary(let op, let a): result = Self.simplifying(op, visit(a))
            case .binary(let op, let a, let b): result = Self.simplifying(op, visit(a), visit(b))
            }
            memo[f] = result
            return result
        }
        return visit(self)
    }
}
