import Foundation
import Testing

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
