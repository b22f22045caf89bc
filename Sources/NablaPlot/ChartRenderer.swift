// Layout and drawing of one chart.
//
// Coordinates: every data layer is drawn inside a group clipped to the plot
// area, and its coordinates are also computed to lie inside that area: lines
// are clipped to it (Liang–Barsky, so what is visible keeps its geometry),
// markers and arrows whose anchor falls outside are left out. So no drawn
// coordinate is ever far outside the chart, and none is NaN.

struct Rect {
    var x, y, width, height: Double
    var minX: Double { x }
    var minY: Double { y }
    var maxX: Double { x + width }
    var maxY: Double { y + height }
    var midX: Double { x + width / 2 }
    var midY: Double { y + height / 2 }

    func contains(_ p: Pixel, tolerance: Double = 1e-6) -> Bool {
        p.x >= minX - tolerance && p.x <= maxX + tolerance && p.y >= minY - tolerance && p.y <= maxY + tolerance
    }
}

struct Pixel: Equatable {
    var x, y: Double
    static func + (a: Pixel, b: Pixel) -> Pixel { Pixel(x: a.x + b.x, y: a.y + b.y) }
    static func - (a: Pixel, b: Pixel) -> Pixel { Pixel(x: a.x - b.x, y: a.y - b.y) }
    static func * (s: Double, a: Pixel) -> Pixel { Pixel(x: s * a.x, y: s * a.y) }
    var length: Double { (x * x + y * y).squareRoot() }
}

/// Data value ↔ pixel along one axis.
struct AxisMap {
    var logarithmic: Bool
    var lower: Double, upper: Double  // transformed (log10 for a log axis)
    var start: Double, end: Double  // pixels

    init(scale: Axis.Scale, range: ClosedRange<Double>, start: Double, end: Double) {
        logarithmic = scale == .logarithmic
        lower = logarithmic ? decimalLog(range.lowerBound) : range.lowerBound
        upper = logarithmic ? decimalLog(range.upperBound) : range.upperBound
        if !(upper > lower) { upper = lower + 1 }
        self.start = start
        self.end = end
    }

    var pixelsPerUnit: Double { (end - start) / (upper - lower) }

    func pixel(_ value: Double) -> Double? {
        guard value.isFinite, !logarithmic || value > 0 else { return nil }
        let t = logarithmic ? decimalLog(value) : value
        let p = start + (t - lower) * pixelsPerUnit
        return p.isFinite ? min(max(p, -1e9), 1e9) : (p > 0 ? 1e9 : -1e9)
    }

    /// d(pixel)/d(value) at `value`.
    func derivative(at value: Double) -> Double? {
        guard value.isFinite else { return nil }
        if !logarithmic { return pixelsPerUnit }
        return value > 0 ? pixelsPerUnit / (value * 2.302585092994046) : nil
    }
}

/// Clips the segment a–b to `rect` (Liang–Barsky); nil when none of it is inside.
func clip(_ a: Pixel, _ b: Pixel, to rect: Rect) -> (Pixel, Pixel)? {
    var t0 = 0.0, t1 = 1.0
    let d = b - a
    let checks = [(-d.x, a.x - rect.minX), (d.x, rect.maxX - a.x), (-d.y, a.y - rect.minY), (d.y, rect.maxY - a.y)]
    for (p, q) in checks {
        if p == 0 {
            if q < 0 { return nil }
        } else {
            let t = q / p
            if p < 0 {
                if t > t1 { return nil }
                t0 = max(t0, t)
            } else {
                if t < t0 { return nil }
                t1 = min(t1, t)
            }
        }
    }
    return (a + t0 * d, a + t1 * d)
}

private let viridis: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
private let blues: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]

/// A colour between `stops` at t ∈ [0, 1], as #rrggbb.
func interpolate(_ stops: [(Double, Double, Double)], _ t: Double, darken: Double = 1) -> String {
    let t = t.isFinite ? min(max(t, 0), 1) : 0
    let position = t * Double(stops.count - 1)
    let i = min(Int(position), stops.count - 2)
    let f = position - Double(i)
    let (a, b) = (stops[i], stops[i + 1])
    let channels = [a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1), a.2 + f * (b.2 - a.2)].map { $0 * darken }
    let hex = Array("0123456789abcdef")
    return "#" + String(channels.flatMap { c -> [Character] in
        let v = Int(c.rounded())
        return [hex[v / 16], hex[v % 16]]
    })
}

struct ChartRenderer {
    let chart: Chart

    private enum LegendSample {
        case line(LineDash, Double), marker(Double), path, arrow
    }

    private struct LegendEntry {
        var label: String
        var color: String
        var sample: LegendSample
    }

    struct Layout {
        var plot: Rect
        var xMap: AxisMap, yMap: AxisMap
        var xTicks: [Axis.Tick], yTicks: [Axis.Tick]
        var rotateColumnLabels = false
        var titleFont: Double
    }

    // MARK: Colours and ranges

    /// The colour of each layer that draws series (explicit, or the next palette colour).
    private var seriesColors: [Int: String] {
        var colors: [Int: String] = [:]
        var next = 0
        func take(_ explicit: PlotColor?) -> String {
            if let explicit { return explicit.css }
            defer { next += 1 }
            return PlotColor.palette[next % PlotColor.palette.count].css
        }
        for (i, layer) in chart.layers.enumerated() {
            switch layer {
            case .line(let l): colors[i] = take(l.color)
            case .scatter(let s): colors[i] = take(s.color)
            case .segment(let s): colors[i] = take(s.color)
            case .tangent(let t): colors[i] = take(t.color)
            case .path(let p): colors[i] = take(p.color)
            case .annotation(let a): colors[i] = a.color.css
            case .quiver(let q): colors[i] = q.color.css
            case .contour, .heatmap: break
            }
        }
        return colors
    }

    private var heatmap: Chart.Heatmap? {
        for case .heatmap(let h) in chart.layers { return h }
        return nil
    }

    /// The data ranges on both axes.
    private func ranges() -> (ClosedRange<Double>, ClosedRange<Double>) {
        if let heatmap {
            return (0...Double(max(heatmap.columns, 1)), 0...Double(max(heatmap.rows, 1)))
        }
        var loose: [ClosedRange<Double>?] = [nil, nil], tight: [ClosedRange<Double>?] = [nil, nil]
        let axes = [chart.x, chart.y]
        func include(_ value: Double, _ axis: Int, tight isTight: Bool = false) {
            guard axes[axis].accepts(value) else { return }
            if isTight {
                tight[axis] = tight[axis].map { min($0.lowerBound, value)...max($0.upperBound, value) } ?? value...value
            } else {
                loose[axis] = loose[axis].map { min($0.lowerBound, value)...max($0.upperBound, value) } ?? value...value
            }
        }
        func include(_ p: PlotPoint) {
            guard axes[0].accepts(p.x), axes[1].accepts(p.y) else { return }
            include(p.x, 0)
            include(p.y, 1)
        }
        for layer in chart.layers {
            switch layer {
            case .line(let l): l.points.forEach(include)
            case .scatter(let s): s.points.forEach(include)
            case .path(let p): p.points.forEach(include)
            case .segment(let s): include(s.from); include(s.to)
            case .tangent(let t): include(t.point)
            case .annotation(let a): include(a.point)
            case .contour(let c):
                for v in [c.grid.x.first, c.grid.x.last].compactMap({ $0 }) { include(v, 0, tight: true) }
                for v in [c.grid.y.first, c.grid.y.last].compactMap({ $0 }) { include(v, 1, tight: true) }
            case .quiver(let q):
                let cell = q.cellSize ?? (0, 0)
                for a in q.arrows where a.x.isFinite && a.y.isFinite {
                    include(a.x - cell.x / 2, 0, tight: true)
                    include(a.x + cell.x / 2, 0, tight: true)
                    include(a.y - cell.y / 2, 1, tight: true)
                    include(a.y + cell.y / 2, 1, tight: true)
                }
            case .heatmap: break
            }
        }
        return (chart.x.resolvedRange(loose: loose[0], tight: tight[0]), chart.y.resolvedRange(loose: loose[1], tight: tight[1]))
    }

    // MARK: Layout

    private func layout(frame: Rect, reservedRight: Double) -> Layout {
        let (xRange, yRange) = ranges()
        let titleFont = chart.title.isEmpty ? 0 : min(15, max(9, (frame.width - 16) / max(estimatedTextWidth(chart.title, fontSize: 1), 1)))
        let top = frame.minY + (chart.title.isEmpty ? 12 : titleFont + 16)

        var rotate = false
        var columnLabelDepth = 13.0
        if let heatmap {
            let widest = heatmap.columnLabels.map { estimatedTextWidth($0, fontSize: 11) }.max() ?? 0
            let roughCell = (frame.width - 80) / Double(max(heatmap.columns, 1))
            if widest > roughCell - 4 {
                rotate = true
                columnLabelDepth = widest * 0.64 + 10
            }
        }
        let bottom = frame.maxY - (6 + 4 + columnLabelDepth + (chart.x.label.isEmpty ? 0 : 20) + 6)
        let plotHeight = max(bottom - top, 10)

        let yTicks: [Axis.Tick]
        if let heatmap {
            yTicks = (0..<heatmap.rows).map { r in
                Axis.Tick(Double(heatmap.rows - r) - 0.5, r < heatmap.rowLabels.count ? heatmap.rowLabels[r] : String(r))
            }
        } else {
            yTicks = thinned(chart.y.ticks(in: yRange, maxCount: min(max(Int(plotHeight / 40), 3), 8)), spacing: plotHeight, vertical: true)
        }
        let yLabelWidth = yTicks.compactMap { $0.label.map { estimatedTextWidth($0, fontSize: 11) } }.max() ?? 0
        let left = frame.minX + 8 + (chart.y.label.isEmpty ? 0 : 20) + yLabelWidth + 10
        var right = frame.maxX - 16 - reservedRight
        var plotWidth = max(right - left, 10)

        var xTicks: [Axis.Tick]
        if let heatmap {
            xTicks = (0..<heatmap.columns).map { c in
                Axis.Tick(Double(c) + 0.5, c < heatmap.columnLabels.count ? heatmap.columnLabels[c] : String(c))
            }
        } else {
            xTicks = chart.x.ticks(in: xRange, maxCount: min(max(Int(plotWidth / 70), 3), 8))
            // Room for the last label when it sits at the right edge.
            let provisional = AxisMap(scale: chart.x.scale, range: xRange, start: left, end: right)
            if let last = xTicks.last(where: \.isMajor), let label = last.label, let p = provisional.pixel(last.value) {
                let overhang = p + estimatedTextWidth(label, fontSize: 11) / 2 + 4 - (frame.maxX - reservedRight)
                if overhang > 0 {
                    right -= overhang
                    plotWidth = max(right - left, 10)
                }
            }
            xTicks = thinned(xTicks, spacing: plotWidth, vertical: false)
        }
        let plot = Rect(x: left, y: top, width: plotWidth, height: plotHeight)
        let xScale: Axis.Scale = heatmap == nil ? chart.x.scale : .linear
        let yScale: Axis.Scale = heatmap == nil ? chart.y.scale : .linear
        return Layout(
            plot: plot,
            xMap: AxisMap(scale: xScale, range: xRange, start: plot.minX, end: plot.maxX),
            yMap: AxisMap(scale: yScale, range: yRange, start: plot.maxY, end: plot.minY),
            xTicks: xTicks, yTicks: yTicks, rotateColumnLabels: rotate, titleFont: titleFont)
    }

    /// Drops labels (keeping every 2nd, 3rd, …) until neighbours do not overlap.
    private func thinned(_ ticks: [Axis.Tick], spacing: Double, vertical: Bool) -> [Axis.Tick] {
        guard let lower = ticks.first?.value, let upper = ticks.last?.value, upper > lower else { return ticks }
        let scale = vertical ? chart.y.scale : chart.x.scale
        let position = { (v: Double) in scale == .logarithmic ? decimalLog(v) : v }
        let (pLow, pHigh) = (position(lower), position(upper))
        let labelled = ticks.indices.filter { ticks[$0].isMajor }
        for keepEvery in 1...max(labelled.count, 1) {
            let kept = labelled.enumerated().filter { $0.offset % keepEvery == 0 }.map(\.element)
            var fits = true
            for (a, b) in zip(kept, kept.dropFirst()) {
                // Pixels between the two ticks, if the ticks spanned the whole axis (a lower bound).
                let gap = (position(ticks[b].value) - position(ticks[a].value)) / (pHigh - pLow) * spacing * 0.9
                let need = vertical
                    ? 14.0
                    : (estimatedTextWidth(ticks[a].label!, fontSize: 11) + estimatedTextWidth(ticks[b].label!, fontSize: 11)) / 2 + 8
                if gap < need { fits = false }
            }
            if fits {
                let keptSet = Set(kept)
                return ticks.indices.map { keptSet.contains($0) || !ticks[$0].isMajor ? ticks[$0] : Axis.Tick(ticks[$0].value, nil) }
            }
        }
        return ticks
    }

    // MARK: Geometry

    private func pixel(_ p: PlotPoint, _ l: Layout) -> Pixel? {
        guard let x = l.xMap.pixel(p.x), let y = l.yMap.pixel(p.y) else { return nil }
        return Pixel(x: x, y: y)
    }

    /// The visible pieces of a polyline: undrawable points split it, and each
    /// piece is clipped to the plot area.
    private func visiblePieces(_ points: [PlotPoint], _ l: Layout) -> [[Pixel]] {
        var pieces: [[Pixel]] = []
        var current: [Pixel] = []
        var previous: Pixel?
        func flush() {
            if current.count >= 2 { pieces.append(current) }
            current = []
        }
        for p in points {
            guard let q = pixel(p, l) else {
                flush()
                previous = nil
                continue
            }
            if let a = previous {
                if let (c0, c1) = clip(a, q, to: l.plot) {
                    if let last = current.last, (last - c0).length < 1e-9 {
                        current.append(c1)
                    } else {
                        flush()
                        current = [c0, c1]
                    }
                } else {
                    flush()
                }
            }
            previous = q
        }
        flush()
        return pieces
    }

    private func pathData(_ pieces: [[Pixel]]) -> String {
        var d = ""
        for piece in pieces {
            for (i, p) in piece.enumerated() {
                d += (i == 0 ? (d.isEmpty ? "M" : " M") : " L") + PlotNumber.coordinate(p.x) + " " + PlotNumber.coordinate(p.y)
            }
        }
        return d
    }

    /// Points along the pieces, at most ~6 px apart (for placing the legend).
    private func samples(_ pieces: [[Pixel]]) -> [Pixel] {
        var out: [Pixel] = []
        for piece in pieces {
            for (a, b) in zip(piece, piece.dropFirst()) {
                let n = min(Int((b - a).length / 6) + 1, 200)
                for k in 0..<n { out.append(a + (Double(k) / Double(n)) * (b - a)) }
            }
            if let last = piece.last { out.append(last) }
        }
        return out
    }

    /// The tangent's points: its ends on linear axes, a sampled curve on log axes.
    private func tangentPoints(_ t: Chart.Tangent, _ l: Layout) -> [PlotPoint] {
        let n = (l.xMap.logarithmic || l.yMap.logarithmic) ? 200 : 1
        return (0...n).map { i in
            let u = l.xMap.lower + (l.xMap.upper - l.xMap.lower) * Double(i) / Double(n)
            let x = l.xMap.logarithmic ? powerOfTenReal(u) : u
            return PlotPoint(x, t.point.y + t.slope * (x - t.point.x))
        }
    }

    /// Points along the series (lines, paths, markers), to keep labels and the legend off them.
    private func seriesSamples(_ l: Layout) -> [Pixel] {
        var out: [Pixel] = []
        for layer in chart.layers {
            switch layer {
            case .line(let line): out += samples(visiblePieces(line.points, l))
            case .path(let path): out += samples(visiblePieces(path.points, l))
            case .scatter(let s): out += s.points.compactMap { pixel($0, l) }.filter { l.plot.contains($0) }
            case .segment(let s): out += samples(visiblePieces([s.from, s.to], l))
            case .tangent(let t): out += samples(visiblePieces(tangentPoints(t, l), l))
            case .annotation(let a): if let p = pixel(a.point, l), l.plot.contains(p) { out.append(p) }
            case .contour, .quiver, .heatmap: break
            }
        }
        return out
    }

    /// The series and the annotations' text, to keep the legend off them.
    private func obstacles(_ l: Layout, series: [Pixel]) -> [Pixel] {
        var out = series
        for case .annotation(let a) in chart.layers {
            guard let box = annotationPlacement(a, l, series: series)?.box else { continue }
            for i in 0...8 {
                for j in 0...2 {
                    out.append(Pixel(x: box.minX + box.width * Double(i) / 8, y: box.minY + box.height * Double(j) / 2))
                }
            }
        }
        return out
    }

    // MARK: Drawing

    func render(into w: inout SVGWriter, frame: Rect, idPrefix: String) {
        let entries = legendEntries()
        var l = layout(frame: frame, reservedRight: 0)
        var series = seriesSamples(l)
        var legendBox: Rect?
        if chart.showsLegend, !entries.isEmpty {
            let size = legendSize(entries)
            let points = obstacles(l, series: series)
            let candidates = legendCorners(size, l.plot)
            let scored = candidates.map { box in
                (box, points.filter { Rect(x: box.x - 3, y: box.y - 3, width: box.width + 6, height: box.height + 6).contains($0) }.count)
            }
            let best = scored.min { $0.1 < $1.1 }!
            if best.1 > 0, frame.width - size.width > 320 {
                l = layout(frame: frame, reservedRight: size.width + 10)
                series = seriesSamples(l)
                legendBox = Rect(x: l.plot.maxX + 12, y: l.plot.minY, width: size.width, height: size.height)
            } else {
                legendBox = best.0
            }
        }
        let clipID = idPrefix + "-clip"
        let colors = seriesColors

        w.open("g", [("class", "chart")])
        if !chart.title.isEmpty {
            w.element("text", [("class", "title"), ("x", PlotNumber.coordinate(frame.midX)), ("y", PlotNumber.coordinate(frame.minY + l.titleFont + 6)),
                               ("text-anchor", "middle"), ("font-size", PlotNumber.coordinate(l.titleFont)), ("font-weight", "600"), ("fill", "#222")],
                      text: chart.title)
        }
        w.open("defs")
        w.open("clipPath", [("id", clipID)])
        w.element("rect", rectAttributes(l.plot))
        w.close("clipPath")
        w.close("defs")
        if chart.showsGrid && heatmap == nil { drawGrid(&w, l) }

        w.open("g", [("class", "data"), ("clip-path", "url(#\(clipID))")])
        var contourLabels: [ContourLabel] = []
        for (i, layer) in chart.layers.enumerated() {
            if case .contour(let c) = layer {
                contourLabels += drawContour(c, &w, l, avoiding: series, legend: legendBox, placed: contourLabels)
            } else {
                drawLayer(layer, color: colors[i] ?? "#333333", &w, l)
            }
        }
        // Labels last, over the arrows and paths.
        if !contourLabels.isEmpty {
            w.open("g", [("class", "contour-labels"), ("font-size", "10"), ("text-anchor", "middle"), ("stroke", "#ffffff"),
                         ("stroke-width", "3"), ("paint-order", "stroke"), ("stroke-linejoin", "round")])
            for label in contourLabels {
                w.element("text", [("x", PlotNumber.coordinate(label.at.x)), ("y", PlotNumber.coordinate(label.at.y + 3.5)),
                                   ("fill", label.color)], text: label.text)
            }
            w.close("g")
        }
        w.close("g")

        drawAxes(&w, l, frame: frame)
        for case .annotation(let a) in chart.layers {
            drawAnnotation(a, &w, l, series: series)
        }
        if let legendBox { drawLegend(entries, in: legendBox, &w) }
        w.close("g")
    }

    private func rectAttributes(_ r: Rect) -> [(String, String)] {
        [("x", PlotNumber.coordinate(r.x)), ("y", PlotNumber.coordinate(r.y)),
         ("width", PlotNumber.coordinate(r.width)), ("height", PlotNumber.coordinate(r.height))]
    }

    private func drawGrid(_ w: inout SVGWriter, _ l: Layout) {
        w.open("g", [("class", "grid"), ("stroke-width", "1")])
        for t in l.xTicks {
            guard let x = l.xMap.pixel(t.value), x >= l.plot.minX - 0.5, x <= l.plot.maxX + 0.5 else { continue }
            w.element("line", [("x1", PlotNumber.coordinate(x)), ("y1", PlotNumber.coordinate(l.plot.minY)), ("x2", PlotNumber.coordinate(x)),
                               ("y2", PlotNumber.coordinate(l.plot.maxY)), ("stroke", t.isMajor ? "#e3e3e3" : "#f1f1f1")])
        }
        for t in l.yTicks {
            guard let y = l.yMap.pixel(t.value), y >= l.plot.minY - 0.5, y <= l.plot.maxY + 0.5 else { continue }
            w.element("line", [("x1", PlotNumber.coordinate(l.plot.minX)), ("y1", PlotNumber.coordinate(y)), ("x2", PlotNumber.coordinate(l.plot.maxX)),
                               ("y2", PlotNumber.coordinate(y)), ("stroke", t.isMajor ? "#e3e3e3" : "#f1f1f1")])
        }
        w.close("g")
    }

    private func strokeAttributes(_ color: String, width: Double, dash: LineDash) -> [(String, String)] {
        var a = [("fill", "none"), ("stroke", color), ("stroke-width", PlotNumber.coordinate(width)),
                 ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
        if let d = dash.dashArray { a.append(("stroke-dasharray", d)) }
        return a
    }

    private func drawLayer(_ layer: Chart.Layer, color: String, _ w: inout SVGWriter, _ l: Layout) {
        switch layer {
        case .line(let line):
            let d = pathData(visiblePieces(line.points, l))
            if !d.isEmpty { w.element("path", [("class", "line"), ("d", d)] + strokeAttributes(color, width: line.width, dash: line.dash)) }
        case .segment(let s):
            let d = pathData(visiblePieces([s.from, s.to], l))
            if !d.isEmpty { w.element("path", [("class", "segment"), ("d", d)] + strokeAttributes(color, width: 1.8, dash: s.dash)) }
        case .tangent(let t):
            let d = pathData(visiblePieces(tangentPoints(t, l), l))
            if !d.isEmpty { w.element("path", [("class", "tangent"), ("d", d)] + strokeAttributes(color, width: 1.8, dash: t.dash)) }
        case .scatter(let s):
            w.open("g", [("class", "scatter"), ("fill", color), ("stroke", "#ffffff"), ("stroke-width", "0.8")])
            for p in s.points {
                guard let q = pixel(p, l), l.plot.contains(q) else { continue }
                w.element("circle", [("cx", PlotNumber.coordinate(q.x)), ("cy", PlotNumber.coordinate(q.y)), ("r", PlotNumber.coordinate(s.radius))])
            }
            w.close("g")
        case .path(let path):
            drawPath(path, color: color, &w, l)
        case .contour:
            break  // drawn by render, which places the labels
        case .quiver(let q):
            drawQuiver(q, color: color, &w, l)
        case .heatmap(let h):
            drawHeatmap(h, &w, l)
        case .annotation(let a):
            if a.showsMarker, let q = pixel(a.point, l), l.plot.contains(q) {
                w.element("circle", [("class", "annotation-marker"), ("cx", PlotNumber.coordinate(q.x)), ("cy", PlotNumber.coordinate(q.y)),
                                     ("r", "3.5"), ("fill", color), ("stroke", "#ffffff"), ("stroke-width", "1")])
            }
        }
    }

    private func drawPath(_ path: Chart.Path, color: String, _ w: inout SVGWriter, _ l: Layout) {
        w.open("g", [("class", "path")])
        let d = pathData(visiblePieces(path.points, l))
        if !d.isEmpty { w.element("path", [("d", d)] + strokeAttributes(color, width: 1.8, dash: .solid)) }
        let drawable = path.points.compactMap { pixel($0, l) }
        for (i, q) in drawable.enumerated() where l.plot.contains(q) {
            let (x, y) = (PlotNumber.coordinate(q.x), PlotNumber.coordinate(q.y))
            if i == 0 {
                w.element("circle", [("class", "start"), ("cx", x), ("cy", y), ("r", "5"), ("fill", "#ffffff"), ("stroke", color), ("stroke-width", "2")])
            } else if i == drawable.count - 1 {
                w.element("rect", [("class", "end"), ("x", PlotNumber.coordinate(q.x - 4.5)), ("y", PlotNumber.coordinate(q.y - 4.5)),
                                   ("width", "9"), ("height", "9"), ("fill", color), ("stroke", "#ffffff"), ("stroke-width", "1")])
            } else if drawable.count <= 400 {
                w.element("circle", [("cx", x), ("cy", y), ("r", "2.2"), ("fill", color)])
            }
        }
        w.close("g")
    }

    struct ContourLabel {
        var at: Pixel
        var text: String
        var color: String
    }

    /// Draws the contour lines and returns their labels, each placed where its
    /// line is farthest from the plot's edges, the other labels and the series
    /// (and not under the legend).
    private func drawContour(
        _ c: Chart.Contour, _ w: inout SVGWriter, _ l: Layout, avoiding series: [Pixel], legend: Rect?, placed: [ContourLabel]
    ) -> [ContourLabel] {
        let levels = c.resolvedLevels
        w.open("g", [("class", "contour"), ("fill", "none"), ("stroke-width", "1.3")])
        var labels: [ContourLabel] = []
        for (k, level) in levels.enumerated() {
            let t = levels.count > 1 ? 0.8 * Double(k) / Double(levels.count - 1) : 0.4
            let color = interpolate(viridis, t)
            let pieces = c.grid.contourLines(at: level.value).flatMap { visiblePieces($0, l) }
            let d = pathData(pieces)
            guard !d.isEmpty else { continue }
            w.element("path", [("data-level", level.label ?? ""), ("d", d), ("stroke", color), ("stroke-linejoin", "round")])
            guard c.labelsLevels, let text = level.label else { continue }
            let width = estimatedTextWidth(text, fontSize: 10)
            var best: (Pixel, Double)?
            for piece in pieces {
                for p in piece {
                    let edge = min(p.x - l.plot.minX - width / 2, l.plot.maxX - p.x - width / 2, p.y - l.plot.minY - 7, l.plot.maxY - p.y - 7)
                    guard edge > 0 else { continue }
                    if let legend, Rect(x: legend.x - width / 2 - 4, y: legend.y - 10, width: legend.width + width + 8, height: legend.height + 20).contains(p) {
                        continue
                    }
                    let others = (placed + labels).map { ($0.at - p).length - 30 }.min() ?? 1e9
                    let clear = series.map { ($0 - p).length - 8 }.min() ?? 1e9
                    let score = min(edge, others, clear)
                    if best == nil || score > best!.1 { best = (p, score) }
                }
            }
            if let (p, _) = best { labels.append(ContourLabel(at: p, text: text, color: interpolate(viridis, t, darken: 0.7))) }
        }
        w.close("g")
        return labels
    }

    /// The arrows as (base, tip) in pixels, all scaled by one factor so that
    /// the longest is 90 % of a grid cell; bases outside the plot are dropped.
    func quiverArrows(_ q: Chart.Quiver, _ l: Layout) -> (arrows: [(Pixel, Pixel)], cell: Double) {
        var based: [(Pixel, Pixel)] = []  // base, pixel vector
        for a in q.arrows {
            guard let base = pixel(PlotPoint(a.x, a.y), l), l.plot.contains(base),
                  let sx = l.xMap.derivative(at: a.x), let sy = l.yMap.derivative(at: a.y),
                  a.dx.isFinite, a.dy.isFinite else { continue }
            let v = Pixel(x: a.dx * sx, y: a.dy * sy)
            guard v.x.isFinite, v.y.isFinite else { continue }
            based.append((base, v))
        }
        var cell: Double
        if let size = q.cellSize, size.x > 0, size.y > 0, !l.xMap.logarithmic, !l.yMap.logarithmic {
            cell = min(abs(size.x * l.xMap.pixelsPerUnit), abs(size.y * l.yMap.pixelsPerUnit))
        } else {
            func smallestGap(_ values: [Double]) -> Double? {
                let sorted = Array(Set(values.map { ($0 * 10).rounded() / 10 })).sorted()
                return zip(sorted, sorted.dropFirst()).map { $1 - $0 }.filter { $0 > 0.5 }.min()
            }
            let gaps = [smallestGap(based.map(\.0.x)), smallestGap(based.map(\.0.y))].compactMap { $0 }
            cell = gaps.min() ?? min(l.plot.width, l.plot.height) / 10
        }
        cell = min(cell, min(l.plot.width, l.plot.height))
        let longest = based.map(\.1.length).max() ?? 0
        guard longest > 0 else { return ([], cell) }
        let factor = 0.9 * cell / longest
        return (based.map { ($0.0, $0.0 + factor * $0.1) }, cell)
    }

    private func drawQuiver(_ q: Chart.Quiver, color: String, _ w: inout SVGWriter, _ l: Layout) {
        w.open("g", [("class", "quiver"), ("stroke", color), ("fill", color), ("stroke-width", "1.2"), ("stroke-linecap", "round")])
        for (base, tip) in quiverArrows(q, l).arrows {
            let v = tip - base
            let length = v.length
            guard length >= 0.5 else { continue }
            let unit = (1 / length) * v
            let normal = Pixel(x: -unit.y, y: unit.x)
            let head = length >= 3 ? min(7, max(3, 0.35 * length)) : 0
            let corners = [tip, tip - head * unit + (0.45 * head) * normal, tip - head * unit - (0.45 * head) * normal]
            let headFits = head > 0 && corners.allSatisfy { l.plot.contains($0) }
            let shaftEnd = headFits ? tip - (0.7 * head) * unit : tip
            if let (a, b) = clip(base, shaftEnd, to: l.plot) {
                w.element("line", [("x1", PlotNumber.coordinate(a.x)), ("y1", PlotNumber.coordinate(a.y)),
                                   ("x2", PlotNumber.coordinate(b.x)), ("y2", PlotNumber.coordinate(b.y))])
            }
            if headFits {
                let points = corners.map { PlotNumber.coordinate($0.x) + "," + PlotNumber.coordinate($0.y) }.joined(separator: " ")
                w.element("polygon", [("points", points), ("stroke", "none")])
            }
        }
        w.close("g")
    }

    private func drawHeatmap(_ h: Chart.Heatmap, _ w: inout SVGWriter, _ l: Layout) {
        let finite = h.values.joined().filter(\.isFinite)
        let lo = min(finite.min() ?? 0, 0), hi = finite.max() ?? 1
        let integers = finite.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 }
        let texts = h.values.map { row in
            row.map { v -> String in
                guard v.isFinite else { return "–" }
                return integers ? String(Int(v)) : PlotNumber.format(v, significantDigits: h.significantDigits)
            }
        }
        let cellWidth = abs(l.xMap.pixelsPerUnit), cellHeight = abs(l.yMap.pixelsPerUnit)
        let longest = Double(texts.joined().map(\.count).max() ?? 1)
        let fontSize = min(13, cellHeight * 0.45, (cellWidth - 4) / (0.6 * longest))
        w.open("g", [("class", "heatmap"), ("stroke", "#ffffff"), ("stroke-width", "1")])
        for (r, row) in h.values.enumerated() {
            for (c, v) in row.enumerated() {
                guard let x0 = l.xMap.pixel(Double(c)), let x1 = l.xMap.pixel(Double(c + 1)),
                      let y0 = l.yMap.pixel(Double(h.rows - r)), let y1 = l.yMap.pixel(Double(h.rows - r - 1)) else { continue }
                let t = hi > lo ? (v - lo) / (hi - lo) : 0
                let fill = v.isFinite ? interpolate(blues, t) : "#eeeeee"
                w.element("rect", rectAttributes(Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)) + [("fill", fill)])
                if fontSize >= 6 {
                    w.element("text", [("x", PlotNumber.coordinate((x0 + x1) / 2)), ("y", PlotNumber.coordinate((y0 + y1) / 2 + fontSize * 0.35)),
                                       ("text-anchor", "middle"), ("font-size", PlotNumber.coordinate(fontSize)), ("stroke", "none"),
                                       ("fill", v.isFinite && t > 0.55 ? "#ffffff" : "#222222")], text: texts[r][c])
                }
            }
        }
        w.close("g")
    }

    private func drawAxes(_ w: inout SVGWriter, _ l: Layout, frame: Rect) {
        let p = l.plot
        w.open("g", [("class", "axes"), ("font-size", "11"), ("fill", "#333333")])
        w.element("rect", rectAttributes(p) + [("fill", "none"), ("stroke", "#8c8c8c"), ("stroke-width", "1")])
        for t in l.xTicks {
            guard let x = l.xMap.pixel(t.value), x >= p.minX - 0.5, x <= p.maxX + 0.5 else { continue }
            let length = t.isMajor ? 5.0 : 3.0
            w.element("line", [("x1", PlotNumber.coordinate(x)), ("y1", PlotNumber.coordinate(p.maxY)), ("x2", PlotNumber.coordinate(x)),
                               ("y2", PlotNumber.coordinate(p.maxY + length)), ("stroke", "#8c8c8c")])
            guard let label = t.label else { continue }
            if l.rotateColumnLabels {
                let (lx, ly) = (PlotNumber.coordinate(x), PlotNumber.coordinate(p.maxY + 12))
                w.element("text", [("x", lx), ("y", ly), ("text-anchor", "end"), ("transform", "rotate(-40 \(lx) \(ly))")], text: label)
            } else {
                w.element("text", [("x", PlotNumber.coordinate(x)), ("y", PlotNumber.coordinate(p.maxY + 18)), ("text-anchor", "middle")], text: label)
            }
        }
        for t in l.yTicks {
            guard let y = l.yMap.pixel(t.value), y >= p.minY - 0.5, y <= p.maxY + 0.5 else { continue }
            let length = t.isMajor ? 5.0 : 3.0
            w.element("line", [("x1", PlotNumber.coordinate(p.minX - length)), ("y1", PlotNumber.coordinate(y)), ("x2", PlotNumber.coordinate(p.minX)),
                               ("y2", PlotNumber.coordinate(y)), ("stroke", "#8c8c8c")])
            if let label = t.label {
                w.element("text", [("x", PlotNumber.coordinate(p.minX - 8)), ("y", PlotNumber.coordinate(y + 4)), ("text-anchor", "end")], text: label)
            }
        }
        if !chart.x.label.isEmpty {
            w.element("text", [("class", "axis-label"), ("x", PlotNumber.coordinate(p.midX)), ("y", PlotNumber.coordinate(frame.maxY - 8)),
                               ("text-anchor", "middle"), ("font-size", "13")], text: chart.x.label)
        }
        if !chart.y.label.isEmpty {
            let (x, y) = (PlotNumber.coordinate(frame.minX + 17), PlotNumber.coordinate(p.midY))
            w.element("text", [("class", "axis-label"), ("x", x), ("y", y), ("text-anchor", "middle"), ("font-size", "13"),
                               ("transform", "rotate(-90 \(x) \(y))")], text: chart.y.label)
        }
        w.close("g")
    }

    /// Where an annotation's text goes: of the four places beside the point
    /// (above right, below right, above left, below left), the first that
    /// stays inside the plot and covers the fewest series points.
    private func annotationPlacement(_ a: Chart.Annotation, _ l: Layout, series: [Pixel]) -> (anchor: Pixel, box: Rect, end: Bool)? {
        guard let q = pixel(a.point, l), l.plot.contains(q) else { return nil }
        let width = estimatedTextWidth(a.text, fontSize: 12)
        var best: (anchor: Pixel, box: Rect, end: Bool, score: Int)?
        for (end, below) in [(false, false), (false, true), (true, false), (true, true)] {
            let anchor = Pixel(x: end ? q.x - 8 : q.x + 8, y: below ? q.y + 18 : q.y - 8)
            let box = Rect(x: end ? anchor.x - width : anchor.x, y: anchor.y - 11, width: width, height: 14)
            let inside = box.minX >= l.plot.minX + 2 && box.maxX <= l.plot.maxX - 2 && box.minY >= l.plot.minY + 2 && box.maxY <= l.plot.maxY - 2
            let grown = Rect(x: box.x - 3, y: box.y - 3, width: box.width + 6, height: box.height + 6)
            let score = series.filter { grown.contains($0) && ($0 - q).length > 1 }.count + (inside ? 0 : 100_000)
            if best == nil || score < best!.score { best = (anchor, box, end, score) }
        }
        return best.map { ($0.anchor, $0.box, $0.end) }
    }

    private func drawAnnotation(_ a: Chart.Annotation, _ w: inout SVGWriter, _ l: Layout, series: [Pixel]) {
        guard let (anchor, _, end) = annotationPlacement(a, l, series: series) else { return }
        w.element("text", [("class", "annotation"), ("x", PlotNumber.coordinate(anchor.x)), ("y", PlotNumber.coordinate(anchor.y)),
                           ("text-anchor", end ? "end" : "start"), ("fill", a.color.css), ("stroke", "#ffffff"), ("stroke-width", "3"),
                           ("paint-order", "stroke"), ("stroke-linejoin", "round")], text: a.text)
    }

    // MARK: Legend

    private func legendEntries() -> [LegendEntry] {
        let colors = seriesColors
        var entries: [LegendEntry] = []
        for (i, layer) in chart.layers.enumerated() {
            let color = colors[i] ?? "#333333"
            switch layer {
            case .line(let x): if let s = x.label { entries.append(LegendEntry(label: s, color: color, sample: .line(x.dash, x.width))) }
            case .segment(let x): if let s = x.label { entries.append(LegendEntry(label: s, color: color, sample: .line(x.dash, 1.8))) }
            case .tangent(let x): if let s = x.label { entries.append(LegendEntry(label: s, color: color, sample: .line(x.dash, 1.8))) }
            case .scatter(let x): if let s = x.label { entries.append(LegendEntry(label: s, color: color, sample: .marker(x.radius))) }
            case .path(let x): if let s = x.label { entries.append(LegendEntry(label: s, color: color, sample: .path)) }
            case .quiver(let x): if let s = x.label { entries.append(LegendEntry(label: s, color: color, sample: .arrow)) }
            case .annotation, .contour, .heatmap: break
            }
        }
        return entries
    }

    private func legendSize(_ entries: [LegendEntry]) -> (width: Double, height: Double) {
        let text = entries.map { estimatedTextWidth($0.label, fontSize: 12) }.max() ?? 0
        return (8 + 28 + 6 + text * 1.05 + 12, 8 + Double(entries.count) * 18)
    }

    private func legendCorners(_ size: (width: Double, height: Double), _ plot: Rect) -> [Rect] {
        let inset = 8.0
        let (left, right) = (plot.minX + inset, plot.maxX - inset - size.width)
        let (top, bottom) = (plot.minY + inset, plot.maxY - inset - size.height)
        return [(right, top), (left, top), (right, bottom), (left, bottom)].map {
            Rect(x: $0.0, y: $0.1, width: size.width, height: size.height)
        }
    }

    private func drawLegend(_ entries: [LegendEntry], in box: Rect, _ w: inout SVGWriter) {
        w.open("g", [("class", "legend"), ("font-size", "12")])
        w.element("rect", rectAttributes(box) + [("rx", "4"), ("fill", "#ffffff"), ("fill-opacity", "0.88"), ("stroke", "#c8c8c8")])
        for (i, e) in entries.enumerated() {
            let y = box.minY + 4 + 18 * Double(i) + 9
            let (x0, x1) = (box.minX + 8, box.minX + 36)
            let (sx0, sx1, sy) = (PlotNumber.coordinate(x0), PlotNumber.coordinate(x1), PlotNumber.coordinate(y))
            switch e.sample {
            case .line(let dash, let width):
                w.element("line", [("x1", sx0), ("y1", sy), ("x2", sx1), ("y2", sy)] + strokeAttributes(e.color, width: width, dash: dash))
            case .marker(let r):
                w.element("circle", [("cx", PlotNumber.coordinate((x0 + x1) / 2)), ("cy", sy), ("r", PlotNumber.coordinate(r)), ("fill", e.color)])
            case .path:
                w.element("line", [("x1", sx0), ("y1", sy), ("x2", sx1), ("y2", sy)] + strokeAttributes(e.color, width: 1.8, dash: .solid))
                w.element("circle", [("cx", sx0), ("cy", sy), ("r", "3.5"), ("fill", "#ffffff"), ("stroke", e.color), ("stroke-width", "1.6")])
                w.element("rect", [("x", PlotNumber.coordinate(x1 - 3.5)), ("y", PlotNumber.coordinate(y - 3.5)), ("width", "7"), ("height", "7"), ("fill", e.color)])
            case .arrow:
                w.element("line", [("x1", sx0), ("y1", sy), ("x2", PlotNumber.coordinate(x1 - 5))] + [("y2", sy)] + strokeAttributes(e.color, width: 1.2, dash: .solid))
                w.element("polygon", [("points", "\(sx1),\(sy) \(PlotNumber.coordinate(x1 - 7)),\(PlotNumber.coordinate(y - 3.5)) \(PlotNumber.coordinate(x1 - 7)),\(PlotNumber.coordinate(y + 3.5))"), ("fill", e.color)])
            }
            w.element("text", [("x", PlotNumber.coordinate(x1 + 6)), ("y", PlotNumber.coordinate(y + 4)), ("fill", "#222222")], text: e.label)
        }
        w.close("g")
    }
}
