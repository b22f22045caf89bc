import Foundation
import Nabla
import CNablaKernels
import Testing

@testable import NablaCommandLine

/// Parses a command line the way `nabla` does and returns the command's output.
func run(_ arguments: [String]) throws -> String {
    var command = try NablaCommand.parseAsRoot(arguments)
    switch command {
    case let diff as DiffCommand: return try diff.output()
    case let grad as GradCommand: return try grad.output()
    case let hessian as HessianCommand: return try hessian.output()
    case let steps as StepsCommand: return try steps.output()
    case let graph as GraphCommand: return try graph.output()
    case let rules as RulesCommand: return rules.output()
    case let train as TrainCommand: return try train.output()
    case let check as GradcheckCommand: return try check.report().text
    case let predict as PredictCommand: return try predict.output()
    case let tour as TourCommand: return try tour.output()
    case let descend as DescendCommand: return try descend.output()
    default:
        try command.run()
        return ""
    }
}

/// The JSON document a `--json` command prints, decoded.
func json(_ arguments: [String]) throws -> [String: Any] {
    let text = try run(arguments + ["--json"])
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
}

/// The message a failing command gives.
func failure(_ arguments: [String]) -> String? {
    do {
        _ = try run(arguments)
        return nil
    } catch {
        return NablaCommand.message(for: error)
    }
}

@Suite struct DiffCommandTests {
    @Test func textbookCentralDifferenceIsReproducedBitForBit() throws {
        let arguments = ["diff", "0.01*x^2 + 0.1*x", "--at", "x=5", "--method", "central", "--step", "1e-4"]
        // Compared as text: Foundation's JSON reader on Linux rounds some
        // numbers in the last digit, and this one must be exact.
        #expect(try run(arguments + ["--json"]).contains("\"value\": 0.1999999999990898,"))
        #expect(try run(arguments).contains(" 0.1999999999990898 "))
        let doc = try json(arguments)
        #expect(doc["method"] as? String == "central")
        #expect(doc["evaluations"] as? Int == 4)
        #expect(doc["status"] as? String == "converged")
        #expect(doc["errorEstimate"] is Double)
    }

    @Test func adaptiveIsTheDefaultAndAccurate() throws {
        let doc = try json(["diff", "0.01*x^2 + 0.1*x", "--at", "x=10"])
        let value = try #require(doc["value"] as? Double)
        #expect(abs(value - 0.3) <= 1e-14)
        #expect(doc["method"] as? String == "adaptive")
    }

    @Test func allMethodsAreListedWithTheSameShape() throws {
        let doc = try json(["diff", "sin(x)*exp(x)", "--at", "x=1", "--method", "all"])
        let results = try #require(doc["results"] as? [[String: Any]])
        #expect(results.map { $0["method"] as? String }
                == ["adaptive", "central", "forward", "backward", "complex", "forward-mode", "reverse", "symbolic"])
        let exact = (cos(1.0) + sin(1.0)) * exp(1.0)
        for r in results {
            let value = try #require(r["value"] as? Double)
            #expect(abs(value - exact) / exact < 1e-6, "\(r)")
            #expect(r["errorEstimate"] is Double)
            #expect(r["evaluations"] is Int)
            #expect(r["status"] is String)
        }
        #expect(doc["value"] as? Double == results[0]["value"] as? Double)
    }

    @Test func tableNamesEveryMethodAndTheReference() throws {
        let text = try run(["diff", "exp(x)", "--at", "x=1", "--method", "all"])
        for word in ["adaptive", "central", "forward", "backward", "complex", "forward-mode", "reverse",
                     "difference from reverse", "converged"] {
            #expect(text.contains(word), "missing \(word) in\n\(text)")
        }
    }

    @Test func partialDerivativeWithWrt() throws {
        let dy = try json(["diff", "2*x + 3*x*y + y^3", "--at", "x=1,y=2", "--wrt", "y"])
        #expect(abs((dy["value"] as? Double ?? 0) - 15) < 1e-12)
        let dx = try json(["diff", "2*x + 3*x*y + y^3", "--at", "x=1,y=2", "--wrt", "x", "--method", "complex"])
        #expect(dx["value"] as? Double == 8)
    }

    @Test func secondDerivativeAndFloat() throws {
        let d2 = try json(["diff", "sin(x)", "--at", "x=1", "--order", "2"])
        #expect(abs((d2["value"] as? Double ?? 0) + sin(1.0)) < 1e-9)
        let f = try json(["diff", "exp(x)", "--at", "x=1", "--float"])
        #expect(f["precision"] as? String == "Float")
        #expect(abs((f["value"] as? Double ?? 0) - exp(1.0)) < 1e-4)
    }

    @Test func pointValuesMayBeConstantFormulas() throws {
        let doc = try json(["diff", "sin(x)", "--at", "x=pi/3", "--method", "complex"])
        #expect(abs((doc["value"] as? Double ?? 0) - 0.5) < 1e-15)
    }
}

@Suite struct GradAndHessianCommandTests {
    @Test func textbookGradient() throws {
        let doc = try json(["grad", "2*x + 3*x*y + y^3", "--at", "x=1,y=2"])
        let g = try #require(doc["value"] as? [Double])
        #expect(g.count == 2)
        #expect(abs(g[0] - 8) < 1e-12 && abs(g[1] - 15) < 1e-12)
        #expect(doc["variables"] as? [String] == ["x", "y"])
    }

    @Test func gradientComponentsFollowTheOrderOfAt() throws {
        let doc = try json(["grad", "x0^2 + 10*x1", "--at", "x1=4,x0=3", "--method", "complex"])
        #expect(doc["value"] as? [Double] == [10, 6])
    }

    @Test func hessianMatchesClosedForm() throws {
        let doc = try json(["hessian", "2*x + 3*x*y + y^3", "--at", "x=1,y=2"])
        let h = try #require(doc["value"] as? [[Double]])
        let exact: [[Double]] = [[0, 3], [3, 12]]
        for i in 0..<2 { for j in 0..<2 { #expect(abs(h[i][j] - exact[i][j]) < 1e-9) } }
    }

    @Test func hessianRefusesComplexStep() {
        let message = failure(["hessian", "x*y", "--at", "x=1,y=2", "--method", "complex"])
        #expect(message?.contains("first derivatives") == true)
    }
}

@Suite struct StepsCommandTests {
    @Test func doubleTableShowsTheVAndTheRoundingDisaster() throws {
        let doc = try json(["steps", "0.01*x^2 + 0.1*x", "--at", "x=5"])
        let rows = try #require(doc["rows"] as? [[String: Any]])
        #expect(rows.count == 17)
        #expect(rows.last?["h"] as? Double == 1e-50)
        #expect(rows.last?["central"] as? Double == 0)  // x + 1e-50 == x
        let text = try run(["steps", "0.01*x^2 + 0.1*x", "--at", "x=5", "--json"])
        #expect(text.contains("\"central\": 0.1999999999990898,"))
        let bestForward = try #require(doc["bestForwardStep"] as? Double)
        #expect(bestForward >= 1e-9 && bestForward <= 1e-6)
    }

    @Test func floatStepUnderflowsToZero() throws {
        let text = try run(["steps", "exp(x)", "--at", "x=1", "--float"])
        #expect(text.contains("h underflows to 0 in Float"))
        let doc = try json(["steps", "exp(x)", "--at", "x=1", "--float"])
        let rows = try #require(doc["rows"] as? [[String: Any]])
        #expect(rows.last?["central"] is NSNull)  // 0/0 = NaN, written as null
    }
}

@Suite struct BadInputTests {
    @Test(arguments: [
        (["diff", "2*x*", "--at", "x=1"], "column 5"),
        (["diff", "2x", "--at", "x=1"], "implicit multiplication"),
        (["diff", "x*y", "--at", "x=1"], "no value for variable 'y'"),
        (["diff", "x*y", "--at", "x=1,y=2"], "--wrt"),
        (["diff", "x", "--at", "x"], "name=value"),
        (["diff", "x", "--at", "x=abc"], "a value cannot use variables"),
        (["diff", "log(x)", "--at", "x=-1"], "no finite derivative"),
        (["diff", "sin(x)", "--at", "x=1", "--method", "central", "--step", "1e-50"], "lost to rounding"),
        (["diff", "sin(x)", "--at", "x=1", "--wrt", "z"], "--wrt z"),
        (["diff", "sin(x)", "--at", "x=1", "--step", "0.1"], "--step applies"),
        (["diff", "sin(x)", "--at", "x=1", "--method", "central", "--accuracy", "3"], "even accuracy order"),
        (["grad", "1/x", "--at", "x=0"], "no finite derivative"),
    ])
    func badInputGivesAClearMessage(arguments: [String], expected: String) {
        let message = failure(arguments)
        #expect(message?.contains(expected) == true, "got: \(message ?? "no error")")
        #expect(message?.contains("Fatal") != true)
    }

    @Test func parseErrorsAreOneLineWithACaretAtTheColumn() throws {
        let message = try #require(failure(["diff", "sin(x + 1", "--at", "x=1"]))
        #expect(!message.contains("\n"))
        #expect(message.contains("column 10"))
        #expect(message.hasSuffix("sin(x + 1‸"))
        let other = try #require(failure(["diff", "2x", "--at", "x=1"]))
        #expect(other.hasSuffix(": 2‸x"))
    }
}

@Suite struct AutomaticDifferentiationCommandTests {
    @Test func forwardAndReverseModesInDiffGradHessian() throws {
        for method in ["forward-mode", "reverse", "dual", "backprop"] {
            let d = try json(["diff", "2*x + 3*x*y + y^3", "--at", "x=1,y=2", "--wrt", "y", "--method", method])
            #expect(d["value"] as? Double == 15, "\(method)")
            #expect(d["evaluations"] as? Int == 1)
            let g = try json(["grad", "2*x + 3*x*y + y^3", "--at", "x=1,y=2", "--method", method])
            #expect(g["value"] as? [Double] == [8, 15], "\(method)")
            let h = try json(["hessian", "2*x + 3*x*y + y^3", "--at", "x=1,y=2", "--method", method])
            #expect(h["value"] as? [[Double]] == [[0, 3], [3, 12]], "\(method)")
        }
    }

    @Test func secondDerivativeByBothModes() throws {
        for method in ["forward-mode", "reverse"] {
            let d = try json(["diff", "x^3", "--at", "x=2", "--order", "2", "--method", method])
            #expect(d["value"] as? Double == 12)
        }
        #expect(failure(["diff", "x^3", "--at", "x=2", "--order", "3", "--method", "reverse"])?.contains("order 1 and 2") == true)
    }

    @Test func allComparesWithReverseMode() throws {
        let text = try run(["grad", "sin(x)*exp(y)", "--at", "x=1,y=2", "--method", "all"])
        #expect(text.contains("difference from reverse"))
        #expect(text.contains("forward-mode"))
    }
}

@Suite struct GraphCommandTests {
    static let shopping = ["graph", "(apple*apple_count + orange*orange_count)*tax",
                           "--at", "apple=100,apple_count=2,orange=150,orange_count=3,tax=1.1"]

    @Test func textbookShoppingGraph() throws {
        let doc = try json(Self.shopping)
        #expect(abs((doc["value"] as? Double ?? 0) - 715) < 1e-9)
        let g = try #require(doc["gradient"] as? [Double])
        for (a, b) in zip(g, [2.2, 110, 3.3, 165, 650]) { #expect(abs(a - b) < 1e-9, "\(g)") }
        let nodes = try #require(doc["nodes"] as? [[String: Any]])
        // 5 inputs, then apple*count, orange*count, their sum, and the total.
        #expect(nodes.count == 9)
        #expect(nodes.last?["id"] as? String == "f")
        #expect(nodes.last?["gradient"] as? Double == 1)
        let sum = try #require(nodes.first { $0["computes"] as? String == "v1 + v2" })
        #expect(abs((sum["gradient"] as? Double ?? 0) - 1.1) < 1e-12)
    }

    @Test func tableShowsValuesLocalDerivativesAndGradients() throws {
        let text = try run(Self.shopping)
        for piece in ["x1 * x2", "d/dv3 = 1.1, d/dx5 = 650", "df/dapple = 2.2", "df/dtax = 650", "715"] {
            #expect(text.contains(piece), "missing \(piece) in\n\(text)")
        }
    }

    @Test func sharedNodeSumsItsLocalDerivatives() throws {
        let doc = try json(["graph", "x*x", "--at", "x=3"])
        let nodes = try #require(doc["nodes"] as? [[String: Any]])
        let local = try #require(nodes.last?["local"] as? [String: Double])
        #expect(local == ["d/dx1": 6])
        #expect(doc["gradient"] as? [Double] == [6])
    }
}

@Suite struct SymbolicCommandTests {
    @Test func textbookPartialsPrintExactly() throws {
        #expect(try run(["diff", "2*x + 3*x*y + y^3", "--wrt", "x"]) == "f = 2*x + 3*x*y + y^3\ndf/dx = 2 + 3*y")
        #expect(try run(["diff", "2*x + 3*x*y + y^3", "--wrt", "y"]).hasSuffix("df/dy = 3*x + 3*y^2"))
        #expect(try run(["grad", "2*x + 3*x*y + y^3"]) == "f = 2*x + 3*x*y + y^3\ndf/dx = 2 + 3*y\ndf/dy = 3*x + 3*y^2")
        #expect(try run(["diff", "x^3"]).hasSuffix("df/dx = 3*x^2"))
        #expect(try run(["diff", "exp(2*x)"]).hasSuffix("df/dx = 2*exp(2*x)"))
        #expect(try run(["diff", "sigmoid(x)"]).hasSuffix("df/dx = sigmoid(x)*(1 - sigmoid(x))"))
        #expect(try run(["diff", "sin(x)", "--order", "2"]).hasSuffix("d^2f/dx^2 = -sin(x)"))
    }

    @Test func latexOutput() throws {
        let text = try run(["grad", "2*x + 3*x*y + y^3", "--latex"])
        #expect(text.contains("\\frac{\\partial f}{\\partial x} = 2 + 3y"))
        #expect(text.contains("\\frac{\\partial f}{\\partial y} = 3x + 3y^{2}"))
    }

    @Test func jsonHasSymbolicField() throws {
        let d = try json(["diff", "2*x + 3*x*y + y^3", "--at", "x=1,y=2", "--wrt", "y"])
        #expect(d["symbolic"] as? String == "3*x + 3*y^2")
        let g = try json(["grad", "2*x + 3*x*y + y^3", "--at", "x=1,y=2", "--latex"])
        #expect(g["symbolic"] as? [String] == ["2 + 3*y", "3*x + 3*y^2"])
        #expect(g["latex"] as? [String] == ["2 + 3y", "3x + 3y^{2}"])
        let s = try json(["grad", "x*y"])
        #expect(s["symbolic"] as? [String] == ["y", "x"])
    }

    @Test func symbolicMethodEvaluatesTheFormula() throws {
        let d = try json(["diff", "sigmoid(x)", "--at", "x=0.5", "--method", "symbolic"])
        let s = 1 / (1 + exp(-0.5))
        #expect(abs((d["value"] as? Double ?? 0) - s * (1 - s)) < 1e-16)
        let text = try run(["diff", "sin(x)*exp(x)", "--at", "x=1", "--method", "all"])
        #expect(text.contains("symbolic"))
        #expect(text.contains("df/dx = "))
        let h = try json(["hessian", "x^3*y", "--at", "x=1,y=2", "--method", "symbolic"])
        #expect(h["value"] as? [[Double]] == [[12, 3], [3, 0]])
    }

    @Test func severalVariablesNeedWrt() {
        #expect(failure(["diff", "x*y"])?.contains("--wrt") == true)
        #expect(failure(["hessian", "x*y"])?.contains("--at") == true)
    }
}

@Suite struct RulesCommandTests {
    @Test func cheatSheetComesFromTheRuleTable() throws {
        let text = try run(["rules"])
        for line in ["d(u*v) = du*v + dv*u", "d/dx sin(x) = cos(x)", "d/dx sigmoid(x) = sigmoid(x)*(1 - sigmoid(x))",
                     "d/dx tanh(x) = 1 - tanh(x)^2", "d/dx relu(x) = step(x)", "d/dx x^n = n*x^(-1 + n)",
                     "d/dz [softplus(z) - t*z] = -t + sigmoid(z)", "d/dz1 [log(exp(z1) + exp(z2)) - z1] = -1 + exp(z1)/(exp(z1) + exp(z2))"] {
            #expect(text.contains(line), "missing \(line)")
        }
        // Every named function of the table has a line.
        for op in ["sqrt", "exp", "expm1", "log", "log1p", "asin", "acosh", "erf", "softplus", "abs", "hypot", "atan2", "min", "max"] {
            #expect(text.contains("d/dx \(op)("), "missing \(op)")
        }
    }

    @Test func latexCheatSheet() throws {
        let text = try run(["rules", "--latex"])
        #expect(text.contains("\\frac{d}{dx} \\sin\\left(x\\right) = \\cos\\left(x\\right)"))
    }
}

/// `--json` strings are quoted by the same function as safetensors headers:
/// valid JSON for any text, control characters included, read back intact.
@Suite struct JSONQuotingTests {
    @Test func anyTextIsValidJSONAndReadsBackIntact() throws {
        let text = "a\"b\\c\nd\te\u{01}\u{08}\u{0C}\u{7F}é∇"
        let quoted = JSON.string(text).text
        #expect(quoted == "\"a\\\"b\\\\c\\nd\\te\\u0001\\b\\f\\u007fé∇\"")
        let document = try #require("{\"k\": \(quoted)}".data(using: .utf8))
        let object = try JSONSerialization.jsonObject(with: document) as? [String: String]
        #expect(object?["k"] == text)
    }
}

@Suite struct BenchProbeTests {
    /// `nabla bench` brackets each section with the machine's state: an INFO
    /// line of the peers' protocol (key=value tokens), with a positive FMA
    /// rate, the time of the scalar workload's f and the kernel the GEMM
    /// dispatcher chose.
    @Test func probeLinesFollowTheProtocol() throws {
        let line = BenchCommand.probeLine(section: "train", when: "before")
        let tokens = line.split(separator: " ").map(String.init)
        #expect(tokens.first == "INFO")
        var fields: [String: String] = [:]
        for token in tokens.dropFirst() {
            let parts = token.split(separator: "=", maxSplits: 1).map(String.init)
            try #require(parts.count == 2, "\(token) is not key=value")
            fields[parts[0]] = parts[1]
        }
        #expect(fields["section"] == "train")
        #expect(fields["when"] == "before")
        #expect(["avx512", "avx2", "baseline"].contains(fields["kernel"] ?? ""))
        let rate = try #require(fields["fma_f32_gflops"].flatMap(Double.init))
        // Debug builds compile the C target without optimisation, so only a
        // lower bound that any machine meets; NaN, zero or a negative rate
        // would fail.
        #expect(rate > 0.05 && rate.isFinite)
        // The best time of the scalar workload's f: positive and finite
        // (about 5 µs in release, a few times that in debug).
        let f = try #require(fields["scalar_f_us"].flatMap(Double.init))
        #expect(f > 0 && f < 10_000)
        // The GEMM's rate on a product in cache, in each type: positive and
        // finite (0 would mean its buffers could not be allocated).
        for key in ["gemm_f32_gflops", "gemm_f64_gflops"] {
            let gemm = try #require(fields[key].flatMap(Double.init), "\(key) missing in \(line)")
            #expect(gemm > 0.05 && gemm.isFinite, "\(key)")
        }
    }

    /// The train section's arithmetic bound: 15.98 million operations in
    /// the step's products, at the FMA rate (half of it in Double), then at
    /// the GEMM probe's rate.
    @Test func trainBoundLineFollowsTheProtocol() throws {
        #expect(TrainBenchmark.productFlops == 15_980_000)
        for (dtype, peak, bound, gemm, gemmBound) in [("f32", "90.0", "0.1776", 60.0, "0.2663"),
                                                      ("f64", "45.0", "0.3551", 30.0, "0.5327")] {
            let line = TrainBenchmark.boundLine(dtype: dtype, fmaFloatGflops: 90, gemmGflops: gemm)
            #expect(line == "INFO section=train dtype=\(dtype) product_mflop=15.98 fma_gflops=\(peak) bound_ms=\(bound) "
                + "gemm_gflops=\(String(format: "%.1f", gemm)) gemm_bound_ms=\(gemmBound)")
        }
    }

    /// The numerical gradient's: 2 × 39,760 evaluations of 7.94 million
    /// operations each (631.4 billion), at the Double FMA rate and at the
    /// GEMM probe's.
    @Test func numgradBoundLineFollowsTheProtocol() {
        #expect(NumgradBenchmark.evaluationFlops == 7_940_000)
        #expect(NumgradBenchmark.boundLine(fmaFloatGflops: 90, gemmGflops: 35)
                == "INFO section=numgrad evaluation_mflop=7.94 fma_gflops=45.0 bound_ms=14031 gemm_gflops=35.0 gemm_bound_ms=18040")
    }

    /// The GEMM probe measures the products it claims: its rate in each
    /// type is positive, finite and no more than a core could do (16 lanes
    /// × 2 FMA units × 2 operations × 6 GHz = 384 GFLOP/s in Float).
    @Test func gemmProbeMeasuresARate() {
        for isDouble in [Int32(0), 1] {
            let rate = nabla_gemm_probe_gflops(2_000, isDouble)
            #expect(rate > 0.05 && rate < 384, "isDouble \(isDouble): \(rate) GFLOP/s")
        }
    }

}

@Suite struct ScalarBenchmarkTests {
    /// The scalar section times several gradients of one function: they must
    /// be the same gradient. The hand-written one, the tape's, forward mode's
    /// (100 sweeps) and Swift's `_Differentiation` agree to 1e-13 relative,
    /// and central differences (h = 1e-6, error about 1e-10) agree with the
    /// tape's at inputs spread over the chain.
    @Test func everyTimedGradientIsTheSameGradient() {
        let x = scalarWorkloadInputs()
        let tape = gradient(of: scalarWorkload, at: x)
        var others = [("hand-written", scalarWorkloadHandGradient(x)),
                      ("forward mode", forwardGradient(of: scalarWorkload, at: x))]
        #if canImport(_Differentiation)
        others.append(("Swift _Differentiation", scalarWorkloadSwiftADGradient(x)))
        #endif
        for (name, other) in others {
            #expect(other.count == tape.count, "\(name)")
            for i in tape.indices {
                #expect(abs(other[i] - tape[i]) <= 1e-13 * Swift.max(1, abs(tape[i])),
                        "\(name), component \(i): \(other[i]) against the tape's \(tape[i])")
            }
        }
        let h = 1e-6
        for i in [0, 1, 37, 98, 99] {
            var up = x, down = x
            up[i] += h
            down[i] -= h
            let central = (scalarWorkload(up) - scalarWorkload(down)) / (2 * h)
            #expect(abs(central - tape[i]) <= 1e-8, "component \(i): central difference \(central), tape \(tape[i])")
        }
    }
}
