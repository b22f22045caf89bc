import RealModule
import NablaRules

extension Formula: CustomStringConvertible {
    /// The formula as plain text that ``init(parsing:)`` reads back to the same
    /// tree, with no more parentheses than precedence needs.
    public var description: String { Self.render(self).text }

    /// Binding strength of a printed subformula: a subformula is wrapped in
    /// parentheses where its context needs a stronger one.
    enum Precedence: Int, Comparable {
        case sum = 1, product, unary, power, atom
        static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }
    }

    static func format(_ c: Double) -> String {
        if c == 0 && c.sign == .minus { return "-0" }  // Int64 would drop the sign (1/-0 = -∞)
        if c == c.rounded(), Swift.abs(c) < 1e15 { return String(Int64(c)) }
        return "\(c)"
    }

    static func render(_ f: Formula) -> (text: String, precedence: Precedence) {
        func wrapped(_ g: Formula, atLeast needed: Precedence) -> String {
            let (text, precedence) = render(g)
            return precedence < needed ? "(\(text))" : text
        }
        switch f {
        case .constant(let c):
            return (format(c), c < 0 || (c == 0 && c.sign == .minus) ? .unary : .atom)
        case .named(let c):
            return (c.rawValue, .atom)
        case .variable(let name):
            return (name, .atom)
        case .unary(.negate, let a):
            // Avoid `--x`: a negated negation or negative number gets parentheses.
            return ("-" + wrapped(a, atLeast: .power), .unary)
        case .unary(.power(let n), let a):
            return (wrapped(a, atLeast: .atom) + "^" + format(Double(n)), .power)
        case .unary(.root(let n), let a):
            return ("root(\(render(a).text), \(n))", .atom)
        case .unary(let op, let a):
            return ("\(op.name)(\(render(a).text))", .atom)
        case .binary(let op, let a, let b):
            switch op {
            case .add, .subtract:
                return (wrapped(a, atLeast: .sum) + " \(op.name) " + wrapped(b, atLeast: .product), .sum)
            case .multiply, .divide:
                return (wrapped(a, atLeast: .product) + op.name + wrapped(b, atLeast: .unary), .product)
            case .power:
                return (wrapped(a, atLeast: .atom) + "^" + wrapped(b, atLeast: .unary), .power)
            case .atan2, .hypot, .min, .max:
                return ("\(op.name)(\(render(a).text), \(render(b).text))", .atom)
            }
        }
    }
}
