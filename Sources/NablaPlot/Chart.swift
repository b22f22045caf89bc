/// One plot area with two axes and layers drawn in order, rendered to SVG.
///
/// ```swift
/// // f(x) = 0.01x² + 0.1x and its tangent at x = 5
/// let f = { (x: Double) in 0.01 * x * x + 0.1 * x }
/// var chart = Chart(title: "A function and its tangent", x: Axis("x"), y: Axis("f(x)"))
/// chart.line(function: f, from: 0, to: 20, label: "f(x)")
/// chart.tangent(at: 5, y: f(5), slope: 0.2, label: "tangent at x = 5")
/// chart.annotate("f′(5) = 0.2", at: PlotPoint(5, f(5)))
/// let svg = chart.svg(width: 640, height: 420)
///
/// // error against step size, log-log
/// var errors = Chart(title: "Forward difference", x: Axis("h", scale: .logarithmic),
///                    y: Axis("|error|", scale: .logarithmic))
/// errors.line(x: steps, y: errs, label: "forward")
/// errors.annotate("best h = 1e-8", at: PlotPoint(1e-8, 3e-9))
///
/// // contours, the negative gradient, a descent path
/// var bowl = Chart(title: "x₀² + x₁²", x: Axis("x₀"), y: Axis("x₁"))
/// bowl.contour(x: -2...2, y: -2...2) { x, y in x * x + y * y }
/// bowl.quiver(x: -2...2, y: -2...2, count: 13) { x, y in (-2 * x, -2 * y) }
/// bowl.path(iterates, label: "gradient descent")
///
/// // a confusion matrix
/// var matrix = Chart(title: "Confusion", x: Axis("predicted"), y: Axis("true"))
/// matrix.heatmap(counts, rowLabels: digits, columnLabels: digits)
/// ```
///
/// Points that cannot be drawn (NaN, ±∞, or ≤ 0 on a logarithmic axis) are
/// skipped and break a line in two. Everything is clipped to the plot area.
public struct Chart: PlotRenderable {
    public var title: String
    public var x: Axis
    public var y: Axis
    public var layers: [Layer]
    /// Draw a legend when some layer has a label.
    public var showsLegend: Bool = true
    /// Draw light gridlines at the ticks.
    public var showsGrid: Bool = true

    public init(title: String = "", x: Axis = Axis(), y: Axis = Axis(), layers: [Layer] = []) {
        self.title = title
        self.x = x
        self.y = y
        self.layers = layers
    }

    /// A drawable layer.
    public enum Layer: Sendable {
        case line(Line)
        case scatter(Scatter)
        case segment(Segment)
        case tangent(Tangent)
        case annotation(Annotation)
        case contour(Contour)
        case quiver(Quiver)
        case path(Path)
        case heatmap(Heatmap)
    }

    /// A polyline through points, in order.
    public struct Line: Sendable {
        public var points: [PlotPoint]
        public var label: String?
        public var color: PlotColor?
        public var dash: LineDash = .solid
        public var width: Double = 2
        public init(points: [PlotPoint], label: String? = nil, color: PlotColor? = nil, dash: LineDash = .solid, width: Double = 2) {
            self.points = points
            self.label = label
            self.color = color
            self.dash = dash
            self.width = width
        }
    }

    /// Unconnected markers.
    public struct Scatter: Sendable {
        public var points: [PlotPoint]
        public var label: String?
        public var color: PlotColor?
        public var radius: Double = 3.5
        public init(points: [PlotPoint], label: String? = nil, color: PlotColor? = nil, radius: Double = 3.5) {
            self.points = points
            self.label = label
            self.color = color
            self.radius = radius
        }
    }

    /// A straight segment between two points (part of the automatic range).
    public struct Segment: Sendable {
        public var from: PlotPoint
        public var to: PlotPoint
        public var label: String?
        public var color: PlotColor?
        public var dash: LineDash = .solid
        public init(from: PlotPoint, to: PlotPoint, label: String? = nil, color: PlotColor? = nil, dash: LineDash = .solid) {
            self.from = from
            self.to = to
            self.label = label
            self.color = color
            self.dash = dash
        }
    }

    /// The line y = y₀ + slope·(x − x₀) across the whole x range; only its
    /// point of contact counts for the automatic range.
    public struct Tangent: Sendable {
        public var point: PlotPoint
        public var slope: Double
        public var label: String?
        public var color: PlotColor?
        public var dash: LineDash = .dashed
        public init(point: PlotPoint, slope: Double, label: String? = nil, color: PlotColor? = nil, dash: LineDash = .dashed) {
            self.point = point
            self.slope = slope
            self.label = label
            self.color = color
            self.dash = dash
        }
    }

    /// A text note at a point, with a small marker there.
    public struct Annotation: Sendable {
        public var point: PlotPoint
        public var text: String
        public var color: PlotColor
        public var showsMarker: Bool
        public init(point: PlotPoint, text: String, color: PlotColor = PlotColor("#222222"), showsMarker: Bool = true) {
            self.point = point
            self.text = text
            self.color = color
            self.showsMarker = showsMarker
        }
    }

    /// Which contour levels to draw.
    public enum ContourLevels: Sendable {
        /// About `count` nice levels strictly between the grid's minimum and maximum.
        case automatic(count: Int)
        case values([Double])
    }

    /// Contour lines of a sampled function, coloured from dark (low) to
    /// light (high), each level labelled with its value.
    public struct Contour: Sendable {
        public var grid: ContourGrid
        public var levels: ContourLevels
        public var labelsLevels: Bool
        public init(grid: ContourGrid, levels: ContourLevels = .automatic(count: 8), labelsLevels: Bool = true) {
            self.grid = grid
            self.levels = levels
            self.labelsLevels = labelsLevels
        }

        /// The levels drawn, with their labels.
        public var resolvedLevels: [Axis.Tick] {
            switch levels {
            case .values(let values):
                return values.filter(\.isFinite).map { Axis.Tick($0, PlotNumber.format($0)) }
            case .automatic(let count):
                guard let range = grid.valueRange, range.upperBound > range.lowerBound else { return [] }
                let ticks = Axis.niceTicks(lower: range.lowerBound, upper: range.upperBound, maxCount: max(count, 1) + 2)
                let span = range.upperBound - range.lowerBound
                return ticks.filter {
                    $0.value > range.lowerBound + span * 1e-9 && $0.value < range.upperBound - span * 1e-9
                }
            }
        }
    }

    /// An arrow from (x, y) along (dx, dy), in data units.
    public struct Arrow: Sendable, Hashable {
        public var x: Double, y: Double, dx: Double, dy: Double
        public init(x: Double, y: Double, dx: Double, dy: Double) {
            self.x = x
            self.y = y
            self.dx = dx
            self.dy = dy
        }
    }

    /// A field of arrows, all scaled by one factor so that the longest is 90 %
    /// of a grid cell. Meant for linear axes.
    public struct Quiver: Sendable {
        public var arrows: [Arrow]
        /// Grid spacing in data units (x, y); nil: the smallest spacing between
        /// distinct arrow positions.
        public var cellSize: (x: Double, y: Double)?
        public var label: String?
        public var color: PlotColor
        public init(arrows: [Arrow], cellSize: (x: Double, y: Double)? = nil, label: String? = nil, color: PlotColor = PlotColor("#4d4d4d")) {
            self.arrows = arrows
            self.cellSize = cellSize
            self.label = label
            self.color = color
        }
    }

    /// A path through iterates (an optimiser's trajectory): a line with a dot
    /// at each point, a hollow circle at the start and a filled square at the end.
    public struct Path: Sendable {
        public var points: [PlotPoint]
        public var label: String?
        public var color: PlotColor?
        public init(points: [PlotPoint], label: String? = nil, color: PlotColor? = nil) {
            self.points = points
            self.label = label
            self.color = color
        }
    }

    /// A matrix of cells coloured by value with the value written in each cell
    /// (a confusion matrix). Row 0 is at the top; the axes show the row and
    /// column labels instead of numbers.
    public struct Heatmap: Sendable {
        public var values: [[Double]]
        public var rowLabels: [String]
        public var columnLabels: [String]
        /// Significant digits of the numbers in the cells (integers print whole).
        public var significantDigits: Int
        public init(values: [[Double]], rowLabels: [String] = [], columnLabels: [String] = [], significantDigits: Int = 2) {
            self.values = values
            self.rowLabels = rowLabels
            self.columnLabels = columnLabels
            self.significantDigits = significantDigits
        }

        var rows: Int { values.count }
        var columns: Int { values.map(\.count).max() ?? 0 }
    }

    // MARK: Adding layers

    public mutating func add(_ layer: Layer) {
        layers.append(layer)
    }

    /// A line through (x[i], y[i]); the shorter array sets the length.
    public mutating func line(x: [Double], y: [Double], label: String? = nil, color: PlotColor? = nil, dash: LineDash = .solid, width: Double = 2) {
        add(.line(Line(points: zip(x, y).map { PlotPoint($0, $1) }, label: label, color: color, dash: dash, width: width)))
    }

    public mutating func line(_ points: [PlotPoint], label: String? = nil, color: PlotColor? = nil, dash: LineDash = .solid, width: Double = 2) {
        add(.line(Line(points: points, label: label, color: color, dash: dash, width: width)))
    }

    /// The graph of `function` sampled at `samples` points of [from, to]
    /// (evenly on a linear x axis, evenly in log10 x on a logarithmic one).
    public mutating func line(
        function: (Double) -> Double, from lower: Double, to upper: Double, samples: Int = 201,
        label: String? = nil, color: PlotColor? = nil, dash: LineDash = .solid
    ) {
        let n = max(samples, 2)
        let logarithmic = x.scale == .logarithmic && lower > 0 && upper > 0
        let xs = (0..<n).map { i -> Double in
            let t = Double(i) / Double(n - 1)
            if logarithmic {
                return powerOfTenReal(decimalLog(lower) + t * (decimalLog(upper) - decimalLog(lower)))
            }
            return lower + t * (upper - lower)
        }
        line(x: xs, y: xs.map(function), label: label, color: color, dash: dash)
    }

    public mutating func scatter(x: [Double], y: [Double], label: String? = nil, color: PlotColor? = nil, radius: Double = 3.5) {
        add(.scatter(Scatter(points: zip(x, y).map { PlotPoint($0, $1) }, label: label, color: color, radius: radius)))
    }

    public mutating func scatter(_ points: [PlotPoint], label: String? = nil, color: PlotColor? = nil, radius: Double = 3.5) {
        add(.scatter(Scatter(points: points, label: label, color: color, radius: radius)))
    }

    public mutating func segment(from: PlotPoint, to: PlotPoint, label: String? = nil, color: PlotColor? = nil, dash: LineDash = .solid) {
        add(.segment(Segment(from: from, to: to, label: label, color: color, dash: dash)))
    }

    /// The tangent line through (x, y) with the given slope, across the plot.
    public mutating func tangent(at x: Double, y: Double, slope: Double, label: String? = nil, color: PlotColor? = nil, dash: LineDash = .dashed) {
        add(.tangent(Tangent(point: PlotPoint(x, y), slope: slope, label: label, color: color, dash: dash)))
    }

    public mutating func annotate(_ text: String, at point: PlotPoint, color: PlotColor = PlotColor("#222222"), showsMarker: Bool = true) {
        add(.annotation(Annotation(point: point, text: text, color: color, showsMarker: showsMarker)))
    }

    public mutating func contour(_ grid: ContourGrid, levels: ContourLevels = .automatic(count: 8), labelsLevels: Bool = true) {
        add(.contour(Contour(grid: grid, levels: levels, labelsLevels: labelsLevels)))
    }

    /// Contours of `function` sampled on a `resolution` × `resolution` grid.
    public mutating func contour(
        x: ClosedRange<Double>, y: ClosedRange<Double>, resolution: Int = 61,
        levels: ContourLevels = .automatic(count: 8), labelsLevels: Bool = true,
        function: (Double, Double) -> Double
    ) {
        contour(ContourGrid(x: x, y: y, resolution: resolution, function: function), levels: levels, labelsLevels: labelsLevels)
    }

    public mutating func quiver(_ arrows: [Arrow], cellSize: (x: Double, y: Double)? = nil, label: String? = nil, color: PlotColor = PlotColor("#4d4d4d")) {
        add(.quiver(Quiver(arrows: arrows, cellSize: cellSize, label: label, color: color)))
    }

    /// A `count` × `count` field of arrows at the centres of the cells of the
    /// rectangle; `field(x, y)` gives the vector (dx, dy) at each.
    public mutating func quiver(
        x: ClosedRange<Double>, y: ClosedRange<Double>, count: Int = 15, label: String? = nil,
        color: PlotColor = PlotColor("#4d4d4d"), field: (Double, Double) -> (Double, Double)
    ) {
        let n = max(count, 1)
        let cx = (x.upperBound - x.lowerBound) / Double(n), cy = (y.upperBound - y.lowerBound) / Double(n)
        var arrows: [Arrow] = []
        for j in 0..<n {
            for i in 0..<n {
                let px = x.lowerBound + (Double(i) + 0.5) * cx, py = y.lowerBound + (Double(j) + 0.5) * cy
                let (dx, dy) = field(px, py)
                arrows.append(Arrow(x: px, y: py, dx: dx, dy: dy))
            }
        }
        quiver(arrows, cellSize: (cx, cy), label: label, color: color)
    }

    public mutating func path(_ points: [PlotPoint], label: String? = nil, color: PlotColor? = nil) {
        add(.path(Path(points: points, label: label, color: color)))
    }

    public mutating func heatmap(_ values: [[Double]], rowLabels: [String] = [], columnLabels: [String] = [], significantDigits: Int = 2) {
        add(.heatmap(Heatmap(values: values, rowLabels: rowLabels, columnLabels: columnLabels, significantDigits: significantDigits)))
    }

    // MARK: Rendering

    /// The chart as a standalone SVG document.
    public func svg(width: Int = 640, height: Int = 420, idPrefix: String = "nabla") -> String {
        var writer = SVGWriter()
        ChartRenderer(chart: self).render(
            into: &writer, frame: Rect(x: 0, y: 0, width: Double(width), height: Double(height)),
            idPrefix: Escape.identifier(idPrefix))
        return svgDocument(width: width, height: height, body: writer.output)
    }
}
