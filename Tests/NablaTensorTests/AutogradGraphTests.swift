import NablaNumerical
import NablaTensor
import Testing

/// How `backward` walks, accumulates and releases the graph.
@Suite("Autograd: the graph")
struct AutogradGraphTests {
    @Test("TwoLayerNet: all four parameters against finite differences")
    func twoLayerNet() throws {
        let x = Variable(randomTensor([4, 6], seed: 30))
        let labels = [0, 2, 1, 2]
        let initial = [
            randomTensor([6, 5], seed: 31), randomTensor([5], seed: 32),
            randomTensor([5, 3], seed: 33), randomTensor([3], seed: 34),
        ]
        func loss(_ p: [Variable<Double>]) throws -> Variable<Double> {
            let hidden = (try x.matmul(p[0]) + p[1]).applying(.sigmoid)
            return try Variable.crossEntropy(logits: try hidden.matmul(p[2]) + p[3], labels: labels)
        }
        let parameters = initial.map { Variable($0, requiresGrad: true) }
        try loss(parameters).backward()
        for (i, p) in parameters.enumerated() {
            let grad = try #require(p.grad)
            #expect(grad.shape == p.shape)
            let numeric = try numericalGradient(of: { (flat: [Double]) -> Double in
                var constants = initial.map { Variable($0) }
                constants[i] = Variable(try! Tensor(shape: p.shape, scalars: flat))
                return try! loss(constants).value.scalar
            }, at: p.value.scalars).value
            let worst = zip(grad.scalars, numeric).map { a, n in Swift.abs(a - n) / Swift.max(Swift.abs(n), 1e-8) }.max()!
            #expect(worst < 1e-6, "parameter \(i): relative error \(worst)")
        }
    }

    @Test func gradientsAccumulateUntilZeroed() throws {
        let x = Variable(Tensor<Double>([1, 2, 3]), requiresGrad: true)
        try (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, 4, 6])
        try (x * x).sum().backward()
        #expect(x.grad?.scalars == [4, 8, 12])
        x.zeroGrad()
        #expect(x.grad == nil)
        try (x * 3).sum().backward()
        #expect(x.grad?.scalars == [3, 3, 3])

        // Retaining the graph allows a second pass through it.
        x.zeroGrad()
        let loss = (x * x).sum()
        try loss.backward(retainingGraph: true)
        try loss.backward()
        #expect(x.grad?.scalars == [4, 8, 12])
    }

    @Test func sharedSubexpressionsAreCountedOnce() throws {
        let x = Variable(Tensor<Double>([1, -2]), requiresGrad: true)
        let y = x * x
        let z = (y + y + x).sum()
        try z.backward()
        #expect(x.grad?.scalars == [5, -7])    // 4x + 1
        #expect(y.grad?.scalars == [2, 2])     // intermediates that require a gradient get one too
    }

    @Test func detachAndWithoutGradientsStopGradients() throws {
        let x = Variable(Tensor<Double>([1, 2]), requiresGrad: true)
        try (x.detached() * x).sum().backward()
        #expect(x.grad?.scalars == [1, 2])
        #expect(!x.detached().requiresGrad && x.detached().value == x.value)

        let y = withoutGradients { (x * x).sum() }
        #expect(!y.requiresGrad && !y.hasHistory)
        #expect(isGradientRecordingEnabled)
        #expect(throws: AutogradError.doesNotRequireGrad) { try y.backward() }
        // Constants record nothing either.
        #expect(!(Variable(Tensor<Double>([1])) * 2).requiresGrad)
    }

    @Test func nonScalarOutputThrows() throws {
        let x = Variable(randomTensor([2, 3], seed: 35), requiresGrad: true)
        #expect(throws: AutogradError.nonScalarOutput(shape: [2, 3])) { try (x * 2).backward() }
        #expect(x.grad == nil)
        let message = "\(AutogradError.nonScalarOutput(shape: [2, 3]))"
        #expect(message.contains("[2, 3]") && message.contains("sum()"))
        // One element of any rank is a scalar loss.
        try (x.sum(alongAxis: 1, keepingDimensions: true).sum(alongAxis: 0, keepingDimensions: true)).backward()
        #expect(x.grad?.scalars == Array(repeating: 1, count: 6))
    }

    @Test func releasedGraphThrows() throws {
        let x = Variable(Tensor<Double>([1, 2]), requiresGrad: true)
        let loss = (x * x).sum()
        try loss.backward()
        #expect(throws: AutogradError.graphReleased) { try loss.backward() }
        #expect(throws: AutogradError.graphReleased) { try (loss * 2).backward() }
        #expect(x.grad?.scalars == [2, 4])    // unchanged by the failed calls
        #expect("\(AutogradError.graphReleased)".contains("retainingGraph: true"))
        // A leaf is never released.
        try x.sum().backward()
        #expect(x.grad?.scalars == [3, 5])
    }

    @Test func deepChainsNeitherOverflowNorLeak() throws {
        let x = Variable(Tensor<Double>([1, 2]), requiresGrad: true)
        var v = x
        for _ in 0..<10_000 { v = v + x }
        try v.sum().backward()
        #expect(x.grad?.scalars == [10_001, 10_001])

        // Dropping an unreleased deep graph releases it without recursion.
        var w = x
        for _ in 0..<10_000 { w = w.applying(.negate) }
        #expect(w.requiresGrad)
        w = x
    }

    /// Dropping the result of a graph frees every node no other reference
    /// holds: long chains through first parents and through second parents,
    /// a node used three times, an operation with many inputs; a leaf that
    /// the caller holds survives.
    @Test func droppingAGraphFreesEveryNode() throws {
        let x = Variable(Tensor<Double>([1, 2]), requiresGrad: true)
        weak var firstChain: Variable<Double>?, secondChain: Variable<Double>?
        weak var shared: Variable<Double>?, many: Variable<Double>?
        do {
            var v = x + x
            firstChain = v
            for _ in 0..<10_000 { v = v + x }  // down first parents
            var w = x * x
            secondChain = w
            for _ in 0..<10_000 { w = x - w }  // down second parents
            let s = (v * w).applying(.tanh)
            shared = s
            let e = s + s * s
            let c = try Variable.concatenating([e, x, e], alongAxis: 0)
            many = e
            #expect(c.shape == [6])
            #expect(firstChain != nil && secondChain != nil && shared != nil && many != nil)
        }
        #expect(firstChain == nil)
        #expect(secondChain == nil)
        #expect(shared == nil)
        #expect(many == nil)
        #expect(x.value.scalars == [1, 2])
    }
}

#if canImport(Glibc)
import Glibc

/// A recorded result is one heap object per operation: small enough for
/// glibc's fast bins (requests up to 120 bytes), which recording many small
/// operations relies on (see `Variable`'s stored properties).
@Suite("Autograd: the size of a variable")
struct VariableSizeTests {
    /// glibc's `malloc_usable_size` (not in the Glibc module's headers).
    static let usableSize: (@convention(c) (UnsafeMutableRawPointer?) -> Int)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutableRawPointer?) -> Int).self)
    }()

    @Test func aRecordedResultFitsGlibcsFastBins() throws {
        let malloc_usable_size = try #require(Self.usableSize)
        // A chunk can be larger than asked for (a free chunk that was not
        // worth splitting), so the smallest of many is the one that counts.
        let a = Variable(Tensor<Float>([1, 2]), requiresGrad: true)
        let floats = (0..<32).map { _ in a + a }
        let floatBytes = floats.map { malloc_usable_size(Unmanaged.passUnretained($0).toOpaque()) }.min()!
        let b = Variable(Tensor<Double>([1, 2]), requiresGrad: true)
        let doubles = (0..<32).map { _ in b * b }
        let doubleBytes = doubles.map { malloc_usable_size(Unmanaged.passUnretained($0).toOpaque()) }.min()!
        #expect(floatBytes <= 120, "a Float variable takes \(floatBytes) bytes of heap")
        #expect(doubleBytes <= 120, "a Double variable takes \(doubleBytes) bytes of heap")
    }
}
#endif
