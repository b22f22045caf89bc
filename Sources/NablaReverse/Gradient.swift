import NablaForward
import NablaRules

/// Creates a tape with one input node per value of x, runs `body`, and frees
/// the tape. Variables must not escape `body`.
@inlinable
func withTape<T: DifferentiableScalar, R>(
    inputs x: [T], detectsAnomalies: Bool = false,
    _ body: (UnsafeMutablePointer<TapeStorage<T>>, [TapeVariable<T>]) throws -> R
) rethrows -> R {
    let tape = allocateBlock(of: TapeStorage<T>.self, count: 1)
    // 64 KiB to start: below glibc's mmap threshold (128 KiB), so a fresh
    // tape per call comes from the heap's free list, not new pages.
    tape.initialize(to: TapeStorage(capacity: 65536 / MemoryLayout<TapeNode<T>>.stride))
    if detectsAnomalies { tape.pointee.startDetectingAnomalies() }
    defer {
        tape.pointee.release()
        #if DEBUG
        // Keep the (small) header so that an escaped variable trips the
        // assertion in TapeVariable instead of reading freed memory.
        #else
        tape.deinitialize(count: 1)
        freeBlock(tape)
        #endif
    }
    // One input node per value (no parents: itself with partial 0), written
    // straight into the tape's and the array's buffers: going through
    // `record` and appending cost a third of the fixed cost of a gradient.
    let n = x.count
    while tape.pointee.capacity < n { tape.pointee.grow() }
    let nodes = tape.pointee.nodes
    let inputs = [TapeVariable<T>](unsafeUninitializedCapacity: n) { buffer, initialized in
        x.withUnsafeBufferPointer { values in
            for i in 0..<n {
                let index = Int32(truncatingIfNeeded: i)
                (nodes + i).initialize(to: TapeNode(parent0: index, partial0: 0, parent1: index, partial1: 0))
                (buffer.baseAddress! + i).initialize(to: TapeVariable(value: values[i], index: index, tape: tape))
            }
        }
        initialized = n
    }
    tape.pointee.count = n
    if detectsAnomalies { tape.pointee.noteInputs(count: n) }
    return try body(tape, inputs)
}

@inlinable
func checkOutput<T>(_ y: TapeVariable<T>, of tape: UnsafeMutablePointer<TapeStorage<T>>) {
    precondition(y.tape == nil || y.tape == tape,
                 "the function returned a variable of another gradient computation's tape")
}

/// f(x) and its gradient ∇f(x), by reverse-mode automatic differentiation
/// (backpropagation): one evaluation of f recorded on a tape and one backward
/// sweep, exact to rounding, at a cost that does not grow with the number of
/// inputs.
///
/// ```swift
/// @inlinable func f<T: DifferentiableScalar>(_ v: [T]) -> T {
///     2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1]
/// }
/// valueAndGradient(of: f, at: [1.0, 2.0])   // (16.0, [8.0, 15.0]), exactly
/// ```
///
/// Write f generically over ``DifferentiableScalar`` (and `@inlinable` if it
/// lives in another module, so it is specialised for `TapeVariable`). The
/// variables f receives must not escape it.
@inlinable
public func valueAndGradient<T: DifferentiableScalar>(
    of f: ([TapeVariable<T>]) -> TapeVariable<T>, at x: [T]
) -> (value: T, gradient: [T]) {
    withTape(inputs: x) { tape, inputs in
        let y = f(inputs)
        checkOutput(y, of: tape)
        guard y.tape != nil else { return (y.value, [T](repeating: T.zero, count: x.count)) }
        let adjoints = tape.pointee.backward(seeds: [(y.index, y.scale)], lowest: x.count)
        defer { freeBlock(adjoints) }
        return (y.value, Array(UnsafeBufferPointer(start: adjoints, count: x.count)))
    }
}

/// The gradient ∇f(x) by reverse mode; see ``valueAndGradient(of:at:)``.
@inlinable
public func gradient<T: DifferentiableScalar>(
    of f: ([TapeVariable<T>]) -> TapeVariable<T>, at x: [T]
) -> [T] {
    valueAndGradient(of: f, at: x).gradient
}

/// The derivative of a function of one variable by reverse mode.
@inlinable
public func gradient<T: DifferentiableScalar>(
    of f: (TapeVariable<T>) -> TapeVariable<T>, at x: T
) -> T {
    valueAndGradient(of: { f($0[0]) }, at: [x]).gradient[0]
}

/// F(x) and the vector-Jacobian product uᵀ·J_F(x), from one recording and one
/// backward sweep seeded with u.
///
/// - Precondition: `cotangent` has one entry per output of F.
@inlinable
public func valueAndPullback<T: DifferentiableScalar>(
    of f: ([TapeVariable<T>]) -> [TapeVariable<T>], at x: [T], cotangent u: [T]
) -> (value: [T], vectorJacobianProduct: [T]) {
    withTape(inputs: x) { tape, inputs in
        let ys = f(inputs)
        precondition(ys.count == u.count,
                     "the cotangent has \(u.count) entries but the function returned \(ys.count) outputs")
        ys.forEach { checkOutput($0, of: tape) }
        let seeds = zip(ys, u).filter { $0.0.tape != nil }.map { ($0.0.index, $0.0.scale * $0.1) }
        let adjoints = tape.pointee.backward(seeds: seeds, lowest: x.count)
        defer { freeBlock(adjoints) }
        return (ys.map(\.value), Array(UnsafeBufferPointer(start: adjoints, count: x.count)))
    }
}

/// The Jacobian J[i][j] = ∂Fᵢ/∂xⱼ by reverse mode: one recording of F and one
/// backward sweep per output (cheaper than forward mode when F has fewer
/// outputs than inputs).
@inlinable
public func reverseJacobian<T: DifferentiableScalar>(
    of f: ([TapeVariable<T>]) -> [TapeVariable<T>], at x: [T]
) -> (value: [T], jacobian: [[T]]) {
    withTape(inputs: x) { tape, inputs in
        let ys = f(inputs)
        ys.forEach { checkOutput($0, of: tape) }
        var rows: [[T]] = []
        for y in ys {
            guard y.tape != nil else {
                rows.append([T](repeating: T.zero, count: x.count))
                continue
            }
            let adjoints = tape.pointee.backward(seeds: [(y.index, y.scale)], lowest: x.count)
            rows.append(Array(UnsafeBufferPointer(start: adjoints, count: x.count)))
            freeBlock(adjoints)
        }
        return (ys.map(\.value), rows)
    }
}

/// The Hessian-vector product H(x)·v by forward over reverse: the gradient
/// computed on dual numbers whose tangents are v. One recording, one sweep.
///
/// f must be generic enough to run on `TapeVariable<Dual<T>>`.
@inlinable
public func hessianVectorProduct<T: DifferentiableScalar>(
    of f: ([TapeVariable<Dual<T>>]) -> TapeVariable<Dual<T>>, at x: [T], direction v: [T]
) -> (gradient: [T], hessianVectorProduct: [T]) {
    precondition(v.count == x.count, "the direction has \(v.count) entries, the point \(x.count)")
    let duals = zip(x, v).map { Dual(value: $0, tangent: $1) }
    let g = valueAndGradient(of: f, at: duals).gradient
    return (g.map(\.value), g.map(\.tangent))
}

/// The Hessian H[i][j] = ∂²f/∂xᵢ∂xⱼ by forward over reverse: n
/// Hessian-vector products with the unit vectors.
@inlinable
public func hessian<T: DifferentiableScalar>(
    of f: ([TapeVariable<Dual<T>>]) -> TapeVariable<Dual<T>>, at x: [T]
) -> [[T]] {
    var columns: [[T]] = []
    for j in x.indices {
        var e = [T](repeating: T.zero, count: x.count)
        e[j] = 1
        columns.append(hessianVectorProduct(of: f, at: x, direction: e).hessianVectorProduct)
    }
    // H is symmetric; each column comes from its own sweep, so the two
    // triangles agree only to rounding: average them.
    return x.indices.map { i in x.indices.map { j in (columns[j][i] + columns[i][j]) / 2 } }
}

/// Where a NaN or infinity first appeared in a reverse-mode computation.
public struct AnomalyError: Error, CustomStringConvertible {
    /// The pass in which it appeared.
    public enum Pass: String, Sendable { case forward, backward }
    public let pass: Pass
    /// The operation and its arguments, e.g. `log(0.0)`.
    public let operation: String
    /// Its position on the tape (inputs come first).
    public let node: Int

    public init(pass: Pass, operation: String, node: Int) {
        self.pass = pass
        self.operation = operation
        self.node = node
    }

    public var description: String {
        switch pass {
        case .forward: return "NaN or infinity first appeared in the forward pass at node \(node): \(operation)"
        case .backward:
            return "NaN or infinity first appeared in the backward pass at node \(node): the derivative of \(operation) is not finite"
        }
    }
}

/// ``valueAndGradient(of:at:)`` in anomaly mode: every operation is checked,
/// and a NaN or infinity in the value or the gradient is reported with the
/// operation where it first appeared. Slower (it keeps a description of
/// every operation); use it to find the source of a NaN.
///
/// - Throws: ``AnomalyError``.
@inlinable
public func valueAndGradientDetectingAnomalies<T: DifferentiableScalar>(
    of f: ([TapeVariable<T>]) -> TapeVariable<T>, at x: [T]
) throws -> (value: T, gradient: [T]) {
    try withTape(inputs: x, detectsAnomalies: true) { tape, inputs in
        let y = f(inputs)
        checkOutput(y, of: tape)
        let first = tape.pointee.firstForwardAnomaly
        if first >= 0 {
            throw AnomalyError(pass: .forward, operation: tape.pointee.operations[first], node: first)
        }
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw AnomalyError(pass: .forward, operation: "input \(bad) = \(x[bad])", node: bad)
        }
        guard y.tape != nil else { return (y.value, [T](repeating: T.zero, count: x.count)) }
        let adjoints = tape.pointee.backward(seeds: [(y.index, y.scale)], lowest: x.count, keepsIntermediates: true)
        defer { freeBlock(adjoints) }
        if let node = tape.pointee.firstBackwardAnomaly(adjoints: adjoints, from: Int(y.index), lowest: x.count) {
            throw AnomalyError(pass: .backward, operation: tape.pointee.operations[node], node: node)
        }
        return (y.value, Array(UnsafeBufferPointer(start: adjoints, count: x.count)))
    }
}
