import NablaRules

extension Variable {
    /// Accumulates d(self)/dv into ``grad`` of every variable v that
    /// requires a gradient and that `self` was computed from (and of
    /// `self`), seeding with 1.
    ///
    /// The graph is walked in reverse topological order found without
    /// recursion, so chains of any depth work. Each variable's gradient is
    /// complete before it is passed on, so shared subexpressions are
    /// handled once. The walk keeps its state in the variables themselves
    /// (no dictionary keyed by object identity).
    ///
    /// Unless `retainingGraph` is true, the graph's parents and pullbacks
    /// are dropped afterwards, freeing the tensors they hold; a later
    /// `backward` that reaches a released result throws
    /// ``AutogradError/graphReleased`` (rather than silently giving a
    /// partial gradient).
    ///
    /// Inside ``withAnomalyDetection(_:)`` it first throws the scope's
    /// first forward anomaly, if one was recorded, and checks every gradient
    /// a pullback gives: the first non-finite one (from a finite incoming
    /// gradient) throws an ``AnomalyError`` naming the operation.
    ///
    /// - Throws: ``AutogradError/nonScalarOutput(shape:)`` unless `self`
    ///   holds exactly one element; ``AutogradError/doesNotRequireGrad`` for
    ///   a constant; ``AutogradError/graphReleased``; ``AnomalyError`` under
    ///   anomaly detection. Nothing is changed when it throws: no gradient
    ///   is accumulated and the graph is kept.
    @inlinable
    public func backward(retainingGraph: Bool = false) throws {
        guard value.count == 1 else { throw AutogradError.nonScalarOutput(shape: value.shape) }
        guard requiresGrad else { throw AutogradError.doesNotRequireGrad }
        let checking = AutogradContext.read().detector != nil
        if checking { try checkForAnomalies() }
        // Post-order: every variable after its parents, so the sweep runs
        // through it backwards.
        let postOrder = try topologicalOrder()
        defer {
            for variable in postOrder {
                variable.isVisited = false
                variable.pendingAdjoint = nil
            }
        }
        pendingAdjoint = Tensor(shape: value.shape, repeating: 1)
        // Under anomaly detection, where the sweep can throw, gradients are
        // written only once it has succeeded.
        var finished: [(Variable, Tensor<Scalar>)] = []
        for variable in postOrder.reversed() {
            guard let adjoint = variable.pendingAdjoint else { continue }
            variable.pendingAdjoint = nil
            if checking {
                finished.append((variable, adjoint))
            } else {
                variable.accumulateGrad(adjoint)
            }
            switch variable.pullback {
            case .unary(let pullback)?:
                let x = variable.first!
                if x.requiresGrad { try x.accumulate(pullback(adjoint), from: variable, operand: 0, adjoint, checking) }
            case .binary(let pullback)?:
                let x = variable.first!, y = variable.second!
                let (gx, gy) = pullback(adjoint)
                if x.requiresGrad, let gx { try x.accumulate(gx, from: variable, operand: 0, adjoint, checking) }
                if y.requiresGrad, let gy { try y.accumulate(gy, from: variable, operand: 1, adjoint, checking) }
            case .nary(let pullback)?:
                for (i, (x, g)) in zip(variable.others!, pullback(adjoint)).enumerated() where x.requiresGrad {
                    if let g { try x.accumulate(g, from: variable, operand: i, adjoint, checking) }
                }
            case nil:
                break
            }
        }
        for (variable, adjoint) in finished { variable.accumulateGrad(adjoint) }
        if !retainingGraph {
            for variable in postOrder where variable.hasNode {
                variable.dropHistory()
                variable.isReleased = true
            }
        }
    }

    /// Adds a finished adjoint to ``grad``.
    @inlinable
    func accumulateGrad(_ adjoint: Tensor<Scalar>) {
        if let existing = grad {
            grad = existing + adjoint
        } else {
            grad = adjoint
        }
    }

    /// Adds `gradient`, which `result`'s pullback gave for this variable
    /// (its operand `operand`), to the adjoint being summed for it.
    @inlinable
    func accumulate(
        _ gradient: Tensor<Scalar>, from result: Variable, operand: Int, _ upstream: Tensor<Scalar>, _ checking: Bool
    ) throws {
        assert(
            gradient.shape == value.shape,
            "backward: gradient of shape \(gradient.shape) for a variable of shape \(value.shape)")
        if checking { try Self.checkBackward(gradient, from: result, operand: operand, upstream) }
        if let sum = pendingAdjoint {
            pendingAdjoint = sum + gradient
        } else {
            pendingAdjoint = gradient
        }
    }

    /// Throws the ``AnomalyError`` for a non-finite gradient.
    @usableFromInline
    static func checkBackward(
        _ gradient: Tensor<Scalar>, from result: Variable, operand: Int, _ upstream: Tensor<Scalar>
    ) throws {
        if let anomaly = AnomalyDetector.backwardAnomaly(
            origin: result.origin, operand: operand, gradient: gradient, upstreamFinite: upstream.isFinite)
        {
            throw anomaly
        }
    }

    /// The variables `self` depends on that require a gradient, each after
    /// all of its parents, `self` last: the post-order of a depth-first
    /// search with an explicit stack. Marks them visited (the caller clears
    /// the marks).
    ///
    /// - Throws: ``AutogradError/graphReleased`` if it meets a released
    ///   result (with every mark cleared).
    @inlinable
    func topologicalOrder() throws -> [Variable] {
        var postOrder: [Variable] = []
        // Each entry is a node and the index of the next parent to visit.
        var stack: [(variable: Variable, next: Int)] = []
        isVisited = true
        stack.append((self, 0))
        while let top = stack.last {
            let variable = top.variable, next = top.next
            if variable.isReleased {
                for v in postOrder { v.isVisited = false }
                for entry in stack { entry.variable.isVisited = false }
                throw AutogradError.graphReleased
            }
            if next < variable.parentCount {
                stack[stack.count - 1].next = next + 1
                let parent = variable.parent(next)
                if parent.requiresGrad && !parent.isVisited {
                    parent.isVisited = true
                    stack.append((parent, 0))
                }
            } else {
                stack.removeLast()
                postOrder.append(variable)
            }
        }
        return postOrder
    }
}
