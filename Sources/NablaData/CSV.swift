import CNablaData
import Foundation
import NablaTensor

/// How a CSV loader scales features.
public enum FeatureScaling: Sendable, Equatable {
    /// Leaves values in [0, 1] as they are; otherwise maps the smallest
    /// feature value in the whole file to 0 and the largest to 1 (one global
    /// min–max, so pixel-like columns keep their relative sizes; all values
    /// become 0 if they are all equal).
    case automatic
    /// Leaves the values as they are.
    case none
    /// Divides every value by a known maximum (16 for the digits, 255 for
    /// bytes).
    case divide(by: Double)
    /// Maps each column's minimum to 0 and maximum to 1 (constant columns
    /// become 0): for tabular data whose columns have different units.
    case perColumn
}

/// The numbers of a CSV file, row-major, with the line of each row.
struct CSVTable {
    var header: [String]?
    var values: [Double] = []
    var columns = 0
    var lines: [Int] = []
    var rows: Int { lines.count }
}

/// Parses a number from ASCII bytes: exact integers and short decimals on a
/// fast path (correctly rounded: mantissa < 2⁵³ divided by an exact power of
/// ten), everything else through the standard library's parser.
@inline(__always)
private func parseNumber(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
    var i = 0
    var negative = false
    if i < field.count, field[i] == UInt8(ascii: "-") || field[i] == UInt8(ascii: "+") {
        negative = field[i] == UInt8(ascii: "-")
        i += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0, fractionDigits = 0
    var seenPoint = false
    var simple = i < field.count
    while i < field.count {
        let c = field[i]
        if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
            mantissa = mantissa &* 10 &+ UInt64(c &- UInt8(ascii: "0"))
            digits += 1
            if seenPoint { fractionDigits += 1 }
        } else if c == UInt8(ascii: "."), !seenPoint {
            seenPoint = true
        } else {
            simple = false
            break
        }
        i += 1
    }
    if simple && digits > 0 && digits <= 15 {
        let powers: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]
        let magnitude = Double(mantissa) / powers[fractionDigits]
        return negative ? -magnitude : magnitude
    }
    guard let value = Double(String(decoding: field, as: UTF8.self)), value.isFinite else { return nil }
    return value
}

/// Splits CSV bytes into numeric rows.
///
/// Blank lines are skipped; `\r\n` line ends, spaces around fields and
/// double quotes around a whole field are accepted. The first non-blank row
/// is a header when any of its fields is not a number.
func parseCSV(_ bytes: [UInt8], file: String) throws(DataError) -> CSVTable {
    var table = CSVTable()
    var failure: DataError? = nil
    var firstRowLine = 0
    bytes.withUnsafeBufferPointer { all in
        var fields: [Range<Int>] = []
        var parsed: [Double] = []
        var lineNumber = 0
        var start = 0
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), quote = UInt8(ascii: "\"")
        while start < all.count {
            lineNumber += 1
            var end = start
            while end < all.count && all[end] != UInt8(ascii: "\n") { end += 1 }
            let next = end + 1
            if end > start && all[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            defer { start = next }
            // Fields, trimmed.
            fields.removeAll(keepingCapacity: true)
            var fieldStart = start
            var blank = true
            for i in start...end where i == end || all[i] == UInt8(ascii: ",") {
                var a = fieldStart, b = i
                while a < b && (all[a] == space || all[a] == tab) { a += 1 }
                while b > a && (all[b - 1] == space || all[b - 1] == tab) { b -= 1 }
                if b - a >= 2 && all[a] == quote && all[b - 1] == quote {
                    a += 1
                    b -= 1
                }
                if b > a || i < end { blank = false }
                fields.append(a..<b)
                fieldStart = i + 1
            }
            if blank { continue }
            func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: all[r]), as: UTF8.self) }

            parsed.removeAll(keepingCapacity: true)
            var badField: Int? = nil
            for (column, range) in fields.enumerated() {
                guard let value = parseNumber(UnsafeBufferPointer(rebasing: all[range])) else {
                    badField = column
                    break
                }
                parsed.append(value)
            }
            if table.rows == 0 && table.header == nil {
                firstRowLine = lineNumber
                table.columns = fields.count
                if badField != nil {
                    table.header = fields.map(text)
                    continue
                }
            }
            guard fields.count == table.columns else {
                failure = DataError(
                    file: file,
                    problem: "line \(lineNumber) has \(fields.count) fields, but line \(firstRowLine) has \(table.columns)")
                return
            }
            if let column = badField {
                let shown = text(fields[column])
                failure = DataError(
                    file: file,
                    problem: "line \(lineNumber), column \(column + 1): "
                        + (shown.isEmpty ? "empty field" : "\"\(shown.prefix(40))\" is not a number"))
                return
            }
            table.values += parsed
            table.lines.append(lineNumber)
        }
    }
    if let failure { throw failure }
    guard table.rows > 0 else {
        throw DataError(file: file, problem: table.header == nil ? "no data: the file is empty" : "no data rows after the header")
    }
    return table
}

extension Dataset {
    /// A dataset from a CSV file of numbers, one sample per line.
    ///
    /// - Parameters:
    ///   - labelColumn: the 0-based column holding the class label; `nil`
    ///     (the default) takes the last column. Labels must be non-negative
    ///     integers (written `3` or `3.0`), at most 1,000,000; the class
    ///     count is the largest label + 1.
    ///   - name: the dataset's name; by default the file name.
    ///   - scaling: how features are scaled; by default `.automatic`:
    ///     unchanged when all lie in [0, 1], otherwise one global min–max
    ///     over all feature values (see ``FeatureScaling``).
    ///
    /// A first row with any non-numeric field is a header and is skipped.
    /// Blank lines are skipped, `\r\n` line ends and quotes around a field
    /// are accepted; quoted fields containing commas are not.
    ///
    /// - Throws: ``DataError`` naming `path`: for an empty file, a field that
    ///   is not a number (with its line and 1-based column), a row with a
    ///   different number of fields (with its line), a bad label, or a
    ///   label column out of range.
    public static func csv(
        path: String, labelColumn: Int? = nil, name: String? = nil, scaling: FeatureScaling = .automatic
    ) throws(DataError) -> Dataset {
        let bytes = try readFile(path: path)
        let table = try parseCSV(bytes, file: path)
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        return try fromTable(
            table, file: path, name: name ?? fileName, labelColumn: labelColumn, scaling: scaling, classCount: nil)
    }

    /// The 1,797 handwritten digits of the UCI "Optical Recognition of
    /// Handwritten Digits" test set (as in scikit-learn's `load_digits`),
    /// built in: 8×8 images of 64 features with values 0–16 scaled /16 to
    /// [0, 1], labels 0–9 (10 classes).
    ///
    /// - Throws: ``DataError`` (file "digits (built-in)") only if the
    ///   embedded data is damaged.
    public static func digits() throws(DataError) -> Dataset {
        let file = "digits (built-in)"
        let compressed = [UInt8](UnsafeBufferPointer(
            start: nabla_digits_csv_gz(), count: Int(nabla_digits_csv_gz_size())))
        let bytes = try gzipDecompressed(compressed, name: file)
        let table = try parseCSV(bytes, file: file)
        let result = try fromTable(
            table, file: file, name: "digits", labelColumn: nil, scaling: .divide(by: 16), classCount: 10)
        guard result.count == 1797, result.featureCount == 64 else {
            throw DataError(
                file: file, problem: "expected 1797 rows of 64 features, found \(result.count) of \(result.featureCount)")
        }
        return result
    }

    static func fromTable(
        _ table: CSVTable, file: String, name: String, labelColumn: Int?, scaling: FeatureScaling, classCount: Int?
    ) throws(DataError) -> Dataset {
        let columns = table.columns
        let labelIndex = labelColumn ?? columns - 1
        guard labelIndex >= 0 && labelIndex < columns else {
            throw DataError(
                file: file,
                problem: "label column \(labelIndex) is out of range: rows have \(columns) columns (0-\(columns - 1))")
        }
        var labels: [Int] = []
        labels.reserveCapacity(table.rows)
        for row in 0..<table.rows {
            let value = table.values[row * columns + labelIndex]
            guard value >= 0, value <= 1_000_000, value == value.rounded() else {
                throw DataError(
                    file: file,
                    problem: "line \(table.lines[row]), column \(labelIndex + 1): label \(value) is not an integer "
                        + "from 0 to 1000000")
            }
            labels.append(Int(value))
        }
        let width = columns - 1
        var features = [Double](repeating: 0, count: table.rows * width)
        for row in 0..<table.rows {
            var k = row * width
            for column in 0..<columns where column != labelIndex {
                features[k] = table.values[row * columns + column]
                k += 1
            }
        }
        scale(&features, width: width, scaling)
        let tensor: Tensor<Scalar> = tensorFromDoubles(features, shape: [table.rows, width])
        return try Dataset(name: name, features: tensor, labels: labels, classCount: classCount)
    }

    private static func scale(_ values: inout [Double], width: Int, _ scaling: FeatureScaling) {
        switch scaling {
        case .none:
            return
        case .divide(let maximum):
            for i in values.indices { values[i] /= maximum }
        case .automatic:
            guard let low = values.min(), let high = values.max(), low < 0 || high > 1 else { return }
            let span = high - low
            for i in values.indices { values[i] = span > 0 ? (values[i] - low) / span : 0 }
        case .perColumn:
            guard width > 0 else { return }
            let rows = values.count / width
            for column in 0..<width {
                var low = Double.infinity, high = -Double.infinity
                for row in 0..<rows {
                    low = min(low, values[row * width + column])
                    high = max(high, values[row * width + column])
                }
                let span = high - low
                for row in 0..<rows {
                    let i = row * width + column
                    values[i] = span > 0 ? (values[i] - low) / span : 0
                }
            }
        }
    }
}
