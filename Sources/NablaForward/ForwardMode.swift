import NablaRules

/// f(x) and f′(x) by forward mode: one evaluation on a dual number seeded
/// with tangent 1. Exact to rounding.
@inlinable
public func valueAndDerivative<T: DifferentiableScalar>(
    of f: (Dual<T>) -> Dual<T>, at x: T
) -> (value: T, derivative: T) {
    let y = f(Dual(value: x, tangent: 1))
    return (y.value, y.tangent)
}

/// f′(x) by forward mode (one evaluation on dual numbers).
///
/// ```swift
/// @inlinable func f<T: DifferentiableScalar>(_ x: T) -> T { 0.01 * x * x + 0.1 * x }
/// derivative(of: f, at: 5.0)    // 0.2
/// ```
@inlinable
public func derivative<T: DifferentiableScalar>(of f: (Dual<T>) -> Dual<T>, at x: T) -> T {
    f(Dual(value: x, tangent: 1)).tangent
}

/// f″(x) by nesting: forward mode over forward mode, a `Dual<Dual<T>>`.
@inlinable
public func secondDerivative<T: DifferentiableScalar>(
    of f: (Dual<Dual<T>>) -> Dual<Dual<T>>, at x: T
) -> T {
    let seed = Dual(value: Dual(value: x, tangent: 1), tangent: Dual(value: 1, tangent: 0))
    return f(seed).tangent.tangent
}

/// F(x) and the Jacobian-vector product J_F(x)·v: one evaluation on duals
/// whose tangents are v.
///
/// - Precondition: v has as many entries as x.
@inlinable
public func valueAndJacobianVectorProduct<T: DifferentiableScalar>(
    of f: ([Dual<T>]) -> [Dual<T>], at x: [T], direction v: [T]
) -> (value: [T], jacobianVectorProduct: [T]) {
    precondition(v.count == x.count, "the direction has \(v.count) entries, the point \(x.count)")
    let ys = f(zip(x, v).map { Dual(value: $0, tangent: $1) })
    return (ys.map(\.value), ys.map(\.tangent))
}

/// The derivative of f along v at x, ∇f(x)·v, in one forward sweep.
@inlinable
public func directionalDerivative<T: DifferentiableScalar>(
    of f: ([Dual<T>]) -> Dual<T>, at x: [T], direction v: [T]
) -> T {
    precondition(v.count == x.count, "the direction has \(v.count) entries, the point \(x.count)")
    return f(zip(x, v).map { Dual(value: $0, tangent: $1) }).tangent
}

/// The gradient by forward mode: one sweep per input (n evaluations on duals;
/// reverse mode gets it in one). Useful as a cross-check and for few inputs.
@inlinable
public func forwardGradient<T: DifferentiableScalar>(of f: ([Dual<T>]) -> Dual<T>, at x: [T]) -> [T] {
    var point = x.map { Dual(value: $0, tangent: 0) }
    var g: [T] = []
    g.reserveCapacity(x.count)
    for i in x.indices {
        point[i].tangent = 1
        g.append(f(point).tangent)
        point[i].tangent = 0
    }
    return g
}

/// The Jacobian J[i][j] = ∂Fᵢ/∂xⱼ by forward mode: one sweep per input
/// (cheaper than reverse mode when F has more outputs than inputs).
@inlinable
public func forwardJacobian<T: DifferentiableScalar>(
    of f: ([Dual<T>]) -> [Dual<T>], at x: [T]
) -> (value: [T], jacobian: [[T]]) {
    var point = x.map { Dual(value: $0, tangent: 0) }
    var value: [T] = []
    var columns: [[T]] = []
    for j in x.indices {
        point[j].tangent = 1
        let ys = f(point)
        point[j].tangent = 0
        if j == 0 { value = ys.map(\.value) }
        columns.append(ys.map(\.tangent))
    }
    if x.isEmpty { value = f([]).map(\.value) }
    let rows = value.indices.map { i in x.indices.map { j in columns[j][i] } }
    return (value, rows)
}
