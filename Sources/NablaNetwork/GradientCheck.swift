import NablaTensor

extension Sequential {
    /// The gradient of the batch loss with respect to every parameter by
    /// central differences, (L(p + h) − L(p − h)) / 2h, one parameter scalar
    /// at a time: the book's `numerical_gradient` (chapter 4). Two full
    /// forward passes per scalar, so it costs 2·``parameterCount`` passes:
    /// use it to check backprop, or to train a tiny network the slow way.
    ///
    /// The loss is evaluated in training mode with every random layer's
    /// state and the normalisation statistics restored before each
    /// evaluation, so it differentiates exactly the function that
    /// ``gradient(_:labels:)`` differentiates. Parameters are left unchanged.
    ///
    /// - Parameters:
    ///   - step: h; the book's 1e-4 suits Double.
    ///   - progress: called after each parameter scalar with (done, total);
    ///     return false to stop early (the remaining entries stay 0).
    /// - Returns: one gradient tensor per parameter, in ``parameters`` order.
    public func numericalGradient(
        _ input: Tensor<Scalar>, labels: [Int], step: Scalar = 1e-4,
        progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws -> [Tensor<Scalar>] {
        let randomized = layers.compactMap { $0 as? any RandomizedLayer }
        let randomStates = randomized.map(\.randomState)
        let buffers = self.buffers, saved = buffers.map(\.value)
        func restore() {
            for (layer, state) in zip(randomized, randomStates) { layer.randomState = state }
            for (buffer, value) in zip(buffers, saved) { buffer.value = value }
        }
        defer { restore() }
        func evaluate() throws -> Scalar {
            restore()
            return try loss(input, labels: labels, training: true)
        }
        let total = parameterCount
        var done = 0
        var result: [Tensor<Scalar>] = []
        for p in parameters {
            var gradient = Tensor<Scalar>.zeros(shape: p.value.shape)
            for i in 0..<p.count {
                let original = p.value.withUnsafeBufferPointer { $0[i] }
                p.value.withUnsafeMutableBufferPointer { $0[i] = original + step }
                let plus = try evaluate()
                p.value.withUnsafeMutableBufferPointer { $0[i] = original - step }
                let minus = try evaluate()
                p.value.withUnsafeMutableBufferPointer { $0[i] = original }
                gradient.withUnsafeMutableBufferPointer { $0[i] = (plus - minus) / (2 * step) }
                done += 1
                if !progress(done, total) {
                    result.append(gradient)
                    return result + parameters.dropFirst(result.count).map { .zeros(shape: $0.value.shape) }
                }
            }
            result.append(gradient)
        }
        return result
    }

    /// Compares backprop with central differences on one batch, per
    /// parameter tensor: the book's gradient check (chapter 5), which reports
    /// the mean absolute difference (about 1e-10 to 1e-13 on MNIST in Double).
    public func gradientCheck(_ input: Tensor<Scalar>, labels: [Int], step: Scalar = 1e-4) throws -> GradientCheckReport {
        let randomized = layers.compactMap { $0 as? any RandomizedLayer }
        let randomStates = randomized.map(\.randomState)
        let buffers = self.buffers, saved = buffers.map(\.value)
        let loss = try gradient(input, labels: labels)
        for (layer, state) in zip(randomized, randomStates) { layer.randomState = state }
        for (buffer, value) in zip(buffers, saved) { buffer.value = value }
        let analytic = parameters.map(\.gradient)
        let numeric = try numericalGradient(input, labels: labels, step: step)
        let rows = zip(parameters, zip(analytic, numeric)).map { p, pair in
            GradientCheckReport.Row(
                name: p.name, shape: p.value.shape,
                backprop: pair.0.scalars.map { Double($0) }, numerical: pair.1.scalars.map { Double($0) })
        }
        return GradientCheckReport(loss: Double(loss), step: Double(step), rows: rows)
    }
}

/// The result of ``Sequential/gradientCheck(_:labels:step:)``.
public struct GradientCheckReport: Sendable, Equatable {
    /// One parameter tensor's comparison.
    public struct Row: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// mean |backprop − numerical|: the book's figure.
        public var meanAbsoluteDifference: Double
        public var maxAbsoluteDifference: Double
        /// ‖backprop − numerical‖ / max(‖backprop‖ + ‖numerical‖, tiny): a
        /// scale-free figure (cs231n's), about 1e-7 or less when backprop
        /// is right and the differences are taken in Double.
        public var relativeError: Double

        public init(name: String, shape: [Int], backprop: [Double], numerical: [Double]) {
            self.name = name
            self.shape = shape
            var sum = 0.0, largest = 0.0, diff2 = 0.0, a2 = 0.0, b2 = 0.0
            for (a, b) in zip(backprop, numerical) {
                let d = Swift.abs(a - b)
                sum += d
                largest = Swift.max(largest, d.isNaN ? .infinity : d)
                diff2 += d * d
                a2 += a * a
                b2 += b * b
            }
            meanAbsoluteDifference = backprop.isEmpty ? 0 : sum / Double(backprop.count)
            maxAbsoluteDifference = largest
            relativeError = diff2.squareRoot() / Swift.max(a2.squareRoot() + b2.squareRoot(), 1e-300)
        }
    }

    /// The batch loss at the checked point.
    public var loss: Double
    /// The finite-difference step h.
    public var step: Double
    public var rows: [Row]

    /// Whether every row's relative error is below `tolerance`.
    public func passes(tolerance: Double = 1e-6) -> Bool {
        rows.allSatisfy { $0.relativeError <= tolerance || $0.maxAbsoluteDifference <= 1e-10 }
    }
}
