/// A misuse of ``Variable/backward(retainingGraph:)``.
public enum AutogradError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `backward` was called on a variable with more than one element (or
    /// none); a gradient needs a scalar loss. Reduce it first, e.g. with
    /// `sum()` or `mean()`.
    case nonScalarOutput(shape: [Int])
    /// `backward` reached a result whose graph an earlier `backward`
    /// released. Pass `retainingGraph: true` to the earlier call to go
    /// back through the same graph twice.
    case graphReleased
    /// `backward` was called on a variable that does not require a
    /// gradient: a constant, or a result computed from constants only or
    /// inside ``withoutGradients(_:)``, so there is nothing to differentiate.
    case doesNotRequireGrad

    public var description: String {
        switch self {
        case .nonScalarOutput(let shape):
            return "backward: the output has shape \(shape), not one element; "
                + "reduce it to a scalar (sum(), mean()) before calling backward"
        case .graphReleased:
            return "backward: the graph was already released by an earlier backward; "
                + "call backward(retainingGraph: true) the first time to go through it again"
        case .doesNotRequireGrad:
            return "backward: the output does not require a gradient (it was computed from constants only, "
                + "or inside withoutGradients); create the parameters with requiresGrad: true"
        }
    }
}
