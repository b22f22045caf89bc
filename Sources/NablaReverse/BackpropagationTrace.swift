import NablaRules

/// What one backward pass computed: f's value, its gradient, and the adjoint
/// ∂f/∂v of every intermediate variable v that was watched.
public struct BackpropagationTrace<T> {
    /// f(x).
    public let value: T
    /// ∇f(x).
    public let gradient: [T]
    /// ∂f/∂v for each watched variable, in the order they were watched
    /// (0 for a constant).
    public let adjoints: [T]

    public init(value: T, gradient: [T], adjoints: [T]) {
        self.value = value
        self.gradient = gradient
        self.adjoints = adjoints
    }
}

/// Runs f on a tape, sweeps back once, and reports the adjoint of every
/// variable f passes to `watch`: backpropagation node by node, as `nabla
/// graph` prints it for a learner to follow.
///
/// ```swift
/// let trace = backpropagate(at: [100.0, 2, 150, 3, 1.1]) { v, watch in
///     let apples = v[0] * v[1]; watch(apples)            // ∂total/∂apples = 1.1
///     let oranges = v[2] * v[3]; watch(oranges)
///     let sum = apples + oranges; watch(sum)
///     return sum * v[4]                                  // 715
/// }
/// trace.gradient   // [2.2, 110, 3.3, 165, 650]
/// ```
@inlinable
public func backpropagate<T: DifferentiableScalar>(
    at x: [T], _ f: ([TapeVariable<T>], _ watch: (TapeVariable<T>) -> Void) -> TapeVariable<T>
) -> BackpropagationTrace<T> {
    withTape(inputs: x) { tape, inputs in
        // Every operation gets a node, so that any variable has an adjoint.
        tape.pointee.foldsLinearOperations = false
        var watched: [Int32] = []
        let y = f(inputs) { v in
            precondition(v.tape == nil || v.tape == tape, "watch: the variable belongs to another tape")
            watched.append(v.tape == nil ? -1 : v.index)
        }
        checkOutput(y, of: tape)
        guard y.tape != nil else {
            return BackpropagationTrace(value: y.value, gradient: [T](repeating: T.zero, count: x.count),
                                        adjoints: watched.map { _ in T.zero })
        }
        let adjoints = tape.pointee.backward(seeds: [(y.index, y.scale)], lowest: x.count, keepsIntermediates: true)
        defer { freeBlock(adjoints) }
        return BackpropagationTrace(
            value: y.value, gradient: Array(UnsafeBufferPointer(start: adjoints, count: x.count)),
            adjoints: watched.map { $0 < 0 ? T.zero : adjoints[Int($0)] })
    }
}
