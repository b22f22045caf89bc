// SVG charts and self-contained HTML reports, with no dependencies.
//
// Files:
//   NablaPlot.swift      points, colours, dashes, the renderable protocol
//   Formatting.swift     numbers without float noise, XML/HTML escaping, the SVG writer
//   Axis.swift           axes, linear ("nice") and logarithmic ticks
//   Chart.swift          the chart and its layers
//   Contour.swift        sampled grids and marching squares
//   ChartRenderer.swift  layout and drawing of one chart
//   Figure.swift         several charts in one SVG
//   HTMLReport.swift     a report in one HTML file

/// A point in data coordinates.
public struct PlotPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }

    public init(x: Double, y: Double) {
        self.init(x, y)
    }
}

/// A colour, written into the SVG as given (any CSS colour: `#0072B2`, `black`).
///
/// The named colours are the Okabe–Ito palette, which stays distinguishable for
/// the common forms of colour blindness. ``palette`` is the order in which a
/// chart gives colours to series that do not choose one.
public struct PlotColor: Sendable, Hashable {
    public var css: String

    public init(_ css: String) {
        self.css = css
    }

    public static let blue = PlotColor("#0072B2")
    public static let vermillion = PlotColor("#D55E00")
    public static let bluishGreen = PlotColor("#009E73")
    public static let reddishPurple = PlotColor("#CC79A7")
    public static let orange = PlotColor("#E69F00")
    public static let skyBlue = PlotColor("#56B4E9")
    public static let black = PlotColor("#000000")
    public static let gray = PlotColor("#666666")

    /// Series colours in the order they are handed out (yellow is left out: it
    /// is unreadable on white).
    public static let palette: [PlotColor] = [.blue, .vermillion, .bluishGreen, .reddishPurple, .orange, .skyBlue, .black]
}

/// How a line is stroked.
public enum LineDash: Sendable, Hashable {
    case solid, dashed, dotted, dashDot

    var dashArray: String? {
        switch self {
        case .solid: nil
        case .dashed: "7 4"
        case .dotted: "2 3"
        case .dashDot: "7 3 2 3"
        }
    }
}

/// Something that draws itself as a standalone SVG document: a ``Chart`` or a ``Figure``.
public protocol PlotRenderable: Sendable {
    /// The SVG document, `width` × `height` pixels. `idPrefix` starts every
    /// `id` in the document (clip paths), so that several SVGs inlined in one
    /// HTML page do not share ids.
    func svg(width: Int, height: Int, idPrefix: String) -> String
}
