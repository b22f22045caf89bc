import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import NablaCommandLine

// The --plot options of diff, steps and grad, and `nabla descend`.

/// A fresh directory for the files a test writes.
private func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-plot-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// One element of an SVG: name, attributes, text, and its ancestors' classes.
private struct Element {
    var name: String
    var attributes: [String: String]
    var text = ""
    var ancestors: [String]

    func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }
    func inside(_ cls: String) -> Bool { ancestors.contains(cls) }
}

private final class Collector: NSObject, XMLParserDelegate {
    var elements: [Element] = []
    private var stack: [(cls: String, index: Int)] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes, ancestors: stack.map(\.cls).filter { !$0.isEmpty }))
        stack.append((attributes["class"] ?? "", elements.count - 1))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = stack.last?.index { elements[i].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }
}

/// A plot file, parsed.
private struct SVGFile {
    var text: String
    var elements: [Element]

    init(_ path: URL) throws {
        text = try String(contentsOf: path, encoding: .utf8)
        let parser = XMLParser(data: Data(text.utf8))
        let collector = Collector()
        parser.delegate = collector
        let parsed = parser.parse()
        #expect(parsed, "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        elements = collector.elements
        for bad in ["NaN", "nan", "inf", "Infinity"] {
            #expect(!text.contains("\"\(bad)") && !text.contains(" \(bad)"), "the SVG contains \(bad)")
        }
    }

    func all(_ name: String, inside cls: String? = nil, class own: String? = nil) -> [Element] {
        elements.filter { e in
            e.name == name && (cls.map { e.inside($0) } ?? true) && (own.map { e.attributes["class"] == $0 } ?? true)
        }
    }

    /// The texts of the legend.
    var legend: [String] { all("text", inside: "legend").map(\.text) }

    /// pixel → data along one axis, from its first and last tick labels.
    func axisMap(horizontal: Bool) -> (Double) -> Double {
        let ticks = all("text", inside: "axes").filter {
            $0.attributes["class"] == nil && $0.attributes["text-anchor"] == (horizontal ? "middle" : "end")
        }.compactMap { e -> (Double, Double)? in
            guard let value = Double(e.text.replacingOccurrences(of: "−", with: "-")) else { return nil }
            return (horizontal ? e.number("x")! : e.number("y")! - 4, value)
        }
        guard let a = ticks.first, let b = ticks.last, b.0 != a.0 else { return { _ in .nan } }
        return { p in a.1 + (p - a.0) * (b.1 - a.1) / (b.0 - a.0) }
    }

    /// All numbers of a path's `d`.
    static func numbers(_ d: String) -> [Double] {
        d.split(whereSeparator: { $0 == " " || $0 == "M" || $0 == "L" || $0 == "," }).compactMap { Double($0) }
    }
}

@Suite struct PlotCommandTests {
    @Test(arguments: [(5.0, 0.2), (10.0, 0.3)])
    func diffDrawsTheTangentAtThePoint(x0: Double, slope: Double) throws {
        let dir = try scratchDirectory()
        let file = dir.appendingPathComponent("tangent.svg")
        let text = try run(["diff", "0.01*x^2 + 0.1*x", "--at", "x=\(Int(x0))", "--plot", file.path])
        #expect(text.hasSuffix("plot written to \(file.path)"))
        #expect(text.contains("adaptive"))  // the usual output stays
        let svg = try SVGFile(file)
        #expect(svg.legend == ["f", "tangent at x=\(Int(x0)) (slope \(slope == 0.2 ? "0.2" : "0.3"))"])
        #expect(svg.all("path", class: "line").count == 1)
        let tangent = try #require(svg.all("path", class: "tangent").first)
        let ends = SVGFile.numbers(tangent.attributes["d"]!)
        #expect(ends.count == 4)
        // Mapped back to data, both ends lie on y = f(x0) + slope·(x − x0).
        let (toX, toY) = (svg.axisMap(horizontal: true), svg.axisMap(horizontal: false))
        let y0 = 0.01 * x0 * x0 + 0.1 * x0
        for k in [0, 2] {
            let (x, y) = (toX(ends[k]), toY(ends[k + 1]))
            #expect(abs(y - (y0 + slope * (x - x0))) < 0.01, "end (\(x), \(y))")
        }
        // The default range for x = 5 is the textbook's 0…20.
        if x0 == 5 {
            #expect(abs(toX(ends[0]) - 0) < 0.01 && abs(toX(ends[2]) - 20) < 0.01)
        }
        // The point is marked and labelled.
        let marker = try #require(svg.all("circle", class: "annotation-marker").first)
        #expect(abs(toX(marker.number("cx")!) - x0) < 0.01 && abs(toY(marker.number("cy")!) - y0) < 0.01)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["tangent.svg"])  // no temporary file left
    }

    @Test func diffPlotRangeAndJSON() throws {
        let file = try scratchDirectory().appendingPathComponent("t.svg")
        let doc = try json(["diff", "sin(x)", "--at", "x=0", "--plot", file.path, "--range", "-3:pi"])
        #expect(doc["plot"] as? String == file.path)
        #expect(abs((doc["value"] as? Double ?? 0) - 1) < 1e-12)
        let svg = try SVGFile(file)
        // f spans the range; the tangent y = x leaves the plot through its top and bottom.
        let curve = SVGFile.numbers(svg.all("path", class: "line")[0].attributes["d"]!)
        let toX = svg.axisMap(horizontal: true)
        #expect(abs(toX(curve[0]) + 3) < 0.01 && abs(toX(curve[curve.count - 2]) - Double.pi) < 0.01)
    }

    @Test func stepsDrawsTheVOfBothDifferences() throws {
        let file = try scratchDirectory().appendingPathComponent("steps.svg")
        let text = try run(["steps", "exp(x)", "--at", "x=1", "--plot", file.path])
        #expect(text.contains("best forward"))
        #expect(text.hasSuffix("plot written to \(file.path)"))
        let svg = try SVGFile(file)
        let lines = svg.all("path", class: "line")
        #expect(lines.count == 2)
        for line in lines { #expect(SVGFile.numbers(line.attributes["d"]!).count > 400) }  // many steps
        #expect(svg.legend.contains { $0.hasPrefix("forward") } && svg.legend.contains { $0.hasPrefix("central") })
        #expect(svg.legend.contains("the textbook's h = 1e-4"))
        let notes = svg.all("text", class: "annotation").map(\.text)
        #expect(notes.count == 2)
        // The best forward h is near sqrt(eps) ~ 1e-8, the best central near eps^(1/3) ~ 6e-6.
        let best = notes.compactMap { note -> Double? in
            guard let h = note.split(separator: " ").dropFirst(3).first else { return nil }
            return Double(h.replacingOccurrences(of: ",", with: ""))
        }
        #expect(best.count == 2)
        #expect(best[0] > 1e-10 && best[0] < 1e-6, "\(notes)")
        #expect(best[1] > 1e-7 && best[1] < 1e-4, "\(notes)")
        let doc = try json(["steps", "exp(x)", "--at", "x=1", "--plot", file.path])
        #expect(doc["plot"] as? String == file.path)
    }

    @Test func gradDrawsTheNegativeGradientField() throws {
        let file = try scratchDirectory().appendingPathComponent("field.svg")
        let text = try run(["grad", "x0^2 + x1^2", "--plot", file.path])
        #expect(text.contains("df/dx0 = 2*x0"))
        let svg = try SVGFile(file)
        #expect(!svg.all("path", inside: "contour").isEmpty)
        let arrows = svg.all("line", inside: "quiver")
        #expect(arrows.count == 224)  // 15 × 15, less the zero vector at the centre
        // Every arrow points towards the minimum at the centre of the plot.
        let (toX, toY) = (svg.axisMap(horizontal: true), svg.axisMap(horizontal: false))
        for a in arrows {
            let (x1, y1, x2, y2) = (toX(a.number("x1")!), toY(a.number("y1")!), toX(a.number("x2")!), toY(a.number("y2")!))
            #expect((x2 - x1) * -x1 + (y2 - y1) * -y1 > 0)
            #expect(abs(x1) <= 2 && abs(y1) <= 2)
        }
        #expect(svg.legend == ["−∇f (steepest descent)"])
    }

    @Test func gradWithPointAndRange() throws {
        let file = try scratchDirectory().appendingPathComponent("field.svg")
        let text = try run(["grad", "x0^2 + x1^2", "--at", "x0=1,x1=1.5", "--plot", file.path, "--range", "-2:2,-1:3"])
        #expect(text.contains("plot written to"))
        let svg = try SVGFile(file)
        #expect(svg.all("g", class: "quiver").count == 2)
        #expect(svg.legend.last == "−∇f at (1, 1.5) = (-2, -3)")
        let toY = svg.axisMap(horizontal: false)
        let ys = svg.all("line", inside: "quiver").map { toY($0.number("y1")!) }
        #expect(ys.min()! > -1 && ys.max()! < 3)
        // With JSON, the field and the gradient.
        let doc = try json(["grad", "x0^2 + x1^2", "--at", "x0=1,x1=1.5", "--plot", file.path])
        #expect(doc["plot"] as? String == file.path)
        #expect(doc["value"] as? [Double] == [2, 3])
    }

    @Test func htmlPageHoldsThePictureAndTheText() throws {
        let file = try scratchDirectory().appendingPathComponent("report.html")
        _ = try run(["diff", "0.01*x^2 + 0.1*x", "--at", "x=5", "--plot", file.path])
        let html = try String(contentsOf: file, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("adaptive") && html.lowercased().contains("<!doctype html>"))
    }

    @Test(arguments: [
        (["grad", "x*y*z", "--plot", "PLOT"], "two variables"),
        (["grad", "x*y*z", "--at", "x=1,y=2,z=3", "--plot", "PLOT"], "this one has 3 (x, y, z)"),
        (["grad", "x^2", "--plot", "PLOT"], "nabla diff --plot"),
        (["diff", "x^2", "--plot", "PLOT"], "--at"),
        (["diff", "x^2", "--at", "x=1", "--order", "2", "--plot", "PLOT"], "first derivative"),
        (["diff", "x^2", "--at", "x=1", "--plot", "PLOT", "--range", "3:1"], "lower bound"),
        (["diff", "x^2", "--at", "x=1", "--range", "0:1"], "--plot"),
        (["grad", "x*y", "--plot", "PLOT", "--range", "0:1,2:3,4:5"], "one per axis"),
        (["descend", "x0^2 + x1^2 + x2^2", "--from", "x0=1,x1=2,x2=3", "--plot", "PLOT"], "two variables"),
        (["descend", "x0^2 + x1^2", "--from", "x0=1"], "no value for variable 'x1': give every variable in --from"),
        (["descend", "x0^2 + x1^2", "--from", "x0=1,x1=2", "--lr", "-1"], "--lr must be a positive number"),
        (["descend", "x0^2 + x1^2", "--from", "x0=1,x1=2", "--optimizer", "lbfgs"], "--optimizer must be one of"),
        (["descend", "x0^2 + x1^2"], "--from"),
        (["descend", "--compare-optimizers", "--optimizer", "adam"], "leave out --optimizer"),
        (["descend", "log(x)", "--from", "x=-1"], "not finite at the start"),
    ])
    func badPlotInputGivesAClearMessage(arguments: [String], expected: String) throws {
        let file = try scratchDirectory().appendingPathComponent("x.svg")
        let message = failure(arguments.map { $0 == "PLOT" ? file.path : $0 })
        #expect(message?.contains(expected) == true, "got: \(message ?? "no error")")
        #expect(message?.contains("\n") != true)
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test func unwritablePathIsNamed() throws {
        let path = "/nonexistent-nabla-directory/plot.svg"
        for arguments in [["diff", "x^2", "--at", "x=1"], ["steps", "x^2", "--at", "x=1"], ["grad", "x*y"],
                          ["descend", "x^2 + y^2", "--from", "x=1,y=1"], ["descend", "--compare-optimizers"]] {
            let message = try #require(failure(arguments + ["--plot", path]))
            #expect(message.contains(path) && message.hasPrefix("cannot write the plot"), "\(message)")
            #expect(!message.contains("\n"))
        }
    }
}

@Suite struct DescendCommandTests {
    let book = ["descend", "x0^2 + x1^2", "--from", "x0=-3,x1=4", "--lr", "0.1", "--steps", "100"]

    @Test func textbookGradientDescent() throws {
        // x ← x − 0.1·2x, 100 times, in the same arithmetic.
        var expected = [-3.0, 4.0]
        for _ in 0..<100 { expected = expected.map { $0 - 0.1 * (2 * $0) } }
        let doc = try json(book)
        let end = try #require(doc["end"] as? [Double])
        for k in 0..<2 { #expect(abs(end[k] - expected[k]) <= 1e-12 * abs(expected[k]), "\(end)") }
        // The textbook prints array([-6.11110793e-10,  8.14814391e-10]).
        #expect(abs(end[0] + 6.11110793e-10) < 1e-17 && abs(end[1] - 8.14814391e-10) < 1e-17)
        #expect(doc["status"] as? String == "converged")
        #expect(doc["optimizer"] as? String == "sgd")
        let text = try run(book)
        for word in ["start: x0 = -3.0, x1 = 4.0 (f = 25)", "end: x0 = -6.11110792", "f at the end", "status: converged"] {
            #expect(text.contains(word), "missing \(word) in\n\(text)")
        }
        // Intermediate iterates: steps 0, 1, 2, 3, 5, 10, 20, 50, 100.
        let steps = text.split(separator: "\n").compactMap { line -> Int? in
            let first = line.split(separator: " ").first.map(String.init) ?? ""
            return line.hasPrefix(" ") || Int(first) != nil ? Int(first) : nil
        }
        #expect(steps == [0, 1, 2, 3, 5, 10, 20, 50, 100], "\(text)")
    }

    @Test func largeLearningRateDivergesAndSaysWhen() throws {
        let text = try run(["descend", "x0^2 + x1^2", "--from", "x0=-3,x1=4", "--lr", "10"])
        // |x| grows by 19 each step: 5·19^7 < 1e10 < 5·19^8.
        #expect(text.contains("status: diverged at step 8"), "\(text)")
        let doc = try json(["descend", "x0^2 + x1^2", "--from", "x0=-3,x1=4", "--lr", "10"])
        #expect(doc["status"] as? String == "diverged" && doc["divergedAtStep"] as? Int == 8)
        // Overflow to infinity is caught too, without a crash.
        let exploding = try run(["descend", "exp(x^2)", "--from", "x=3", "--lr", "1"])
        #expect(exploding.contains("diverged at step 1"), "\(exploding)")
    }

    @Test func tinyLearningRateBarelyMoves() throws {
        let text = try run(["descend", "x0^2 + x1^2", "--from", "x0=-3,x1=4", "--lr", "1e-10"])
        #expect(text.contains("status: barely moved"), "\(text)")
        #expect(try json(["descend", "x0^2 + x1^2", "--from", "x0=-3,x1=4", "--lr", "1e-10"])["status"] as? String == "barelyMoved")
    }

    @Test func exactAndNumericalGradientsAgree() throws {
        for optimizer in ["sgd", "momentum", "adam"] {
            let base = ["descend", "(x-1)^2 + 3*(y - x^2)^2 + sin(x*y)", "--from", "x=-1,y=1.5", "--lr", "0.01", "--steps", "300",
                        "--optimizer", optimizer]
            let exact = try #require(try json(base)["end"] as? [Double])
            let numerical = try #require(try json(base + ["--gradient", "numerical"])["end"] as? [Double])
            for k in 0..<2 { #expect(abs(exact[k] - numerical[k]) < 1e-6, "\(optimizer): \(exact) vs \(numerical)") }
        }
    }

    @Test func manyVariablesWithoutPlot() throws {
        let doc = try json(["descend", "(a-1)^2 + (b-2)^2 + (c-3)^2", "--from", "a=0,b=0,c=0", "--steps", "200"])
        let end = try #require(doc["end"] as? [Double])
        #expect(zip(end, [1.0, 2, 3]).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test func pathOverContours() throws {
        let file = try scratchDirectory().appendingPathComponent("descent.svg")
        let text = try run(book + ["--plot", file.path])
        #expect(text.hasSuffix("plot written to \(file.path)"))
        let svg = try SVGFile(file)
        let paths = svg.all("g", class: "path")
        #expect(paths.count == 1)
        #expect(!svg.all("path", inside: "contour").isEmpty)
        #expect(svg.all("circle", class: "start").count == 1 && svg.all("rect", class: "end").count == 1)
        // All 101 iterates are on the line (the last ones overlap near the minimum).
        let line = try #require(svg.all("path", inside: "path").first)
        #expect(SVGFile.numbers(line.attributes["d"]!).count == 202)
        #expect(svg.legend == ["100 steps: converged"])
    }

    @Test func compareOptimizersLikeTheTextbook() throws {
        let text = try run(["descend", "--compare-optimizers"])
        for name in ["SGD", "Momentum", "AdaGrad", "Adam"] { #expect(text.contains(name), "\(text)") }
        #expect(text.contains("x^2/20 + y^2"))
        let doc = try json(["descend", "--compare-optimizers"])
        let runs = try #require(doc["optimizers"] as? [[String: Any]])
        #expect(runs.map { $0["optimizer"] as? String } == ["sgd", "momentum", "adagrad", "adam"])
        #expect(runs.map { $0["learningRate"] as? Double } == [0.95, 0.1, 1.5, 0.3])
        #expect(runs.allSatisfy { $0["steps"] as? Int == 30 })
        // Every one gets much closer to the minimum than the start (f = 6.45).
        for r in runs { #expect((r["value"] as? Double ?? 1) < 0.2, "\(r)") }

        let file = try scratchDirectory().appendingPathComponent("optimizers.svg")
        _ = try run(["descend", "--compare-optimizers", "--plot", file.path])
        let svg = try SVGFile(file)
        #expect(svg.all("g", class: "path").count == 4)
        #expect(svg.all("g", class: "chart").count == 4)
        let titles = svg.all("text", class: "title").map(\.text)
        #expect(titles == ["SGD (lr 0.95)", "Momentum (lr 0.1)", "AdaGrad (lr 1.5)", "Adam (lr 0.3)"])
    }

    @Test func compareOptimizersWithOwnSettings() throws {
        let doc = try json(["descend", "--compare-optimizers", "x^2 + 2*y^2", "--from", "x=1,y=1", "--lr", "0.05", "--steps", "10"])
        let runs = try #require(doc["optimizers"] as? [[String: Any]])
        #expect(runs.count == 4)
        #expect(runs.allSatisfy { $0["learningRate"] as? Double == 0.05 && $0["steps"] as? Int == 10 })
    }
}
