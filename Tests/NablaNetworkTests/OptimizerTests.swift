import Foundation
import NablaTensor
import Testing

@testable import NablaNetwork

@Suite("Optimizers")
struct OptimizerTests {
    /// p = [1, −2] with gradient g = [0.5, 0.25], two updates at η = 0.1.
    func twoSteps(_ kind: OptimizerKind, _ scalar: Double.Type = Double.self) throws -> [[Double]] {
        let p = Parameter<Double>(name: "layer.weight", value: Tensor([1, -2]))
        let optimizer = Optimizer<Double>(kind, learningRate: 0.1)
        var values: [[Double]] = []
        for _ in 0..<2 {
            p.gradient = Tensor([0.5, 0.25])
            try optimizer.update([p])
            values.append(p.value.scalars)
        }
        return values
    }

    func expectClose(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-15,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) {
            #expect(abs(x - y) <= tolerance * max(1, abs(y)), "\(a) vs \(b)", sourceLocation: sourceLocation)
        }
    }

    /// The C kernels behind SGD and the gradient check, at every length from
    /// 0 to 70 (the vector loops and their scalar rest): the step equals the
    /// scalar w − η·g bit for bit, the sum of squares is within rounding of a
    /// Double sum, and a NaN or ∞ anywhere makes it non-finite.
    func optimizerKernels<S: TensorScalar & BinaryFloatingPoint>(_: S.Type) {
        for n in 0...70 {
            let g = (0..<n).map { S(Double.sin(Double($0) * 1.3) * 0.7) }
            let w = (0..<n).map { S(Double.cos(Double($0) * 0.9)) }
            let eta = S(0.1)
            var kernel = w
            let ran = kernel.withUnsafeMutableBufferPointer { wp in
                g.withUnsafeBufferPointer { Tensor<S>.sgdStep(wp, $0, eta: eta) }
            }
            #expect(ran)
            let scalar = zip(w, g).map { $0 - eta * $1 }
            let identical = kernel.elementsEqual(scalar) { (a: S, b: S) -> Bool in a == b && a.sign == b.sign }
            #expect(identical, "\(S.self) n = \(n)")
            let sum = g.withUnsafeBufferPointer { Optimizer<S>.sumOfSquares($0) }
            let exact = g.reduce(0.0) { $0 + Double($1) * Double($1) }
            let tolerance = Double(n) * Double(S.ulpOfOne) * exact
            #expect(abs(sum - exact) <= tolerance, "\(S.self) n = \(n): \(sum) vs \(exact)")
            for bad in [S.nan, S.infinity] where n > 0 {
                var h = g
                h[n * 5 / 7 % n] = bad
                #expect(!h.withUnsafeBufferPointer { Optimizer<S>.sumOfSquares($0) }.isFinite)
            }
        }
    }

    @Test("SGD and gradient-norm kernels match their scalar definitions")
    func kernels() {
        optimizerKernels(Float.self)
        optimizerKernels(Double.self)
    }

    @Test("SGD: p − η·g")
    func sgd() throws {
        let steps = try twoSteps(.sgd)
        expectClose(steps[0], [0.95, -2.025])
        expectClose(steps[1], [0.9, -2.05])
    }

    @Test("Momentum: v = μv − ηg, p += v")
    func momentum() throws {
        let steps = try twoSteps(.momentum(0.9))
        expectClose(steps[0], [0.95, -2.025])
        expectClose(steps[1], [0.95 - 0.095, -2.025 - 0.0475])
    }

    @Test("Nesterov: p += μ·v − η·g after v = μv − ηg")
    func nesterov() throws {
        let steps = try twoSteps(.nesterov(0.9))
        expectClose(steps[0], [1 - 0.095, -2 - 0.0475])
        // v₂ = 0.9·(−0.05) − 0.05 = −0.095; p += 0.9·v₂ − 0.05
        expectClose(steps[1], [0.905 + 0.9 * -0.095 - 0.05, -2.0475 + 0.9 * -0.0475 - 0.025])
    }

    @Test("AdaGrad: h += g², p −= η·g/(√h + 1e-7)")
    func adagrad() throws {
        let steps = try twoSteps(.adagrad)
        let first = [1 - 0.1 * 0.5 / (0.5 + 1e-7), -2 - 0.1 * 0.25 / (0.25 + 1e-7)]
        expectClose(steps[0], first)
        expectClose(steps[1], [first[0] - 0.1 * 0.5 / (0.5.squareRoot() * 0.5.squareRoot() * (2.0).squareRoot() + 1e-7),
                               first[1] - 0.1 * 0.25 / ((2 * 0.0625).squareRoot() + 1e-7)], 1e-14)
    }

    @Test("RMSProp: h = ρh + (1 − ρ)g²")
    func rmsprop() throws {
        let steps = try twoSteps(.rmsprop(decay: 0.99))
        let h1 = [0.01 * 0.25, 0.01 * 0.0625]
        let first = [1 - 0.1 * 0.5 / (h1[0].squareRoot() + 1e-7), -2 - 0.1 * 0.25 / (h1[1].squareRoot() + 1e-7)]
        expectClose(steps[0], first, 1e-14)
        let h2 = [0.99 * h1[0] + 0.01 * 0.25, 0.99 * h1[1] + 0.01 * 0.0625]
        expectClose(steps[1], [first[0] - 0.1 * 0.5 / (h2[0].squareRoot() + 1e-7),
                               first[1] - 0.1 * 0.25 / (h2[1].squareRoot() + 1e-7)], 1e-14)
    }

    @Test("Adam: bias-corrected moments, the book's form")
    func adam() throws {
        let steps = try twoSteps(.adam(beta1: 0.9, beta2: 0.999))
        var p = [1.0, -2.0], m = [0.0, 0.0], v = [0.0, 0.0]
        let g = [0.5, 0.25]
        for t in 1...2 {
            let rate = 0.1 * (1 - pow(0.999, Double(t))).squareRoot() / (1 - pow(0.9, Double(t)))
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                p[i] -= rate * m[i] / (v[i].squareRoot() + 1e-7)
            }
            expectClose(steps[t - 1], p, 1e-13)
        }
        // The first Adam step moves each parameter by about η, whatever the gradient's scale.
        #expect(abs(steps[0][0] - 0.9) < 1e-4 && abs(steps[0][1] - -2.1) < 1e-4)
    }

    @Test("Weight decay applies to weights only; clipping scales to the global norm")
    func decayAndClipping() throws {
        let w = Parameter<Double>(name: "fc.weight", value: Tensor([2]))
        let b = Parameter<Double>(name: "fc.bias", value: Tensor([2]))
        w.gradient = Tensor([1])
        b.gradient = Tensor([1])
        try Optimizer<Double>(.sgd, learningRate: 0.1, weightDecay: 0.5).update([w, b])
        #expect(abs(w.value.scalars[0] - (2 - 0.1 * (1 + 0.5 * 2))) < 1e-15)
        #expect(b.value.scalars[0] == 2 - 0.1)

        let p = Parameter<Double>(name: "p", value: Tensor([0, 0]))
        p.gradient = Tensor([3, 4])
        let clipped = Optimizer<Double>(.sgd, learningRate: 1, clipNorm: 1)
        try clipped.update([p])
        #expect(abs(p.value.scalars[0] + 0.6) < 1e-15 && abs(p.value.scalars[1] + 0.8) < 1e-15)
        #expect(clipped.lastGradientNorm == 5)
    }

    @Test("Learning-rate schedules: constant, step, cosine")
    func schedules() {
        #expect(LearningRateSchedule.constant.rate(base: 0.1, iteration: 1000) == 0.1)
        #expect(abs(LearningRateSchedule.step(every: 10, factor: 0.5).rate(base: 0.1, iteration: 25) - 0.025) < 1e-16)
        let cosine = LearningRateSchedule.cosine(total: 100, minimum: 0)
        #expect(cosine.rate(base: 0.1, iteration: 0) == 0.1)
        #expect(abs(cosine.rate(base: 0.1, iteration: 50) - 0.05) < 1e-15)
        #expect(abs(cosine.rate(base: 0.1, iteration: 100)) < 1e-15)
        #expect(abs(LearningRateSchedule.cosine(total: 10, minimum: 0.1).rate(base: 1, iteration: 20) - 0.1) < 1e-15)
    }

    @Test("A NaN gradient is reported with the parameter's name and nothing is updated")
    func nonFiniteGradient() throws {
        let a = Parameter<Float>(name: "a.weight", value: Tensor([1]))
        let b = Parameter<Float>(name: "b.weight", value: Tensor([1]))
        a.gradient = Tensor([1])
        b.gradient = Tensor([.nan])
        let optimizer = Optimizer<Float>(.adam(beta1: 0.9, beta2: 0.999))
        #expect(throws: NetworkError.nonFinite("iteration 1: the gradient of b.weight contains NaN or infinity")) {
            try optimizer.update([a, b])
        }
        #expect(a.value.scalars == [1])
        #expect(optimizer.iteration == 0)
    }

    @Test("Every rule parses from its name")
    func parsing() {
        for name in OptimizerKind.names {
            #expect(OptimizerKind(parsing: name)?.description == name)
        }
        #expect(OptimizerKind(parsing: "lbfgs") == nil)
    }
}
