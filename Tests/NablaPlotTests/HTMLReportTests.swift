import Foundation
import Testing
@testable import NablaPlot

@Suite("HTML reports")
struct HTMLReportTests {
    /// The `<svg>…</svg>` documents inlined in `html`.
    func embeddedSVGs(_ html: String) -> [String] {
        var out: [String] = []
        var rest = Substring(html)
        while let start = rest.firstRange(of: "<svg "), let end = rest[start.lowerBound...].firstRange(of: "</svg>") {
            out.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return out
    }

    @Test("a report is one self-contained, escaped document")
    func selfContained() {
        let html = SampleCharts.report().html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("<style>"))
        for forbidden in ["<script", "<link", "src=", "url(http", "@import", "<?xml"] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        #expect(html.contains("<title>Derivatives for deep learning: a sample report &lt;&amp;&gt;</title>"))
        #expect(html.contains("0.2 &amp; it touches"))
        #expect(html.contains("&lt;done&gt;</pre>"))
        #expect(html.components(separatedBy: "<section>").count - 1 == 4)
        #expect(html.components(separatedBy: "</section>").count - 1 == 4)
        #expect(!containsNonFinite(html))
    }

    @Test("the report's SVGs parse as XML and their ids are unique in the page")
    func embeddedFigures() {
        let html = SampleCharts.report().html()
        let svgs = embeddedSVGs(html)
        #expect(svgs.count == 6)
        var ids: [String] = []
        for svg in svgs {
            let parsed = parseXML(svg)
            #expect(parsed.wellFormed, "\(parsed.error ?? "")")
            #expect(pointsOutsidePlot(parsed).isEmpty)
            ids += parsed.elements.compactMap { $0.attributes["id"] }
        }
        #expect(ids.count == 10)  // one clip path per chart: 1 + 1 + 1 + 4 + 2 + 1
        #expect(Set(ids).count == ids.count)
        #expect(html.contains("<figcaption><span class=\"number\">Figure 2.</span> Error against h"))
    }

    @Test("numeric table columns are right-aligned, text columns are not")
    func tables() {
        var report = HTMLReport(title: "t")
        report.table(header: ["name", "value", "share"], rows: [["a & b", "1.5", "12%"], ["c", "-2e-8", "3 %"], ["d", "1.5×10⁻⁸", ""]])
        let html = report.html()
        #expect(html.contains("<th>name</th><th class=\"num\">value</th><th>share</th>"))
        #expect(html.contains("<td>a &amp; b</td><td class=\"num\">1.5</td>"))
        #expect(html.contains("<td class=\"num\">1.5×10⁻⁸</td>"))
    }
}
