import NablaRules

/// One recorded operation: the indices of its (at most two) parents and the
/// local partial derivative with respect to each. A missing parent points at
/// the node itself with partial 0, so the backward sweep needs no branch
/// (and never funnels updates through one shared dummy slot).
@frozen @usableFromInline
struct TapeNode<T> {
    @usableFromInline var parent0: Int32
    @usableFromInline var parent1: Int32
    @usableFromInline var partial0: T
    @usableFromInline var partial1: T

    @inlinable @inline(__always)
    init(parent0: Int32, partial0: T, parent1: Int32, partial1: T) {
        self.parent0 = parent0
        self.parent1 = parent1
        self.partial0 = partial0
        self.partial1 = partial1
    }
}

/// The flat storage of one reverse-mode computation: a growable buffer of
/// nodes, created by `gradient(of:at:)` and friends, swept backwards once (or
/// once per output) and freed when they return.
@usableFromInline
struct TapeStorage<T: DifferentiableScalar> {
    @usableFromInline var nodes: UnsafeMutablePointer<TapeNode<T>>
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int
    /// Set when the computation that owns the tape has returned: a variable
    /// used after that has escaped its closure.
    @usableFromInline var isFinished = false
    /// Anomaly mode: check every value and remember where the first NaN or
    /// infinity appeared.
    @usableFromInline var detectsAnomalies = false
    /// Anomaly mode: a description of every node's operation. Behind a raw
    /// pointer so that this struct stays trivial (no reference counting
    /// when the hot path reads it).
    @usableFromInline var operationLog: UnsafeMutablePointer<[String]>? = nil
    @usableFromInline var firstForwardAnomaly: Int = -1

    /// Anomaly mode's operation descriptions.
    @usableFromInline var operations: [String] {
        get { operationLog?.pointee ?? [] }
        nonmutating set { operationLog?.pointee = newValue }
    }

    @usableFromInline
    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        nodes = .allocate(capacity: self.capacity)
        count = 0
    }

    @usableFromInline
    mutating func grow() {
        let bigger = UnsafeMutablePointer<TapeNode<T>>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: nodes, count: count)
        nodes.deallocate()
        nodes = bigger
        capacity *= 2
    }

    /// Appends a node and returns its index.
    @inlinable @inline(__always)
    mutating func record(parent0: Int32, partial0: T, parent1: Int32, partial1: T) -> Int32 {
        if count == capacity { grow() }
        (nodes + count).initialize(to: TapeNode(parent0: parent0, partial0: partial0, parent1: parent1, partial1: partial1))
        count += 1
        return Int32(truncatingIfNeeded: count - 1)
    }

    @usableFromInline
    mutating func release() {
        if let log = operationLog {
            log.deinitialize(count: 1)
            log.deallocate()
            operationLog = nil
        }
        nodes.deinitialize(count: count)
        nodes.deallocate()
        count = 0
        capacity = 0
        isFinished = true
    }
}

extension TapeStorage {
    /// Anomaly mode: remembers each node's operation and where the first NaN
    /// or infinity appeared in the forward pass.
    @usableFromInline
    mutating func noteOperation(_ name: String, value: T, inputs: [T], partials: [T]) {
        let arguments = inputs.map { "\($0)" }.joined(separator: ", ")
        operationLog?.pointee.append("\(name)(\(arguments))")
        if firstForwardAnomaly < 0, !value.isFinite, inputs.allSatisfy(\.isFinite) {
            firstForwardAnomaly = count - 1
        }
    }

    /// The backward sweep: adjoints of every node from the given seeds, for
    /// nodes `lowest...` (inputs, below `lowest`, have no parents). Returns a
    /// buffer of `count` adjoints that the caller deallocates.
    @inlinable
    func backward(seeds: [(index: Int32, adjoint: T)], lowest: Int) -> UnsafeMutablePointer<T> {
        let adjoints = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(count, 1))
        adjoints.initialize(repeating: T.zero, count: Swift.max(count, 1))
        var top = -1
        for seed in seeds {
            adjoints[Int(seed.index)] += seed.adjoint
            top = Swift.max(top, Int(seed.index))
        }
        var i = top
        while i >= lowest {
            let node = nodes[i]
            let g = adjoints[i]
            adjoints[Int(node.parent0)] += node.partial0 * g
            adjoints[Int(node.parent1)] += node.partial1 * g
            // A missing parent is the node itself with partial 0; where g is
            // infinite that added 0·∞ = NaN to this slot, so restore it (the
            // adjoints of intermediate nodes are reported by backpropagate).
            adjoints[i] = g
            i -= 1
        }
        return adjoints
    }

    /// Anomaly mode: the first node, in backward order, whose contribution to
    /// a parent's adjoint is NaN or infinite although its own adjoint is finite.
    @usableFromInline
    func firstBackwardAnomaly(adjoints: UnsafeMutablePointer<T>, from top: Int, lowest: Int) -> Int? {
        var i = top
        while i >= lowest {
            let node = nodes[i]
            let g = adjoints[i]
            if g.isFinite && (!(node.partial0 * g).isFinite || !(node.partial1 * g).isFinite) { return i }
            i -= 1
        }
        return nil
    }
}
