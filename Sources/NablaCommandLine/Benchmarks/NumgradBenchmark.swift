import CNablaKernels
import Foundation
import Nabla

/// The `numgrad` workload of `../shared/bench/README.md`: the full
/// central-difference gradient (h = 1e-4, Double) of the TwoLayerNet
/// 784-50-10 loss over the batch of 100, on the data of the `train`
/// section (x ~ U[0, 1) seed 1, W1 and W2 ~ 0.01·N(0, 1) seeds 2 and 3,
/// b = 0, labels i % 10, softmax cross-entropy).
///
/// Each of the 39,760 parameters costs two full forward passes and losses:
/// no incremental trick (such as recomputing only the hidden unit that a
/// weight of W1 feeds), since the point is to show honestly how slow a
/// numerical gradient is next to one backward pass. The forward itself is
/// made fast: the parameters and activations live in buffers allocated
/// once, both products go straight into them through the C GEMM
/// (`nabla_dgemm`), and an evaluation allocates nothing.
///
/// `params` (`--numgrad-params K`) times K parameters spread over all four
/// tensors and extrapolates to 39,760 (`extrapolated=1`); 0 (or K ≥ 39,760)
/// differentiates them all. Timing follows peers.py: five warm-up
/// evaluations, then the timed parameters in five chunks, `full_ms` from the
/// median chunk's time per parameter.
struct NumgradBenchmark {
    let reps: Int
    let params: Int

    static let batch = 100, inputs = 784, hidden = 50, classes = 10
    /// Offsets of W1, b1, W2, b2 in the flat parameter vector, and its length.
    static let offsets = [0, 39_200, 39_250, 39_750]
    static let sizes = [39_200, 50, 500, 10]
    static let parameterCount = 39_760
    static let step = 1e-4
    /// The floating-point operations of one evaluation's two products
    /// (x·W1 and z1·W2, 2·m·n·k each).
    static let evaluationFlops = Double(2 * batch * hidden * inputs + 2 * batch * classes * hidden)

    /// An INFO line with the full gradient's arithmetic bound: two
    /// evaluations per parameter, their products at the FMA units' Double
    /// peak (half of `fmaFloatGflops`, from `nabla_fma_probe_gflops`), then
    /// at `gemmGflops`, the Double GEMM's rate on a product in cache right
    /// now (`nabla_gemm_probe_gflops`; see ``TrainBenchmark/boundLine``).
    static func boundLine(fmaFloatGflops: Double, gemmGflops: Double) -> String {
        "INFO section=numgrad evaluation_mflop=\(String(format: "%.2f", evaluationFlops / 1e6)) "
            + boundFields(flops: 2 * Double(parameterCount) * evaluationFlops, peak: fmaFloatGflops / 2,
                          gemmGflops: gemmGflops, digits: 0)
    }

    /// The loss of the network as a function of its flat parameter vector,
    /// on buffers allocated once.
    final class Evaluator {
        let x: UnsafeMutablePointer<Double>         // batch × inputs
        let labels: [Int]
        let parameters: UnsafeMutablePointer<Double>  // W1, b1, W2, b2 back to back
        let a1: UnsafeMutablePointer<Double>        // batch × hidden, then z1 in place
        let a2: UnsafeMutablePointer<Double>        // batch × classes
        let shifted: UnsafeMutablePointer<Double>   // batch × classes: a2 − row max, then its exp

        init(x: Tensor<Double>, labels: [Int], parameters: [Tensor<Double>]) {
            let n = NumgradBenchmark.self
            let data = UnsafeMutablePointer<Double>.allocate(capacity: n.batch * n.inputs)
            x.withUnsafeBufferPointer { data.initialize(from: $0.baseAddress!, count: $0.count) }
            let flat = UnsafeMutablePointer<Double>.allocate(capacity: n.parameterCount)
            for (tensor, offset) in zip(parameters, n.offsets) {
                tensor.withUnsafeBufferPointer { (flat + offset).initialize(from: $0.baseAddress!, count: $0.count) }
            }
            self.x = data
            self.labels = labels
            self.parameters = flat
            a1 = .allocate(capacity: n.batch * n.hidden)
            a2 = .allocate(capacity: n.batch * n.classes)
            shifted = .allocate(capacity: n.batch * n.classes)
        }

        deinit {
            x.deallocate()
            parameters.deallocate()
            a1.deallocate()
            a2.deallocate()
            shifted.deallocate()
        }

        /// The mean cross-entropy: a1 = x·W1 + b1, z1 = sigmoid(a1),
        /// a2 = z1·W2 + b2, loss = mean(log Σ exp(a2) − a2[label]), the
        /// log-sum-exp shifted by the row maximum. Allocates nothing.
        func loss() -> Double {
            let n = NumgradBenchmark.self
            let (batch, inputs, hidden, classes) = (n.batch, n.inputs, n.hidden, n.classes)
            let w1 = parameters, b1 = parameters + n.offsets[1]
            let w2 = parameters + n.offsets[2], b2 = parameters + n.offsets[3]
            nabla_dgemm(Int32(batch), Int32(hidden), Int32(inputs), x, Int32(inputs), w1, Int32(hidden), a1, Int32(hidden))
            for r in 0..<batch {
                let row = a1 + r * hidden
                for j in 0..<hidden { row[j] += b1[j] }
            }
            // The sigmoid layer's kernel (vector exponentials), in place.
            nabla_sigmoid_f64(a1, a1, batch * hidden)
            nabla_dgemm(Int32(batch), Int32(classes), Int32(hidden), a1, Int32(hidden), w2, Int32(classes), a2, Int32(classes))
            // log Σ exp(a) − a_t = log Σ exp(a − m) − (a_t − m): the second
            // term while shifting, the first after every exponential of the
            // batch in one call of the vector kernel.
            var total = 0.0
            for r in 0..<batch {
                let row = a2 + r * classes, out = shifted + r * classes
                var m = -Double.infinity
                for c in 0..<classes {
                    row[c] += b2[c]
                    m = Swift.max(m, row[c])
                }
                for c in 0..<classes { out[c] = row[c] - m }
                total -= out[labels[r]]
            }
            nabla_exp_f64(shifted, shifted, batch * classes)
            for r in 0..<batch {
                var s = 0.0
                for c in 0..<classes { s += shifted[r * classes + c] }
                total += Foundation.log(s)
            }
            return total / Double(batch)
        }

        /// (f(p + h) − f(p − h)) / 2h for parameter `i`, which is restored.
        func centralDifference(_ i: Int) -> Double {
            let h = NumgradBenchmark.step
            let saved = parameters[i]
            parameters[i] = saved + h
            let up = loss()
            parameters[i] = saved - h
            let down = loss()
            parameters[i] = saved
            return (up - down) / (2 * h)
        }
    }

    /// The data and parameters of the `train` section, in Double.
    static func data() -> (x: Tensor<Double>, labels: [Int], parameters: [Tensor<Double>]) {
        (
            Tensor<Double>.randomUniform(shape: [batch, inputs], seed: 1),
            (0..<batch).map { $0 % 10 },
            [
                Tensor<Double>.randomNormal(shape: [inputs, hidden], seed: 2).scaled(by: 0.01),
                Tensor<Double>.zeros(shape: [hidden]),
                Tensor<Double>.randomNormal(shape: [hidden, classes], seed: 3).scaled(by: 0.01),
                Tensor<Double>.zeros(shape: [classes]),
            ]
        )
    }

    /// `k` flat parameter indices spread over the four tensors: each tensor
    /// gets a share proportional to its size but at least one, evenly spaced
    /// within it. All of them for k = 0 or k ≥ 39,760.
    static func selection(_ k: Int) -> [Int] {
        guard k > 0 && k < parameterCount else { return Array(0..<parameterCount) }
        var counts = sizes.map { Swift.max(1, Int((Double(k) * Double($0) / Double(parameterCount)).rounded())) }
        counts[0] = Swift.max(1, k - counts[1...].reduce(0, +))  // W1 takes the remainder
        counts = zip(counts, sizes).map { Swift.min($0, $1) }
        var indices: [Int] = []
        for t in 0..<4 {
            for j in 0..<counts[t] {
                indices.append(offsets[t] + Int((Double(j) + 0.5) * Double(sizes[t]) / Double(counts[t])))
            }
        }
        return indices
    }

    /// The backprop gradient through tensor autograd, flattened as the
    /// parameter vector.
    @inline(never)
    static func backpropGradient(_ x: Variable<Double>, _ labels: [Int], _ p: [Variable<Double>]) -> [Double] {
        do {
            let z1 = (try x.matmul(p[0]) + p[1]).applying(.sigmoid)
            let loss = try Variable.crossEntropy(logits: try z1.matmul(p[2]) + p[3], labels: labels)
            try loss.backward()
        } catch {
            preconditionFailure("numgrad: backprop failed: \(error)")
        }
        var flat: [Double] = []
        flat.reserveCapacity(parameterCount)
        for v in p {
            flat += v.grad!.scalars
            v.zeroGrad()
        }
        return flat
    }

    func report() -> String {
        let (xTensor, labels, initial) = Self.data()
        let evaluator = Evaluator(x: xTensor, labels: labels, parameters: initial)
        let selected = Self.selection(params)
        let clock = ContinuousClock()

        for _ in 0..<5 { consume(evaluator.loss()) }
        let loss0 = evaluator.loss()
        var numeric = [Double](repeating: 0, count: selected.count)
        let chunks = Swift.min(5, selected.count)
        var perParameter: [Double] = []
        for c in 0..<chunks {
            let range = (c * selected.count / chunks)..<((c + 1) * selected.count / chunks)
            let elapsed = clock.measure {
                for i in range { numeric[i] = evaluator.centralDifference(selected[i]) }
            }
            perParameter.append(elapsed.inSeconds / Double(Swift.max(range.count, 1)))
        }
        let sorted = perParameter.sorted()
        let per = sorted[sorted.count / 2]
        let fullMs = per * Double(Self.parameterCount) * 1e3

        // One backprop gradient (forward + backward through Variable).
        let x = Variable(xTensor)
        let p = initial.map { Variable($0, requiresGrad: true) }
        let backprop = Self.backpropGradient(x, labels, p)
        let gradMs = measure(reps: reps) { consume(Self.backpropGradient(x, labels, p)) } * 1e3
        let forwardUs = measure(reps: reps) { consume(evaluator.loss()) } * 1e6

        var maxAbs = 0.0, diffSquares = 0.0, sumSquares = 0.0
        for (i, index) in selected.enumerated() {
            let d = numeric[i] - backprop[index]
            maxAbs = Swift.max(maxAbs, Swift.abs(d))
            diffSquares += d * d
            sumSquares += (numeric[i] + backprop[index]) * (numeric[i] + backprop[index])
        }
        let relerr = diffSquares.squareRoot() / Swift.max(sumSquares.squareRoot(), 1e-300)
        let extrapolated = selected.count < Self.parameterCount
        func f(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        return [
            "RESULT section=numgrad variant=central-diff dtype=f64 threads=1 full_ms=\(f(fullMs, 1)) "
                + "min=\(f(sorted[0] * Double(Self.parameterCount) * 1e3, 1)) "
                + "iqr_rel=\(f((sorted.last! - sorted[0]) / per, 3)) reps=\(chunks) "
                + "params_timed=\(selected.count) extrapolated=\(extrapolated ? 1 : 0) "
                + "per_param_us=\(f(per * 1e6, 2)) fwd_us=\(f(forwardUs, 2)) grad_ms=\(f(gradMs, 4)) "
                + "ratio_vs_backprop=\(f(fullMs / gradMs, 0)) relerr_vs_backprop=\(String(format: "%.3g", relerr)) "
                + "loss0=\(f(loss0, 4))",
            Self.boundLine(fmaFloatGflops: nabla_fma_probe_gflops(20_000),
                           gemmGflops: nabla_gemm_probe_gflops(20_000, 1)),
            "INFO section=numgrad ratio=\(f(fullMs / gradMs, 0)) max_abs_diff=\(String(format: "%.3g", maxAbs)) "
                + "params_compared=\(selected.count) h=1e-4 gemm=\(String(cString: nabla_gemm_kernel_name()))",
        ].joined(separator: "\n")
    }
}
