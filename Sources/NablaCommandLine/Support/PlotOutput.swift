import Foundation
import Nabla

// What the `--plot` options of diff, steps, grad and descend share: writing
// the file, parsing `--range`, and the contour charts of two-variable
// functions.

/// A picture a command writes with `--plot FILE`.
enum PlotFile {
    /// Writes `plot` to `path`, atomically (a temporary file in the same
    /// directory, then a rename): an SVG document, or, when the name ends
    /// in `.html` or `.htm`, a self-contained HTML page with the picture and
    /// `text` (the command's output) under it.
    ///
    /// - Throws: ``CommandFailure`` naming the path and the system's reason.
    static func write(_ plot: some PlotRenderable, width: Int, height: Int, to path: String,
                      title: String, text: String? = nil) throws {
        let lower = path.lowercased()
        let content: String
        if lower.hasSuffix(".html") || lower.hasSuffix(".htm") {
            var report = HTMLReport(title: title)
            report.figure(plot, width: width, height: height)
            if let text { report.preformatted(text) }
            content = report.html()
        } else {
            content = plot.svg(width: width, height: height, idPrefix: "nabla")
        }
        do {
            try writeFileAtomically(content, to: path)
        } catch {
            throw CommandFailure("cannot write the plot to \(error)")
        }
    }

    /// The line the text output ends with.
    static func confirmation(_ path: String) -> String { "plot written to \(path)" }
}

/// Parses a `--range` value: `a:b`, or for two axes `a:b,c:d` (one range
/// for both axes when `axes` is 2 and only one is given). Bounds may be
/// constant formulas: `-pi:pi`.
func parseRanges(_ text: String, axes: Int, option: String = "--range") throws -> [ClosedRange<Double>] {
    let example = axes == 1 ? "-2:2" : "-2:2 or -2:2,-1:3"
    let parts = splitTopLevel(text, on: ",")
    guard parts.count == 1 || parts.count == axes else {
        throw CommandFailure("\(option) expects \(axes == 1 ? "one range" : "one range, or one per axis,") like \(example), got '\(text)'")
    }
    let ranges = try parts.map { part -> ClosedRange<Double> in
        let bounds = splitTopLevel(part, on: ":")
        guard bounds.count == 2 else {
            throw CommandFailure("\(option) expects lower:upper like \(example), got '\(part)'")
        }
        let values = try bounds.map { bound -> Double in
            let trimmed = bound.trimmingSpaces()
            guard let formula = try? Formula(parsing: trimmed), formula.variables.isEmpty,
                  let value = try? formula.evaluate([String: Double]()), value.isFinite else {
                throw CommandFailure("\(option): '\(trimmed)' is not a finite number")
            }
            return value
        }
        guard values[0] < values[1] else {
            throw CommandFailure("\(option) \(part.trimmingSpaces()): the lower bound must be below the upper bound")
        }
        return values[0]...values[1]
    }
    return ranges.count == axes ? ranges : Array(repeating: ranges[0], count: axes)
}

/// Splits at `separator` outside parentheses.
private func splitTopLevel(_ text: String, on separator: Character) -> [String] {
    var parts: [String] = []
    var depth = 0
    var current = ""
    for c in text {
        if c == "(" { depth += 1 }
        if c == ")" { depth -= 1 }
        if c == separator && depth == 0 {
            parts.append(current)
            current = ""
        } else {
            current.append(c)
        }
    }
    parts.append(current)
    return parts
}

/// A short number for labels: 6 significant digits, no float noise
/// (`0.2`, `1.5e-08`).
func plotLabel(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == x.rounded(), x.magnitude < 1e15 { return String(Int64(x)) }
    return String(format: "%.6g", x)
}

/// Two significant digits in scientific notation without padding:
/// `1e-8`, `3.6e-12`, `0` (for labels on log-log plots).
func tidyScientific(_ x: Double) -> String {
    if x == 0 || !x.isFinite { return plotLabel(x) }
    let text = String(format: "%.1e", x)  // 3.6e-12, 1.0e-08, 2.5e+03
    guard let e = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: e)...]) else { return text }
    var mantissa = String(text[..<e])
    if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
    return exponent == 0 ? mantissa : "\(mantissa)e\(exponent)"
}

/// Contour levels that suit a bowl: spaced like the squares (k/(n+1))²
/// between the grid's smallest and largest value, so that the rings of a
/// quadratic come out evenly spaced and the region near a minimum, where
/// descent paths end, gets lines too. Rounded to two significant digits.
func bowlLevels(_ grid: ContourGrid, count: Int = 9) -> Chart.ContourLevels {
    guard let range = grid.valueRange, range.upperBound > range.lowerBound else { return .automatic(count: count) }
    let (lo, hi) = (range.lowerBound, range.upperBound)
    var levels: [Double] = []
    for k in 1...count {
        let t = Double(k) / Double(count + 1)
        var v = lo + (hi - lo) * t * t
        if let rounded = Double(String(format: "%.2g", v)), rounded > lo, rounded < hi { v = rounded }
        if v > lo, v < hi, !levels.contains(v) { levels.append(v) }
    }
    return .values(levels)
}

/// A chart of the contour lines of `f(x, y)` over a rectangle, its axes
/// named after the variables and fixed to the rectangle.
func contourChart(title: String, names: [String], x: ClosedRange<Double>, y: ClosedRange<Double>,
                  levels: Int = 9, f: (Double, Double) -> Double) -> Chart {
    var chart = Chart(title: title, x: Axis(names[0], range: x), y: Axis(names[1], range: y))
    let grid = ContourGrid(x: x, y: y, resolution: 81, function: f)
    chart.contour(grid, levels: bowlLevels(grid, count: levels))
    return chart
}

/// A picture size in which a chart of the rectangle x × y has (about) the
/// same scale on both axes, so that circles look round and gradients
/// perpendicular to the contours; when the sides differ by more than 3:1,
/// a 4:3 picture instead.
func equalAspectSize(x: ClosedRange<Double>, y: ClosedRange<Double>, width: Int = 640) -> (width: Int, height: Int) {
    // The chart's margins: about 75 px across (tick labels, axis label) and 80 down (title, ticks, label).
    let plotWidth = Double(width - 75)
    let ratio = (y.upperBound - y.lowerBound) / (x.upperBound - x.lowerBound)
    guard ratio.isFinite, ratio >= 1.0 / 3, ratio <= 3 else { return (width, width * 3 / 4) }
    let height = plotWidth * ratio + 80
    if height > 900 {  // too tall: narrow the picture instead
        return (Int((820 / ratio).rounded()) + 75, 900)
    }
    return (width, Int(height.rounded()))
}

/// The rectangle for descent paths: centred on where they end (so that
/// the minimum they approach sits in the middle, with the contours around
/// it), reaching 15 % beyond the farthest point on each axis; each side at
/// least a fifth of the other, never empty.
func descentBox(_ paths: [[[Double]]]) -> (ClosedRange<Double>, ClosedRange<Double>) {
    let ends = paths.compactMap { $0.last }.filter { $0.count >= 2 && $0[0].isFinite && $0[1].isFinite }
    let points = paths.joined().filter { $0.count >= 2 && $0[0].isFinite && $0[1].isFinite }
    guard !ends.isEmpty else { return (-1...1, -1...1) }
    let centre = [ends.map { $0[0] }.reduce(0, +) / Double(ends.count), ends.map { $0[1] }.reduce(0, +) / Double(ends.count)]
    var half = [0.0, 0.0]
    for p in points {
        for k in 0..<2 { half[k] = max(half[k], abs(p[k] - centre[k]) * 1.15) }
    }
    let floor = max(max(half[0], half[1]) / 5, 1e-9 * max(abs(centre[0]), abs(centre[1])), 1e-12)
    half = half.map { max($0, floor) }
    return ((centre[0] - half[0])...(centre[0] + half[0]), (centre[1] - half[1])...(centre[1] + half[1]))
}

/// The point as a person writes it: `(1, 2)`.
func pointLabel(_ values: [Double]) -> String {
    "(" + values.map(plotLabel).joined(separator: ", ") + ")"
}
