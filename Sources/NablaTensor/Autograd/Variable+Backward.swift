import NablaRules

extension Variable {
    /// Accumulates d(self)/dv into ``grad`` of every variable v that
    /// requires a gradient and that `self` was computed from (and of
    /// `self`), seeding with 1.
    ///
    /// The graph is walked in reverse topological order found without
    /// recursion, so chains of any depth work. Each variable's gradient is
    /// complete before it is passed on, so shared subexpressions are
    /// handled once.
    ///
    /// Unless `retainingGraph` is true, the graph's parents and pullbacks
    /// are dropped afterwards, freeing the tensors they hold; a later
    /// `backward` that reaches a released result throws
    /// ``AutogradError/graphReleased`` (rather than silently giving a
    /// partial gradient).
    ///
    /// - Throws: ``AutogradError/nonScalarOutput(shape:)`` unless `self`
    ///   holds exactly one element; ``AutogradError/doesNotRequireGrad`` for
    ///   a constant; ``AutogradError/graphReleased``. Nothing
    ///   is changed when it throws.
    @inlinable
    public func backward(retainingGraph: Bool = false) throws {
        guard value.count == 1 else { throw AutogradError.nonScalarOutput(shape: value.shape) }
        guard requiresGrad else { throw AutogradError.doesNotRequireGrad }
        let order = try topologicalOrder()
        var adjoints: [ObjectIdentifier: Tensor<Scalar>] = [
            ObjectIdentifier(self): Tensor(shape: value.shape, repeating: 1)
        ]
        for node in order {
            guard let adjoint = adjoints.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            if let existing = node.grad {
                node.grad = existing + adjoint
            } else {
                node.grad = adjoint
            }
            guard let pullback = node.pullback else { continue }
            let parentAdjoints = pullback(adjoint)
            for (parent, parentAdjoint) in zip(node.parents, parentAdjoints) where parent.requiresGrad {
                guard let parentAdjoint else { continue }
                assert(
                    parentAdjoint.shape == parent.value.shape,
                    "backward: gradient of shape \(parentAdjoint.shape) for a variable of shape \(parent.value.shape)")
                let key = ObjectIdentifier(parent)
                if let sum = adjoints[key] {
                    adjoints[key] = sum + parentAdjoint
                } else {
                    adjoints[key] = parentAdjoint
                }
            }
        }
        if !retainingGraph {
            for node in order where node.pullback != nil {
                node.parents = []
                node.pullback = nil
                node.isReleased = true
            }
        }
    }

    /// The variables `self` depends on that require a gradient, `self`
    /// first, each before all of its parents: a depth-first search with an
    /// explicit stack, reversed post-order.
    ///
    /// - Throws: ``AutogradError/graphReleased`` if it meets a released result.
    @inlinable
    func topologicalOrder() throws -> [Variable] {
        var postOrder: [Variable] = []
        var visited: Set<ObjectIdentifier> = []
        // Each entry is a node and the index of the next parent to visit.
        var stack: [(node: Variable, next: Int)] = []
        visited.insert(ObjectIdentifier(self))
        stack.append((self, 0))
        while let top = stack.last {
            let node = top.node, next = top.next
            if node.isReleased { throw AutogradError.graphReleased }
            if next < node.parents.count {
                stack[stack.count - 1].next = next + 1
                let parent = node.parents[next]
                if parent.requiresGrad, visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                stack.removeLast()
                postOrder.append(node)
            }
        }
        return postOrder.reversed()
    }
}
