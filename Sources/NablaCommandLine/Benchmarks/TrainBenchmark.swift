import CNablaKernels
import Foundation
import Nabla

/// The `train` workload of `../shared/bench/README.md`: one training step of
/// the textbook's TwoLayerNet 784-50-10 (affine, sigmoid, affine, softmax
/// cross-entropy) on a batch of 100 uniform inputs with one-hot labels,
/// W ~ 0.01·N(0, 1), b = 0: forward, backward through tensor autograd
/// (`Variable`), SGD update with learning rate 0.1.
struct TrainBenchmark {
    let reps: Int

    struct Network<T: TensorScalar> {
        let x: Variable<T>
        let labels: [Int]
        let parameters: [Variable<T>]

        init() {
            x = Variable(Tensor<T>.randomUniform(shape: [100, 784], seed: 1))
            labels = (0..<100).map { $0 % 10 }
            parameters = [
                Variable(Tensor<T>.randomNormal(shape: [784, 50], seed: 2).scaled(by: 0.01), requiresGrad: true),
                Variable(Tensor<T>.zeros(shape: [50]), requiresGrad: true),
                Variable(Tensor<T>.randomNormal(shape: [50, 10], seed: 3).scaled(by: 0.01), requiresGrad: true),
                Variable(Tensor<T>.zeros(shape: [10]), requiresGrad: true),
            ]
        }

        /// One step; returns the loss before the update.
        @inline(never)
        func step() throws -> T {
            let (w1, b1, w2, b2) = (parameters[0], parameters[1], parameters[2], parameters[3])
            let z1 = (try x.matmul(w1) + b1).applying(.sigmoid)
            let logits = try z1.matmul(w2) + b2
            let loss = try Variable.crossEntropy(logits: logits, labels: labels)
            try loss.backward()
            for p in parameters {
                if let g = p.grad { p.value = try p.value.subtracting(g.scaled(by: 0.1)) }
                p.zeroGrad()
            }
            return loss.value.scalars[0]
        }
    }

    func row<T: TensorScalar>(_: T.Type, dtype: String) -> String {
        let network = Network<T>()
        let loss0 = (try? network.step()) ?? .nan
        let seconds = measure(reps: reps) { consume(try? network.step()) }
        return "RESULT section=train variant=tensor-autograd dtype=\(dtype) threads=1 "
            + "step_ms=\(String(format: "%.4f", seconds * 1e3)) loss0=\(String(format: "%.4f", Double(loss0)))"
    }

    /// The same step through the network layers of NablaNetwork (explicit
    /// backward passes, transposed GEMMs, no graph) and its SGD optimiser.
    func layersRow<T: TensorScalar>(_: T.Type, dtype: String) -> String {
        let network = Sequential<T>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10, activation: .sigmoid)
        let parameters = network.parameters
        parameters[0].value = Tensor<T>.randomNormal(shape: [784, 50], seed: 2).scaled(by: 0.01)
        parameters[2].value = Tensor<T>.randomNormal(shape: [50, 10], seed: 3).scaled(by: 0.01)
        let x = Tensor<T>.randomUniform(shape: [100, 784], seed: 1)
        let labels = (0..<100).map { $0 % 10 }
        let optimizer = Optimizer<T>(.sgd, learningRate: 0.1)
        func step() -> T {
            guard let loss = try? network.gradient(x, labels: labels), (try? optimizer.update(parameters)) != nil else {
                return .nan
            }
            return loss
        }
        let loss0 = step()
        let seconds = measure(reps: reps) { consume(step()) }
        return "RESULT section=train variant=layers dtype=\(dtype) threads=1 "
            + "step_ms=\(String(format: "%.4f", seconds * 1e3)) loss0=\(String(format: "%.4f", Double(loss0)))"
    }

    /// The floating-point operations of one step's matrix products: x·W1
    /// and z1·W2 forward; xᵀ·δ1, z1ᵀ·δ2 and δ2·W2ᵀ backward (2·m·n·k each).
    static let productFlops: Double = {
        let shapes: [(m: Int, n: Int, k: Int)] = [(100, 50, 784), (100, 10, 50), (784, 50, 100), (50, 10, 100), (100, 50, 10)]
        return Double(shapes.reduce(0) { $0 + 2 * $1.m * $1.n * $1.k })
    }()

    /// An INFO line with the step's arithmetic bound on this machine: the
    /// products' operations at the FMA units' peak (`fmaFloatGflops`, from
    /// `nabla_fma_probe_gflops`; Double does half as many per instruction).
    /// No implementation's step can be faster, which tells how far a
    /// target ratio to another implementation's time is reachable here.
    /// Then the same operations at `gemmGflops`, the rate the GEMM reaches
    /// right now on a product in cache (`nabla_gemm_probe_gflops`): about
    /// what the products themselves can take at that moment.
    static func boundLine(dtype: String, fmaFloatGflops: Double, gemmGflops: Double) -> String {
        let peak = dtype == "f64" ? fmaFloatGflops / 2 : fmaFloatGflops
        return "INFO section=train dtype=\(dtype) product_mflop=\(String(format: "%.2f", productFlops / 1e6)) "
            + boundFields(flops: productFlops, peak: peak, gemmGflops: gemmGflops, digits: 4)
    }

    func report() -> String {
        let rate = nabla_fma_probe_gflops(20_000)
        let gemmFloat = nabla_gemm_probe_gflops(20_000, 0), gemmDouble = nabla_gemm_probe_gflops(20_000, 1)
        return [layersRow(Float.self, dtype: "f32"), layersRow(Double.self, dtype: "f64"),
                row(Float.self, dtype: "f32"), row(Double.self, dtype: "f64"),
                Self.boundLine(dtype: "f32", fmaFloatGflops: rate, gemmGflops: gemmFloat),
                Self.boundLine(dtype: "f64", fmaFloatGflops: rate, gemmGflops: gemmDouble)].joined(separator: "\n")
    }
}

/// The fields a bound line shares: `flops` floating-point operations at the
/// FMA units' peak for the type (`peak`, GFLOP/s) and at the GEMM probe's
/// rate, in milliseconds with `digits` decimals:
/// `fma_gflops=… bound_ms=… gemm_gflops=… gemm_bound_ms=…`.
func boundFields(flops: Double, peak: Double, gemmGflops: Double, digits: Int) -> String {
    func milliseconds(_ gflops: Double) -> String { String(format: "%.\(digits)f", flops / gflops * 1e-6) }
    return "fma_gflops=\(String(format: "%.1f", peak)) bound_ms=\(milliseconds(peak)) "
        + "gemm_gflops=\(String(format: "%.1f", gemmGflops)) gemm_bound_ms=\(milliseconds(gemmGflops))"
}
