import NablaTestSupport
import NablaRules
import Testing

/// The conventions at points where a derivative is undefined (PyTorch's), and
/// the default implementations `DifferentiableScalar` gives Real types.
@Suite("Conventions and Real defaults")
struct ScalarTests {
    // MARK: Conventions where the derivative is undefined

    static func derivative<T: DifferentiableScalar>(_ op: UnaryOperation, at x: T) -> T {
        op.derivative(at: x, value: op.value(x))
    }

    @Test func reluHasDerivativeZeroAtZero() {
        #expect(Self.derivative(.relu, at: 0.0) == 0)
        #expect(Self.derivative(.relu, at: -0.0) == 0)
        #expect(Self.derivative(.relu, at: Float(0)) == 0)
        // and the step either side
        #expect(Self.derivative(.relu, at: 1e-300) == 1)
        #expect(Self.derivative(.relu, at: -1e-300) == 0)
    }

    @Test func absHasDerivativeZeroAtZero() {
        #expect(Self.derivative(.abs, at: 0.0) == 0)
        #expect(Self.derivative(.abs, at: -0.0) == 0)
        #expect(Self.derivative(.abs, at: Float(0)) == 0)
        #expect(Self.derivative(.abs, at: 1e-300) == 1)
        #expect(Self.derivative(.abs, at: -1e-300) == -1)
    }

    @Test func squareRootHasInfiniteDerivativeAtZero() {
        #expect(Self.derivative(.sqrt, at: 0.0) == .infinity)
        #expect(Self.derivative(.sqrt, at: Float(0)) == .infinity)
        #expect(Self.derivative(.root(2), at: 0.0) == .infinity)
        #expect(Self.derivative(.root(3), at: 0.0) == .infinity)
        #expect(Self.derivative(.root(3), at: Float(0)) == .infinity)
    }

    @Test(arguments: [-2.0, -0.0, 0.0, 1e-300, 3.0])
    func signAndStepHaveDerivativeZero(x: Double) {
        #expect(Self.derivative(.sign, at: x) == 0)
        #expect(Self.derivative(.step, at: x) == 0)
        #expect(Self.derivative(.sign, at: Float(x)) == 0)
        #expect(Self.derivative(.step, at: Float(x)) == 0)
    }

    @Test func minAndMaxSplitTheDerivativeAtTies() {
        for t in [-1.5, 0.0, 2.0] {
            let (minX, minY) = BinaryOperation.min.partials(at: t, t, value: t)
            #expect(minX == 0.5 && minY == 0.5, "min at (\(t), \(t))")
            let (maxX, maxY) = BinaryOperation.max.partials(at: t, t, value: t)
            #expect(maxX == 0.5 && maxY == 0.5, "max at (\(t), \(t))")
        }
        let (fx, fy) = BinaryOperation.max.partials(at: Float(1), Float(1), value: Float(1))
        #expect(fx == 0.5 && fy == 0.5)
        // Off the tie, all of it goes to the selected operand.
        #expect(BinaryOperation.min.partials(at: 1.0, 2.0, value: 1.0) == (1, 0))
        #expect(BinaryOperation.min.partials(at: 2.0, 1.0, value: 1.0) == (0, 1))
        #expect(BinaryOperation.max.partials(at: 1.0, 2.0, value: 2.0) == (0, 1))
        #expect(BinaryOperation.max.partials(at: 2.0, 1.0, value: 2.0) == (1, 0))
    }

    @Test func powerZeroHasDerivativeZeroEverywhere() {
        #expect(UnaryOperation.power(0).value(0.0) == 1)
        #expect(Self.derivative(.power(0), at: 0.0) == 0)
        #expect(Self.derivative(.power(0), at: -0.0) == 0)
        #expect(Self.derivative(.power(0), at: Float(0)) == 0)
        #expect(Self.derivative(.power(0), at: -3.0) == 0)
        // Neighbouring powers at 0 are ordinary.
        #expect(Self.derivative(.power(1), at: 0.0) == 1)
        #expect(Self.derivative(.power(2), at: 0.0) == 0)
        #expect(Self.derivative(.power(3), at: -2.0) == 12)
        #expect(Self.derivative(.power(-1), at: -2.0) == -0.25)
    }

    @Test func documentedNaNsOfTheBinaryRules() {
        // atan2 and hypot at the origin: 0/0.
        let (ax, ay) = BinaryOperation.atan2.partials(at: 0.0, 0.0, value: 0.0)
        #expect(ax.isNaN && ay.isNaN)
        let (hx, hy) = BinaryOperation.hypot.partials(at: 0.0, 0.0, value: 0.0)
        #expect(hx.isNaN && hy.isNaN)
        // The real power at x = 0: ∞ in x for 0 < y < 1, NaN in y (0·log 0).
        let (px, py) = BinaryOperation.power.partials(at: 0.0, 0.5, value: 0.0)
        #expect(px == .infinity)
        #expect(py.isNaN)
    }

    // MARK: Real default implementations

    @Test func sigmoidIsStableForLargeArguments() {
        #expect(Double.sigmoid(1000) == 1)
        #expect(Double.sigmoid(-1000) == 0)
        #expect(Double.sigmoid(.infinity) == 1)
        #expect(Double.sigmoid(-.infinity) == 0)
        #expect(Float.sigmoid(1000) == 1)
        #expect(Float.sigmoid(-1000) == 0)
        #expect(Double.sigmoid(0) == 0.5)
        // Tiny values are computed, not flushed: sigmoid(-700) ≈ e^-700.
        #expect(isClose(Double.sigmoid(-700), Double.exp(-700), relative: 1e-14))
        #expect(isClose(Double.sigmoid(2), 1 / (1 + Double.exp(-2)), relative: 1e-15))
        #expect(isClose(Double.sigmoid(-2), 1 / (1 + Double.exp(2)), relative: 1e-15))
        #expect(Double.sigmoid(.nan).isNaN)
        // and so are their derivatives from the table
        #expect(UnaryOperation.sigmoid.derivative(at: 1000.0, value: 1) == 0)
        #expect(UnaryOperation.sigmoid.derivative(at: -1000.0, value: 0) == 0)
    }

    @Test func softplusIsStableForLargeArguments() {
        #expect(Double.softplus(1000) == 1000)
        #expect(Double.softplus(-1000) == 0)
        #expect(Float.softplus(1000) == 1000)
        #expect(Float.softplus(-1000) == 0)
        #expect(Double.softplus(.infinity) == .infinity)
        #expect(Double.softplus(-.infinity) == 0)
        #expect(isClose(Double.softplus(0), Double.log(2), relative: 1e-15))
        // log(1 + e^-30) ≈ e^-30, not lost to 1 + tiny.
        #expect(isClose(Double.softplus(-30), Double.exp(-30), relative: 1e-12))
        #expect(isClose(Double.softplus(30), 30 + Double.exp(-30), relative: 1e-15))
        #expect(Double.softplus(.nan).isNaN)
        #expect(UnaryOperation.softplus.derivative(at: 1000.0, value: 1000) == 1)
        #expect(UnaryOperation.softplus.derivative(at: -1000.0, value: 0) == 0)
    }

    @Test func minAndMaxPropagateNaN() {
        #expect(Double.min(.nan, 1).isNaN)
        #expect(Double.min(1, .nan).isNaN)
        #expect(Double.max(.nan, 1).isNaN)
        #expect(Double.max(1, .nan).isNaN)
        #expect(Float.min(.nan, 1).isNaN)
        #expect(Float.max(1, .nan).isNaN)
        #expect(Double.min(2, -3) == -3)
        #expect(Double.max(2, -3) == 2)
        #expect(BinaryOperation.min.value(Double.nan, 0).isNaN)
        #expect(BinaryOperation.max.value(0, Double.nan).isNaN)
    }

    @Test func signKeepsSignedZeroAndNaN() {
        let s = Double.sign(-0.0)
        #expect(s == 0 && s.sign == .minus, "sign(-0.0) is -0.0")
        let p = Double.sign(0.0)
        #expect(p == 0 && p.sign == .plus)
        #expect(Double.sign(.nan).isNaN)
        #expect(Double.sign(-3) == -1)
        #expect(Double.sign(1e-300) == 1)
        #expect(Double.sign(-.infinity) == -1)
        #expect(Float.sign(-0.0).sign == .minus)
        #expect(Float.sign(-2) == -1)
    }

    @Test func stepIsZeroAtZero() {
        #expect(Double.step(0) == 0)
        #expect(Double.step(-0.0) == 0)
        #expect(Double.step(1e-300) == 1)
        #expect(Double.step(-1e-300) == 0)
        #expect(Double.step(.nan).isNaN)
        #expect(Float.step(0) == 0)
        #expect(Float.step(2) == 1)
    }

    @Test func reluAndAbs() {
        #expect(Double.relu(-2) == 0)
        #expect(Double.relu(2.5) == 2.5)
        #expect(Double.relu(0) == 0)
        #expect(Double.relu(.nan).isNaN)
        #expect(Float.relu(-1) == 0)
        #expect(Double.abs(-2.5) == 2.5)
        #expect(Double.abs(-0.0).sign == .plus)
        #expect(Double.abs(.nan).isNaN)
        #expect(Float.abs(-3) == 3)
    }

    /// Generic code written against the protocol runs in Double and Float.
    @Test func genericCodeRunsInDoubleAndFloat() {
        func f<T: DifferentiableScalar>(_ v: [T]) -> T { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }
        #expect(f([1.0, 2.0]) == 16)
        #expect(f([Float(1), 2]) == 16)
    }
}
