import NablaRules

/// A scalar recorded on a reverse-mode tape: reverse-mode automatic
/// differentiation (backpropagation).
///
/// You do not create these: ``gradient(of:at:)`` and its siblings create a
/// tape, hand your function one variable per input, record every operation
/// (value and local partial derivatives, from the rule table) in one flat
/// array, and sweep it backwards once. The cost is a small constant times one
/// evaluation of f, whatever the number of inputs.
///
/// A variable is four machine words: its value, its node index, a raw
/// pointer to the tape (so recording does no reference counting) and a
/// slope. Linear operations with a constant (−v, c·v, v / c, v ± c, c − v)
/// record no node: the result keeps its operand's node and multiplies the
/// slope, which the next recorded operation folds into its partial. Like the
/// pointer of `withUnsafeBufferPointer`, a variable must not escape the
/// closure it was given to: its tape is freed when the call returns (debug
/// builds catch a variable used after that). Literals and values made with
/// `TapeVariable(_:)` are constants, on no tape.
@frozen
public struct TapeVariable<T: DifferentiableScalar>: RuleTableScalar {
    /// The value.
    public let value: T
    @usableFromInline let index: Int32
    @usableFromInline let tape: UnsafeMutablePointer<TapeStorage<T>>?
    /// ∂value/∂(the value of node `index`): 1 for the node itself; for a
    /// variable that is a linear function of it (−v, c·v, v / c, v ± c,
    /// c − v with c constant), which is not recorded, the slope.
    @usableFromInline let scale: T

    @inlinable @inline(__always)
    init(value: T, index: Int32, tape: UnsafeMutablePointer<TapeStorage<T>>?, scale: T = 1) {
        self.value = value
        self.index = index
        self.tape = tape
        self.scale = scale
    }

    /// A constant (recorded on no tape).
    @inlinable @inline(__always)
    public init(constant value: T) { self.init(value: value, index: -1, tape: nil) }

    @inlinable @inline(__always)
    public init(_ value: Double) { self.init(constant: T(value)) }

    @inlinable @inline(__always)
    public init(integerLiteral value: Int) { self.init(constant: T(Double(value))) }

    @inlinable @inline(__always)
    public init(floatLiteral value: Double) { self.init(constant: T(value)) }

    @inlinable public static var zero: Self { Self(constant: 0) }
    @inlinable public static var pi: Self { Self(constant: T.pi) }
    @inlinable public var isFinite: Bool { value.isFinite }

    /// Whether the variable depends on the inputs (is recorded on a tape).
    @inlinable public var isConstant: Bool { tape == nil }

    /// Compares values.
    @inlinable @inline(__always)
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.value == rhs.value }

    @inlinable @inline(__always)
    static func check(_ tape: UnsafeMutablePointer<TapeStorage<T>>) {
        assert(!tape.pointee.isFinished,
               "a TapeVariable was used after its gradient computation returned: variables must not escape the function being differentiated")
    }

    @inlinable @inline(__always)
    public static func applying(_ operation: UnaryOperation, to x: Self) -> Self {
        guard let tape = x.tape else { return Self(constant: operation.value(x.value)) }
        check(tape)
        let (y, d) = operation.valueAndDerivative(x.value)
        // −v is linear: no node, only its slope (see `folding`).
        if case .negate = operation, tape.pointee.foldsLinearOperations {
            return Self(value: y, index: x.index, tape: tape, scale: d * x.scale)
        }
        let own = Int32(truncatingIfNeeded: tape.pointee.count)
        let index = tape.pointee.record(
            TapeNode(parent0: x.index, partial0: d * x.scale, parent1: own, partial1: 0),
            value: y, operation: .unary(operation), arguments: (x.value, x.value))
        return Self(value: y, index: index, tape: tape)
    }

    @inlinable @inline(__always)
    public static func applying(_ operation: BinaryOperation, to x: Self, _ y: Self) -> Self {
        let z = operation.value(x.value, y.value)
        // Two variables: the common case, without the constant operand's
        // selects.
        if let tape = x.tape, let other = y.tape {
            precondition(tape == other,
                         "'\(operation.name)' combines variables of two different tapes (of two gradient computations)")
            check(tape)
            let (dx, dy) = operation.partials(at: x.value, y.value, value: z)
            let index = tape.pointee.record(
                TapeNode(parent0: x.index, partial0: dx * x.scale, parent1: y.index, partial1: dy * y.scale),
                value: z, operation: .binary(operation), arguments: (x.value, y.value))
            return Self(value: z, index: index, tape: tape)
        }
        guard let tape = x.tape ?? y.tape else { return Self(constant: z) }
        check(tape)
        // One operand constant: sums, differences, products and quotients
        // are linear in the other, so they make no node, only its slope.
        if tape.pointee.foldsLinearOperations, let folded = Self.folding(operation, x, y, value: z, tape: tape) {
            return folded
        }
        let (dx, dy) = operation.partials(at: x.value, y.value, value: z)
        let own = Int32(truncatingIfNeeded: tape.pointee.count)
        // The constant operand is no parent: its slot points at the node
        // itself with partial 0 (so a NaN partial of a constant, x^y at
        // x = 0 for the exponent, is never used).
        let node = x.tape == nil
            ? TapeNode(parent0: own, partial0: 0, parent1: y.index, partial1: dy * y.scale)
            : TapeNode(parent0: x.index, partial0: dx * x.scale, parent1: own, partial1: 0)
        let index = tape.pointee.record(node, value: z, operation: .binary(operation), arguments: (x.value, y.value))
        return Self(value: z, index: index, tape: tape)
    }

    /// `operation` with exactly one constant operand, as a variable of the
    /// other operand's node whose slope takes the rule table's partial, or
    /// nil where the operation is not linear in that operand.
    @inlinable @inline(__always)
    static func folding(
        _ operation: BinaryOperation, _ x: Self, _ y: Self, value z: T, tape: UnsafeMutablePointer<TapeStorage<T>>
    ) -> Self? {
        switch operation {
        case .add, .subtract, .multiply: break
        case .divide where y.tape == nil: break
        default: return nil
        }
        let (dx, dy) = operation.partials(at: x.value, y.value, value: z)
        return y.tape == nil
            ? Self(value: z, index: x.index, tape: tape, scale: dx * x.scale)
            : Self(value: z, index: y.index, tape: tape, scale: dy * y.scale)
    }
}

extension TapeVariable: CustomStringConvertible {
    public var description: String { tape == nil ? "\(value) (constant)" : "\(value) (node \(index))" }
}
