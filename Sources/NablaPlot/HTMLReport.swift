/// A report in one self-contained HTML file: headings, paragraphs, inline SVG
/// figures with captions, tables and preformatted text. Inline CSS, no
/// scripts, no external resources.
///
/// ```swift
/// var report = HTMLReport(title: "Training a two-layer network")
/// report.section("Loss")
/// report.paragraph("The loss falls for 20 epochs; validation accuracy levels off at 97 %.")
/// report.figure(lossChart, caption: "Training and validation loss.")
/// report.table(header: ["epoch", "loss", "accuracy"], rows: [["1", "0.92", "0.71"], ["2", "0.41", "0.88"]])
/// report.preformatted(summaryText)
/// let html = report.html()   // write it with the file writer of your choice
/// ```
public struct HTMLReport: Sendable {
    public var title: String
    public private(set) var blocks: [Block] = []

    /// One piece of the report, in order.
    public enum Block: Sendable {
        /// Starts a section with a heading (level 2, or 3 for a subsection).
        case heading(String, level: Int)
        case paragraph(String)
        /// An SVG document (already rendered) and its caption.
        case figure(svg: String, caption: String?)
        case table(header: [String], rows: [[String]], caption: String?)
        case preformatted(String)
    }

    public init(title: String) {
        self.title = title
    }

    public mutating func add(_ block: Block) {
        blocks.append(block)
    }

    /// Starts a new section under `heading`.
    public mutating func section(_ heading: String) {
        add(.heading(heading, level: 2))
    }

    public mutating func subsection(_ heading: String) {
        add(.heading(heading, level: 3))
    }

    /// A paragraph of plain text (escaped; no markup).
    public mutating func paragraph(_ text: String) {
        add(.paragraph(text))
    }

    /// A chart or figure, rendered here with ids unique within the report.
    public mutating func figure(_ plot: some PlotRenderable, caption: String? = nil, width: Int = 640, height: Int = 420) {
        let figures = blocks.filter { if case .figure = $0 { true } else { false } }.count
        add(.figure(svg: plot.svg(width: width, height: height, idPrefix: "figure\(figures + 1)"), caption: caption))
    }

    /// An SVG rendered elsewhere, inserted as is (its ids must not clash with
    /// the report's other figures: render it with its own `idPrefix`).
    public mutating func figure(svg: String, caption: String? = nil) {
        add(.figure(svg: svg, caption: caption))
    }

    /// A table; columns whose cells all read as numbers are right-aligned.
    public mutating func table(header: [String], rows: [[String]], caption: String? = nil) {
        add(.table(header: header, rows: rows, caption: caption))
    }

    public mutating func preformatted(_ text: String) {
        add(.preformatted(text))
    }

    /// The whole document.
    public func html() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Escape.markup(title))</title>
            <style>
            \(Self.css)</style>
            </head>
            <body>
            <main>
            <h1>\(Escape.markup(title))</h1>

            """
        var open = false
        var figureNumber = 0
        for block in blocks {
            switch block {
            case .heading(let text, let level):
                if level <= 2 {
                    if open { out += "</section>\n" }
                    out += "<section>\n"
                    open = true
                }
                let h = "h\(min(max(level, 2), 6))"
                out += "<\(h)>\(Escape.markup(text))</\(h)>\n"
            case .paragraph(let text):
                out += "<p>\(Escape.markup(text))</p>\n"
            case .figure(let svg, let caption):
                figureNumber += 1
                out += "<figure>\n" + Self.inline(svg)
                if let caption {
                    out += "<figcaption><span class=\"number\">Figure \(figureNumber).</span> \(Escape.markup(caption))</figcaption>\n"
                }
                out += "</figure>\n"
            case .table(let header, let rows, let caption):
                out += Self.tableHTML(header: header, rows: rows, caption: caption)
            case .preformatted(let text):
                out += "<pre>\(Escape.markup(text))</pre>\n"
            }
        }
        if open { out += "</section>\n" }
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    /// The SVG without an XML declaration (not allowed inside HTML).
    private static func inline(_ svg: String) -> String {
        var s = Substring(svg)
        if s.hasPrefix("<?xml"), let end = s.firstRange(of: "?>") {
            s = s[end.upperBound...]
        }
        let trimmed = s.drop { $0 == "\n" || $0 == " " }
        return trimmed.hasSuffix("\n") ? String(trimmed) : String(trimmed) + "\n"
    }

    private static func isNumeric(_ cell: String) -> Bool {
        var s = cell.trimmingSpaces
        if s.hasSuffix("%") { s.removeLast() }
        s = s.replacingMinusSign
        if s.isEmpty { return false }
        if Double(s) != nil { return true }
        // "1.5×10⁻⁸" as PlotNumber.format writes it
        if let times = s.firstRange(of: "×10") {
            return Double(s[..<times.lowerBound]) != nil
        }
        return ["∞", "-∞", "–"].contains(s)
    }

    private static func tableHTML(header: [String], rows: [[String]], caption: String?) -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0)
        let numeric = (0..<columns).map { c in
            let cells = rows.compactMap { c < $0.count ? $0[c] : nil }.filter { !$0.trimmingSpaces.isEmpty }
            return !cells.isEmpty && cells.allSatisfy(isNumeric)
        }
        var out = "<table>\n"
        if let caption { out += "<caption>\(Escape.markup(caption))</caption>\n" }
        if !header.isEmpty {
            out += "<thead><tr>"
            for c in 0..<columns {
                let text = c < header.count ? header[c] : ""
                out += numeric[c] ? "<th class=\"num\">" : "<th>"
                out += Escape.markup(text) + "</th>"
            }
            out += "</tr></thead>\n"
        }
        out += "<tbody>\n"
        for row in rows {
            out += "<tr>"
            for c in 0..<columns {
                out += numeric[c] ? "<td class=\"num\">" : "<td>"
                out += Escape.markup(c < row.count ? row[c] : "") + "</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        return out
    }

    static let css = """
        body { margin: 0; background: #ffffff; color: #1f1f1f; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
        main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
        h1 { font-size: 1.9em; margin: 0.4em 0 0.6em; }
        h2 { font-size: 1.4em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #e3e3e3; padding-bottom: 0.2em; }
        h3 { font-size: 1.15em; margin: 1.3em 0 0.4em; }
        figure { margin: 1.4em 0; }
        figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
        figcaption { color: #555555; font-size: 0.92em; margin-top: 0.4em; text-align: center; }
        figcaption .number { font-weight: 600; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.95em; }
        caption { caption-side: top; text-align: left; color: #555555; padding-bottom: 0.3em; }
        th, td { padding: 4px 12px; border-bottom: 1px solid #e3e3e3; text-align: left; }
        th { border-bottom: 2px solid #bdbdbd; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        pre { background: #f6f8fa; border: 1px solid #e3e3e3; border-radius: 4px; padding: 10px 12px; overflow-x: auto; font-size: 0.88em; line-height: 1.4; }

        """
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    fileprivate var replacingMinusSign: String {
        String(map { $0 == "−" ? "-" : $0 })
    }
}
