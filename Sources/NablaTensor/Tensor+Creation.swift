import NablaRules
import RealModule

extension Tensor {
    /// A tensor of `shape` filled with 0. Precondition: no negative dimension.
    @inlinable
    public static func zeros(shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// A tensor of `shape` filled with 1. Precondition: no negative dimension.
    @inlinable
    public static func ones(shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// The n×n identity matrix. Precondition: n ≥ 0.
    @inlinable
    public static func identity(_ n: Int) -> Tensor {
        precondition(n >= 0, "Tensor.identity: negative size \(n)")
        return Tensor(shape: [n, n]) { out in
            out.initialize(repeating: 0)
            for i in 0..<n { out[i * n + i] = 1 }
        }
    }

    /// The vector start, start + step, ... up to but excluding `end`, like
    /// NumPy's `arange`.
    ///
    /// It has ⌈(end − start) / step⌉ elements (none if that is not positive);
    /// element i is computed as start + i·step, so errors do not accumulate.
    /// Precondition: `step` is finite and not 0, `start` and `end` finite.
    @inlinable
    public static func range(from start: Scalar, to end: Scalar, by step: Scalar = 1) -> Tensor {
        precondition(step != 0 && step.isFinite, "Tensor.range: step must be finite and non-zero, got \(step)")
        precondition(start.isFinite && end.isFinite, "Tensor.range: bounds must be finite, got \(start) and \(end)")
        let steps = ((end - start) / step).rounded(.up)
        let n = steps > 0 ? Int(steps) : 0
        return Tensor(shape: [n]) { buffer in
            for i in 0..<n { buffer[i] = start + Scalar(i) * step }
        }
    }

    /// `count` evenly spaced values from `start` through `end`, both included,
    /// like NumPy's `linspace`.
    ///
    /// `count == 1` gives `[start]`, `count == 0` an empty vector; the last
    /// element is exactly `end`. Precondition: count ≥ 0.
    @inlinable
    public static func linspace(from start: Scalar, through end: Scalar, count: Int) -> Tensor {
        precondition(count >= 0, "Tensor.linspace: count must not be negative, got \(count)")
        let step = count > 1 ? (end - start) / Scalar(count - 1) : 0
        return Tensor(shape: [count]) { buffer in
            for i in 0..<count { buffer[i] = start + Scalar(i) * step }
            if count > 1 { buffer[count - 1] = end }
        }
    }

    /// Uniform random values in [lowerBound, upperBound) drawn from `generator`.
    ///
    /// Each element takes one 64-bit draw, turned exactly into a Double in
    /// [0, 1) and then scaled and rounded to `Scalar` (in Float the rounding
    /// can give `upperBound` itself, with probability about 2⁻²⁵).
    @inlinable
    public static func randomUniform<G: RandomNumberGenerator>(
        shape: [Int], lowerBound: Scalar = 0, upperBound: Scalar = 1, using generator: inout G
    ) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor.randomUniform: negative dimension in \(shape)")
        let low = Double(lowerBound), width = Double(upperBound) - Double(lowerBound)
        return Tensor(shape: shape) { buffer in
            for i in buffer.indices { buffer[i] = Scalar(low + width * generator.nextUnitInterval()) }
        }
    }

    /// Uniform random values in [lowerBound, upperBound) from a seed.
    ///
    /// The same seed gives bit-for-bit the same tensor on every platform:
    /// the generator is ``SeededGenerator`` and the conversion to floating
    /// point is exact arithmetic.
    @inlinable
    public static func randomUniform(
        shape: [Int], lowerBound: Scalar = 0, upperBound: Scalar = 1, seed: UInt64
    ) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return randomUniform(shape: shape, lowerBound: lowerBound, upperBound: upperBound, using: &generator)
    }

    /// Normally distributed random values drawn from `generator` by the
    /// Box–Muller transform (two uniform draws give two normal values).
    ///
    /// Computed in Double, then rounded to `Scalar`. Precondition:
    /// `standardDeviation` ≥ 0.
    @inlinable
    public static func randomNormal<G: RandomNumberGenerator>(
        shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, using generator: inout G
    ) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor.randomNormal: negative dimension in \(shape)")
        precondition(standardDeviation >= 0, "Tensor.randomNormal: negative standard deviation \(standardDeviation)")
        let mu = Double(mean), sigma = Double(standardDeviation)
        return Tensor(shape: shape) { buffer in
            var i = 0
            while i < buffer.count {
                // 1 - u lies in (0, 1], so the logarithm is finite.
                let u1 = 1 - generator.nextUnitInterval()
                let u2 = generator.nextUnitInterval()
                let r = (-2 * Double.log(u1)).squareRoot()
                let theta = 2 * Double.pi * u2
                buffer[i] = Scalar(mu + sigma * r * Double.cos(theta))
                if i + 1 < buffer.count { buffer[i + 1] = Scalar(mu + sigma * r * Double.sin(theta)) }
                i += 2
            }
        }
    }

    /// Normally distributed random values from a seed (Box–Muller on
    /// ``SeededGenerator``).
    ///
    /// The uniform draws are identical on every platform; the normal values
    /// pass them through `log`, `cos` and `sin` of the platform's math
    /// library, so they agree bit for bit between machines whose math
    /// libraries return the same results for those functions, and otherwise
    /// differ by an ulp or two.
    @inlinable
    public static func randomNormal(
        shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64
    ) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return randomNormal(shape: shape, mean: mean, standardDeviation: standardDeviation, using: &generator)
    }
}
