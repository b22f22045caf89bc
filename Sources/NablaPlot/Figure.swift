/// Several charts in a grid in one SVG, under an overall title.
///
/// ```swift
/// let figure = Figure(title: "Four optimisers on the same bowl", columns: 2,
///                     charts: [sgd, momentum, rmsprop, adam])
/// let svg = figure.svg(width: 900, height: 760)
/// ```
public struct Figure: PlotRenderable {
    public var title: String
    /// Charts per row; rows follow from the number of charts.
    public var columns: Int
    public var charts: [Chart]

    public init(title: String = "", columns: Int = 2, charts: [Chart]) {
        self.title = title
        self.columns = columns
        self.charts = charts
    }

    public func svg(width: Int = 900, height: Int = 700, idPrefix: String = "nabla") -> String {
        let prefix = Escape.identifier(idPrefix)
        let (w, h) = (Double(max(width, 1)), Double(max(height, 1)))
        var writer = SVGWriter()
        var top = 0.0
        if !title.isEmpty {
            let size = min(18, max(10, (w - 20) / max(estimatedTextWidth(title, fontSize: 1), 1)))
            writer.element("text", [("class", "figure-title"), ("x", PlotNumber.coordinate(w / 2)), ("y", PlotNumber.coordinate(size + 8)),
                                    ("text-anchor", "middle"), ("font-size", PlotNumber.coordinate(size)), ("font-weight", "700"), ("fill", "#111")],
                           text: title)
            top = size + 16
        }
        let columns = max(1, min(self.columns, max(charts.count, 1)))
        let rows = (charts.count + columns - 1) / columns
        let cellWidth = w / Double(columns), cellHeight = (h - top) / Double(max(rows, 1))
        for (i, chart) in charts.enumerated() {
            let frame = Rect(x: Double(i % columns) * cellWidth, y: top + Double(i / columns) * cellHeight, width: cellWidth, height: cellHeight)
            ChartRenderer(chart: chart).render(into: &writer, frame: frame, idPrefix: "\(prefix)-\(i)")
        }
        return svgDocument(width: width, height: height, body: writer.output)
    }
}
