import NablaRules

extension Formula {
    /// The formula in LaTeX: `\frac{a}{b}`, `x^{2}`, `\sqrt{x}`, `\sin(x)`,
    /// numbers juxtaposed with what they multiply (`3y`, `2\exp(2x)`),
    /// subscripted digits in names (`x0` is `x_{0}`, `w_2` is `w_{2}`).
    public var latex: String { Self.renderLaTeX(self).text }

    static func latexName(_ name: String) -> String {
        // x0 -> x_{0}, w_2 -> w_{2}, theta stays.
        if let underscore = name.firstIndex(of: "_") {
            let head = name[..<underscore]
            let tail = name[name.index(after: underscore)...]
            return tail.isEmpty ? name : "\(head)_{\(tail)}"
        }
        if let digits = name.firstIndex(where: { $0.isNumber }), digits != name.startIndex,
           name[digits...].allSatisfy(\.isNumber) {
            return "\(name[..<digits])_{\(name[digits...])}"
        }
        return name.count > 1 ? "\\mathit{\(name)}" : name
    }

    static func latexFunction(_ op: UnaryOperation) -> String {
        switch op {
        case .sin, .cos, .tan, .sinh, .cosh, .tanh, .exp, .log: return "\\\(op.name)"
        case .asin: return "\\arcsin"
        case .acos: return "\\arccos"
        case .atan: return "\\arctan"
        default: return "\\operatorname{\(op.name)}"
        }
    }

    static func endsWithControlWord(_ text: String) -> Bool {
        guard let backslash = text.lastIndex(of: "\\") else { return false }
        let word = text[text.index(after: backslash)...]
        return !word.isEmpty && word.allSatisfy(\.isLetter)
    }

    static func renderLaTeX(_ f: Formula) -> (text: String, precedence: Precedence, startsWithDigit: Bool) {
        func wrapped(_ g: Formula, atLeast needed: Precedence) -> String {
            let r = renderLaTeX(g)
            return r.precedence < needed ? "\\left(\(r.text)\\right)" : r.text
        }
        switch f {
        case .constant(let c):
            return (format(c), c < 0 ? .unary : .atom, c >= 0)
        case .named(.pi): return ("\\pi", .atom, false)
        case .named(.e): return ("e", .atom, false)
        case .variable(let name): return (latexName(name), .atom, false)
        case .unary(.negate, let a):
            return ("-" + wrapped(a, atLeast: .power), .unary, false)
        case .unary(.power(let n), let a):
            return (wrapped(a, atLeast: .atom) + "^{\(n)}", .power, renderLaTeX(a).startsWithDigit)
        case .unary(.sqrt, let a): return ("\\sqrt{\(renderLaTeX(a).text)}", .atom, false)
        case .unary(.root(let n), let a): return ("\\sqrt[\(n)]{\(renderLaTeX(a).text)}", .atom, false)
        case .unary(.abs, let a): return ("\\left|\(renderLaTeX(a).text)\\right|", .atom, false)
        case .unary(let op, let a):
            return ("\(latexFunction(op))\\left(\(renderLaTeX(a).text)\\right)", .atom, false)
        case .binary(let op, let a, let b):
            switch op {
            case .add, .subtract:
                return (wrapped(a, atLeast: .sum) + " \(op.name) " + wrapped(b, atLeast: .product), .sum,
                        renderLaTeX(a).startsWithDigit)
            case .multiply:
                let left = renderLaTeX(a)
                let right = renderLaTeX(b)
                let l = left.precedence < .product ? "\\left(\(left.text)\\right)" : left.text
                let r = right.precedence < .power ? "\\left(\(right.text)\\right)" : right.text
                // 3y, xy and 2\exp(x) read as products; a number on the right
                // needs an explicit dot, and a control word (\pi) a space
                // before a letter.
                let rightWrapped = right.precedence < .power
                var separator = ""
                if right.startsWithDigit && !rightWrapped {
                    separator = " \\cdot "
                } else if r.first?.isLetter == true, endsWithControlWord(l) {
                    separator = " "
                }
                return (l + separator + r, .product, left.startsWithDigit)
            case .divide:
                return ("\\frac{\(renderLaTeX(a).text)}{\(renderLaTeX(b).text)}", .atom, false)
            case .power:
                return (wrapped(a, atLeast: .atom) + "^{\(renderLaTeX(b).text)}", .power, renderLaTeX(a).startsWithDigit)
            case .min, .max:
                return ("\\\(op.name)\\left(\(renderLaTeX(a).text), \(renderLaTeX(b).text)\\right)", .atom, false)
            case .atan2, .hypot:
                return ("\\operatorname{\(op.name)}\\left(\(renderLaTeX(a).text), \(renderLaTeX(b).text)\\right)", .atom, false)
            }
        }
    }
}
