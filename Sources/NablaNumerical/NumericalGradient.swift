import NablaRules
import RealModule

// Partial derivatives, gradients, directional derivatives, Jacobians and
// Hessians: each is one or more derivatives along a line through x, computed
// by the same engine as `numericalDerivative(of:at:)`.

/// ∂f/∂xᵢ (or the order-m partial) at x: the other variables are held
/// constant, exactly as the textbook defines a partial derivative.
///
/// ```swift
/// // f(x, y) = 2x + 3xy + y³: ∂f/∂x = 2 + 3y, ∂f/∂y = 3x + 3y²
/// let f = { (v: [Double]) in 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }
/// try numericalPartialDerivative(of: f, at: [1, 2], index: 1).value   // 15
/// ```
///
/// - Throws: ``FiniteDifferenceError/dimensionMismatch(_:)`` for an index
///   outside x; other ``FiniteDifferenceError``s as ``numericalDerivative(of:at:order:method:relativeTolerance:absoluteTolerance:)``.
@_specialize(where T == Double)
@_specialize(where T == Float)
public func numericalPartialDerivative<T: FloatingScalar>(
    of f: ([T]) -> T, at x: [T], index: Int, order: Int = 1, method: DifferenceMethod = .adaptive,
    relativeTolerance: T? = nil, absoluteTolerance: T = 0
) throws -> DerivativeEstimate<T> {
    guard x.indices.contains(index) else {
        throw FiniteDifferenceError.dimensionMismatch("index \(index) is outside a point of \(x.count) variables")
    }
    let line = try LineDerivative<T>(method: method, order: order, relativeTolerance: relativeTolerance,
                                     absoluteTolerance: absoluteTolerance)
    let xi = x[index]
    var point = x
    let r = try line.run(x: xi, scale: Swift.max(1, xi.magnitude), stepVanishes: { xi + $0 == xi || xi - $0 == xi }) {
        point[index] = xi + $0
        return [f(point)]
    }
    return DerivativeEstimate(value: r.values[0], errorEstimate: r.errors[0], evaluations: r.evaluations,
                              status: r.statuses[0])
}

/// The gradient ∇f(x) = (∂f/∂x₀, …, ∂f/∂xₙ₋₁), one partial derivative at a
/// time: about 15·n evaluations with the adaptive method, 2n with
/// `.central(step:)`. (Reverse-mode differentiation gets it for the cost of
/// about one evaluation; this is the reference it is checked against.)
///
/// The status is the worst of the components'.
@_specialize(where T == Double)
@_specialize(where T == Float)
public func numericalGradient<T: FloatingScalar>(
    of f: ([T]) -> T, at x: [T], method: DifferenceMethod = .adaptive,
    relativeTolerance: T? = nil, absoluteTolerance: T = 0
) throws -> DerivativeEstimate<[T]> {
    var result = DerivativeEstimate<[T]>(value: [], errorEstimate: [], evaluations: 0, status: .converged)
    for i in x.indices {
        let d = try numericalPartialDerivative(of: f, at: x, index: i, method: method,
                                               relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
        result.value.append(d.value)
        result.errorEstimate.append(d.errorEstimate)
        result.evaluations += d.evaluations
        result.status = .worst(result.status, d.status)
    }
    return result
}

/// The derivative of f along `direction` at x, d/dt f(x + t·v) at t = 0,
/// which equals ∇f(x)·v (v is not normalised). A zero direction gives 0.
///
/// - Throws: ``FiniteDifferenceError/dimensionMismatch(_:)`` when v and x
///   differ in length.
@_specialize(where T == Double)
@_specialize(where T == Float)
public func numericalDirectionalDerivative<T: FloatingScalar>(
    of f: ([T]) -> T, at x: [T], direction v: [T], order: Int = 1, method: DifferenceMethod = .adaptive,
    relativeTolerance: T? = nil, absoluteTolerance: T = 0
) throws -> DerivativeEstimate<T> {
    let r = try lineDerivative(of: { [f($0)] }, at: x, direction: v, order: order, method: method,
                               relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
    return DerivativeEstimate(value: r.values[0], errorEstimate: r.errors[0], evaluations: r.evaluations,
                              status: r.statuses[0])
}

/// The order-m derivative of every component of F along v at x.
func lineDerivative<T: FloatingScalar>(
    of f: ([T]) throws -> [T], at x: [T], direction v: [T], order: Int, method: DifferenceMethod,
    relativeTolerance: T?, absoluteTolerance: T
) throws -> AdaptiveLineDerivative<T>.Result {
    guard v.count == x.count else {
        throw FiniteDifferenceError.dimensionMismatch("the direction has \(v.count) components, the point \(x.count)")
    }
    let norm = v.reduce(T(0)) { T.hypot($0, $1) }
    guard norm > 0 else {
        let zero = try f(x).map { _ in T(0) }
        return .init(values: zero, errors: zero, statuses: zero.map { _ in .converged }, evaluations: 1)
    }
    guard norm.isFinite, v.allSatisfy(\.isFinite) else {
        throw FiniteDifferenceError.invalidStep("the direction must be finite, got \(v)")
    }
    let unit = v.map { $0 / norm }
    let line = try LineDerivative<T>(method: method, order: order, relativeTolerance: relativeTolerance,
                                     absoluteTolerance: absoluteTolerance)
    let scale = x.reduce(T(1)) { Swift.max($0, $1.magnitude) }
    var point = x
    var r = try line.run(x: 0, scale: scale, stepVanishes: { t in
        x.indices.allSatisfy { x[$0] + t * unit[$0] == x[$0] }
    }) { t in
        for k in x.indices { point[k] = x[k] + t * unit[k] }
        return try f(point)
    }
    // d/dt f(x + t v) = |v|ᵐ · d/ds f(x + s u)
    let factor = T.pow(norm, order)
    r.values = r.values.map { $0 * factor }
    r.errors = r.errors.map { $0 * factor }
    return r
}

/// The Jacobian of F: ℝⁿ → ℝᵐ at x, an m×n matrix J[i][j] = ∂Fᵢ/∂xⱼ, one
/// column per input with every output differentiated from the same
/// evaluations.
///
/// - Throws: ``FiniteDifferenceError/dimensionMismatch(_:)`` when F returns
///   vectors of different lengths at different points.
@_specialize(where T == Double)
@_specialize(where T == Float)
public func numericalJacobian<T: FloatingScalar>(
    of f: ([T]) -> [T], at x: [T], method: DifferenceMethod = .adaptive,
    relativeTolerance: T? = nil, absoluteTolerance: T = 0
) throws -> DerivativeEstimate<[[T]]> {
    let fx = f(x)
    let outputs = fx.count
    func checked(_ p: [T]) throws -> [T] {
        if p == x { return fx }  // every column starts from f(x): evaluate it once
        let y = f(p)
        guard y.count == outputs else {
            throw FiniteDifferenceError.dimensionMismatch(
                "the function returned \(outputs) values at x but \(y.count) at \(p)")
        }
        return y
    }
    var value = [[T]](repeating: [T](repeating: 0, count: x.count), count: outputs)
    var error = value
    var evaluations = 1
    var status = DerivativeStatus.converged
    for j in x.indices {
        var e = [T](repeating: 0, count: x.count)
        e[j] = 1
        let r = try lineDerivative(of: checked, at: x, direction: e, order: 1, method: method,
                                   relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
        for i in 0..<outputs {
            value[i][j] = r.values[i]
            error[i][j] = r.errors[i]
            status = .worst(status, r.statuses[i])
        }
        evaluations += r.evaluations - 1  // f(x) is shared
    }
    return DerivativeEstimate(value: value, errorEstimate: error, evaluations: evaluations, status: status)
}

/// The Hessian of f at x, H[i][j] = ∂²f/∂xᵢ∂xⱼ (symmetric).
///
/// Diagonal entries are second derivatives along each axis; off-diagonal
/// ones come from second derivatives along the diagonals eᵢ ± eⱼ
/// (polarisation: ∂²f/∂xᵢ∂xⱼ = (D²₍ᵢ₊ⱼ₎f - D²₍ᵢ₋ⱼ₎f) / 4), so every entry
/// uses the same line engine, error control and fallbacks.
@_specialize(where T == Double)
@_specialize(where T == Float)
public func numericalHessian<T: FloatingScalar>(
    of f: ([T]) -> T, at x: [T], method: DifferenceMethod = .adaptive,
    relativeTolerance: T? = nil, absoluteTolerance: T = 0
) throws -> DerivativeEstimate<[[T]]> {
    let n = x.count
    var value = [[T]](repeating: [T](repeating: 0, count: n), count: n)
    var error = value
    var evaluations = 0
    var status = DerivativeStatus.converged
    func g(_ p: [T]) -> [T] { [f(p)] }
    func second(_ v: [T]) throws -> (T, T) {
        let r = try lineDerivative(of: g, at: x, direction: v, order: 2, method: method,
                                   relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
        evaluations += r.evaluations
        status = .worst(status, r.statuses[0])
        return (r.values[0], r.errors[0])
    }
    for i in 0..<n {
        var e = [T](repeating: 0, count: n)
        e[i] = 1
        (value[i][i], error[i][i]) = try second(e)
        for j in 0..<i {
            var plus = [T](repeating: 0, count: n)
            plus[i] = 1
            plus[j] = 1
            var minus = plus
            minus[j] = -1
            let (dp, ep) = try second(plus)
            let (dm, em) = try second(minus)
            value[i][j] = (dp - dm) / 4
            error[i][j] = (ep + em) / 4
            value[j][i] = value[i][j]
            error[j][i] = error[i][j]
        }
    }
    return DerivativeEstimate(value: value, errorEstimate: error, evaluations: evaluations, status: status)
}
