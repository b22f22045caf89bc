#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

// MARK: - Powers of ten

/// log10 of a positive finite number.
@inline(__always)
func decimalLog(_ x: Double) -> Double { log10(x) }

/// 10^t for real t.
@inline(__always)
func powerOfTenReal(_ t: Double) -> Double { pow(10, t) }

/// 10^k: exact for |k| ≤ 22, correctly rounded by the C library beyond.
func powerOfTen(_ k: Int) -> Double {
    if k >= 0 && k <= 22 { return exactPowers[k] }
    return pow(10, Double(k))
}

private let exactPowers: [Double] = (0...22).map { k in
    var p = 1.0
    for _ in 0..<k { p *= 10 }
    return p
}

/// x · 10^k, dividing for negative k (x / 10³ is correctly rounded, x · 10⁻³ is not).
func scaled(_ x: Double, byPowerOfTen k: Int) -> Double {
    if k >= 0 { return x * powerOfTen(k) }
    if k >= -300 { return x / powerOfTen(-k) }
    return x / powerOfTen(-k - 22) / 1e22
}

/// ⌊log10 |x|⌋ for finite nonzero x, exact (log10 alone can be off by one near powers of ten).
func decimalExponent(_ x: Double) -> Int {
    let a = abs(x)
    var e = Int(decimalLog(a).rounded(.down))
    while e > -330, powerOfTen(e) > a { e -= 1 }
    while e < 310, powerOfTen(e + 1) <= a { e += 1 }
    return e
}

// MARK: - Numbers as text

/// Number formatting for labels: decimal strings built from integers, so that
/// 0.1 prints as "0.1", never as "0.10000000000000001", and −0 never appears.
public enum PlotNumber {
    /// The value n · 10^exponent as a plain decimal string ("15", -4 → "0.0015").
    public static func decimal(_ n: Int, exponent: Int) -> String {
        if n == 0 { return "0" }
        let sign = n < 0 ? "-" : ""
        var digits = String(n.magnitude)
        if exponent >= 0 {
            return sign + digits + String(repeating: "0", count: exponent)
        }
        let shift = -exponent
        if digits.count <= shift {
            digits = String(repeating: "0", count: shift - digits.count + 1) + digits
        }
        var whole = String(digits.prefix(digits.count - shift))
        var fraction = String(digits.suffix(shift))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        if whole.isEmpty { whole = "0" }
        return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// "×10⁻⁸" style exponent: superscript digits and minus sign.
    public static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let body = String(String(n.magnitude).map { digits[Int(String($0))!] })
        return (n < 0 ? "⁻" : "") + body
    }

    /// A value rounded to `significantDigits`: plain decimals between 10⁻⁴ and
    /// 10⁶, otherwise "1.5×10⁻⁸". Non-finite values print as "∞", "−∞" or "–".
    public static func format(_ value: Double, significantDigits: Int = 3) -> String {
        guard value.isFinite else {
            if value.isNaN { return "–" }
            return value > 0 ? "∞" : "−∞"
        }
        if value == 0 { return "0" }
        let digits = min(max(significantDigits, 1), 15)
        var k = decimalExponent(value) - (digits - 1)
        var n = scaled(abs(value), byPowerOfTen: -k).rounded()
        if n >= powerOfTen(digits) {
            k += 1
            n = scaled(abs(value), byPowerOfTen: -k).rounded()
        }
        let integer = Int(n) * (value < 0 ? -1 : 1)
        let top = k + String(Int(n)).count - 1
        if top >= -4 && top < 6 {
            return decimal(integer, exponent: k)
        }
        return decimal(integer, exponent: k - top) + "×10" + superscript(top)
    }

    /// An SVG coordinate: two decimals at most, trailing zeros dropped,
    /// clamped to ±10⁷ and never NaN (non-finite values become 0).
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let v = min(max(value, -1e7), 1e7)
        let n = Int((v * 100).rounded())
        return decimal(n, exponent: -2)
    }
}

// MARK: - Escaping

enum Escape {
    /// Text for XML or HTML content and attribute values: & < > " ' escaped,
    /// and control characters XML forbids dropped.
    static func markup(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Keeps letters, digits, '-' and '_' (for ids).
    static func identifier(_ text: String) -> String {
        let kept = text.unicodeScalars.filter {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
        let result = String(String.UnicodeScalarView(kept))
        if let first = result.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) {
            return result
        }
        return "p" + result
    }
}

// MARK: - Text width

/// Rough width of `text` in pixels in a sans-serif font of `fontSize` (for layout only).
func estimatedTextWidth(_ text: String, fontSize: Double) -> Double {
    var em = 0.0
    for c in text {
        switch c {
        case "i", "l", "j", ".", ",", ":", ";", "'", "|", "!", "I", " ", "(", ")", "[", "]", "f", "t", "r":
            em += 0.32
        case "m", "w", "M", "W", "×", "—":
            em += 0.86
        case "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "⁻":
            em += 0.38
        default:
            em += c.isUppercase ? 0.67 : 0.56
        }
    }
    return em * fontSize
}

// MARK: - SVG writer

/// Appends SVG elements to a string; attribute values and text are escaped here.
struct SVGWriter {
    var output = ""

    mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
        output += "<" + name
        for (key, value) in attributes {
            output += " " + key + "=\"" + Escape.markup(value) + "\""
        }
        if let text {
            output += ">" + Escape.markup(text) + "</" + name + ">\n"
        } else {
            output += "/>\n"
        }
    }

    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        output += "<" + name
        for (key, value) in attributes {
            output += " " + key + "=\"" + Escape.markup(value) + "\""
        }
        output += ">\n"
    }

    mutating func close(_ name: String) {
        output += "</" + name + ">\n"
    }
}

let fontFamily = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Helvetica, Arial, sans-serif"

/// The root element of a standalone SVG document.
func svgDocument(width: Int, height: Int, body: String) -> String {
    let w = String(max(width, 1)), h = String(max(height, 1))
    return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" \
        font-family="\(Escape.markup(fontFamily))" font-size="12">
        <rect x="0" y="0" width="\(w)" height="\(h)" fill="#ffffff"/>
        \(body)</svg>

        """
}
