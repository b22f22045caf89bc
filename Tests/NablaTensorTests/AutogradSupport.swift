import NablaNumerical
import NablaTensor
import Testing

/// Checks the gradients `backward` gives for `f` at `inputs` against
/// finite differences (NablaNumerical's adaptive central differences) of
/// the same function evaluated on constants.
///
/// A non-scalar output is reduced as Σ out ⊙ w with fixed weights w, so
/// that every element of the output's gradient is exercised with a
/// different upstream value.
func expectGradientsMatchFiniteDifferences(
    _ inputs: [Tensor<Double>], tolerance: Double = 1e-7,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Variable<Double>]) throws -> Variable<Double>
) throws {
    let weights = { (shape: [Int]) in
        Tensor<Double>.randomUniform(shape: shape, lowerBound: 0.5, upperBound: 1.5, seed: 99)
    }
    func loss(_ variables: [Variable<Double>]) throws -> Variable<Double> {
        let out = try f(variables)
        return out.value.count == 1 ? out : (out * Variable(weights(out.shape))).sum()
    }

    let variables = inputs.map { Variable($0, requiresGrad: true) }
    try loss(variables).backward()

    for (i, input) in inputs.enumerated() {
        let grad = try #require(variables[i].grad, "input \(i) got no gradient", sourceLocation: sourceLocation)
        #expect(grad.shape == input.shape, "input \(i): gradient shape", sourceLocation: sourceLocation)
        let numeric = try numericalGradient(of: { (flat: [Double]) -> Double in
            var constants = inputs.map { Variable($0) }
            constants[i] = Variable(try! Tensor(shape: input.shape, scalars: flat))
            return try! loss(constants).value.scalar
        }, at: input.scalars).value
        let ok = zip(grad.scalars, numeric).allSatisfy { a, n in
            Swift.abs(a - n) <= tolerance * Swift.max(1, Swift.abs(n))
        }
        #expect(ok, "input \(i): backward \(grad.scalars) vs finite differences \(numeric)", sourceLocation: sourceLocation)
    }
}

/// A small random tensor with elements in [low, high).
func randomTensor(_ shape: [Int], _ low: Double = -1, _ high: Double = 1, seed: UInt64) -> Tensor<Double> {
    Tensor<Double>.randomUniform(shape: shape, lowerBound: low, upperBound: high, seed: seed)
}
