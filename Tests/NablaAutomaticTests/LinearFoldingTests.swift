import NablaForward
@testable import NablaReverse
import NablaRules
import Testing

// Linear operations with a constant (−v, c·v, v·c, v / c, v ± c, c ± v)
// record no node on the tape: the variable keeps its operand's node and
// carries the slope. These tests check the gradients through every such
// operation against closed forms, that the nodes really are left out, and
// that the modes that report every node (anomaly mode, backpropagate)
// still record them.

/// Every foldable operation, chained: f(x, y) = (−(2x) + 1)·(y / 4 − 3) + (5 − x)·0.5 + (7 + y)·x / 3.
func foldedChain<T: DifferentiableScalar>(_ v: [T]) -> T {
    let x = v[0], y = v[1]
    let a = -(2 * x) + 1
    let b = y / 4 - 3
    let c = (5 - x) * 0.5
    let d = (7 + y) * x / 3
    return a * b + c + d
}

/// ∂f/∂x = −2·(y/4 − 3) − 0.5 + (7 + y)/3, ∂f/∂y = (−2x + 1)/4 + x/3.
func foldedChainGradient(_ x: Double, _ y: Double) -> [Double] {
    [-2 * (y / 4 - 3) - 0.5 + (7 + y) / 3, (-2 * x + 1) / 4 + x / 3]
}

/// The number of nodes `f` records beyond the inputs.
func recordedNodes<T: DifferentiableScalar>(
    _ f: ([TapeVariable<T>]) -> TapeVariable<T>, at x: [T], detectsAnomalies: Bool = false
) -> Int {
    withTape(inputs: x, detectsAnomalies: detectsAnomalies) { tape, inputs in
        _ = f(inputs)
        return tape.pointee.count - x.count
    }
}

@Suite("Linear operations with constants fold into slopes")
struct LinearFoldingTests {
    static let points: [(Double, Double)] = [(0.3, -1.7), (-2.5, 4.0), (1e3, 1e-3)]

    @Test(arguments: points)
    func gradientsThroughEveryFoldedOperationInDouble(point: (Double, Double)) {
        let (x, y) = point
        let g = gradient(of: foldedChain, at: [x, y])
        let expected = foldedChainGradient(x, y)
        #expect(automaticIsClose(g, expected, relative: 1e-14, absolute: 1e-14), "\(g) against \(expected)")
    }

    @Test(arguments: points)
    func gradientsThroughEveryFoldedOperationInFloat(point: (Double, Double)) {
        let (x, y) = point
        let g = gradient(of: foldedChain, at: [Float(x), Float(y)])
        let expected = foldedChainGradient(Double(Float(x)), Double(Float(y))).map(Float.init)
        #expect(automaticIsClose(g, expected, relative: 1e-5, absolute: 1e-5), "\(g) against \(expected)")
    }

    @Test func eachFoldedOperationAlone() {
        let cases: [(String, ([TapeVariable<Double>]) -> TapeVariable<Double>, Double)] = [
            ("-x", { -$0[0] }, -1),
            ("3*x", { 3 * $0[0] }, 3),
            ("x*3", { $0[0] * 3 }, 3),
            ("x/4", { $0[0] / 4 }, 0.25),
            ("x/3", { $0[0] / 3 }, 1.0 / 3),
            ("x+5", { $0[0] + 5 }, 1),
            ("5+x", { 5 + $0[0] }, 1),
            ("x-5", { $0[0] - 5 }, 1),
            ("5-x", { 5 - $0[0] }, -1),
            ("-(-(x))", { -(-$0[0]) }, 1),
            ("-(x/0.5)*3", { -($0[0] / 0.5) * 3 }, -6),
        ]
        for (name, f, slope) in cases {
            // The output is the input's own node with a slope: the seed
            // carries the slope, and no node is recorded.
            let (value, g) = valueAndGradient(of: f, at: [1.5])
            #expect(g == [slope], "\(name): gradient \(g)")
            #expect(value == f([TapeVariable(constant: 1.5)]).value, "\(name): value")
            #expect(recordedNodes(f, at: [1.5]) == 0, "\(name) recorded a node")
        }
    }

    @Test func foldedNodesAreNotRecordedButNonlinearOnesAre() {
        // Four nodes: the two products of variables, the sin and the sum;
        // the constants' sums, products and quotient and the negation fold.
        typealias T = TapeVariable<Double>
        let f: ([T]) -> T = { v in T.sin((v[0] * 2 - 1) * (v[1] / 3)) + (-v[0]) * v[1] }
        #expect(recordedNodes(f, at: [0.4, 0.9]) == 4)
        // A constant over a variable is not linear in it: recorded.
        #expect(recordedNodes({ 1 / $0[0] }, at: [2.0]) == 1)
        #expect(gradient(of: { 1 / $0[0] }, at: [2.0]) == [-0.25])
        // Anomaly mode names every operation, so it records every one.
        #expect(recordedNodes(f, at: [0.4, 0.9], detectsAnomalies: true) == 8)
        #expect(recordedNodes(foldedChain, at: [0.4, 0.9]) == 4)
    }

    @Test func anomalyModeGivesTheSameGradient() throws {
        for (x, y) in Self.points {
            let folded = gradient(of: foldedChain, at: [x, y])
            let recorded = try valueAndGradientDetectingAnomalies(of: foldedChain, at: [x, y]).gradient
            #expect(automaticIsClose(folded, recorded, relative: 1e-15, absolute: 1e-15), "\(folded) against \(recorded)")
        }
    }

    @Test func aConstantDivisorOfZeroIsNamedInAnomalyMode() throws {
        let error = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: { v in (v[0] + 1) / 0 * v[0] }, at: [2.0])
        }
        #expect(error.pass == .forward)
        #expect(error.operation.hasPrefix("/("), "\(error.operation)")
    }

    @Test func watchedVariablesStillHaveTheirAdjoints() {
        // backpropagate records every operation, so 3x has its own adjoint.
        let trace = backpropagate(at: [2.0]) { v, watch in
            let scaled = 3 * v[0]
            watch(scaled)
            let shifted = scaled - 1
            watch(shifted)
            return shifted * shifted
        }
        #expect(trace.value == 25)
        #expect(trace.adjoints == [10, 10])   // ∂/∂(3x) = ∂/∂(3x − 1) = 2(3x − 1)
        #expect(trace.gradient == [30])
    }

    @Test func jacobiansAndPullbacksWithFoldedOutputs() {
        let f: ([TapeVariable<Double>]) -> [TapeVariable<Double>] = { v in [-v[0], v[1] * 3 + 1, v[0] * v[1] / 2] }
        let (value, jacobian) = reverseJacobian(of: f, at: [1.5, -2.0])
        #expect(value == [-1.5, -5, -1.5])
        #expect(jacobian == [[-1, 0], [0, 3], [-1, 0.75]])
        let pullback = valueAndPullback(of: f, at: [1.5, -2.0], cotangent: [2, 1, -4])
        #expect(pullback.vectorJacobianProduct == [-2 + 4, 3 - 3])
    }

    @Test func secondDerivativesThroughFoldedOperations() {
        // f = (2x − 1)²·(y / 2): ∂f/∂x = 4(2x − 1)·y/2, H = [[4y, 2(2x − 1)], [2(2x − 1), 0]].
        func f<S: DifferentiableScalar>(_ v: [S]) -> S {
            let u = 2 * v[0] - 1
            return u * u * (v[1] / 2)
        }
        let (x, y) = (0.75, -3.0)
        let h = hessian(of: f, at: [x, y])
        #expect(h == [[4 * y, 2 * (2 * x - 1)], [2 * (2 * x - 1), 0]])
        let hvp = hessianVectorProduct(of: f, at: [x, y], direction: [1, 2])
        #expect(hvp.gradient == [4 * (2 * x - 1) * y / 2, (2 * x - 1) * (2 * x - 1) / 2])
        #expect(hvp.hessianVectorProduct == [4 * y + 4 * (2 * x - 1), 2 * (2 * x - 1)])
    }
}
