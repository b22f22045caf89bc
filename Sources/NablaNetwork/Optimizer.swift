import NablaTensor

/// The update rule of an ``Optimizer``, with its hyperparameters. The
/// formulas are the book's (chapter 6) and PyTorch's, with ε = 1e-7 where a
/// square root is divided by.
public enum OptimizerKind: Equatable, Sendable, CustomStringConvertible {
    /// p ← p − η·g
    case sgd
    /// v ← μ·v − η·g;  p ← p + v
    case momentum(Double)
    /// v ← μ·v − η·g;  p ← p + μ·v − η·g (Nesterov's look-ahead)
    case nesterov(Double)
    /// h ← h + g²;  p ← p − η·g/(√h + ε)
    case adagrad
    /// h ← ρ·h + (1 − ρ)·g²;  p ← p − η·g/(√h + ε)
    case rmsprop(decay: Double)
    /// m ← m + (1 − β₁)(g − m);  v ← v + (1 − β₂)(g² − v);
    /// p ← p − η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m/(√v + ε)
    case adam(beta1: Double, beta2: Double)

    /// Parses `sgd`, `momentum`, `nesterov`, `adagrad`, `rmsprop`, `adam`
    /// with the usual defaults (μ = 0.9, ρ = 0.99, β = 0.9/0.999).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "sgd": self = .sgd
        case "momentum": self = .momentum(0.9)
        case "nesterov": self = .nesterov(0.9)
        case "adagrad": self = .adagrad
        case "rmsprop": self = .rmsprop(decay: 0.99)
        case "adam": self = .adam(beta1: 0.9, beta2: 0.999)
        default: return nil
        }
    }

    /// The names `init(parsing:)` accepts.
    public static let names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]

    /// A learning rate that works for this rule on small classifiers.
    public var defaultLearningRate: Double {
        switch self {
        case .sgd, .momentum, .nesterov: return 0.1
        case .adagrad: return 0.01
        case .rmsprop, .adam: return 0.001
        }
    }

    public var description: String {
        switch self {
        case .sgd: return "sgd"
        case .momentum: return "momentum"
        case .nesterov: return "nesterov"
        case .adagrad: return "adagrad"
        case .rmsprop: return "rmsprop"
        case .adam: return "adam"
        }
    }

    /// The per-parameter state tensors the rule keeps.
    var slots: [String] {
        switch self {
        case .sgd: return []
        case .momentum, .nesterov: return ["velocity"]
        case .adagrad, .rmsprop: return ["h"]
        case .adam: return ["m", "v"]
        }
    }
}

/// How the learning rate changes with the iteration (counted from 0).
public enum LearningRateSchedule: Equatable, Sendable, CustomStringConvertible {
    /// η every iteration.
    case constant
    /// η·factor^⌊t / every⌋.
    case step(every: Int, factor: Double)
    /// Cosine annealing from η at t = 0 to `minimum`·η at t = total.
    case cosine(total: Int, minimum: Double)

    /// The learning rate at iteration `t` for base rate `base`.
    public func rate(base: Double, iteration t: Int) -> Double {
        switch self {
        case .constant: return base
        case .step(let every, let factor):
            return base * Double.pow(factor, Double(t / Swift.max(every, 1)))
        case .cosine(let total, let minimum):
            let progress = Swift.min(Double(t) / Double(Swift.max(total, 1)), 1)
            let low = base * minimum
            return low + (base - low) * 0.5 * (1 + Double.cos(Double.pi * progress))
        }
    }

    public var description: String {
        switch self {
        case .constant: return "constant"
        case .step(let every, let factor): return "step:\(every):\(factor)"
        case .cosine(let total, let minimum): return "cosine:\(total):\(minimum)"
        }
    }
}

/// Updates parameters from their gradients: one rule (``OptimizerKind``),
/// a learning-rate schedule, optional L2 weight decay and gradient clipping.
///
/// Each ``update(_:)`` is one iteration: gradients are decayed, clipped,
/// checked for NaN/infinity (an error names the parameter), then applied.
/// The per-parameter state (velocities, moments) is keyed by parameter name
/// and exposed as ``state`` for checkpoints.
public final class Optimizer<Scalar: TensorScalar> {
    public let kind: OptimizerKind
    /// The base learning rate η.
    public var learningRate: Double
    public var schedule: LearningRateSchedule
    /// L2 weight decay λ: g ← g + λ·p for weights (parameters whose name
    /// ends in `.weight`; biases and normalisation parameters are not decayed,
    /// as in the book).
    public var weightDecay: Double
    /// If set, gradients are scaled so that their global L2 norm is at most this.
    public var clipNorm: Double?
    /// Updates made so far (t in the formulas, and the schedule's iteration).
    public var iteration: Int = 0
    /// Slot tensors per parameter: `state["affine1.weight"]!["m"]`.
    public var state: [String: [String: Tensor<Scalar>]] = [:]
    /// The global gradient norm before clipping at the last update.
    public private(set) var lastGradientNorm: Double = 0

    public init(
        _ kind: OptimizerKind, learningRate: Double? = nil, schedule: LearningRateSchedule = .constant,
        weightDecay: Double = 0, clipNorm: Double? = nil
    ) {
        self.kind = kind
        self.learningRate = learningRate ?? kind.defaultLearningRate
        self.schedule = schedule
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
    }

    /// The learning rate the next update uses.
    public var currentLearningRate: Double { schedule.rate(base: learningRate, iteration: iteration) }

    /// One update of every parameter from its gradient.
    ///
    /// - Throws: ``NetworkError/nonFinite(_:)`` naming the first parameter
    ///   whose gradient holds NaN or infinity (nothing is updated then).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func update(_ parameters: [Parameter<Scalar>]) throws {
        var gradients = parameters.map(\.gradient)
        if weightDecay != 0 {
            let lambda = Scalar(weightDecay)
            for (k, p) in parameters.enumerated() where p.name.hasSuffix(".weight") {
                gradients[k].withUnsafeMutableBufferPointer { g in
                    p.value.withUnsafeBufferPointer { v in
                        for i in 0..<g.count { g[i] += lambda * v[i] }
                    }
                }
            }
        }
        var squares = 0.0
        for (k, g) in gradients.enumerated() {
            let s = g.withUnsafeBufferPointer { Self.sumOfSquares($0) }
            guard s.isFinite else {
                throw NetworkError.nonFinite(
                    "iteration \(iteration + 1): the gradient of \(parameters[k].name) contains NaN or infinity")
            }
            squares += s
        }
        lastGradientNorm = squares.squareRoot()
        if let clipNorm, lastGradientNorm > clipNorm {
            let scale = Scalar(clipNorm / lastGradientNorm)
            for k in gradients.indices {
                gradients[k].withUnsafeMutableBufferPointer { g in for i in 0..<g.count { g[i] *= scale } }
            }
        }
        let eta = Scalar(currentLearningRate)
        iteration += 1
        for (p, g) in zip(parameters, gradients) { apply(p, g, eta) }
    }

    /// Σ xᵢ²: the C kernel for Float and Double (AVX2 where the CPU has
    /// it); otherwise sixteen partial sums in two vectors loaded whole: one
    /// running sum is a chain of dependent additions (about 50 µs for the
    /// 39,760 gradients of the TwoLayerNet); independent ones vectorise.
    static func sumOfSquares(_ x: UnsafeBufferPointer<Scalar>) -> Double {
        if let sum = Tensor<Scalar>.sumOfSquares(x) { return sum }
        var partial = SIMD8<Scalar>(), partial2 = SIMD8<Scalar>()
        let n = x.count, whole = n / 16 * 16
        var i = 0
        if let base = x.baseAddress {
            let raw = UnsafeRawPointer(base), stride = MemoryLayout<Scalar>.stride
            while i < whole {
                let v = raw.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Scalar>.self)
                let w = raw.loadUnaligned(fromByteOffset: (i + 8) * stride, as: SIMD8<Scalar>.self)
                partial += v * v
                partial2 += w * w
                i += 16
            }
        }
        var s = (partial + partial2).sum()
        while i < n {
            s += x[i] * x[i]
            i += 1
        }
        return Double(s)
    }

    private func slot(_ name: String, _ p: Parameter<Scalar>) -> Tensor<Scalar> {
        if let t = state[p.name]?[name], t.shape == p.value.shape { return t }
        return .zeros(shape: p.value.shape)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func apply(_ p: Parameter<Scalar>, _ gradient: Tensor<Scalar>, _ eta: Scalar) {
        let epsilon: Scalar = 1e-7
        gradient.withUnsafeBufferPointer { g in
            let n = g.count
            switch kind {
            case .sgd:
                p.value.withUnsafeMutableBufferPointer { w in
                    if !Tensor<Scalar>.sgdStep(w, g, eta: eta) { for i in 0..<n { w[i] -= eta * g[i] } }
                }
            case .momentum(let mu), .nesterov(let mu):
                let mu = Scalar(mu)
                let nesterov = if case .nesterov = kind { true } else { false }
                var v = slot("velocity", p)
                v.withUnsafeMutableBufferPointer { v in
                    p.value.withUnsafeMutableBufferPointer { w in
                        for i in 0..<n {
                            v[i] = mu * v[i] - eta * g[i]
                            w[i] += nesterov ? mu * v[i] - eta * g[i] : v[i]
                        }
                    }
                }
                state[p.name, default: [:]]["velocity"] = v
            case .adagrad, .rmsprop:
                var rho: Scalar = 1, fresh: Scalar = 1
                if case .rmsprop(let decay) = kind { rho = Scalar(decay); fresh = 1 - rho }
                var h = slot("h", p)
                h.withUnsafeMutableBufferPointer { h in
                    p.value.withUnsafeMutableBufferPointer { w in
                        for i in 0..<n {
                            h[i] = rho * h[i] + fresh * g[i] * g[i]
                            w[i] -= eta * g[i] / (h[i].squareRoot() + epsilon)
                        }
                    }
                }
                state[p.name, default: [:]]["h"] = h
            case .adam(let beta1, let beta2):
                let t = Double(iteration)
                let rate = Scalar(Double(eta) * (1 - Double.pow(beta2, t)).squareRoot() / (1 - Double.pow(beta1, t)))
                let b1 = Scalar(beta1), b2 = Scalar(beta2)
                var m = slot("m", p), v = slot("v", p)
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        p.value.withUnsafeMutableBufferPointer { w in
                            for i in 0..<n {
                                m[i] += (1 - b1) * (g[i] - m[i])
                                v[i] += (1 - b2) * (g[i] * g[i] - v[i])
                                w[i] -= rate * m[i] / (v[i].squareRoot() + epsilon)
                            }
                        }
                    }
                }
                state[p.name, default: [:]]["m"] = m
                state[p.name, default: [:]]["v"] = v
            }
        }
    }
}
