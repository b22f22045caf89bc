import ArgumentParser
import CNablaKernels
import Foundation
import Nabla

/// `nabla bench`: measurements, printed as the RESULT lines of
/// `../shared/bench/README.md` so they can sit beside the peers' numbers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: accuracy and cost of each differentiation method.",
        discussion: """
            Sections:
              numdiff   accuracy and function evaluations of every finite-difference method on \
            125 smooth cases and the hard cases (poles, domain edges, steep, badly scaled, periodic, NaN).
              scalar    the peers' scalar workload (100 inputs, 1,000 operations): f itself, the reverse-mode \
            gradient (tape), forward mode (100 sweeps, and one), a hand-written gradient, Swift's \
            _Differentiation, and a Hessian-vector product (forward over reverse), as ratios to f.
              overhead  a chain of 1,000 additions, plain and recorded: the cost of recording per operation.
              gemm      C = A·B for n = 64, 256, 1024 in Float and Double, one thread (Tensor.matmul).
              train     one TwoLayerNet 784-50-10 training step (batch 100, sigmoid, softmax cross-entropy, SGD) \
            through tensor autograd, Float and Double.
              numgrad   the same network's full central-difference gradient (h = 1e-4, Double): two forward \
            passes per parameter, against one backprop gradient (grad_ms) and their ratio. \
            --numgrad-params K times K parameters spread over the four tensors and extrapolates to 39,760; \
            0 times them all (about half a minute).
            The overhead section also times the chain on 1-element tensors through tensor autograd \
            (variants tensor_plain, tensor_rec_fwd, tensor_rec_fwd_bwd). Unknown sections are \
            reported as INFO lines and skipped. Build with -c release:
              swift run -c release nabla bench --section numdiff,scalar,overhead
              swift run -c release nabla bench --section numgrad --numgrad-params 2000
            """)

    @Option(help: "Comma-separated sections to run: numdiff, scalar, overhead, gemm, train, numgrad.")
    var section: String = "numdiff"

    @Option(help: "Threads for the GEMM kernels (1 or 2; sets NABLA_THREADS unless it is already set). numdiff and scalar are single-threaded.")
    var threads: Int = 1

    @Option(help: "Repetitions (accepted for the peers' protocol).")
    var reps: Int = 7

    @Option(
        name: .customLong("numgrad-params"),
        help: "numgrad: parameters to time, spread over the four tensors, extrapolated to all 39,760 (0 = all).")
    var numgradParams: Int = 0

    func run() throws {
        // The kernels read NABLA_THREADS on their first product; peers.py also
        // pins the process to that many CPUs.
        if getenv("NABLA_THREADS") == nil { setenv("NABLA_THREADS", String(max(threads, 1)), 1) }
        for name in section.split(separator: ",").map(String.init) {
            let report: () -> String
            switch name {
            case "numdiff": report = { NumdiffBenchmark().report() }
            case "scalar": report = { ScalarBenchmark(reps: reps).report() }
            case "overhead": report = { OverheadBenchmark(reps: reps).report() }
            case "gemm": report = { GemmBenchmark(reps: reps).report() }
            case "train": report = { TrainBenchmark(reps: reps).report() }
            case "numgrad": report = { NumgradBenchmark(reps: reps, params: numgradParams).report() }
            default:
                print("INFO section=\(name) skipped=not-implemented")
                continue
            }
            print(Self.probeLine(section: name, when: "before"))
            print(report())
            print(Self.probeLine(section: name, when: "after"))
        }
    }

    /// An INFO line with the state of the machine, around each section. On a
    /// shared host the same code runs up to twice as slowly at times, and
    /// these tell which state a section ran in:
    /// - `fma_f32_gflops`: what the FMA units deliver (`nabla_fma_probe_gflops`,
    ///   20 ms);
    /// - `scalar_f_us`: the best time of the `scalar` section's f (libm calls
    ///   in one dependent chain) over 5 ms. Here it reads 4.5 µs or 5.5 µs,
    ///   in two states that the FMA probe does not see (it reads 90-96
    ///   GFLOP/s in both), and the slower one comes with slower training
    ///   steps and gradients;
    /// - `gemm_f32_gflops`, `gemm_f64_gflops`: what the GEMM delivers on a
    ///   96×48×64 product in cache (`nabla_gemm_probe_gflops`, 10 ms each).
    ///   In the slower state it falls from about 0.9 of the FMA rate to
    ///   about 0.7 (the micro-kernel's loads compete with the host's other
    ///   guest; register-only FMAs do not), and the large products of a
    ///   training step with it.
    static func probeLine(section: String, when: String) -> String {
        let rate = nabla_fma_probe_gflops(20_000)
        let gemmFloat = nabla_gemm_probe_gflops(10_000, 0), gemmDouble = nabla_gemm_probe_gflops(10_000, 1)
        let x = scalarWorkloadInputs()
        var best = Double.infinity
        let clock = ContinuousClock(), start = clock.now
        repeat {
            let t0 = clock.now
            benchPlain(x)
            best = Swift.min(best, (clock.now - t0).inSeconds)
        } while clock.now - start < .milliseconds(5)
        return "INFO section=\(section) when=\(when) fma_f32_gflops=\(String(format: "%.1f", rate)) "
            + "scalar_f_us=\(String(format: "%.2f", best * 1e6)) "
            + "gemm_f32_gflops=\(String(format: "%.1f", gemmFloat)) gemm_f64_gflops=\(String(format: "%.1f", gemmDouble)) "
            + "kernel=\(String(cString: nabla_gemm_kernel_name()))"
    }
}

/// The accuracy benchmark of the finite-difference methods.
struct NumdiffBenchmark {
    /// A smooth test function with its derivative in closed form.
    struct Case {
        let formula: String
        let derivative: String
        let points: [Double]
    }

    static let everywhere: [Double] = [-3, -1, -0.3, 0, 0.5, 1, 2, 5, 10]
    static let positive: [Double] = [1, 2, 5, 10]

    /// 15 functions × up to 9 points: 125 cases.
    static let smooth: [Case] = [
        Case(formula: "exp(x)", derivative: "exp(x)", points: everywhere),
        Case(formula: "sin(x)", derivative: "cos(x)", points: everywhere),
        Case(formula: "cos(x)", derivative: "-sin(x)", points: everywhere),
        Case(formula: "log(x)", derivative: "1/x", points: positive),
        Case(formula: "sqrt(x)", derivative: "0.5/sqrt(x)", points: positive),
        Case(formula: "x^3 - 2*x", derivative: "3*x^2 - 2", points: everywhere),
        Case(formula: "1/(1 + x^2)", derivative: "-2*x/(1 + x^2)^2", points: everywhere),
        Case(formula: "tanh(x)", derivative: "1/cosh(x)^2", points: everywhere),  // 1 - tanh^2 cancels at large |x|
        Case(formula: "atan(x)", derivative: "1/(1 + x^2)", points: everywhere),
        Case(formula: "exp(-x^2)", derivative: "-2*x*exp(-x^2)", points: everywhere),
        Case(formula: "sin(x)*exp(x)", derivative: "(cos(x) + sin(x))*exp(x)", points: everywhere),
        Case(formula: "log1p(x^2)", derivative: "2*x/(1 + x^2)", points: everywhere),
        Case(formula: "0.01*x^2 + 0.1*x", derivative: "0.02*x + 0.1", points: everywhere),
        Case(formula: "x^7", derivative: "7*x^6", points: everywhere),
        Case(formula: "1/(2 + cos(x))", derivative: "sin(x)/(2 + cos(x))^2", points: everywhere),
    ]

    /// The issue's hard cases: (name, formula, derivative, point).
    static let hard: [(String, String, String, Double)] = [
        ("pole", "1/x", "-1/x^2", 1e-3),
        ("pole", "1/x", "-1/x^2", -1e-5),
        ("pole", "tan(x)", "1 + tan(x)^2", 1.57),
        ("domain edge", "log(x)", "1/x", 1e-3),
        ("domain edge", "log(x)", "1/x", 1e-10),
        ("domain edge", "sqrt(x)", "0.5/sqrt(x)", 1e-6),
        ("steep", "exp(10*x)", "10*exp(10*x)", 1),
        ("steep", "exp(50*x)", "50*exp(50*x)", 0.5),
        ("steep", "x^41", "41*x^40", 0.0445),
        ("badly scaled", "log(x)", "1/x", 1e8),
        ("badly scaled", "x^2", "2*x", 3e8),
        ("badly scaled", "sin(1e6*x)", "1e6*cos(1e6*x)", 1e-7),
        ("periodic", "sin(x)", "cos(x)", 1e6),
        ("periodic", "sin(x)", "cos(x)", 1e10),
        ("NaN at probes", "sqrt(x - 0.999) + x^2", "0.5/sqrt(x - 0.999) + 2*x", 1),
        ("kink", "abs(x)", "sign(x)", 0),
    ]

    struct Method {
        let name: String
        let run: @Sendable (CompiledFormula, Double) -> DerivativeEstimate<Double>
    }

    static let methods: [Method] = {
        func plain(_ name: String, _ method: DifferenceMethod) -> Method {
            Method(name: name) { f, x in
                (try? numericalDerivative(of: { f([$0]) }, at: x, method: method))
                    ?? DerivativeEstimate(value: .nan, errorEstimate: .infinity, evaluations: 0, status: .notConverged(.stepUnderflow))
            }
        }
        return [
            plain("adaptive", .adaptive),
            plain("central-auto", .central()),
            plain("central4-auto", .central(accuracy: 4)),
            plain("central8-auto", .central(accuracy: 8)),
            plain("forward-auto", .forward()),
            plain("central-h1e-4", .central(step: 1e-4)),
            plain("forward-h1e-4", .forward(step: 1e-4)),
            Method(name: "complex-step") { f, x in complexStepDerivative(of: { f([$0]) }, at: x) },
        ]
    }()

    /// Relative error, or error relative to max(1, |f|) where the derivative is 0.
    static func relativeError(_ value: Double, exact: Double, functionValue: Double) -> Double {
        let scale = exact == 0 ? Swift.max(1, functionValue.magnitude) : exact.magnitude
        return (value - exact).magnitude / scale
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    func report() -> String {
        var lines: [String] = []
        var table = Table(["method", "median rel. error", "max rel. error", "<= 1e-13", "median evals", "max evals", "honest"],
                          rightAligned: [1, 2, 3, 4, 5, 6])
        for method in Self.methods {
            var errors: [Double] = []
            var evaluations: [Double] = []
            var honest = 0
            for c in Self.smooth {
                let f = try! Formula(parsing: c.formula).compiled(variables: ["x"])
                let d = try! Formula(parsing: c.derivative).compiled(variables: ["x"])
                for x in c.points {
                    let estimate = method.run(f, x)
                    let exact: Double = d([x])
                    let error = Self.relativeError(estimate.value, exact: exact, functionValue: f([x]))
                    errors.append(error.isNaN ? .infinity : error)
                    evaluations.append(Double(estimate.evaluations))
                    if (estimate.value - exact).magnitude <= estimate.errorEstimate { honest += 1 }
                }
            }
            let within = Double(errors.filter { $0 <= 1e-13 }.count) / Double(errors.count)
            table.add([method.name, short(median(errors)), short(errors.max()!), String(format: "%.0f%%", 100 * within),
                       String(format: "%.0f", median(evaluations)), String(format: "%.0f", evaluations.max()!),
                       "\(honest)/\(errors.count)"])
            lines.append("RESULT section=numdiff variant=\(method.name) dtype=f64 cases=\(errors.count) "
                         + "median_rel_err=\(short(median(errors))) max_rel_err=\(short(errors.max()!)) "
                         + "frac_le_1e-13=\(String(format: "%.3f", within)) median_evals=\(median(evaluations)) "
                         + "max_evals=\(Int(evaluations.max()!)) honest=\(honest)")
        }
        lines.append("")
        lines.append("Smooth functions (\(Self.smooth.count) functions at up to \(Self.everywhere.count) points), Double:")
        lines.append(table.text)
        lines.append("'honest': cases whose true error is within the reported error estimate.")
        lines.append("")
        lines.append("Hard cases, adaptive method, Double:")
        var hard = Table(["case", "formula", "x", "rel. error", "rel. estimate", "evals", "status"], rightAligned: [2, 3, 4, 5])
        var hardResults: [String] = []
        for (name, formula, derivative, x) in Self.hard {
            let f = try! Formula(parsing: formula).compiled(variables: ["x"])
            let d = try! Formula(parsing: derivative).compiled(variables: ["x"])
            let estimate = Self.methods[0].run(f, x)
            let exact: Double = d([x])
            let error = Self.relativeError(estimate.value, exact: exact, functionValue: f([x]))
            let scale = exact == 0 ? Swift.max(1, f([x]).magnitude) : exact.magnitude
            hard.add([name, formula, short(x), short(error), short(estimate.errorEstimate / scale),
                      String(estimate.evaluations), estimate.status.description])
            let tag = formula.filter { $0.isLetter || $0.isNumber }
            hardResults.append("RESULT section=numdiff variant=adaptive-hard dtype=f64 case=\(tag)@\(x) rel_err=\(short(error)) "
                               + "evals=\(estimate.evaluations) converged=\(estimate.status.isConverged ? 1 : 0)")
        }
        lines.append(hard.text)
        lines.insert(contentsOf: hardResults, at: Self.methods.count)
        lines.append("Errors and estimates are relative to |f'(x)| (to max(1, |f(x)|) where f'(x) = 0). At the kink of abs(x) no derivative exists: the status must say so.")
        return lines.joined(separator: "\n")
    }
}
