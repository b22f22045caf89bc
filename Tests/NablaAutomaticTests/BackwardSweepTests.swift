@testable import NablaReverse
import NablaTestSupport
import NablaRules
import Testing

// Graph shapes that take each branch of the fast backward sweep: a first
// parent that is the node just before (a chain) or not, the same parent
// twice (adjacent or not, with equal or different partials), a constant
// operand, an output that is an input, a node used many times.

/// A recurrence: chains through `state` (each step's first parent is the
/// step before), sin/exp/tanh, constants, a neighbour read out of order,
/// and `state * state` right after the tanh that made it (both parents the
/// node just before, the second visited after the first).
func sweepRecurrence<T: DifferentiableScalar>(_ xs: [T]) -> T {
    var state: T = 0.3
    var sum: T = 0
    for (i, x) in xs.enumerated() {
        let neighbour = xs[(i + 7) % xs.count]
        state = T.tanh(state * 0.9 + T.sin(x) * neighbour - T.exp(-(x * x)) * 0.5)
        sum = sum + state * state
    }
    return sum
}

/// The same parent twice: right after it (`pow(t, t)`, `a / a`) and not
/// (`t * t`, `u / u`, `x - x`), with equal and with different partials.
func sweepRepeatedParents<T: DifferentiableScalar>(_ v: [T]) -> T {
    let t = T.sin(v[0]) + 2
    let power = T.pow(t, t)
    let square = t * t
    let u = T.exp(v[1] * 0.25)
    let w = v[2] * v[0]
    let ratio = u / u + w
    let adjacent = T.cos(v[1]) + 3
    let quotient = adjacent / adjacent + adjacent * 0.3
    let difference = (v[2] - v[2]) * t
    // Later uses of t and `adjacent` reach their slots before the adjacent
    // repeated-parent nodes do, so the order of the additions shows.
    return square * 1.3 + ratio * quotient + difference + power / u + t * 0.7
}

/// Constant first and second operands, literals and a deep unary chain.
func sweepConstants<T: DifferentiableScalar>(_ v: [T]) -> T {
    var c = 2 - v[0]
    c = 3 / c
    c = c * 0.5
    for _ in 0..<20 { c = T.tanh(c) + 0.1 }
    return c + 7 * v[1]
}

/// One node used by every later node.
func sweepFanOut<T: DifferentiableScalar>(_ v: [T]) -> T {
    let hub = v[0] * v[1]
    var total = hub
    for k in 1...30 { total = total + hub * T(Double(k)) + T.sin(hub + total * 0.01) }
    return total
}

@Suite("Reverse sweep")
struct BackwardSweepTests {
    /// The sweep's two loops on one tape: the fast one (`gradient` uses it)
    /// and the one that keeps every node's adjoint (anomaly mode and
    /// `backpropagate` use it) give the inputs the same adjoints, bit for
    /// bit, since they update every slot in the same order. Then the public
    /// gradient against anomaly mode, which also records the linear
    /// operations with constants that the fast path folds into slopes:
    /// with fused multiply-adds the folded path rounds less (a slope times
    /// a partial is one factor, where anomaly mode rounds partial·adjoint
    /// before the linear node multiplies it), so the two agree to a few
    /// units in the last place rather than bit for bit.
    func expectSweepsAgree<T: DifferentiableScalar & BinaryFloatingPoint>(
        _ f: ([TapeVariable<T>]) -> TapeVariable<T>, at x: [T], _ name: String
    ) throws {
        let (fastLoop, keepingLoop) = withTape(inputs: x) { tape, inputs -> ([T], [T]) in
            let y = f(inputs)
            let seeds = [(index: y.index, adjoint: y.scale)]
            let fast = tape.pointee.backward(seeds: seeds, lowest: x.count)
            let keeping = tape.pointee.backward(seeds: seeds, lowest: x.count, keepsIntermediates: true)
            defer {
                freeBlock(fast)
                freeBlock(keeping)
            }
            return (Array(UnsafeBufferPointer(start: fast, count: x.count)),
                    Array(UnsafeBufferPointer(start: keeping, count: x.count)))
        }
        // Equal as numbers and in sign (so ±0 count as different), or both NaN.
        let same = zip(fastLoop, keepingLoop).allSatisfy {
            ($0 == $1 && $0.sign == $1.sign) || ($0.isNaN && $1.isNaN)
        }
        #expect(same, "\(name): \(fastLoop) against \(keepingLoop)")

        let fast = valueAndGradient(of: f, at: x)
        let plain = try valueAndGradientDetectingAnomalies(of: f, at: x)
        #expect(fast.value == plain.value, "\(name): value")
        #expect(fast.gradient == fastLoop || zip(fast.gradient, fastLoop).allSatisfy { $0.isNaN && $1.isNaN },
                "\(name): gradient(of:) is the fast loop's")
        // Within 8 ulps of the largest component (sums of terms of both
        // signs can cancel, so relative to the gradient's scale).
        let scale = plain.gradient.map { Swift.abs($0) }.max() ?? 0
        let tolerance = 8 * scale.ulp
        let close = fast.gradient.count == plain.gradient.count && zip(fast.gradient, plain.gradient).allSatisfy {
            Swift.abs($0 - $1) <= tolerance || ($0.isNaN && $1.isNaN)
        }
        #expect(close, "\(name): \(fast.gradient) against anomaly mode's \(plain.gradient)")
    }

    @Test(arguments: [0.3, -1.1, 2.4])
    func fastSweepMatchesThePlainSweepInDouble(shift: Double) throws {
        let x = (0..<100).map { 0.8 * Double.sin(0.37 * Double($0)) + shift * 0.1 }
        try expectSweepsAgree(sweepRecurrence, at: x, "recurrence")
        try expectSweepsAgree(sweepRepeatedParents, at: [shift, 0.7, -0.4 * shift], "repeated parents")
        try expectSweepsAgree(sweepConstants, at: [shift * 0.2, 1.5], "constants")
        try expectSweepsAgree(sweepFanOut, at: [0.5 * shift, 0.3], "fan-out")
        try expectSweepsAgree({ v in v[1] }, at: [shift, 2.0, 3.0], "output is an input")
        try expectSweepsAgree({ v in v[0] * v[0] }, at: [shift], "square of an input")
    }

    @Test(arguments: [Float(0.3), -1.1, 2.4])
    func fastSweepMatchesThePlainSweepInFloat(shift: Float) throws {
        let x = (0..<100).map { Float(0.8) * Float.sin(0.37 * Float($0)) + shift * 0.1 }
        try expectSweepsAgree(sweepRecurrence, at: x, "recurrence")
        try expectSweepsAgree(sweepRepeatedParents, at: [shift, 0.7, -0.4 * shift], "repeated parents")
        try expectSweepsAgree(sweepConstants, at: [shift * 0.2, 1.5], "constants")
        try expectSweepsAgree(sweepFanOut, at: [0.5 * shift, 0.3], "fan-out")
    }

    /// Closed forms for the repeated-parent graph's pieces: d(t·t)/dx = 2t·t',
    /// u/u and t - t contribute nothing, the output being an input gives a
    /// one-hot gradient.
    @Test func repeatedParentsHaveTheirClosedForms() {
        let x = 0.9
        let square = gradient(of: { v in let t = Taped.sin(v[0]) + 2; return t * t }, at: [x])
        #expect(isClose(square[0], 2 * (Double.sin(x) + 2) * Double.cos(x), relative: 1e-15))
        let ratio = gradient(of: { v in let u = Taped.exp(v[0]); return u / u + v[1] * 0 }, at: [x, 1])
        #expect(abs(ratio[0]) <= 1e-15)
        let difference = gradient(of: { v in let t = Taped.cos(v[0]); return (t - t) * v[1] + v[1] }, at: [x, 2])
        #expect(difference == [0, 1])
        #expect(gradient(of: { v in v[1] }, at: [1.0, 2.0, 3.0]) == [0, 1, 0])
    }

    /// A pullback with several seeds, one of them an intermediate node that
    /// is also the first parent of the node after it.
    @Test func pullbackWithAnIntermediateSeedMatchesTheSumOfGradients() {
        let x = [0.4, -0.8]
        func outputs<T: DifferentiableScalar>(_ v: [T]) -> [T] {
            let a = T.sin(v[0]) * v[1]
            let b = T.tanh(a)
            let c = b * b + v[0]
            return [a, c, b]
        }
        let u = [0.5, -2.0, 1.25]
        let (_, pullback) = valueAndPullback(of: outputs, at: x, cotangent: u)
        let reference = (0..<3).map { k in gradient(of: { v in outputs(v)[k] }, at: x) }
        for j in 0..<2 {
            let expected = (0..<3).reduce(0.0) { $0 + u[$1] * reference[$1][j] }
            #expect(isClose(pullback[j], expected, relative: 1e-14), "component \(j)")
        }
    }
}

private typealias Taped = TapeVariable<Double>
