import Foundation
import Nabla

#if canImport(_Differentiation)
import _Differentiation
#endif

/// The `scalar` workload of `../shared/bench/README.md`: 100 inputs, 1,000
/// scalar operations with a serial chain through s, written once generically.
@inlinable
func scalarWorkload<T: DifferentiableScalar>(_ xs: [T]) -> T {
    let n = xs.count
    var total: T = 0
    var s: T = 0
    for i in 0..<n {
        let xi = xs[i]
        let a = T.sin(xi) * xs[(i + 1) % n]  // 2 ops
        let q = T.exp(-(xi * xi))            // 3 ops
        let c = a + q                        // 1 op
        s = T.tanh(s * 0.5 + c)              // 3 ops
        total = total + s                    // 1 op
    }
    return total
}

/// The workload's inputs, x_i = 0.8·sin(0.37·i).
func scalarWorkloadInputs() -> [Double] { (0..<100).map { 0.8 * Double.sin(0.37 * Double($0)) } }

/// The gradient of the workload written by hand, as a careful person would:
/// one forward pass that keeps what the backward pass needs (each input's
/// sine and cosine from one `sinAndCos`, each exponential and each state, in
/// one buffer), then the reverse sweep unrolled. The floor an automatic
/// method is measured against.
func scalarWorkloadHandGradient(_ xs: [Double]) -> [Double] {
    let n = xs.count
    // sine, cosine, q = exp(−x²) and the state s, n of each.
    var kept = [Double](repeating: 0, count: 4 * n)
    var g = [Double](repeating: 0, count: n)
    kept.withUnsafeMutableBufferPointer { buffer in
        let sine = buffer.baseAddress!, cosine = sine + n, q = cosine + n, s = q + n
        var previous = 0.0
        for i in 0..<n {
            let xi = xs[i]
            (sine[i], cosine[i]) = Double.sinAndCos(xi)
            q[i] = Double.exp(-(xi * xi))
            previous = Double.tanh(previous * 0.5 + sine[i] * xs[(i + 1) % n] + q[i])
            s[i] = previous
        }
        var adjointS = 0.0  // ∂total/∂s_i
        for i in stride(from: n - 1, through: 0, by: -1) {
            adjointS = 1 + (i + 1 < n ? adjointS * (1 - s[i + 1] * s[i + 1]) * 0.5 : 0)
            let dc = adjointS * (1 - s[i] * s[i])
            let xi = xs[i]
            let next = (i + 1) % n
            g[i] += dc * (cosine[i] * xs[next] - 2 * xi * q[i])
            g[next] += dc * sine[i]
        }
    }
    return g
}

#if canImport(_Differentiation)
/// The same workload for Swift's own `_Differentiation`.
@differentiable(reverse)
func scalarWorkloadSwiftAD(_ xs: [Double]) -> Double {
    let n = withoutDerivative(at: xs.count)
    var total = 0.0
    var s = 0.0
    for i in 0..<n {
        let xi = xs[i]
        let a = sin(xi) * xs[(i + 1) % n]
        let q = exp(-(xi * xi))
        let c = a + q
        s = tanh(s * 0.5 + c)
        total = total + s
    }
    return total
}

func scalarWorkloadSwiftADGradient(_ xs: [Double]) -> [Double] {
    _Differentiation.gradient(at: xs, of: scalarWorkloadSwiftAD).base
}
#endif

/// Times an operation like the peers' harness: warm up, then `reps`
/// repetitions of k calls each (k chosen so a repetition lasts ≥ 20 ms);
/// returns the median time per call in seconds.
func measure(reps: Int, _ body: () -> Void) -> Double {
    withoutActuallyEscaping(body) { measureInterleaved(reps: reps, [$0])[0] }
}

/// Times several operations like the peers' harness, interleaved: each
/// repetition runs every operation in turn, so that all of them see the same
/// machine (a shared machine's speed drifts by 20-30% over minutes, which
/// would skew ratios between operations timed one after the other). Returns
/// the median time per call of each, in seconds.
func measureInterleaved(reps: Int, _ bodies: [() -> Void]) -> [Double] {
    let clock = ContinuousClock()
    let counts = bodies.map { body in
        var k = 1
        while true {
            let elapsed = clock.measure { for _ in 0..<k { body() } }.inSeconds
            if elapsed >= 0.02 || k >= 1 << 24 { return k }
            k *= elapsed > 0.002 ? 2 : 8
        }
    }
    var times = bodies.map { _ in [Double]() }
    for _ in 0..<Swift.max(reps, 1) {
        for (i, body) in bodies.enumerated() {
            let k = counts[i]
            times[i].append(clock.measure { for _ in 0..<k { body() } }.inSeconds / Double(k))
        }
    }
    return times.map { $0.sorted()[$0.count / 2] }
}

/// Keeps a result alive so the optimiser cannot drop the work.
@inline(never)
func consume<T>(_ x: T) { withExtendedLifetime(x) {} }

// Each variant is its own non-inlined function, so that the optimiser
// specialises and lays out each one alone, as a user's program would (timing
// them from one closure-heavy function measured up to 2x slower tapes).
@inline(never) func benchPlain(_ x: [Double]) { consume(scalarWorkload(x)) }
@inline(never) func benchTape(_ x: [Double]) { consume(gradient(of: scalarWorkload, at: x)) }
@inline(never) func benchTapeRecording(_ x: [Double]) {
    consume(valueAndGradient(of: { v in TapeVariable(constant: scalarWorkload(v).value) }, at: x).value)
}
@inline(never) func benchDualSweeps(_ x: [Double]) { consume(forwardGradient(of: scalarWorkload, at: x)) }
@inline(never) func benchDualSweep(_ x: [Double]) { consume(directionalDerivative(of: scalarWorkload, at: x, direction: x)) }
@inline(never) func benchHand(_ x: [Double]) { consume(scalarWorkloadHandGradient(x)) }
@inline(never) func benchHVP(_ x: [Double], _ v: [Double]) {
    consume(hessianVectorProduct(of: scalarWorkload, at: x, direction: v))
}
#if canImport(_Differentiation)
@inline(never) func benchSwiftAD(_ x: [Double]) { consume(scalarWorkloadSwiftADGradient(x)) }
#endif

struct ScalarBenchmark {
    let reps: Int

    func report() -> String {
        let x = scalarWorkloadInputs()
        let v = x.map { _ in 1.0 }
        // (variant, gradient checksum, operation); timed interleaved, so the
        // ratios to f compare the same machine state.
        var variants: [(String, Double, () -> Void)] = [
            ("double-forward-only", 0, { benchPlain(x) }),
            ("tape", gradient(of: scalarWorkload, at: x).reduce(0, +), { benchTape(x) }),
            ("tape-recording-only", 0, { benchTapeRecording(x) }),
            ("dual-1-sweep", 0, { benchDualSweep(x) }),
            ("dual-100-sweeps", forwardGradient(of: scalarWorkload, at: x).reduce(0, +), { benchDualSweeps(x) }),
            ("hand-written", scalarWorkloadHandGradient(x).reduce(0, +), { benchHand(x) }),
        ]
        #if canImport(_Differentiation)
        variants.append(("swift-differentiation", scalarWorkloadSwiftADGradient(x).reduce(0, +), { benchSwiftAD(x) }))
        #endif
        variants.append(("hvp-forward-over-reverse", 0, { benchHVP(x, v) }))
        let seconds = measureInterleaved(reps: reps, variants.map(\.2))
        let rows = zip(variants, seconds).map { ($0.0.0, $0.1 * 1e6, $0.0.1) }  // variant, µs, checksum

        let baseline = rows[0].1
        var lines: [String] = []
        var table = Table(["variant", "µs per call", "× f(x)", "gradient sum"], rightAligned: [1, 2, 3])
        for (variant, us, checksum) in rows {
            lines.append("RESULT section=scalar variant=\(variant) dtype=f64 threads=1 grad_us=\(String(format: "%.3f", us)) "
                         + "ratio_to_f=\(String(format: "%.2f", us / baseline))" + (checksum == 0 ? "" : " gsum=\(checksum)"))
            table.add([variant, String(format: "%.2f", us), String(format: "%.2f", us / baseline),
                       checksum == 0 ? "" : String(format: "%.12g", checksum)])
        }
        lines.append("")
        lines.append("Scalar workload (100 inputs, 1,000 operations), Double, one thread; median of \(reps) interleaved repetitions:")
        lines.append(table.text)
        return lines.joined(separator: "\n")
    }
}

/// The `overhead` workload: a chain of 1,000 additions c = c + b, plain
/// and recorded on the tape, to isolate the cost of recording; then the same
/// chain on 1-element tensors through tensor autograd (`variant=tensor_*`).
struct OverheadBenchmark {
    let reps: Int

    @inline(never)
    static func chain<T: DifferentiableScalar>(_ b: T, _ c0: T) -> T {
        var c = c0
        for _ in 0..<1000 { c = c + b }
        return c
    }

    /// The chain on 1-element tensors, without autograd.
    @inline(never)
    static func tensorChain(_ b: Tensor<Float>, _ c0: Tensor<Float>) -> Tensor<Float> {
        var c = c0
        for _ in 0..<1000 { c = c + b }
        return c
    }

    /// The chain on 1-element `Variable`s: recorded when an input requires a gradient.
    @inline(never)
    static func variableChain(_ b: Variable<Float>, _ c0: Variable<Float>) -> Variable<Float> {
        var c = c0
        for _ in 0..<1000 { c = c + b }
        return c
    }

    /// Tensor autograd (`Variable`, Float, as the peers' PyTorch rows): the
    /// same chain on 1-element tensors, plain `Tensor` ops, recorded, and
    /// recorded plus `backward` (the graph is released in each call).
    func tensorRows() -> [String] {
        let a = Tensor<Float>([1]), b = Tensor<Float>([1])
        let plain = measure(reps: reps) { consume(Self.tensorChain(b, a)) }
        let av = Variable(a, requiresGrad: true), bv = Variable(b, requiresGrad: true)
        let recorded = measure(reps: reps) { consume(Self.variableChain(bv, av).value) }
        let swept = measure(reps: reps) {
            let c = Self.variableChain(bv, av)
            try? c.backward()
            av.zeroGrad()
            bv.zeroGrad()
        }
        var lines: [String] = []
        for (variant, t) in [("tensor_plain", plain), ("tensor_rec_fwd", recorded), ("tensor_rec_fwd_bwd", swept)] {
            lines.append("RESULT section=overhead variant=\(variant) dtype=f32 threads=1 op_us=\(String(format: "%.5f", t * 1e6 / 1000))")
        }
        lines.append("INFO section=overhead tensor_recording_us_per_op=\(String(format: "%.4f", (recorded - plain) * 1e6 / 1000)) "
                     + "tensor_backward_us_per_op=\(String(format: "%.4f", (swept - recorded) * 1e6 / 1000))")
        return lines
    }

    func report() -> String {
        var lines: [String] = []
        let plain = measure(reps: reps) { consume(Self.chain(1.0, 1.0)) }
        // Recording only: a function whose result is returned as a constant
        // records its 1,000 nodes but leaves nothing to sweep.
        let recorded = measure(reps: reps) {
            consume(valueAndGradient(of: { v in TapeVariable(constant: Self.chain(v[0], v[1]).value) }, at: [1.0, 1.0]).value)
        }
        let swept = measure(reps: reps) {
            consume(valueAndGradient(of: { v in Self.chain(v[0], v[1]) }, at: [1.0, 1.0]).gradient)
        }
        for (variant, t) in [("plain", plain), ("rec_fwd", recorded), ("rec_fwd_bwd", swept)] {
            lines.append("RESULT section=overhead variant=\(variant) dtype=f64 threads=1 op_us=\(String(format: "%.5f", t * 1e6 / 1000))")
        }
        lines.append("INFO section=overhead recording_ns_per_op=\(String(format: "%.2f", (recorded - plain) * 1e9 / 1000)) "
                     + "sweep_ns_per_op=\(String(format: "%.2f", (swept - recorded) * 1e9 / 1000))")
        lines += tensorRows()
        return lines.joined(separator: "\n")
    }
}
