import CNablaTape
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

/// What a node computed, for anomaly mode's messages.
@frozen @usableFromInline
enum RecordedOperation {
    case input(Int)
    case unary(UnaryOperation)
    case binary(BinaryOperation)
}

/// The flat storage of one reverse-mode computation: a growable buffer of
/// nodes, created by `gradient(of:at:)` and friends, swept backwards once (or
/// once per output) and freed when they return.
@usableFromInline
struct TapeStorage<T: DifferentiableScalar> {
    @usableFromInline var nodes: UnsafeMutablePointer<TapeNode<T>>
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int
    /// Records take the out-of-line slow path once `count` reaches this:
    /// `capacity` normally, 0 in anomaly mode, so that the hot path has one
    /// comparison for both growing the buffer and checking values.
    @usableFromInline var limit: Int
    /// Set when the computation that owns the tape has returned: a variable
    /// used after that has escaped its closure.
    @usableFromInline var isFinished = false
    /// Anomaly mode: a description of every node's operation, and where the
    /// first NaN or infinity appeared. Behind a raw pointer so that this
    /// struct stays trivial (no reference counting when the hot path reads it).
    @usableFromInline var operationLog: UnsafeMutablePointer<[String]>? = nil
    @usableFromInline var firstForwardAnomaly: Int = -1
    /// Whether linear operations with a constant (−v, c·v, v / c, v ± c,
    /// c − v) fold into their variable's slope instead of being recorded
    /// (see ``TapeVariable``). Off in anomaly mode, which names every
    /// operation, and for ``backpropagate(at:_:)``, which reports the
    /// adjoint of any variable.
    @usableFromInline var foldsLinearOperations = true

    /// Whether anomaly mode is on (set by ``startDetectingAnomalies()``).
    @usableFromInline var detectsAnomalies: Bool { operationLog != nil }

    /// Anomaly mode's operation descriptions.
    @usableFromInline var operations: [String] {
        get { operationLog?.pointee ?? [] }
        nonmutating set { operationLog?.pointee = newValue }
    }

    // Inlinable (as is `release`), so that it is specialised with the
    // caller: generic, every gradient paid a run-time lookup of the node
    // type's metadata to allocate and free the nodes.
    @inlinable
    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        nodes = allocateBlock(of: TapeNode<T>.self, count: self.capacity)
        count = 0
        limit = self.capacity
    }

    /// Turns anomaly mode on: every later record takes the slow path, which
    /// logs the operation and checks its value.
    @usableFromInline
    mutating func startDetectingAnomalies() {
        let log = UnsafeMutablePointer<[String]>.allocate(capacity: 1)
        log.initialize(to: [])
        operationLog = log
        limit = 0
        foldsLinearOperations = false
    }

    @inlinable
    mutating func grow() {
        let bigger = allocateBlock(of: TapeNode<T>.self, count: capacity * 2)
        bigger.moveInitialize(from: nodes, count: count)
        freeBlock(nodes)
        nodes = bigger
        capacity *= 2
        if operationLog == nil { limit = capacity }
    }

    /// Appends a node and returns its index. `operation` and `arguments`
    /// describe it for anomaly mode; they are only read on the slow path.
    @inlinable @inline(__always)
    mutating func record(
        _ node: TapeNode<T>, value: T, operation: @autoclosure () -> RecordedOperation, arguments: (T, T)
    ) -> Int32 {
        let index = count
        if _slowPath(index >= limit) {
            return recordSlowly(node, value: value, operation: operation(), arguments: arguments)
        }
        (nodes + index).initialize(to: node)
        count = index + 1
        return Int32(truncatingIfNeeded: index)
    }

    /// The slow path of ``record(_:value:operation:arguments:)``: grows the
    /// buffer, and in anomaly mode logs the operation and checks its value.
    @inlinable @inline(never)
    mutating func recordSlowly(_ node: TapeNode<T>, value: T, operation: RecordedOperation, arguments: (T, T)) -> Int32 {
        if count == capacity { grow() }
        (nodes + count).initialize(to: node)
        count += 1
        if detectsAnomalies {
            noteOperation(operation, value: value, arguments: arguments)
        }
        return Int32(truncatingIfNeeded: count - 1)
    }

    @inlinable
    mutating func release() {
        if let log = operationLog {
            log.deinitialize(count: 1)
            log.deallocate()
            operationLog = nil
        }
        nodes.deinitialize(count: count)
        freeBlock(nodes)
        count = 0
        capacity = 0
        isFinished = true
    }
}

extension TapeStorage {
    /// Anomaly mode: names the first `count` nodes, the inputs.
    @usableFromInline
    mutating func noteInputs(count: Int) {
        operations = (0..<count).map { "input \($0)" }
    }

    /// Anomaly mode: remembers each node's operation and where the first NaN
    /// or infinity appeared in the forward pass.
    @inlinable
    mutating func noteOperation(_ operation: RecordedOperation, value: T, arguments: (T, T)) {
        let inputs: [T]
        let name: String
        switch operation {
        case .input(let i):
            operationLog?.pointee.append("input \(i)")
            return
        case .unary(let op): name = op.name; inputs = [arguments.0]
        case .binary(let op): name = op.name; inputs = [arguments.0, arguments.1]
        }
        operationLog?.pointee.append("\(name)(\(inputs.map { "\($0)" }.joined(separator: ", ")))")
        if firstForwardAnomaly < 0, !value.isFinite, inputs.allSatisfy(\.isFinite) {
            firstForwardAnomaly = count - 1
        }
    }

    /// The backward sweep: adjoints of every node from the given seeds, for
    /// nodes `lowest...` (inputs, below `lowest`, have no parents). Returns a
    /// buffer of `count` adjoints that the caller frees with `freeBlock`.
    ///
    /// A node's missing parent is the node itself with partial 0, which adds
    /// 0·g to its own, already used, adjoint: harmless unless g is infinite
    /// (0·∞ = NaN). The inputs' adjoints are always right; callers that read
    /// the adjoints of intermediate nodes pass `keepsIntermediates: true`,
    /// which stores each node's adjoint back after its updates.
    @inlinable
    func backward(seeds: [(index: Int32, adjoint: T)], lowest: Int, keepsIntermediates: Bool = false)
        -> UnsafeMutablePointer<T>
    {
        let adjoints = allocateBlock(of: T.self, count: count)
        adjoints.initialize(repeating: T.zero, count: Swift.max(count, 1))
        var top = -1
        for seed in seeds {
            adjoints[Int(seed.index)] += seed.adjoint
            top = Swift.max(top, Int(seed.index))
        }
        // Every step of the fast sweep reads the slot just below it, so the
        // lowest swept node needs one below: the inputs (variables come only
        // from inputs, so a tape with nodes to sweep has at least one).
        assert(keepsIntermediates || top < lowest || lowest > 0, "a tape with operations but no inputs")
        // Float and Double: the same two loops in C (CNablaTape), which can
        // fuse each partial·adjoint + adjoint into one instruction where the
        // CPU has it (Swift code here is built for baseline x86-64). One
        // rounding instead of two: as exact or more, and the sweep is
        // shorter (measured in ARCHITECTURE.md, "Reverse mode").
        if T.self == Double.self {
            assert(MemoryLayout<TapeNode<Double>>.stride == 24, "TapeNode<Double> is not laid out as CNablaTape reads it")
            nabla_tape_sweep_f64(UnsafeRawPointer(nodes), UnsafeMutableRawPointer(adjoints).assumingMemoryBound(to: Double.self),
                                 top, lowest, keepsIntermediates ? 1 : 0)
            return adjoints
        }
        if T.self == Float.self {
            assert(MemoryLayout<TapeNode<Float>>.stride == 16, "TapeNode<Float> is not laid out as CNablaTape reads it")
            nabla_tape_sweep_f32(UnsafeRawPointer(nodes), UnsafeMutableRawPointer(adjoints).assumingMemoryBound(to: Float.self),
                                 top, lowest, keepsIntermediates ? 1 : 0)
            return adjoints
        }
        if keepsIntermediates {
            var i = top
            while i >= lowest {
                let node = nodes[i]
                let g = adjoints[i]
                adjoints[Int(node.parent0)] += node.partial0 * g
                adjoints[Int(node.parent1)] += node.partial1 * g
                adjoints[i] = g
                i &-= 1
            }
        } else {
            // The adjoint of the node being swept stays in a register: when
            // a node's first parent is the node just before it (the most
            // common case: chains), that parent's adjoint is completed right
            // here, from its slot plus this node's contribution, and becomes
            // the next node's adjoint without a store and a reload. The
            // sweep is bound by these dependent chains through memory.
            // Otherwise the contribution goes to the parent's slot and the
            // next adjoint is read from memory. Every slot receives its
            // contributions in the order of the plain loop above (later
            // nodes first; a node's first parent, then its second), so the
            // results are that loop's, bit for bit.
            // (Measured on the peers' scalar workload: a plain loop took
            // 3.1 µs, a carry through a register 2.3, this 1.8.)
            var i = top
            var g = top >= 0 ? adjoints[top] : T.zero
            while i >= lowest {
                let node = nodes[i]
                let p0 = Int(node.parent0)
                // One-argument operations have no second parent (it is the
                // node itself); skipping it saves a load and a store.
                let p1 = Int(node.parent1)
                if p0 == i &- 1 {
                    var next = adjoints[p0] + node.partial0 * g
                    if p1 == p0 {
                        next += node.partial1 * g
                    } else if p1 != i {
                        adjoints[p1] += node.partial1 * g
                    }
                    g = next
                } else if p1 == i &- 1 {
                    // The same with the second parent (sums and products
                    // whose left operand came earlier: total + s). The two
                    // parents differ, so the order of the two updates does
                    // not matter.
                    adjoints[p0] += node.partial0 * g
                    g = adjoints[p1] + node.partial1 * g
                } else {
                    adjoints[p0] += node.partial0 * g
                    if p1 != i { adjoints[p1] += node.partial1 * g }
                    g = adjoints[i &- 1]
                }
                i &-= 1
            }
            // The swept nodes' slots are left as they were; the node just
            // below them (an input) gets its finished adjoint.
            if i >= 0 { adjoints[i] = g }
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
