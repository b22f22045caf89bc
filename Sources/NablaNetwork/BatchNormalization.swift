import NablaTensor

/// Batch normalisation over the batch axis of [batch, features] inputs
/// (Ioffe & Szegedy 2015; the book's `BatchNormalization`).
///
/// Training: x̂ = (x − μ_B)/√(σ²_B + ε), y = γ·x̂ + β with the batch mean and
/// (biased) variance, and running statistics updated as
/// running = momentum·running + (1 − momentum)·batch. Inference uses the
/// running statistics. Backward (per feature, N rows):
/// dβ = Σ dy, dγ = Σ dy·x̂, dx = (γ/√(σ²+ε))/N · (N·dy − Σdy − x̂·Σ(dy·x̂)).
public final class BatchNormalization<Scalar: TensorScalar>: Layer {
    public var name: String {
        didSet {
            gamma.name = name + ".gamma"; beta.name = name + ".beta"
            runningMean.name = name + ".running_mean"; runningVariance.name = name + ".running_var"
        }
    }
    public let gamma: Parameter<Scalar>
    public let beta: Parameter<Scalar>
    /// Running statistics (not trained; saved in checkpoints).
    public let runningMean: Parameter<Scalar>
    public let runningVariance: Parameter<Scalar>
    public let momentum: Scalar
    public let epsilon: Scalar
    public var parameters: [Parameter<Scalar>] { [gamma, beta] }
    public var buffers: [Parameter<Scalar>] { [runningMean, runningVariance] }
    public var featureCount: Int { gamma.value.count }

    private var normalized: Tensor<Scalar>?
    private var inverseDeviation: [Scalar] = []

    public init(featureCount: Int, momentum: Scalar = 0.9, epsilon: Scalar = 1e-5, name: String = "batchnorm") {
        precondition(featureCount > 0, "BatchNormalization: featureCount must be positive")
        self.name = name
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name: name + ".gamma", value: .ones(shape: [featureCount]))
        beta = Parameter(name: name + ".beta", value: .zeros(shape: [featureCount]))
        runningMean = Parameter(name: name + ".running_mean", value: .zeros(shape: [featureCount]))
        runningVariance = Parameter(name: name + ".running_var", value: .ones(shape: [featureCount]))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        let d = featureCount
        guard input.rank == 2, input.shape[1] == d, input.shape[0] > 0 else {
            throw NetworkError.inputShape(layer: name, expected: "[batch > 0, \(d)]", got: input.shape)
        }
        let n = input.shape[0]
        var mean = [Scalar](repeating: 0, count: d)
        var variance = [Scalar](repeating: 0, count: d)
        if training {
            input.withUnsafeBufferPointer { x in
                for i in 0..<n { for j in 0..<d { mean[j] += x[i * d + j] } }
                for j in 0..<d { mean[j] /= Scalar(n) }
                for i in 0..<n {
                    for j in 0..<d {
                        let c = x[i * d + j] - mean[j]
                        variance[j] += c * c
                    }
                }
                for j in 0..<d { variance[j] /= Scalar(n) }
            }
            runningMean.value.withUnsafeMutableBufferPointer { rm in
                for j in 0..<d { rm[j] = momentum * rm[j] + (1 - momentum) * mean[j] }
            }
            runningVariance.value.withUnsafeMutableBufferPointer { rv in
                for j in 0..<d { rv[j] = momentum * rv[j] + (1 - momentum) * variance[j] }
            }
        } else {
            mean = runningMean.value.scalars
            variance = runningVariance.value.scalars
        }
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let normalized = Tensor<Scalar>(shape: input.shape) { xh in
            input.withUnsafeBufferPointer { x in
                for i in 0..<n { for j in 0..<d { xh[i * d + j] = (x[i * d + j] - mean[j]) * inverse[j] } }
            }
        }
        self.normalized = normalized
        self.inverseDeviation = inverse
        let g = gamma.value.scalars, b = beta.value.scalars
        return Tensor(shape: input.shape) { y in
            normalized.withUnsafeBufferPointer { xh in
                for i in 0..<n { for j in 0..<d { y[i * d + j] = g[j] * xh[i * d + j] + b[j] } }
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let normalized else { throw NetworkError.backwardBeforeForward(layer: name) }
        guard outputGradient.shape == normalized.shape else {
            throw NetworkError.gradientShape(layer: name, expected: normalized.shape, got: outputGradient.shape)
        }
        let n = normalized.shape[0], d = featureCount
        var sumDy = [Scalar](repeating: 0, count: d)
        var sumDyXh = [Scalar](repeating: 0, count: d)
        normalized.withUnsafeBufferPointer { xh in
            outputGradient.withUnsafeBufferPointer { dy in
                for i in 0..<n {
                    for j in 0..<d {
                        sumDy[j] += dy[i * d + j]
                        sumDyXh[j] += dy[i * d + j] * xh[i * d + j]
                    }
                }
            }
        }
        beta.gradient = Tensor(sumDy)
        gamma.gradient = Tensor(sumDyXh)
        let g = gamma.value.scalars, inverse = inverseDeviation
        let count = Scalar(n)
        return Tensor(shape: normalized.shape) { dx in
            normalized.withUnsafeBufferPointer { xh in
                outputGradient.withUnsafeBufferPointer { dy in
                    for i in 0..<n {
                        for j in 0..<d {
                            let k = i * d + j
                            dx[k] = g[j] * inverse[j] / count
                                * (count * dy[k] - sumDy[j] - xh[k] * sumDyXh[j])
                        }
                    }
                }
            }
        }
    }
}
