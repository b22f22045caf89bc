import NablaRules
import RealModule

/// The floating-point types finite differences work in: `Float` and `Double`.
public typealias FloatingScalar = Real & BinaryFloatingPoint & DifferentiableScalar

/// Neville extrapolation to t = 0 of a sequence of estimates
/// D(t) = D + c₁t + c₂t² + …, with t = h^q (q = 2 for central differences,
/// whose error has only even powers of h; q = 1 for one-sided ones).
///
/// Each entry carries a bound on the rounding noise it inherited from the
/// function values, so an error estimate is never smaller than what rounding
/// allows. The best entry is the one with the smallest error estimate, taken
/// (as in Ridders' method) as the largest difference to its neighbours in the
/// tableau, plus its noise.
struct RichardsonExtrapolation<T: FloatingScalar> {
    let q: Int
    private(set) var t: [T] = []
    private(set) var rows: [[T]] = []
    private(set) var noise: [[T]] = []
    private(set) var best: (value: T, error: T) = (.nan, .infinity)
    private(set) var lastBaseNoise: T = .infinity

    init(q: Int) { self.q = q }

    var isEmpty: Bool { rows.isEmpty }

    /// Adds the estimate `d` made with step `h`, whose rounding noise is at most `dNoise`.
    mutating func add(step h: T, estimate d: T, noise dNoise: T) {
        let tNew = T.pow(h, q)
        let i = rows.count
        var row = [d]
        var noiseRow = [dNoise]
        if i > 0 {
            for j in 1...i {
                let tj = t[i - j]
                let a = rows[i - 1][j - 1]
                let b = row[j - 1]
                let denominator = tj - tNew
                row.append(b + (b - a) * tNew / denominator)
                noiseRow.append((tj * noiseRow[j - 1] + tNew * noise[i - 1][j - 1]) / denominator)
                var e = Swift.max((row[j] - row[j - 1]).magnitude, (row[j] - a).magnitude)
                if j < i { e = Swift.max(e, (row[j] - rows[i - 1][j]).magnitude) }
                e += noiseRow[j]
                if e < best.error { best = (row[j], e) }
            }
        }
        t.append(tNew)
        rows.append(row)
        noise.append(noiseRow)
        lastBaseNoise = dNoise
    }
}

/// The samples g(t) taken so far along a line, so that each point is
/// evaluated once and `count` is the number of function evaluations.
struct SampleCache<T: FloatingScalar> {
    private var values: [T: [T]] = [:]

    var count: Int { values.count }

    mutating func value(at t: T, _ g: (T) throws -> [T]) rethrows -> [T] {
        if let v = values[t] { return v }
        let v = try g(t)
        values[t] = v
        return v
    }
}

/// Tuning of the adaptive method (measured on 125 smooth cases and the hard
/// cases of the test suite; see docs/NUMERICAL.md).
enum AdaptiveTuning {
    /// The first step is the power of two nearest to this fraction of max(|x|, 1).
    static let initialStepFraction = 1.0 / 8
    /// Function values are assumed accurate to this many ulps of |f|.
    static let noiseUlps = 2.0
    /// The most step halvings.
    static let maximumLevels = 40
    /// Give up after this many consecutive levels with no finite estimate.
    static let maximumNonFiniteLevels = 20
    /// One-sided and central results further apart than this many times their
    /// combined error estimates reveal a kink or a jump.
    static let kinkFactor = 10.0
}

/// The adaptive derivative of order m of each component of g at t = 0, where
/// g(t) = F(x + t·direction): Richardson extrapolation of central differences
/// at steps h₀, h₀/2, h₀/4, …, with one-sided differences (on the same points)
/// as a fallback where central samples are NaN or infinite, and as a check
/// for kinks.
///
/// Steps are powers of two, so x ± h is exact once h ≥ ulp(x), and the
/// one-sided stencil on 0, h, 2h, 4h, … reuses the central samples.
struct AdaptiveLineDerivative<T: FloatingScalar> {
    let order: Int
    let central: Stencil
    let forward: Stencil
    let backward: Stencil
    let relativeTolerance: T
    let absoluteTolerance: T

    init(order: Int, relativeTolerance: T?, absoluteTolerance: T) throws {
        guard (1...6).contains(order) else {
            throw FiniteDifferenceError.invalidStencil("the adaptive method handles derivative orders 1 to 6, got \(order)")
        }
        self.order = order
        central = try Stencil.central(derivativeOrder: order, accuracy: 2)
        let nodes = [0.0] + (0..<order).map { Double.pow(2, $0) }
        forward = try Stencil(offsets: nodes, derivativeOrder: order)
        backward = try Stencil(offsets: nodes.map { -$0 }, derivativeOrder: order)
        self.relativeTolerance = relativeTolerance ?? Self.defaultRelativeTolerance(order: order)
        self.absoluteTolerance = absoluteTolerance
    }

    /// eps^(5/8) for orders 1 and 2 (1.6e-10 in Double), eps^(1/2) for 3,
    /// eps^(3/8) beyond: what Richardson extrapolation reliably reaches.
    static func defaultRelativeTolerance(order: Int) -> T {
        let power: T = order <= 2 ? 0.625 : (order == 3 ? 0.5 : 0.375)
        return T.pow(T.ulpOfOne, power)
    }

    struct Component {
        var central = RichardsonExtrapolation<T>(q: 2)
        var forward = RichardsonExtrapolation<T>(q: 1)
        var backward = RichardsonExtrapolation<T>(q: 1)
        var best: (value: T, error: T) = (.nan, .infinity)
        /// The size of f near x, for tolerances where f⁽ᵐ⁾(x) ≈ 0: |f(x)|
        /// and the samples of the latest level (which close in on x), or,
        /// where f(x) = 0, the samples of the first level.
        var functionScale: T = 0
        var pointValue: T = 0
        var levelScale: T = 0
        var centralFailed = false
        var done = false
        var reason: NonConvergence? = .stepLimitReached
    }

    struct Result {
        var values: [T]
        var errors: [T]
        var statuses: [DerivativeStatus]
        var evaluations: Int
    }

    /// - Parameters:
    ///   - scale: the size of x along the line, max(|x|, 1), which sets h₀.
    ///   - initialStep: overrides h₀ (rounded to a power of two).
    ///   - stepVanishes: whether x ± h equals x in floating point.
    ///   - g: the function along the line, g(t) = F(x + t·direction).
    func run(scale: T, initialStep: T? = nil, stepVanishes: (T) -> Bool,
             _ g: (T) throws -> [T]) rethrows -> Result {
        var cache = SampleCache<T>()
        func sample(_ t: T) throws -> [T] { try cache.value(at: t, g) }
        let f0 = try sample(0)
        let n = f0.count
        var components = [Component](repeating: Component(), count: n)
        for c in 0..<n {
            components[c].functionScale = f0[c].magnitude
            components[c].pointValue = f0[c].magnitude
            if !f0[c].isFinite {
                components[c].done = true
                components[c].reason = .nonFiniteAtPoint
            }
        }
        let base = initialStep ?? T(AdaptiveTuning.initialStepFraction) * scale
        var h = T(sign: .plus, exponent: T.Exponent(T.log2(base).rounded()), significand: 1)
        let m = order
        let eps = T.ulpOfOne
        let noiseFactor = T(AdaptiveTuning.noiseUlps) * eps
        var nonFiniteLevels = 0
        let stencils: [(Stencil, Int)] = [(central, 0), (forward, 1), (backward, 2)]
        levels: for k in 0..<AdaptiveTuning.maximumLevels {
            // f(x) is NaN or infinite in every component: sample nothing more.
            if components.allSatisfy(\.done) { break }
            if k > 0 { h *= 0.5 }
            let hm = T.pow(h, m)
            if stepVanishes(h) || hm == 0 {
                for c in 0..<n where !components[c].done { components[c].reason = .stepUnderflow }
                break
            }
            var anyFinite = false
            for c in 0..<n { components[c].levelScale = 0 }
            for (stencil, kind) in stencils {
                if kind > 0 && k < m - 1 { continue }
                // Samples of every component at this stencil's points.
                var points: [(T, [T])] = []
                for (w, o) in zip(stencil.weights, stencil.offsets) where w != 0 {
                    points.append((T(w), try sample(T(o) * h)))
                }
                for c in 0..<n where !components[c].done {
                    var sum: T = 0
                    var magnitude: T = 0
                    var finite = true
                    for (w, v) in points {
                        let value = v[c]
                        if !value.isFinite { finite = false; break }
                        sum += w * value
                        magnitude += (w * value).magnitude
                        components[c].levelScale = Swift.max(components[c].levelScale, value.magnitude)
                    }
                    let d = sum / hm
                    guard finite, d.isFinite else {
                        if kind == 0 { components[c].centralFailed = true }
                        continue
                    }
                    anyFinite = true
                    let dNoise = noiseFactor * magnitude / hm
                    switch kind {
                    case 0: components[c].central.add(step: h, estimate: d, noise: dNoise)
                    case 1: components[c].forward.add(step: h, estimate: d, noise: dNoise)
                    default: components[c].backward.add(step: h, estimate: d, noise: dNoise)
                    }
                }
            }
            nonFiniteLevels = anyFinite ? 0 : nonFiniteLevels + 1
            // Far samples of a steep function (x^41 at 0.04 sampled at
            // x + 1/8) would make any error look small: where f(x) ≠ 0 the
            // scale follows the latest, nearest samples.
            for c in 0..<n {
                if components[c].pointValue > 0 {
                    components[c].functionScale = Swift.max(components[c].pointValue, components[c].levelScale)
                } else if k == 0 {
                    components[c].functionScale = Swift.max(components[c].functionScale, components[c].levelScale)
                }
            }
            var allDone = true
            for c in 0..<n where !components[c].done {
                var comp = components[c]
                let usable = comp.centralFailed ? [comp.central, comp.forward, comp.backward] : [comp.central]
                for tableau in usable where tableau.best.error < comp.best.error { comp.best = tableau.best }
                let naturalSize = Swift.max(comp.best.value.magnitude, comp.functionScale / T.pow(scale, m))
                let noiseFloor = usable.filter { !$0.isEmpty }.map(\.lastBaseNoise).min() ?? .infinity
                if comp.best.error <= 4 * eps * naturalSize {
                    comp.done = true  // cannot do better in this precision
                    comp.reason = nil
                } else if noiseFloor >= comp.best.error && comp.best.error <= naturalSize / 100 {
                    comp.done = true  // new rows would be noisier than the best so far
                    comp.reason = nil
                } else if nonFiniteLevels >= AdaptiveTuning.maximumNonFiniteLevels {
                    comp.done = true
                    comp.reason = .nonFiniteValues
                }
                components[c] = comp
                if !comp.done { allDone = false }
            }
            if allDone { break levels }
        }
        var result = Result(values: [], errors: [], statuses: [], evaluations: cache.count)
        for comp in components {
            let (value, error, status) = conclude(comp, scale: scale)
            result.values.append(value)
            result.errors.append(error)
            result.statuses.append(status)
        }
        return result
    }

    func conclude(_ comp: Component, scale: T) -> (T, T, DerivativeStatus) {
        if comp.reason == .nonFiniteAtPoint { return (.nan, .infinity, .notConverged(.nonFiniteAtPoint)) }
        var (value, error) = comp.best
        guard error.isFinite else { return (.nan, .infinity, .notConverged(.nonFiniteValues)) }
        // Kink or jump: central, forward and backward results must agree
        // within their error estimates; if they do not, widen the estimate to
        // cover all of them and say so.
        let parts = [comp.central, comp.forward, comp.backward].map(\.best).filter { $0.error.isFinite }
        let kink = T(AdaptiveTuning.kinkFactor)
        for i in parts.indices {
            for j in parts.indices where j > i {
                if (parts[i].value - parts[j].value).magnitude > kink * (parts[i].error + parts[j].error) {
                    for p in parts { error = Swift.max(error, (value - p.value).magnitude + p.error) }
                    return (value, error, .notConverged(.nonSmooth))
                }
            }
        }
        let tolerance = Swift.max(
            relativeTolerance * Swift.max(value.magnitude, comp.functionScale / T.pow(scale, order)), absoluteTolerance)
        if error <= tolerance { return (value, error, .converged) }
        return (value, error, .notConverged(comp.reason ?? .toleranceNotReached))
    }
}
