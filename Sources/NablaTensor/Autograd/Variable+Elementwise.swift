import NablaRules

// Elementwise operations read their derivatives from the rule table:
// `Tensor.valueAndDerivative(of:)` and `Tensor.partials(of:_:)`. Broadcasting
// is undone in the pullback by `summed(toShape:)`.

extension Variable {
    /// The rule table's function applied to every element
    /// (`x.applying(.tanh)`); the pullback multiplies by f′ from the table.
    @inlinable
    public func applying(_ operation: UnaryOperation) -> Variable {
        guard requiresGrad && isGradientRecordingEnabled else { return Variable(value.map(operation)) }
        let (y, derivative) = value.valueAndDerivative(of: operation)
        return Variable(value: y, parents: [self]) { g in [g * derivative] }
    }

    /// The rule table's two-argument function applied elementwise, with
    /// broadcasting. Each operand's gradient is the upstream gradient times
    /// its partial from the table, summed back to the operand's shape.
    ///
    /// - Throws: ``ShapeError`` if the shapes do not broadcast.
    @inlinable
    public func applying(_ operation: BinaryOperation, _ other: Variable) throws -> Variable {
        let x = value, y = other.value
        let z = try x.applying(operation, y)
        return Variable.record(z, [self, other]) { g in
            // The partials are computed only when backward needs them.
            let (dx, dy) = try! x.partials(of: operation, y)
            return [(g * dx).summed(toShape: x.shape), (g * dy).summed(toShape: y.shape)]
        }
    }

    /// `applying(_:_:)` for operators, which cannot throw: a shape mismatch
    /// stops with the ``ShapeError``'s message.
    @inlinable
    static func combining(_ operation: BinaryOperation, _ x: Variable, _ y: Variable) -> Variable {
        do {
            return try x.applying(operation, y)
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
    public static prefix func - (operand: Variable) -> Variable { operand.applying(.negate) }

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
}
