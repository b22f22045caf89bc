import NablaReverse
import NablaRules
import Testing

func logShifted<T: DifferentiableScalar>(_ v: [T]) -> T { T.log(v[0] - 1) }
/// log(x - 1) is -∞ at x = 1 (node 2), then sqrt(x - 2) is NaN (node 5):
/// the first is reported.
func logThenSqrt<T: DifferentiableScalar>(_ v: [T]) -> T { T.log(v[0] - 1) * 2 + T.sqrt(v[0] - 2) }
/// The same two anomalies in the other order: sqrt(-1) (node 2) comes first.
func sqrtThenLog<T: DifferentiableScalar>(_ v: [T]) -> T { T.sqrt(v[0] - 2) + T.log(v[0] - 1) }
func anomalySmooth<T: DifferentiableScalar>(_ v: [T]) -> T {
    T.exp(v[0] * v[1]) * T.sin(v[2]) + T.log(v[0] * v[0] + 1) / (v[1] * v[1] + 2) + T.sqrt(v[2] * v[2] + 1)
}

/// Anomaly mode: where a NaN or infinity first appears, in the forward pass
/// (a value) or the backward pass (a derivative).
///
/// Nodes are numbered in recording order, inputs first: for `log(x - 1)`
/// with one input, node 0 is x, node 1 is `x - 1` and node 2 is `log`.
@Suite("Anomaly detection")
struct AnomalyTests {
    @Test func logOfZeroIsReportedInTheForwardPass() throws {
        let error = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: logShifted, at: [1.0])
        }
        #expect(error.pass == .forward)
        #expect(error.operation == "log(0.0)")
        #expect(error.node == 2)
        #expect(error.description.contains("forward pass"))
        #expect(error.description.contains("log(0.0)"))
        // Without anomaly mode the same computation quietly returns -∞ and ∞.
        let (value, g) = valueAndGradient(of: logShifted, at: [1.0])
        #expect(value == -.infinity)
        #expect(g == [.infinity])
    }

    @Test func theFirstOffendingOperationIsNamed() throws {
        let logFirst = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: logThenSqrt, at: [1.0])
        }
        #expect(logFirst.pass == .forward)
        #expect(logFirst.operation.hasPrefix("log("), "\(logFirst)")
        #expect(logFirst.node == 2)
        let sqrtFirst = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: sqrtThenLog, at: [1.0])
        }
        #expect(sqrtFirst.pass == .forward)
        #expect(sqrtFirst.operation == "sqrt(-1.0)", "\(sqrtFirst)")
        #expect(sqrtFirst.node == 2)
        // A later operation on the NaN (here `*`, `+`) is not blamed.
        let propagated = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: { v in (Taped.log(v[0] - 1) + 1) * v[0] }, at: [1.0])
        }
        #expect(propagated.operation.hasPrefix("log("))
        // A binary operation can be the source too: 1/0.
        let division = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: { v in v[0] / (v[1] - v[1]) }, at: [1.0, 2.0])
        }
        #expect(division.pass == .forward)
        #expect(division.operation == "/(1.0, 0.0)", "\(division)")
        #expect(division.node == 3)
    }

    @Test func infiniteDerivativeIsReportedInTheBackwardPass() throws {
        // sqrt(0) = 0 is finite; its derivative 1/(2·0) is not.
        let error = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: { v in Taped.sqrt(v[0]) }, at: [0.0])
        }
        #expect(error.pass == .backward)
        #expect(error.operation == "sqrt(0.0)")
        #expect(error.node == 1)
        #expect(error.description.contains("backward pass"))
        // Deeper in a graph: √(x²) + y at (0, 3); the sqrt is node 3.
        let deeper = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: { v in Taped.sqrt(v[0] * v[0]) + v[1] }, at: [0.0, 3.0])
        }
        #expect(deeper.pass == .backward)
        #expect(deeper.operation == "sqrt(0.0)")
        #expect(deeper.node == 3)
    }

    @Test func normalFunctionsDoNotThrowAndGiveTheSameGradient() throws {
        for x in [[0.5, -1.25, 2.0], [1.0, 2.0, -3.0], [0.0, 0.0, 0.0]] {
            let checked = try valueAndGradientDetectingAnomalies(of: anomalySmooth, at: x)
            let plain = valueAndGradient(of: anomalySmooth, at: x)
            #expect(checked.value == plain.value)
            #expect(checked.gradient == plain.gradient)
        }
        let floats = try valueAndGradientDetectingAnomalies(of: anomalySmooth, at: [Float(0.5), -1.25, 2])
        #expect(floats.gradient == gradient(of: anomalySmooth, at: [Float(0.5), -1.25, 2]))
        // A kink at 0 has a finite conventional derivative: no anomaly.
        let kink = try valueAndGradientDetectingAnomalies(of: { v in Taped.relu(v[0]) + Taped.abs(v[1]) }, at: [0.0, 0.0])
        #expect(kink.gradient == [0, 0])
        // Output equal to an input.
        let identity = try valueAndGradientDetectingAnomalies(of: { v in v[1] }, at: [1.0, 2.0])
        #expect(identity.value == 2 && identity.gradient == [0, 1])
    }

    @Test func nonFiniteInputsAreReported() throws {
        let nan = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: { v in v[0] + v[1] * 2 }, at: [1.0, .nan])
        }
        #expect(nan.pass == .forward)
        #expect(nan.node == 1)
        #expect(nan.operation.contains("input 1"), "\(nan)")
        let infinity = try #require(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: { v in Taped.exp(v[0]) }, at: [-Double.infinity])
        }
        #expect(infinity.node == 0)
        #expect(infinity.operation.contains("input 0"), "\(infinity)")
        // Even when the function ignores the non-finite input.
        #expect(throws: AnomalyError.self) {
            try valueAndGradientDetectingAnomalies(of: { v in v[0] * 3 }, at: [1.0, .infinity])
        }
    }
}

/// The scalar type anomaly closures run on.
private typealias Taped = TapeVariable<Double>
