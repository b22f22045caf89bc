import NablaRules

// Elementwise operations read their derivatives from the rule table:
// `Tensor.valueAndDerivative(of:)` and `Tensor.partials(of:_:)`. Broadcasting
// is undone in the pullback by `summed(toShape:)`.
//
// Named methods capture the caller's `#fileID` and `#line` for anomaly
// reports (see `withAnomalyDetection`); operators cannot, and report their
// name only.

extension Variable {
    /// The rule table's function applied to every element
    /// (`x.applying(.tanh)`); the pullback multiplies by f′ from the table.
    @inlinable
    public func applying(_ operation: UnaryOperation, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        unary(operation, OperationSite(.unary(operation), file: file, line: line))
    }

    @inlinable
    func unary(_ operation: UnaryOperation, _ site: OperationSite) -> Variable {
        // The derivative is computed only when the result is recorded.
        let context = AutogradContext.read()
        let result: Variable
        if context.isRecording && requiresGrad {
            let (y, derivative) = value.valueAndDerivative(of: operation)
            result = Variable(value: y, parent: self) { g in g * derivative }
        } else {
            result = Variable(value.map(operation))
        }
        if let detector = context.detector {
            result.origin = detector.checkForward(result.value, inputs: [self], site: site)
        }
        return result
    }

    /// The rule table's two-argument function applied elementwise, with
    /// broadcasting. Each operand's gradient is the upstream gradient times
    /// its partial from the table, summed back to the operand's shape.
    ///
    /// - Throws: ``ShapeError`` naming the operation and both shapes if they
    ///   do not broadcast.
    @inlinable
    public func applying(
        _ operation: BinaryOperation, _ other: Variable, file: StaticString = #fileID, line: UInt = #line
    ) throws -> Variable {
        try Variable.binary(operation, self, other, OperationSite(.binary(operation), file: file, line: line))
    }

    @inlinable
    static func binary(_ operation: BinaryOperation, _ a: Variable, _ b: Variable, _ site: OperationSite) throws -> Variable {
        let needX = a.requiresGrad, needY = b.requiresGrad
        let z: Tensor<Scalar>
        if let same = sameShapeArithmetic(operation, a, b) {
            // No broadcasting: the gradients of + and − are g and ±g, and
            // closures that capture nothing need no context to allocate.
            if operation == .add { return record(same, site, a, b) { g in (g, g) } }
            if operation == .subtract {
                return needY ? record(same, site, a, b) { g in (g, -g) } : record(same, site, a, b) { g in (g, nil) }
            }
            z = same
        } else {
            z = try a.value.applying(operation, b.value)
        }
        let x = a.value, y = b.value
        return record(z, site, a, b) { g in
            switch operation {
            // The table's partials of +, − and × are 1, ±1 and the other
            // operand: used directly, they save computing two tensors.
            case .add:
                return (needX ? g.summed(toShape: x.shape) : nil, needY ? g.summed(toShape: y.shape) : nil)
            case .subtract:
                return (needX ? g.summed(toShape: x.shape) : nil, needY ? (-g).summed(toShape: y.shape) : nil)
            case .multiply:
                return (needX ? (g * y).summed(toShape: x.shape) : nil, needY ? (g * x).summed(toShape: y.shape) : nil)
            default:
                // The partials are computed only when backward needs them.
                let (dx, dy) = try! x.partials(of: operation, y)
                return (needX ? (g * dx).summed(toShape: x.shape) : nil, needY ? (g * dy).summed(toShape: y.shape) : nil)
            }
        }
    }

    /// `a op b` for +, −, × and ÷ when both have the same shape (nil
    /// otherwise), read straight from the variables' element pointers.
    ///
    /// `Tensor.applying` gives the same values, but passing it the operands
    /// copies each out of its variable first (a class property that the
    /// call might, as far as the compiler knows, reassign): a retain and a
    /// release of the shape and of the storage of both, eight atomic
    /// operations for a one-element addition that otherwise costs about 200
    /// ns. Here only trivial values (pointers and a count) are read, and the
    /// variables, which the caller holds and nothing reassigns meanwhile,
    /// keep the elements alive.
    @inlinable
    static func sameShapeArithmetic(_ operation: BinaryOperation, _ a: Variable, _ b: Variable) -> Tensor<Scalar>? {
        guard a.value._shape == b.value._shape,
              let storage = Tensor.arithmetic(operation, a.value.storage.base, b.value.storage.base,
                                              count: a.value.storage.count)
        else { return nil }
        return Tensor(uncheckedShape: a.value._shape, storage: storage)
    }

    /// `binary` for operators, which cannot throw: a shape mismatch stops
    /// with the ``ShapeError``'s message.
    @inlinable
    static func combining(_ operation: BinaryOperation, _ x: Variable, _ y: Variable) -> Variable {
        do {
            return try binary(operation, x, y, OperationSite(operator: .binary(operation)))
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Elementwise sum with broadcasting. Precondition: the shapes broadcast.
    @inlinable
    public static func + (lhs: Variable, rhs: Variable) -> Variable { combining(.add, lhs, rhs) }
    /// Elementwise difference with broadcasting. Precondition: the shapes broadcast.
    @inlinable
    public static func - (lhs: Variable, rhs: Variable) -> Variable { combining(.subtract, lhs, rhs) }
    /// Elementwise product with broadcasting. Precondition: the shapes broadcast.
    @inlinable
    public static func * (lhs: Variable, rhs: Variable) -> Variable { combining(.multiply, lhs, rhs) }
    /// Elementwise quotient with broadcasting. Precondition: the shapes broadcast.
    @inlinable
    public static func / (lhs: Variable, rhs: Variable) -> Variable { combining(.divide, lhs, rhs) }
    /// Elementwise negation.
    @inlinable
    public static prefix func - (operand: Variable) -> Variable {
        operand.unary(.negate, OperationSite(operator: .unary(.negate)))
    }

    // A scalar operand is a constant rank-0 tensor, which broadcasts.

    @inlinable
    public static func + (lhs: Variable, rhs: Scalar) -> Variable { lhs + Variable(Tensor(rhs)) }
    @inlinable
    public static func + (lhs: Scalar, rhs: Variable) -> Variable { Variable(Tensor(lhs)) + rhs }
    @inlinable
    public static func - (lhs: Variable, rhs: Scalar) -> Variable { lhs - Variable(Tensor(rhs)) }
    @inlinable
    public static func - (lhs: Scalar, rhs: Variable) -> Variable { Variable(Tensor(lhs)) - rhs }
    @inlinable
    public static func * (lhs: Variable, rhs: Scalar) -> Variable { lhs * Variable(Tensor(rhs)) }
    @inlinable
    public static func * (lhs: Scalar, rhs: Variable) -> Variable { Variable(Tensor(lhs)) * rhs }
    @inlinable
    public static func / (lhs: Variable, rhs: Scalar) -> Variable { lhs / Variable(Tensor(rhs)) }
    @inlinable
    public static func / (lhs: Scalar, rhs: Variable) -> Variable { Variable(Tensor(lhs)) / rhs }

    // MARK: Named methods (throwing, with a source location)

    /// Elementwise sum with broadcasting, as ``Tensor/adding(_:)``.
    /// - Throws: ``ShapeError`` naming `+` and both shapes.
    @inlinable
    public func adding(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        try applying(.add, other, file: file, line: line)
    }

    /// Elementwise difference with broadcasting. - Throws: ``ShapeError``.
    @inlinable
    public func subtracting(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        try applying(.subtract, other, file: file, line: line)
    }

    /// Elementwise product with broadcasting. - Throws: ``ShapeError``.
    @inlinable
    public func multiplying(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        try applying(.multiply, other, file: file, line: line)
    }

    /// Elementwise quotient with broadcasting. - Throws: ``ShapeError``.
    @inlinable
    public func dividing(_ other: Variable, file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        try applying(.divide, other, file: file, line: line)
    }

    /// Elementwise xʸ for real y (NaN where x < 0), with broadcasting; the
    /// partials are the rule table's. - Throws: ``ShapeError``.
    @inlinable
    public func raised(to exponent: Variable, file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        try applying(.power, exponent, file: file, line: line)
    }

    /// This variable times a scalar; the gradient is scaled alike.
    @inlinable
    public func scaled(by factor: Scalar, file: StaticString = #fileID, line: UInt = #line) -> Variable {
        Variable.record(value.scaled(by: factor), OperationSite(.fixed("scaled"), file: file, line: line), self) { g in
            g.scaled(by: factor)
        }
    }

    /// This variable's elements repeated to `target` shape, as
    /// ``Tensor/broadcast(to:)``; the gradient is summed back over the
    /// broadcast axes.
    /// - Throws: ``ShapeError`` if the shape does not broadcast to `target`.
    @inlinable
    public func broadcast(to target: [Int], file: StaticString = #fileID, line: UInt = #line) throws -> Variable {
        let shape = value.shape
        return Variable.record(try value.broadcast(to: target), OperationSite(.fixed("broadcast"), file: file, line: line), self) {
            g in g.summed(toShape: shape)
        }
    }
}

// MARK: - Comparisons and selection

extension Variable {
    /// 1 where this variable's element is greater than `other`'s, else 0,
    /// with broadcasting: a mask, returned as a `Tensor` because no
    /// gradient flows through a comparison (it is piecewise constant). Use
    /// it with ``where(_:_:_:file:line:)``.
    /// - Throws: ``ShapeError``.
    @inlinable
    public func greater(than other: Variable) throws -> Tensor<Scalar> { try value.greater(than: other.value) }

    /// 1 where this variable's element is less than `other`'s, else 0; see
    /// ``greater(than:)``. - Throws: ``ShapeError``.
    @inlinable
    public func less(than other: Variable) throws -> Tensor<Scalar> { try value.less(than: other.value) }

    /// 1 where the elements are equal, else 0; see ``greater(than:)``.
    /// - Throws: ``ShapeError``.
    @inlinable
    public func equal(to other: Variable) throws -> Tensor<Scalar> { try value.equal(to: other.value) }

    /// `a`'s element where `condition` is non-zero, else `b`'s; the three
    /// shapes broadcast together, as ``Tensor/where(_:_:_:)``. The gradient
    /// goes to the chosen branch only: `a` receives the upstream gradient
    /// where the condition holds (0 elsewhere), `b` where it does not, each
    /// summed back to its own shape. The condition is data (a mask), not
    /// differentiated.
    ///
    /// The branch not chosen gets an exact 0 even where its value is NaN or
    /// infinite, so no NaN comes back through `where` itself; the masked
    /// branch's own pullback can still make one of that 0 (0·NaN where its
    /// derivative is NaN, as for `sqrt` of a negative number), which anomaly
    /// detection reports at that operation.
    ///
    /// - Throws: ``ShapeError`` naming `where` and the shapes that do not
    ///   broadcast.
    @inlinable
    public static func `where`(
        _ condition: Tensor<Scalar>, _ a: Variable, _ b: Variable, file: StaticString = #fileID, line: UInt = #line
    ) throws -> Variable {
        let x = a.value, y = b.value
        let z = try Tensor.where(condition, x, y)
        let needX = a.requiresGrad, needY = b.requiresGrad
        let zero = Tensor<Scalar>(0)
        return record(z, OperationSite(.fixed("where"), file: file, line: line), a, b) { g in
            (
                needX ? (try! Tensor.where(condition, g, zero)).summed(toShape: x.shape) : nil,
                needY ? (try! Tensor.where(condition, zero, g)).summed(toShape: y.shape) : nil
            )
        }
    }
}
