import Benchmark
import Nabla

// The workloads of `nabla bench` (see ../../../README.md and
// ../../../../shared/bench/README.md), for package-benchmark's statistics,
// baselines and regression thresholds.

/// The peers' scalar function: 100 inputs, 1,000 operations.
@inlinable
func scalarWorkload<T: DifferentiableScalar>(_ xs: [T]) -> T {
    let n = xs.count
    var total: T = 0
    var s: T = 0
    for i in 0..<n {
        let xi = xs[i]
        let a = T.sin(xi) * xs[(i + 1) % n]
        let q = T.exp(-(xi * xi))
        let c = a + q
        s = T.tanh(s * 0.5 + c)
        total = total + s
    }
    return total
}

/// One TwoLayerNet 784-50-10 training step (batch 100, sigmoid, softmax
/// cross-entropy, SGD with learning rate 0.1) through tensor autograd, on the
/// data of `nabla bench --section train`.
final class TwoLayerNet<T: TensorScalar> {
    let x = Variable(Tensor<T>.randomUniform(shape: [100, 784], seed: 1))
    let labels = (0..<100).map { $0 % 10 }
    let parameters = [
        Variable(Tensor<T>.randomNormal(shape: [784, 50], seed: 2).scaled(by: 0.01), requiresGrad: true),
        Variable(Tensor<T>.zeros(shape: [50]), requiresGrad: true),
        Variable(Tensor<T>.randomNormal(shape: [50, 10], seed: 3).scaled(by: 0.01), requiresGrad: true),
        Variable(Tensor<T>.zeros(shape: [10]), requiresGrad: true),
    ]

    func step() throws -> T {
        let (w1, b1, w2, b2) = (parameters[0], parameters[1], parameters[2], parameters[3])
        let z1 = (try x.matmul(w1) + b1).applying(.sigmoid)
        let loss = try Variable.crossEntropy(logits: try z1.matmul(w2) + b2, labels: labels)
        try loss.backward()
        try withoutGradients {
            for p in parameters {
                if let g = p.grad { p.value = try p.value.subtracting(g.scaled(by: 0.1)) }
                p.zeroGrad()
            }
        }
        return loss.value.scalar
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 1_000)

    Benchmark("gemm n=256 f32") { benchmark in
        let a = Tensor<Float>.randomUniform(shape: [256, 256], seed: 1)
        let b = Tensor<Float>.randomUniform(shape: [256, 256], seed: 2)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try a.matmul(b)) }
    }

    Benchmark("train step TwoLayerNet f32") { benchmark in
        let net = TwoLayerNet<Float>()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try net.step()) }
    }

    Benchmark("train step TwoLayerNet f64") { benchmark in
        let net = TwoLayerNet<Double>()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try net.step()) }
    }

    Benchmark(
        "scalar reverse-mode gradient",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxIterations: 100_000)
    ) { benchmark in
        let x = (0..<100).map { 0.8 * Double.sin(0.37 * Double($0)) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(gradient(of: scalarWorkload, at: x)) }
    }
}
