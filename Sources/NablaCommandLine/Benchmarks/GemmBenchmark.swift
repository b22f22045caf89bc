import Foundation
import Nabla

/// The `gemm` workload of `../shared/bench/README.md`: C = A·B, row-major
/// n×n, A and B uniform in [0, 1), for n = 64, 256, 1024 in Float and Double,
/// one thread. Prints `ms` per product (peers.py turns it into GFLOP/s).
struct GemmBenchmark {
    let reps: Int

    @inline(never)
    static func product<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>) -> Tensor<T> {
        // Shapes are square and equal: matmul cannot fail here.
        (try? a.matmul(b)) ?? a
    }

    func rows<T: TensorScalar>(_: T.Type, dtype: String) -> [String] {
        var lines: [String] = []
        for n in [64, 256, 1024] {
            let a = Tensor<T>.randomUniform(shape: [n, n], seed: 1)
            let b = Tensor<T>.randomUniform(shape: [n, n], seed: 2)
            let seconds = measure(reps: reps) { consume(Self.product(a, b)) }
            let gflops = 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9
            lines.append("RESULT section=gemm variant=tensor-matmul dtype=\(dtype) n=\(n) threads=1 "
                         + "ms=\(String(format: "%.4f", seconds * 1e3)) gflops=\(String(format: "%.1f", gflops))")
        }
        return lines
    }

    func report() -> String {
        (rows(Float.self, dtype: "f32") + rows(Double.self, dtype: "f64")).joined(separator: "\n")
    }
}
