import Foundation
import NablaTensor
import Testing

@testable import NablaNetwork

/// Checks a layer's backward against central differences of
/// f(x, θ) = Σ r ⊙ layer(x) for a fixed random r: dx = backward(r), and each
/// parameter's gradient. Double, h = 1e-6, relative tolerance 1e-7.
func checkLayerGradients(
    _ layer: any Layer<Double>, input: Tensor<Double>, training: Bool = true,
    tolerance: Double = 1e-7, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let output = try layer.forward(input, training: training)
    let r = Tensor<Double>.randomNormal(shape: output.shape, seed: 99)
    let dx = try layer.backward(r)
    let randomized = layer as? any RandomizedLayer
    let state = randomized?.randomState
    let buffers = layer.buffers.map(\.value)
    func f(_ x: Tensor<Double>) throws -> Double {
        if let randomized, let state { randomized.randomState = state - 1 }
        for (b, v) in zip(layer.buffers, buffers) { b.value = v }
        let y = try layer.forward(x, training: training)
        return zip(y.scalars, r.scalars).reduce(0) { $0 + $1.0 * $1.1 }
    }
    let h = 1e-6
    func compare(_ analytic: Double, _ numeric: Double, _ what: String) {
        let scale = max(1, abs(numeric))
        #expect(abs(analytic - numeric) <= tolerance * scale, "\(what): backprop \(analytic), numerical \(numeric)",
                sourceLocation: sourceLocation)
    }
    var x = input
    for i in 0..<x.count {
        let original = x.scalars[i]
        x.withUnsafeMutableBufferPointer { $0[i] = original + h }
        let plus = try f(x)
        x.withUnsafeMutableBufferPointer { $0[i] = original - h }
        let minus = try f(x)
        x.withUnsafeMutableBufferPointer { $0[i] = original }
        compare(dx.scalars[i], (plus - minus) / (2 * h), "\(layer.name) dx[\(i)]")
    }
    let gradients = layer.parameters.map(\.gradient)
    for (p, g) in zip(layer.parameters, gradients) {
        for i in 0..<p.count {
            let original = p.value.scalars[i]
            p.value.withUnsafeMutableBufferPointer { $0[i] = original + h }
            let plus = try f(x)
            p.value.withUnsafeMutableBufferPointer { $0[i] = original - h }
            let minus = try f(x)
            p.value.withUnsafeMutableBufferPointer { $0[i] = original }
            compare(g.scalars[i], (plus - minus) / (2 * h), "\(p.name)[\(i)]")
        }
    }
}

@Suite("Layers")
struct LayerTests {
    @Test("Affine computes x·W + b in Float and Double")
    func affineValues() throws {
        let w = try Tensor<Double>([[1, 2], [3, 4], [5, 6]])
        let layer = try Affine(weight: w, bias: Tensor([0.5, -1]))
        let y = try layer.forward(try Tensor([[1, 0, -1], [2, 1, 0]]), training: false)
        #expect(y.shape == [2, 2])
        let expected: [Double] = [-3.5, -5, 5.5, 7]
        #expect(y.scalars == expected)
        let wf = try Tensor<Float>([[1, 2], [3, 4], [5, 6]])
        let layerF = try Affine(weight: wf, bias: Tensor<Float>([0.5, -1]))
        let yf = try layerF.forward(try Tensor<Float>([[1, 0, -1], [2, 1, 0]]), training: false)
        #expect(yf.scalars == [-3.5, -5, 5.5, 7])
    }

    @Test("Affine gradients match central differences (several batch shapes)")
    func affineGradients() throws {
        for (batch, inputs, outputs) in [(1, 3, 2), (4, 5, 3), (7, 17, 9)] {
            let layer = Affine<Double>(inputSize: inputs, outputSize: outputs, initializer: .xavier, seed: 3)
            layer.bias.value = .randomNormal(shape: [outputs], seed: 4)
            try checkLayerGradients(layer, input: .randomNormal(shape: [batch, inputs], seed: 5))
        }
    }

    @Test("Affine's transposed GEMMs agree with the naive products on large shapes (Float)")
    func affineLargeShapes() throws {
        let layer = Affine<Float>(inputSize: 300, outputSize: 70, initializer: .he, seed: 1)
        let x = Tensor<Float>.randomUniform(shape: [33, 300], seed: 2)
        let y = try layer.forward(x, training: true)
        let dy = Tensor<Float>.randomNormal(shape: [33, 70], seed: 3)
        let dx = try layer.backward(dy)
        let expectedY = try x.matmul(layer.weight.value)
        let expectedDW = try x.transposed().matmul(dy)
        let expectedDX = try dy.matmul(layer.weight.value.transposed())
        func close(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Bool {
            a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
        }
        #expect(close(y, expectedY))
        #expect(close(layer.weight.gradient, expectedDW))
        #expect(close(dx, expectedDX))
        #expect(layer.bias.gradient.scalars.count == 70)
    }

    @Test("Activations take value and derivative from the rule table", arguments: ["relu", "sigmoid", "tanh", "softplus", "erf"])
    func activations(name: String) throws {
        let op = try #require(UnaryOperation(named: name))
        // Points away from relu's kink at 0.
        let x = try Tensor<Double>([[-1.7, -0.4, 0.3], [0.9, 2.2, -3.1]])
        let layer = Activation<Double>(op)
        let y = try layer.forward(x, training: true)
        // Exactly the rule's values, but for the sigmoid, whose Float and
        // Double layers take their exponentials from the vector math library
        // (within 4 ulp of exp; see the next test).
        for (a, b) in zip(y.scalars, x.scalars.map { op.value($0) }) {
            #expect(op == .sigmoid ? abs(a - b) <= 2e-15 * abs(b) : a == b)
        }
        try checkLayerGradients(layer, input: x)
        let layerF = Activation<Float>(op)
        let yf = try layerF.forward(try Tensor<Float>(shape: x.shape, scalars: x.scalars.map { Float($0) }), training: true)
        for (a, b) in zip(yf.scalars, y.scalars) { #expect(abs(Double(a) - b) <= 1e-6) }
    }

    /// The sigmoid layer's C kernel (vector exponentials on AVX2, the scalar
    /// formula for the last elements) against the rule table's scalar
    /// sigmoid: every length from 0 to 37, so each vector/scalar split runs,
    /// huge and tiny arguments, signed zeros, infinities and NaN.
    @Test("Sigmoid kernel agrees with the rule table, special values included")
    func sigmoidKernel() throws {
        var values: [Double] = [0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 17, -17, 40, -40, 88, -88, 700, -700, 745.2, -745.2,
                                1e308, -1e308, .infinity, -.infinity, .nan, 3.25, -3.25]
        values += (0..<60).map { Double($0) * 0.37 - 11 }
        for length in 0...37 {
            let x = Array(values.prefix(length))
            let y = try Activation<Double>.sigmoid().forward(Tensor(shape: [length], scalars: x), training: true)
            for (xi, yi) in zip(x, y.scalars) {
                let expected = UnaryOperation.sigmoid.value(xi)
                #expect(expected.isNaN ? yi.isNaN : abs(yi - expected) <= 2e-15 * abs(expected) + 1e-300, "sigmoid(\(xi)) = \(yi), expected \(expected)")
            }
            let xf = x.map { Float($0) }
            let yf = try Activation<Float>.sigmoid().forward(Tensor(shape: [length], scalars: xf), training: true)
            for (xi, yi) in zip(xf, yf.scalars) {
                let expected = UnaryOperation.sigmoid.value(xi)
                #expect(expected.isNaN ? yi.isNaN : abs(yi - expected) <= 1e-6 * abs(expected) + 1e-37, "Float sigmoid(\(xi)) = \(yi), expected \(expected)")
            }
        }
        let all = try Activation<Double>.sigmoid().forward(Tensor(shape: [values.count], scalars: values), training: true).scalars
        #expect(all[0] == 0.5 && all[1] == 0.5 && all[18] == 1 && all[19] == 0 && all[20].isNaN)
    }

    @Test("Sigmoid backward is dy·y(1 − y), ReLU's is dy·step(x) with relu'(0) = 0")
    func activationClosedForms() throws {
        let x = Tensor<Double>([-2, 0, 0.5, 3])
        let sigmoid = Activation<Double>.sigmoid()
        let y = try sigmoid.forward(x, training: true)
        let dx = try sigmoid.backward(.ones(shape: [4]))
        for (d, s) in zip(dx.scalars, y.scalars) { #expect(abs(d - s * (1 - s)) <= 1e-16) }
        let relu = Activation<Double>.relu()
        _ = try relu.forward(x, training: true)
        #expect(try relu.backward(Tensor([5, 5, 5, 5])).scalars == [0, 0, 5, 5])
    }

    @Test("Dropout keeps the expected share, scales by 1/(1 − rate), is the identity at inference")
    func dropout() throws {
        let layer = Dropout<Double>(rate: 0.3, seed: 7)
        let x = Tensor<Double>.ones(shape: [100, 100])
        let y = try layer.forward(x, training: true)
        let kept = y.scalars.filter { $0 != 0 }
        #expect(abs(Double(kept.count) / 10_000 - 0.7) < 0.02)
        #expect(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-12 })
        let dx = try layer.backward(.ones(shape: [100, 100]))
        #expect(dx.scalars == y.scalars)
        #expect(try layer.forward(x, training: false).scalars == x.scalars)
        // The next training forward draws a different mask; a reset state repeats it.
        let y2 = try layer.forward(x, training: true)
        #expect(y2.scalars != y.scalars)
        layer.randomState = 0
        #expect(try layer.forward(x, training: true).scalars == y.scalars)
        try checkLayerGradients(Dropout<Double>(rate: 0.5, seed: 1), input: .randomNormal(shape: [3, 4], seed: 2))
    }

    @Test("Batch normalisation normalises per feature and its gradients match central differences")
    func batchNormalization() throws {
        let layer = BatchNormalization<Double>(featureCount: 3)
        let x = Tensor<Double>.randomNormal(shape: [8, 3], mean: 5, standardDeviation: 2, seed: 11)
        let y = try layer.forward(x, training: true)
        for j in 0..<3 {
            let column = (0..<8).map { y[$0, j] }
            let mean = column.reduce(0, +) / 8
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8
            #expect(abs(mean) < 1e-12)
            #expect(abs(variance - 1) < 1e-5)  // ε = 1e-5 shrinks it slightly
        }
        // Running statistics moved 10% of the way to the batch's.
        let batchMean = (0..<8).map { x[$0, 0] }.reduce(0, +) / 8
        #expect(abs(layer.runningMean.value[0] - 0.1 * batchMean) < 1e-12)
        layer.gamma.value = Tensor([1.5, -0.5, 2])
        layer.beta.value = Tensor([0.1, 0.2, 0.3])
        try checkLayerGradients(layer, input: x)
        // Inference uses the running statistics.
        let inference = try layer.forward(x, training: false)
        #expect(inference.scalars != y.scalars)
    }

    @Test("Softmax cross-entropy: stable value, gradient (p − onehot)/N, errors for bad labels")
    func softmaxCrossEntropy() throws {
        let loss = SoftmaxCrossEntropy<Double>()
        let logits = try Tensor<Double>([[1, 2, 3], [1000, 0, -1000]])
        let value = try loss.forward(logits, labels: [2, 0])
        let row0 = -(3 - log(exp(1.0) + exp(2.0) + exp(3.0)))
        #expect(abs(value - row0 / 2) < 1e-15)
        let g = try loss.backward()
        let p = [exp(1.0), exp(2.0), exp(3.0)].map { $0 / (exp(1.0) + exp(2.0) + exp(3.0)) }
        #expect(abs(g[0, 0] - p[0] / 2) < 1e-15 && abs(g[0, 2] - (p[2] - 1) / 2) < 1e-15)
        #expect(g[1, 0] == 0 && g[1, 1] == 0)
        // Central differences of the loss itself.
        var a = try Tensor<Double>([[0.3, -1.2, 0.8], [2.0, 0.1, -0.4]])
        _ = try loss.forward(a, labels: [1, 2])
        let analytic = try loss.backward()
        for i in 0..<6 {
            let o = a.scalars[i]
            a.withUnsafeMutableBufferPointer { $0[i] = o + 1e-6 }
            let plus = try loss.forward(a, labels: [1, 2])
            a.withUnsafeMutableBufferPointer { $0[i] = o - 1e-6 }
            let minus = try loss.forward(a, labels: [1, 2])
            a.withUnsafeMutableBufferPointer { $0[i] = o }
            #expect(abs(analytic.scalars[i] - (plus - minus) / 2e-6) < 1e-9)
        }
        #expect(throws: NetworkError.self) { try loss.forward(a, labels: [1]) }
        #expect(throws: NetworkError.self) { try loss.forward(a, labels: [1, 3]) }
        #expect(throws: NetworkError.self) { try SoftmaxCrossEntropy<Float>().backward() }
    }

    @Test("Misuse gets clear errors: wrong input width, backward before forward, wrong gradient shape")
    func errors() throws {
        let layer = Affine<Float>(inputSize: 4, outputSize: 2, seed: 1, name: "fc")
        #expect(throws: NetworkError.backwardBeforeForward(layer: "fc")) { try layer.backward(.zeros(shape: [1, 2])) }
        do {
            _ = try layer.forward(.zeros(shape: [3, 5]), training: true)
            Issue.record("no error")
        } catch let error as NetworkError {
            #expect(error.description == "fc.forward: input of shape [3, 5] does not fit: expected [batch, 4]")
        }
        _ = try layer.forward(.zeros(shape: [3, 4]), training: true)
        #expect(throws: NetworkError.gradientShape(layer: "fc", expected: [3, 2], got: [3, 3])) {
            try layer.backward(.zeros(shape: [3, 3]))
        }
        #expect(throws: NetworkError.self) { try Activation<Float>.relu().backward(.zeros(shape: [1])) }
    }
}
