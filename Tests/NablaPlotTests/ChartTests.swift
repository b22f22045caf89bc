import Foundation
import Testing
@testable import NablaPlot

@Suite("Charts render to well-formed SVG with sane coordinates")
struct ChartTests {
    @Test("every sample chart parses as XML, has no NaN or inf, and draws inside its plot area")
    func samplesAreWellFormed() {
        for (name, svg) in SampleCharts.all() {
            let parsed = parseXML(svg)
            #expect(parsed.wellFormed, "\(name): \(parsed.error ?? "")")
            #expect(!containsNonFinite(svg), "\(name)")
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(name)")
            #expect(svg.contains("viewBox="), "\(name)")
            #expect(!parsed.clipRects.isEmpty, "\(name)")
            let outside = pointsOutsidePlot(parsed)
            #expect(outside.isEmpty, "\(name): \(outside.prefix(5))")
        }
    }

    @Test("every coordinate is a short number")
    func compactNumbers() {
        for (name, svg) in SampleCharts.all() {
            for e in parseXML(svg).elements {
                for key in ["x", "y", "cx", "cy", "x1", "y1", "x2", "y2", "d", "points"] {
                    guard let value = e.attributes[key] else { continue }
                    for n in numbers(in: value) {
                        #expect(abs(n) < 1e4, "\(name): \(e.name) \(key)=\(n)")
                    }
                    for token in value.split(whereSeparator: { " ,MLZ".contains($0) }) {
                        let fraction = token.split(separator: ".").dropFirst().first ?? ""
                        #expect(fraction.count <= 2, "\(name): \(token)")
                    }
                }
            }
        }
    }

    @Test("undrawable points break a line into pieces")
    func gapsSplitLines() {
        var chart = Chart(x: Axis("x"), y: Axis("y", scale: .logarithmic))
        chart.line(x: [1, 2, 3, 4, 5, 6, 7], y: [1, 2, .nan, 4, 5, -1, 7])
        let paths = parseXML(chart.svg()).dataElements.map(\.0).filter { $0.attributes["class"] == "line" }
        #expect(paths.count == 1)
        let d = paths[0].attributes["d"]!
        #expect(d.filter { $0 == "M" }.count == 2)  // [1, 2] and [4, 5]; 7 is alone
    }

    @Test("a tangent far out of range is clipped, not clamped: it keeps its slope")
    func tangentClipping() {
        var chart = Chart(x: Axis("x", range: 0...10), y: Axis("y", range: 0...10))
        chart.tangent(at: 5, y: 5, slope: 3)
        let parsed = parseXML(chart.svg(width: 400, height: 400))
        let tangent = parsed.dataElements.first { $0.0.attributes["class"] == "tangent" }!
        let p = drawnPoints(tangent.0)
        #expect(p.count == 2)
        let (x0, y0, x1, y1) = tangent.1
        let slope = -(p[1].1 - p[0].1) / (p[1].0 - p[0].0) * (x1 - x0) / (y1 - y0)
        #expect(abs(slope - 3) < 0.05)
        #expect(abs(p[0].1 - y1) < 0.01 && abs(p[1].1 - y0) < 0.01)  // enters at the bottom, leaves at the top
    }

    @Test("the level-1 contour of x² + y² is the unit circle, within grid resolution")
    func contourCircle() {
        let grid = ContourGrid(x: -2...2, y: -2...2, resolution: 41) { $0 * $0 + $1 * $1 }
        let h = 4.0 / 40
        let lines = grid.contourLines(at: 1)
        #expect(lines.count == 1)
        #expect(lines[0].first == lines[0].last)  // closed
        #expect(lines[0].count > 30)
        for p in lines[0] {
            #expect(abs((p.x * p.x + p.y * p.y).squareRoot() - 1) < h * h, "\(p)")
        }
        // and as drawn: map the SVG path back to data coordinates
        var chart = Chart(x: Axis("x", range: -2...2), y: Axis("y", range: -2...2))
        chart.contour(grid, levels: .values([1, 2]))
        let parsed = parseXML(chart.svg(width: 500, height: 500))
        let level = parsed.dataElements.first { $0.0.attributes["data-level"] == "1" }!
        let (x0, y0, x1, y1) = level.1
        let drawn = drawnPoints(level.0)
        #expect(drawn.count > 30)
        for (px, py) in drawn {
            let x = -2 + 4 * (px - x0) / (x1 - x0), y = 2 - 4 * (py - y0) / (y1 - y0)
            #expect(abs((x * x + y * y).squareRoot() - 1) < h, "\(x), \(y)")
        }
        #expect(parsed.elements.contains { $0.name == "text" && $0.ancestorClasses.contains("contour-labels") && $0.text == "1" })
    }

    @Test("automatic contour levels lie strictly inside the value range")
    func automaticLevels() {
        let c = Chart.Contour(grid: ContourGrid(x: -2...2, y: -2...2) { $0 * $0 + $1 * $1 })
        #expect(c.resolvedLevels.map(\.value) == [1, 2, 3, 4, 5, 6, 7])
    }

    @Test("a saddle and a grid with holes give contours without NaN")
    func saddle() {
        let grid = ContourGrid(x: -1...1, y: -1...1, resolution: 20) { x, y in x * y == 0 ? .nan : x * y }
        for level in [-0.5, 0, 0.5] {
            for line in grid.contourLines(at: level) {
                for p in line { #expect(p.x.isFinite && p.y.isFinite) }
            }
        }
        #expect(ContourGrid(x: [0], y: [0], values: [[1]]).contourLines(at: 0).isEmpty)
    }

    @Test("quiver arrows point along their vectors and the longest fits a cell")
    func quiver() {
        var chart = Chart(x: Axis("x", range: -2...2), y: Axis("y", range: -2...2))
        let field = { (x: Double, y: Double) in (-2 * x + y, -2 * y - 0.5 * x) }
        chart.quiver(x: -2...2, y: -2...2, count: 8, field: field)
        let parsed = parseXML(chart.svg(width: 500, height: 500))
        let (x0, y0, x1, y1) = parsed.clipRects.values.first!
        let cell = min(x1 - x0, y1 - y0) / 8
        let shafts = parsed.dataElements.map(\.0).filter { $0.name == "line" && $0.ancestorClasses.contains("quiver") }
        let heads = parsed.dataElements.map(\.0).filter { $0.name == "polygon" && $0.ancestorClasses.contains("quiver") }
        #expect(shafts.count == 64)
        var longest = 0.0
        for shaft in shafts {
            let (bx, by) = (shaft.number("x1")!, shaft.number("y1")!)
            let x = -2 + 4 * (bx - x0) / (x1 - x0), y = 2 - 4 * (by - y0) / (y1 - y0)
            let (dx, dy) = field(x, y)
            let (vx, vy) = (shaft.number("x2")! - bx, -(shaft.number("y2")! - by))
            let norm = (dx * dx + dy * dy).squareRoot() * (vx * vx + vy * vy).squareRoot()
            guard norm > 0 else { continue }
            #expect((dx * vx + dy * vy) / norm > 0.99, "arrow at (\(x), \(y))")
            // the tip is the head's first point
            if let head = heads.first(where: { h in
                let p = numbers(in: h.attributes["points"]!)
                return abs((p[0] - bx) * vy + (p[1] - by) * vx) < 1.5 && (p[0] - bx) * vx - (p[1] - by) * vy > 0
            }) {
                let p = numbers(in: head.attributes["points"]!)
                longest = max(longest, ((p[0] - bx) * (p[0] - bx) + (p[1] - by) * (p[1] - by)).squareRoot())
            }
        }
        #expect(longest <= cell + 0.02)
        #expect(longest >= 0.8 * cell)
    }

    @Test("text is escaped: a title with < & > \" ' stays well formed")
    func escaping() {
        var chart = Chart(title: "a < b & c > d \"q\" 'r'", x: Axis("x<1"), y: Axis("y&z"))
        chart.line(x: [0, 1], y: [0, 1], label: "<line> & co")
        chart.annotate("best < 1e-5 & \u{7}", at: PlotPoint(0.5, 0.5))
        let svg = chart.svg()
        let parsed = parseXML(svg)
        #expect(parsed.wellFormed, "\(parsed.error ?? "")")
        #expect(svg.contains("a &lt; b &amp; c &gt; d &quot;q&quot; &#39;r&#39;"))
        #expect(parsed.elements.contains { $0.attributes["class"] == "title" && $0.text == "a < b & c > d \"q\" 'r'" })
        #expect(parsed.elements.contains { $0.text == "<line> & co" })
    }

    @Test("a legend appears when some series has a label, and only then")
    func legend() {
        var chart = Chart()
        chart.line(x: [0, 1, 2], y: [0, 1, 4])
        #expect(!chart.svg().contains("class=\"legend\""))
        chart.line(x: [0, 1, 2], y: [0, 2, 3], label: "second")
        let parsed = parseXML(chart.svg())
        #expect(parsed.elements.contains { $0.ancestorClasses.contains("legend") && $0.text == "second" })
        chart.showsLegend = false
        #expect(!chart.svg().contains("class=\"legend\""))
    }

    @Test("the legend avoids the data: a line rising to the top right puts it top left")
    func legendPlacement() {
        var chart = Chart()
        chart.line(x: Array(0...50).map(Double.init), y: Array(0...50).map { Double($0 * $0) }, label: "x²")
        let parsed = parseXML(chart.svg(width: 600, height: 400))
        let box = parsed.elements.first { $0.name == "rect" && $0.ancestorClasses.contains("legend") }!
        let (x0, _, x1, _) = parsed.clipRects.values.first!
        #expect(box.number("x")! < (x0 + x1) / 2)
    }

    @Test("a heatmap writes its values and its row and column labels")
    func heatmap() {
        let parsed = parseXML(SampleCharts.confusion().svg(width: 520, height: 500))
        let cells = parsed.elements.filter { $0.name == "rect" && $0.ancestorClasses.contains("heatmap") }
        #expect(cells.count == 100)
        let texts = parsed.elements.filter { $0.name == "text" && $0.ancestorClasses.contains("heatmap") }.map(\.text)
        #expect(texts.count == 100)
        #expect(texts.contains("90"))
        let axisLabels = parsed.elements.filter { $0.name == "text" && $0.ancestorClasses.contains("axes") }.map(\.text)
        for d in 0..<10 { #expect(axisLabels.filter { $0 == String(d) }.count == 2) }
        #expect(axisLabels.contains("predicted") && axisLabels.contains("true"))
    }

    @Test("a 2×2 figure holds four charts with their own clip paths")
    func figure() {
        let svg = SampleCharts.optimizers().svg(width: 900, height: 760)
        let parsed = parseXML(svg)
        #expect(parsed.wellFormed)
        #expect(parsed.clipRects.count == 4)
        #expect(parsed.all("g").filter { $0.attributes["class"] == "chart" }.count == 4)
        #expect(parsed.elements.contains { $0.attributes["class"] == "figure-title" })
        let rects = parsed.clipRects.values.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        #expect(rects[0].2 < rects[1].0 && rects[0].3 < rects[2].1)  // side by side, then below
    }

    @Test("the automatic range pads lines but not contour grids")
    func automaticRange() {
        var chart = Chart()
        chart.line(x: [0, 20], y: [0, 10])
        let parsed = parseXML(chart.svg())
        let labels = parsed.elements.filter { $0.ancestorClasses.contains("axes") && $0.name == "text" }.map(\.text)
        #expect(labels.contains("0") && labels.contains("20"))
        var bowl = Chart()
        bowl.contour(x: -2...2, y: -2...2) { $0 * $0 + $1 * $1 }
        let bowlLabels = parseXML(bowl.svg()).elements.filter { $0.ancestorClasses.contains("axes") && $0.name == "text" }.map(\.text)
        #expect(bowlLabels.contains("-2") && bowlLabels.contains("2"))
    }
}
