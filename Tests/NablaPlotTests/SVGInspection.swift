import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import NablaPlot

/// One element of a parsed SVG: its name, attributes, text, and the `class`
/// and `clip-path` attributes of its ancestors.
struct ParsedElement {
    var name: String
    var attributes: [String: String]
    var text = ""
    var ancestorClasses: [String]
    var clipPath: String?

    func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }
}

/// The result of parsing markup with XMLParser: whether it is well formed, and its elements.
struct ParsedSVG {
    var wellFormed: Bool
    var error: String?
    var elements: [ParsedElement]

    func all(_ name: String) -> [ParsedElement] { elements.filter { $0.name == name } }

    /// Clip rectangles by clipPath id: (minX, minY, maxX, maxY).
    var clipRects: [String: (Double, Double, Double, Double)] {
        var rects: [String: (Double, Double, Double, Double)] = [:]
        var currentID: String?
        for e in elements {
            if e.name == "clipPath" { currentID = e.attributes["id"] }
            if e.name == "rect", let id = currentID, e.ancestorClasses.contains("clipPath:" + id) {
                let x = e.number("x")!, y = e.number("y")!
                rects[id] = (x, y, x + e.number("width")!, y + e.number("height")!)
                currentID = nil
            }
        }
        return rects
    }

    /// Elements drawn inside a group clipped to a plot area, with that area.
    var dataElements: [(ParsedElement, (Double, Double, Double, Double))] {
        let rects = clipRects
        return elements.compactMap { e in
            guard let clip = e.clipPath, e.ancestorClasses.contains("data"),
                  let id = clip.split(separator: "#").last?.dropLast(), let rect = rects[String(id)] else { return nil }
            return (e, rect)
        }
    }
}

final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [ParsedElement] = []
    private var stack: [(classes: String, clip: String?, index: Int)] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let classes = stack.map(\.classes).filter { !$0.isEmpty }
        let clip = stack.last(where: { $0.clip != nil })?.clip
        elements.append(ParsedElement(name: name, attributes: attributes, ancestorClasses: classes, clipPath: attributes["clip-path"] ?? clip))
        var own = attributes["class"] ?? ""
        if name == "clipPath", let id = attributes["id"] { own = "clipPath:" + id }
        stack.append((own, attributes["clip-path"] ?? clip, elements.count - 1))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = stack.last?.index { elements[index].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }
}

func parseXML(_ text: String) -> ParsedSVG {
    let parser = XMLParser(data: Data(text.utf8))
    let collector = SVGCollector()
    parser.delegate = collector
    let ok = parser.parse()
    return ParsedSVG(wellFormed: ok, error: parser.parserError.map { "\($0)" }, elements: collector.elements)
}

/// All numbers in an attribute like `d` or `points`.
func numbers(in text: String) -> [Double] {
    var out: [Double] = []
    var current = ""
    for c in text {
        if c.isNumber || c == "." || c == "-" || c == "e" {
            if c == "-" && !current.isEmpty && current.last != "e" {
                if let v = Double(current) { out.append(v) }
                current = ""
            }
            current.append(c)
        } else {
            if let v = Double(current) { out.append(v) }
            current = ""
        }
    }
    if let v = Double(current) { out.append(v) }
    return out
}

/// The points (x, y) an element places: its path, polygon, line ends, circle
/// centre, text anchor, and a rectangle's centre and corners.
func drawnPoints(_ e: ParsedElement) -> [(Double, Double)] {
    func pairs(_ values: [Double]) -> [(Double, Double)] {
        stride(from: 0, to: values.count - 1, by: 2).map { (values[$0], values[$0 + 1]) }
    }
    switch e.name {
    case "path": return pairs(numbers(in: e.attributes["d"] ?? ""))
    case "polygon", "polyline": return pairs(numbers(in: e.attributes["points"] ?? ""))
    case "line": return [(e.number("x1")!, e.number("y1")!), (e.number("x2")!, e.number("y2")!)]
    case "circle": return [(e.number("cx")!, e.number("cy")!)]
    case "text": return [(e.number("x")!, e.number("y")!)]
    case "rect":
        let (x, y, w, h) = (e.number("x")!, e.number("y")!, e.number("width")!, e.number("height")!)
        // A path's end marker is a square centred on a point inside.
        if e.attributes["class"] == "end" { return [(x + w / 2, y + h / 2)] }
        return [(x, y), (x + w, y + h)]
    default: return []
    }
}

/// Points of data layers that lie outside their clip rectangle by more than a pixel.
func pointsOutsidePlot(_ svg: ParsedSVG) -> [String] {
    var bad: [String] = []
    for (e, (x0, y0, x1, y1)) in svg.dataElements {
        for (x, y) in drawnPoints(e) where x < x0 - 1 || x > x1 + 1 || y < y0 - 1 || y > y1 + 1 {
            bad.append("\(e.name) (\(x), \(y)) outside [\(x0), \(x1)]×[\(y0), \(y1)]")
        }
    }
    return bad
}

/// Words that would betray a non-finite number in the output.
func containsNonFinite(_ text: String) -> Bool {
    text.contains("NaN") || text.contains("nan") || text.contains("inf") || text.contains("Inf")
}
