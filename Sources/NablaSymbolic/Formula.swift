import RealModule
import NablaRules

/// A formula as a person types it, `2*x + 3*x*y + y^3`, as a tree of rule-table
/// operations.
///
/// Parse one with ``init(parsing:)``; evaluate it with any
/// ``DifferentiableScalar`` (Double, Float, the complex-step number, and the
/// dual, tape and symbolic scalars of later layers) through
/// ``evaluate(_:)`` or, faster when evaluated many times, ``compiled(variables:)``.
public indirect enum Formula: Hashable, Sendable {
    /// A number.
    case constant(Double)
    /// π or e.
    case named(NamedConstant)
    /// A variable, by name.
    case variable(String)
    /// A one-argument rule-table operation (negation, xⁿ, sin, ...).
    case unary(UnaryOperation, Formula)
    /// A two-argument rule-table operation (+, -, *, /, x^y, atan2, ...).
    case binary(BinaryOperation, Formula, Formula)

    /// The variables of the formula, in order of first appearance.
    public var variables: [String] {
        var seen: [String] = []
        func visit(_ f: Formula) {
            switch f {
            case .constant, .named: break
            case .variable(let name): if !seen.contains(name) { seen.append(name) }
            case .unary(_, let a): visit(a)
            case .binary(_, let a, let b): visit(a); visit(b)
            }
        }
        visit(self)
        return seen
    }
}

/// The constants a formula can name.
public enum NamedConstant: String, Hashable, Sendable, CaseIterable {
    case pi
    case e

    /// The constant's value.
    @inlinable
    public func value<T: DifferentiableScalar>(as _: T.Type = T.self) -> T {
        switch self {
        case .pi: return T.pi
        case .e: return T.exp(1)
        }
    }
}

/// A variable that a formula uses but the caller did not give a value.
public struct UnboundVariableError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The variable's name.
    public let name: String
    /// The variables the caller did give.
    public let known: [String]

    public init(name: String, known: [String]) {
        self.name = name
        self.known = known
    }

    public var description: String {
        let given = known.isEmpty ? "none were given" : "given: \(known.joined(separator: ", "))"
        return "the formula uses variable '\(name)' but no value was given for it (\(given))"
    }
}

extension Formula {
    /// The formula's value with the variables bound to the given values.
    ///
    /// - Throws: ``UnboundVariableError`` when a variable has no value.
    public func evaluate<T: DifferentiableScalar>(_ bindings: [String: T]) throws -> T {
        let names = Array(bindings.keys).sorted()
        let program = try compiled(variables: names)
        return program(names.map { bindings[$0]! })
    }

    /// The formula compiled to a flat program over array positions, ready
    /// to be evaluated many times, in any ``DifferentiableScalar``: Double or
    /// Float for finite differences, `Dual` for forward mode, `TapeVariable`
    /// to record it on a reverse-mode tape.
    ///
    /// Equal subformulas are computed once (common-subexpression elimination),
    /// which matters for symbolic derivatives, where the same factor recurs.
    ///
    /// - Throws: ``UnboundVariableError`` when the formula uses a variable that
    ///   is not in `variables`.
    public func compiled(variables: [String]) throws -> CompiledFormula {
        var program: [CompiledFormula.Instruction] = []
        var registers: [CompiledFormula.Instruction: Int32] = [:]
        func emit(_ instruction: CompiledFormula.Instruction) -> Int32 {
            if let r = registers[instruction] { return r }
            let r = Int32(program.count)
            program.append(instruction)
            registers[instruction] = r
            return r
        }
        func lower(_ f: Formula) throws -> Int32 {
            switch f {
            case .constant(let c) where c == 0 && c.sign == .minus:
                // -0 == 0 as a dictionary key, but 1/-0 is -∞: never shared.
                program.append(.constant(c))
                return Int32(program.count - 1)
            case .constant(let c): return emit(.constant(c))
            case .named(let c): return emit(.named(c))
            case .variable(let name):
                guard let index = variables.firstIndex(of: name) else {
                    throw UnboundVariableError(name: name, known: variables)
                }
                return emit(.variable(index))
            case .unary(let op, let a): return emit(.unary(op, try lower(a)))
            case .binary(let op, let a, let b):
                let ra = try lower(a)
                return emit(.binary(op, ra, try lower(b)))
            }
        }
        let output = try lower(self)
        return CompiledFormula(program: program, output: output, arity: variables.count)
    }
}

/// A formula compiled to a flat program whose variables are positions in an
/// array: call it with the values, in any ``DifferentiableScalar`` type.
///
/// ```swift
/// let f = try Formula(parsing: "2*x + 3*x*y + y^3").compiled(variables: ["x", "y"])
/// f([1.0, 2.0])          // 16.0
/// f([Float(1), 2])       // 16.0 as Float
/// ```
public struct CompiledFormula: Hashable, Sendable {
    /// One step of the program; operands are the results of earlier steps.
    @usableFromInline
    enum Instruction: Hashable, Sendable {
        case constant(Double)
        case named(NamedConstant)
        case variable(Int)
        case unary(UnaryOperation, Int32)
        case binary(BinaryOperation, Int32, Int32)
    }

    @usableFromInline let program: [Instruction]
    @usableFromInline let output: Int32
    /// How many values a call needs.
    public let arity: Int

    init(program: [Instruction], output: Int32, arity: Int) {
        self.program = program
        self.output = output
        self.arity = arity
    }

    /// The number of distinct operations (after common-subexpression elimination).
    public var operationCount: Int { program.count }

    /// The formula's value at `x` (one value per variable, in the order given
    /// to ``Formula/compiled(variables:)``).
    @inlinable
    public func callAsFunction<T: DifferentiableScalar>(_ x: [T]) -> T {
        precondition(x.count == arity, "a formula of \(arity) variables called with \(x.count) values")
        // (withUnsafeTemporaryAllocation would save the allocation, but its
        // generic metadata traps at run time with this toolchain.)
        let registers = UnsafeMutablePointer<T>.allocate(capacity: program.count)
        defer {
            registers.deinitialize(count: program.count)
            registers.deallocate()
        }
        for (k, instruction) in program.enumerated() {
            let value: T
            switch instruction {
            case .constant(let c): value = T(c)
            case .named(let c): value = c.value()
            case .variable(let i): value = x[i]
            case .unary(let op, let a): value = op.value(registers[Int(a)])
            case .binary(let op, let a, let b): value = op.value(registers[Int(a)], registers[Int(b)])
            }
            (registers + k).initialize(to: value)
        }
        return registers[Int(output)]
    }
}
