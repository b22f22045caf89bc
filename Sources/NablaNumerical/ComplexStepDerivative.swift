import NablaRules
import RealModule

/// The complex-step derivative f′(x) = Im f(x + ih) / h: machine precision
/// from a single evaluation, because nothing is subtracted.
///
/// Write f generically over ``DifferentiableScalar`` and pass its
/// ``ComplexStep`` specialisation:
///
/// ```swift
/// func f<T: DifferentiableScalar>(_ x: T) -> T { T.exp(x) / T.sqrt(T.sin(x) * T.sin(x) * T.sin(x) + T.cos(x) * T.cos(x) * T.cos(x)) }
/// complexStepDerivative(of: f, at: 1.5).value   // 4.053427893898621, correctly rounded
/// ```
///
/// The step defaults to √(least normal magnitude), about 1.5e-154 in Double
/// (1.1e-19 in Float): small enough that the O(h²) truncation error is far
/// below rounding, large enough that h·f′(x) does not underflow.
///
/// The error estimate is a model, 4·eps·max(|f′(x)|, |f(x)|/max(1, |x|)):
/// the method has no subtraction to measure. It assumes f is real-analytic
/// and computed with the ``ComplexStep`` operations throughout; code that
/// drops the imaginary part gives a wrong derivative that no estimate can see.
@_specialize(where T == Double)
@_specialize(where T == Float)
public func complexStepDerivative<T: FloatingScalar>(
    of f: (ComplexStep<T>) -> ComplexStep<T>, at x: T, step: T? = nil
) -> DerivativeEstimate<T> {
    let h = step ?? T.leastNormalMagnitude.squareRoot()
    let y = f(ComplexStep(real: x, imaginary: h))
    let value = y.imaginary / h
    return complexStepEstimate(value: value, functionValue: y.real, x: x, evaluations: 1)
}

/// The gradient by the complex step, one evaluation per variable, each exact
/// to machine precision (see ``complexStepDerivative(of:at:step:)``).
@_specialize(where T == Double)
@_specialize(where T == Float)
public func complexStepGradient<T: FloatingScalar>(
    of f: ([ComplexStep<T>]) -> ComplexStep<T>, at x: [T], step: T? = nil
) -> DerivativeEstimate<[T]> {
    let h = step ?? T.leastNormalMagnitude.squareRoot()
    var result = DerivativeEstimate<[T]>(value: [], errorEstimate: [], evaluations: 0, status: .converged)
    var point = x.map { ComplexStep(real: $0, imaginary: 0) }
    for i in x.indices {
        point[i] = ComplexStep(real: x[i], imaginary: h)
        let y = f(point)
        point[i] = ComplexStep(real: x[i], imaginary: 0)
        let d = complexStepEstimate(value: y.imaginary / h, functionValue: y.real, x: x[i], evaluations: 1)
        result.value.append(d.value)
        result.errorEstimate.append(d.errorEstimate)
        result.evaluations += 1
        result.status = .worst(result.status, d.status)
    }
    return result
}

func complexStepEstimate<T: FloatingScalar>(value: T, functionValue: T, x: T, evaluations: Int) -> DerivativeEstimate<T> {
    let size = Swift.max(value.magnitude, functionValue.magnitude / Swift.max(1, x.magnitude))
    let error = 4 * T.ulpOfOne * size
    let status: DerivativeStatus
    if !functionValue.isFinite {
        status = .notConverged(.nonFiniteAtPoint)
    } else if !value.isFinite {
        status = .notConverged(.nonFiniteResult)
    } else {
        status = .converged
    }
    return DerivativeEstimate(value: value, errorEstimate: error.isFinite ? error : .infinity,
                              evaluations: evaluations, status: status)
}
