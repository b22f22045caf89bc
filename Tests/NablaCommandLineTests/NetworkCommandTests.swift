import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import NablaCommandLine

private func temporaryFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("nabla-cli-\(UUID().uuidString)-\(name)").path
}

@Suite("nabla train, gradcheck, predict")
struct NetworkCommandTests {
    @Test("The default run (README's main job) reaches ≥ 97% test accuracy on the built-in digits")
    func defaultRun() throws {
        let output = try run(["train"])
        #expect(output.contains("data       digits (train): 1438 train / 359 test, 64 features, 10 classes"))
        #expect(output.contains("network    64-100-10 relu (7510 parameters, Float)"))
        let last = try #require(output.split(separator: "\n").last)
        #expect(last.hasPrefix("done       test accuracy"))
        let accuracy = try #require(Double(last.split(separator: " ")[3].dropLast()))
        #expect(accuracy >= 97, "\(last)")
    }

    @Test("--json gives the configuration and one metrics entry per epoch")
    func jsonHistory() throws {
        let document = try json(["train", "--epochs", "3", "--hidden", "32", "--optimizer", "momentum"])
        #expect(document["network"] as? String == "64-32-10 relu")
        #expect(document["optimizer"] as? String == "momentum")
        #expect(document["iterations"] as? Int == 45)
        let history = try #require(document["history"] as? [[String: Any]])
        #expect(history.count == 3)
        #expect(history.map { $0["iteration"] as? Int } == [15, 30, 45])
        let losses = history.compactMap { $0["trainLoss"] as? Double }
        #expect(losses.count == 3 && losses[2] < losses[0])
        #expect((document["testAccuracy"] as? Double ?? 0) > 0.8)
    }

    @Test("--checkpoint then --resume continues exactly; predict reads the model")
    func checkpointResumePredict() throws {
        let path = temporaryFile("digits.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let common = ["train", "--hidden", "24", "--batch", "50", "--dropout", "0.1", "--json"]
        let uninterrupted = try run(common + ["--epochs", "4"])
        _ = try run(common + ["--epochs", "2", "--checkpoint", path])
        let resumed = try run(common + ["--epochs", "4", "--checkpoint", path, "--resume"])
        func field(_ text: String, _ key: String) -> String? {
            // Compare the numbers as printed (shortest round-trip text), not parsed.
            guard let range = text.range(of: "\"history\": ") else { return nil }
            return key == "history" ? String(text[range.upperBound...].prefix { $0 != "]" }) : nil
        }
        let a = try #require(field(uninterrupted, "history")), b = try #require(field(resumed, "history"))
        // Same losses and accuracies at every epoch (times differ).
        let strip = { (s: String) in s.replacingOccurrences(of: #""seconds": [0-9.e-]+"#, with: "", options: .regularExpression) }
        #expect(strip(a) == strip(b))

        let prediction = try run(["predict", "--model", path])
        #expect(prediction.contains("model     \(path): 64-24-10 relu dropout 0.1"))
        #expect(prediction.contains("confusion matrix (rows: true class, columns: predicted)"))
        let document = try json(["predict", "--model", path])
        let confusion = try #require(document["confusion"] as? [[Int]])
        #expect(confusion.count == 10 && confusion.joined().reduce(0, +) == 359)
        let trained = try JSONSerialization.jsonObject(with: Data(resumed.utf8)) as? [String: Any]
        #expect(document["accuracy"] as? Double == trained?["testAccuracy"] as? Double)
    }

    @Test("--report writes an HTML report and its SVGs, all well-formed XML without NaN")
    func report() throws {
        let directory = temporaryFile("report")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try run(["train", "--epochs", "3", "--hidden", "16", "--report", directory])
        #expect(output.contains("report     \(directory)/index.html"))
        for name in ["loss.svg", "accuracy.svg", "confusion.svg"] {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            #expect(!text.contains("NaN") && !text.lowercased().contains("inf\""))
            let parser = XMLParser(data: Data(text.utf8))
            #expect(parser.parse(), "\(name) is not well-formed XML")
        }
        let html = try String(contentsOfFile: directory + "/index.html", encoding: .utf8)
        #expect(html.contains("Gradient check") && html.contains("affine1.weight") && html.contains("Confusion matrix"))
        #expect(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<link"))
    }

    @Test("gradcheck: backprop agrees with numerical gradients per parameter")
    func gradcheck() throws {
        let output = try run(["gradcheck", "--hidden", "10", "--activation", "sigmoid"])
        #expect(output.contains("gradient check: 64-10-10 sigmoid on the first 3 samples of digits (train), Double, h = 0.0001"))
        for name in ["affine1.weight", "affine1.bias", "affine2.weight", "affine2.bias"] { #expect(output.contains(name)) }
        #expect(output.contains("backprop agrees with the numerical gradient"))
        let document = try json(["gradcheck", "--hidden", "10"])
        #expect(document["passes"] as? Bool == true)
        let rows = try #require(document["parameters"] as? [[String: Any]])
        for row in rows { #expect((row["meanAbsoluteDifference"] as? Double ?? 1) < 1e-9) }
    }

    @Test("--gradient numerical trains the slow way with progress lines")
    func numericalTraining() throws {
        let output = try run(["train", "--gradient", "numerical", "--hidden", "4", "--batch", "20", "--iterations", "2"])
        #expect(output.contains("(310 parameters, Double)"))
        #expect(output.contains("numerical gradient: iteration 2/2, parameter 310/310"))
        #expect(output.contains("numerical gradients"))
    }

    @Test("Bad input gets a one-line error naming what is wrong")
    func errors() throws {
        #expect(failure(["train", "--data", "imagenet"])?.contains("digits, mnist:DIR or csv:FILE") == true
                || failure(["train", "--data", "imagenet"])?.contains("mnist:") == true)
        let missing = failure(["train", "--data", "csv:/nonexistent/data.csv"]) ?? ""
        #expect(missing.contains("/nonexistent/data.csv"))
        #expect(failure(["train", "--hidden", "0"])?.contains("--hidden 0") == true)
        #expect(failure(["train", "--optimizer", "lbfgs"])?.contains("sgd, momentum, nesterov, adagrad, rmsprop, adam") == true)
        #expect(failure(["train", "--epochs", "2", "--iterations", "3"])?.contains("not both") == true)
        #expect(failure(["train", "--resume"])?.contains("--checkpoint") == true)
        #expect(failure(["predict", "--model", "/nonexistent/model.safetensors"])?.contains("/nonexistent/model.safetensors") == true)
        let garbage = temporaryFile("garbage.safetensors")
        defer { try? FileManager.default.removeItem(atPath: garbage) }
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect(failure(["predict", "--model", garbage])?.contains(garbage) == true)
    }
}

@Suite("nabla tour")
struct TourCommandTests {
    @Test("The tour runs end to end with the textbook's numbers and writes its report")
    func tour() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-tour-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try run(["tour", "--report", directory])
        #expect(output.contains("5              0.1999999999990898    0.2"))
        #expect(output.contains("h = 1e-50 becomes 0.0"))
        #expect(output.contains("∂f/∂x = 2 + 3*y") && output.contains("∂f/∂y = 3*x + 3*y^2"))
        #expect(output.contains("reverse mode (8.0, 15.0)"))
        #expect(output.contains("(-6.1e-10, 8.1e-10)"))
        #expect(output.contains("They agree"))
        #expect(output.contains("report written to \(directory)/index.html"))
        let html = try String(contentsOfFile: directory + "/index.html", encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("NaN"))
    }
}
