import Foundation
import Nabla

/// A number with every digit it needs to round-trip (`0.1999999999990898`).
func format<T: BinaryFloatingPoint & CustomStringConvertible>(_ x: T) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    return x.description
}

/// A number to 12 significant digits, for tables a person reads
/// (`110`, not `110.00000000000001`).
func readable(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    return String(format: "%.12g", x)
}

/// A short number for errors and steps (`3.2e-11`).
func short(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == 0 { return "0" }
    return String(format: "%.1e", x)
}

/// A plain-text table with aligned columns.
struct Table {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned to the right (numbers).
    var rightAligned: Set<Int> = []

    init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    var text: String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.indices.map { c in
                let cell = row[c]
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned.contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// A JSON value, written by hand so that numbers keep their shortest
/// round-trip form in their own precision (`0.2` for a Float, not
/// `0.20000000298023224`) and non-finite numbers become null (JSON has no NaN).
indirect enum JSON {
    /// A number, already written out.
    case numeral(String)
    case string(String)
    case bool(Bool)
    case array([JSON])
    case object([(String, JSON)])
    case null

    static func number<T: BinaryFloatingPoint & CustomStringConvertible>(_ x: T) -> JSON {
        x.isFinite ? .numeral(x.description) : .null
    }
    static func integer(_ n: Int) -> JSON { .numeral(String(n)) }
    static func numbers<T: BinaryFloatingPoint & CustomStringConvertible>(_ xs: [T]) -> JSON {
        .array(xs.map { number($0) })
    }
    static func matrix<T: BinaryFloatingPoint & CustomStringConvertible>(_ xs: [[T]]) -> JSON {
        .array(xs.map { numbers($0) })
    }

    var text: String {
        switch self {
        case .numeral(let s): return s
        case .string(let s): return Self.quote(s)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .object(let fields):
            return "{" + fields.map { Self.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }

    static func quote(_ s: String) -> String { jsonString(s) }
}

/// The scalar types the tool computes in (`--float` picks Float).
typealias CommandScalar = FloatingScalar & CustomStringConvertible

/// One method's result, in the shape every `--json` output shares:
/// `value`, `errorEstimate`, `evaluations`, `status`, `method`.
struct MethodResult {
    var method: String
    var value: JSON
    var errorEstimate: JSON
    var evaluations: Int
    var status: DerivativeStatus
    /// Whether some entry of the value is NaN or infinite.
    var hasNonFiniteValue: Bool
    /// The value and error as Double, flattened, for tables and comparisons.
    var values: [Double]
    var errors: [Double]
    /// The values written in their own precision.
    var texts: [String]
    /// Why the method could not run at all, if it could not.
    var failure: String? = nil

    init<T: CommandScalar>(method: String, _ d: DerivativeEstimate<T>) {
        self.init(method: method, value: .number(d.value), error: .number(d.errorEstimate), values: [d.value],
                  errors: [d.errorEstimate], evaluations: d.evaluations, status: d.status)
    }

    init<T: CommandScalar>(method: String, _ d: DerivativeEstimate<[T]>) {
        self.init(method: method, value: .numbers(d.value), error: .numbers(d.errorEstimate), values: d.value,
                  errors: d.errorEstimate, evaluations: d.evaluations, status: d.status)
    }

    init<T: CommandScalar>(method: String, _ d: DerivativeEstimate<[[T]]>) {
        self.init(method: method, value: .matrix(d.value), error: .matrix(d.errorEstimate),
                  values: Array(d.value.joined()), errors: Array(d.errorEstimate.joined()),
                  evaluations: d.evaluations, status: d.status)
    }

    private init<T: CommandScalar>(method: String, value: JSON, error: JSON, values: [T], errors: [T],
                                   evaluations: Int, status: DerivativeStatus) {
        self.method = method
        self.value = value
        self.errorEstimate = error
        self.evaluations = evaluations
        self.status = status
        self.values = values.map { Double($0) }
        self.errors = errors.map { Double($0) }
        texts = values.map { format($0) }
        hasNonFiniteValue = values.contains { !$0.isFinite }
    }

    var fields: [(String, JSON)] {
        if let failure {
            return [("value", .null), ("errorEstimate", .null), ("evaluations", .integer(0)),
                    ("status", .string("failed")), ("reason", .string(failure)), ("method", .string(method))]
        }
        return [("value", value), ("errorEstimate", errorEstimate), ("evaluations", .integer(evaluations)),
         ("status", .string(status.isConverged ? "converged" : "notConverged")),
         ("reason", status.isConverged ? .null : .string(status.description)), ("method", .string(method))]
    }
}
