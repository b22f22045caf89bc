import NablaTensor
import Testing

/// `withAnomalyDetection`: the first NaN or infinity, forward or backward,
/// named with its operation and source location.
@Suite("Autograd: anomaly detection")
struct AutogradAnomalyTests {
    static let file = "NablaTensorTests/AutogradAnomalyTests.swift"

    /// The AnomalyError `body` throws, or nil.
    func anomaly(_ body: () throws -> Void) -> AnomalyError? {
        do {
            try body()
            return nil
        } catch let error as AnomalyError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func logOfANegativeNumberInForward() throws {
        let x = Variable(Tensor<Double>([2, -1, 3]), requiresGrad: true)
        var line = 0
        let error = anomaly {
            try withAnomalyDetection {
                let s = x * 2
                line = #line + 1
                let y = s.applying(.log)
                let loss = (y * y).sum()   // NaN propagates, but the first op is reported
                try loss.backward()
            }
        }
        let e = try #require(error)
        #expect(e.phase == .forward && e.operation == "log")
        #expect(e.file == Self.file && e.line == line)
        #expect(e.shape == [3] && e.index == 1 && e.element.isNaN && e.inputsFinite)
        #expect("\(e)".contains("log at \(Self.file):\(line)") && "\(e)".contains("NaN"))
        // backward threw before touching anything.
        #expect(x.grad == nil)
    }

    @Test func divisionProducingInfinityNamesTheOperatorAndTheNearestLocatedOperation() throws {
        let x = Variable(Tensor<Double>([1, 2]), requiresGrad: true)
        let y = Variable(Tensor<Double>([4, 0]))
        var line = 0
        let error = anomaly {
            try withAnomalyDetection {
                line = #line + 1
                let e = x.applying(.exp)
                let q = e / y                 // an operator: no location of its own
                try (q + 1).sum().backward()
            }
        }
        let e = try #require(error)
        #expect(e.phase == .forward && e.operation == "/" && e.file == nil && e.line == nil)
        #expect(e.element == .infinity && e.index == 1)
        #expect(e.nearestLocatedOperation == "exp at \(Self.file):\(line)")
        let text = "\(e)"
        #expect(text.contains("operator /") && text.contains("inf") && text.contains("nearest located operation"))
    }

    @Test func aNaNOnlyInBackward() throws {
        // sqrt(0) = 0 is finite; its derivative 1/(2·√0) = ∞ appears only in backward.
        let x = Variable(Tensor<Double>([0, 4]), requiresGrad: true)
        var line = 0
        var loss: Variable<Double>?
        let error = anomaly {
            try withAnomalyDetection {
                line = #line + 1
                let r = try x.applying(.sqrt).multiplying(Variable(Tensor([3, 1])))
                loss = r.sum()
                try loss!.backward()
            }
        }
        let e = try #require(error)
        #expect(e.phase == .backward && e.operation == "sqrt" && e.file == Self.file && e.line == line)
        #expect(e.operand == 0 && e.index == 0 && e.element == .infinity && e.inputsFinite)
        #expect("\(e)".contains("anomaly in backward: sqrt at \(Self.file):\(line)"))
        // Nothing accumulated, graph kept: a backward outside the scope runs.
        #expect(x.grad == nil)
        try loss!.backward()
        #expect(x.grad!.scalars[0] == .infinity && x.grad!.scalars[1] == 0.25)
    }

    @Test func forwardAnomaliesSurfaceAtTheEndOfTheScopeOrOnCheck() throws {
        let x = Variable(Tensor<Float>([-1]), requiresGrad: true)
        // No backward: thrown when the scope ends.
        let atEnd = anomaly { _ = try withAnomalyDetection { x.applying(.log) } }
        #expect(atEnd?.operation == "log")

        // checkForAnomalies throws it once; the scope does not throw it again.
        var checked: AnomalyError?
        let again = anomaly {
            try withAnomalyDetection {
                _ = x.applying(.sqrt)
                do { try checkForAnomalies() } catch let e as AnomalyError { checked = e }
                try checkForAnomalies()   // already thrown: nothing
            }
        }
        #expect(checked?.operation == "sqrt" && again == nil)

        // Under withoutGradients (evaluation) operations are still checked.
        let evaluation = anomaly { try withAnomalyDetection { withoutGradients { _ = x.applying(.log) } } }
        #expect(evaluation?.operation == "log")
        // And constants too.
        let constant = anomaly { try withAnomalyDetection { _ = Variable(Tensor<Float>([0])).applying(.log) } }
        #expect(constant?.element == -.infinity)
    }

    @Test func nonFiniteInputsAreFlagged() throws {
        let x = Variable(Tensor<Double>([.nan, 1]), requiresGrad: true)
        let e = anomaly { try withAnomalyDetection { try x.sum().backward() } }
        #expect(e?.operation == "sum" && e?.inputsFinite == false)
        #expect("\(e!)".contains("inputs already held NaN"))
    }

    @Test func offByDefault() throws {
        #expect(!isAnomalyDetectionEnabled)
        let x = Variable(Tensor<Double>([-1, 0]), requiresGrad: true)
        // NaN and infinity flow silently without the scope.
        try x.applying(.log).sum().backward()
        #expect(x.grad!.scalars == [-1, .infinity])
        try checkForAnomalies()   // outside a scope: nothing to throw
        try withAnomalyDetection {
            #expect(isAnomalyDetectionEnabled && isGradientRecordingEnabled)
            withoutGradients { #expect(isAnomalyDetectionEnabled && !isGradientRecordingEnabled) }
            // A finite computation passes.
            let y = Variable(Tensor<Double>([1, 2]), requiresGrad: true)
            try (y.applying(.log) * y).max().backward()
            #expect(y.grad != nil)
        }
        #expect(!isAnomalyDetectionEnabled)
    }
}
