import RealModule

/// The numeric coefficient of a term: an exact fraction while every number
/// involved is an integer (so d/dx √x is `1/(2*sqrt(x))`, not
/// `0.5/sqrt(x)`), a Double as soon as one is not (`0.01*x^2` keeps 0.01).
enum Coefficient: Hashable, Sendable {
    /// numerator / denominator, in lowest terms, denominator > 0.
    case rational(Int, Int)
    case real(Double)

    static let zero = Coefficient.rational(0, 1)
    static let one = Coefficient.rational(1, 1)

    /// A number as a coefficient: exact when it is an integer of at most 2⁵³.
    init(_ c: Double) {
        if c == c.rounded(), Swift.abs(c) <= 9_007_199_254_740_992 {
            self = .rational(Int(c), 1)
        } else {
            self = .real(c)
        }
    }

    static func fraction(_ p: Int, _ q: Int) -> Coefficient {
        guard q != 0 else { return .real(Double(p) / 0) }
        // |Int.min| is not an Int: such a fraction is kept as a Double.
        guard p != .min, q != .min else { return .real(Double(p) / Double(q)) }
        let g = gcd(Swift.abs(p), Swift.abs(q))
        let sign = q < 0 ? -1 : 1
        let (pp, o1) = (p / Swift.max(g, 1)).multipliedReportingOverflow(by: sign)
        let (qq, o2) = (q / Swift.max(g, 1)).multipliedReportingOverflow(by: sign)
        return o1 || o2 ? .real(Double(p) / Double(q)) : .rational(pp, qq)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    var double: Double {
        switch self {
        case .rational(let p, let q): return Double(p) / Double(q)
        case .real(let r): return r
        }
    }

    var isZero: Bool { double == 0 }
    var isOne: Bool { self == .one || self == .real(1) }
    var isNegative: Bool { double < 0 }

    static func + (a: Coefficient, b: Coefficient) -> Coefficient {
        if case .rational(let p, let q) = a, case .rational(let r, let s) = b {
            let (ps, o1) = p.multipliedReportingOverflow(by: s)
            let (rq, o2) = r.multipliedReportingOverflow(by: q)
            let (num, o3) = ps.addingReportingOverflow(rq)
            let (den, o4) = q.multipliedReportingOverflow(by: s)
            if !(o1 || o2 || o3 || o4) { return fraction(num, den) }
        }
        return Coefficient(a.double + b.double).normalizedReal(a, b)
    }

    static func * (a: Coefficient, b: Coefficient) -> Coefficient {
        if case .rational(let p, let q) = a, case .rational(let r, let s) = b {
            let (num, o1) = p.multipliedReportingOverflow(by: r)
            let (den, o2) = q.multipliedReportingOverflow(by: s)
            if !(o1 || o2) { return fraction(num, den) }
        }
        return Coefficient(a.double * b.double).normalizedReal(a, b)
    }

    /// A result that came from a real operand stays real (0.5 + 0.5 is the
    /// real 1.0, which prints as 1 anyway); from two rationals, exact.
    private func normalizedReal(_ a: Coefficient, _ b: Coefficient) -> Coefficient {
        if case .real = a { return .real(double) }
        if case .real = b { return .real(double) }
        return self
    }

    static prefix func - (a: Coefficient) -> Coefficient {
        switch a {
        case .rational(let p, let q): return p == Int.min ? .real(-Double(p) / Double(q)) : .rational(-p, q)
        case .real(let r): return .real(-r)
        }
    }

    var reciprocal: Coefficient {
        switch self {
        case .rational(let p, let q): return .fraction(q, p)
        case .real(let r): return .real(1 / r)
        }
    }

    var magnitude: Coefficient { isNegative ? -self : self }

    /// cⁿ, exact for fractions while it fits.
    func power(_ n: Int) -> Coefficient {
        if n < 0 { return power(-n).reciprocal }
        var result = Coefficient.one
        for _ in 0..<Swift.min(n, 64) { result = result * self }
        if n > 64 { return .real(Double.pow(double, n)) }
        return result
    }

    /// The coefficient as formula parts: numerator and denominator (both
    /// positive integers for a fraction; a real is all numerator).
    var parts: (numerator: Formula?, denominator: Formula?) {
        switch magnitude {
        case .rational(let p, let q):
            return (p == 1 ? nil : .constant(Double(p)), q == 1 ? nil : .constant(Double(q)))
        case .real(let r):
            return (r == 1 ? nil : .constant(r), nil)
        }
    }
}
