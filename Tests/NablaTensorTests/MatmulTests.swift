import NablaTensor
import Testing

@Suite("Matrix multiplication")
struct MatmulTests {
    /// The triple loop, straight from the definition.
    func naive<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) -> [S] {
        let m = a.shape[0], k = a.shape[1], n = b.shape[1]
        var c = [S](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: S = 0
                for p in 0..<k { s += a[i, p] * b[p, j] }
                c[i * n + j] = s
            }
        }
        return c
    }

    func matrices<S: TensorScalar>(_: S.Type) throws {
        let a = try Tensor<S>([[1, 2, 3], [4, 5, 6]])
        let b = try Tensor<S>([[7, 8], [9, 10], [11, 12]])
        #expect(try a.matmul(b).scalars == [58, 64, 139, 154])
        #expect(try matmul(a, b).shape == [2, 2])
        #expect(try a.matmul(Tensor<S>.identity(3)) == a)

        for (k, (m, inner, n)) in [(1, 1, 1), (3, 5, 4), (7, 2, 9), (16, 17, 15)].enumerated() {
            let x = Tensor<S>.randomNormal(shape: [m, inner], seed: UInt64(k))
            let y = Tensor<S>.randomNormal(shape: [inner, n], seed: UInt64(50 + k))
            let product = try x.matmul(y)
            #expect(product.shape == [m, n])
            #expect(close(product.scalars, naive(x, y), tolerance: tolerance(S.self) * 10))
        }
        // An inner dimension of 0 gives zeros.
        #expect(try Tensor<S>.zeros(shape: [2, 0]).matmul(.zeros(shape: [0, 3])) == .zeros(shape: [2, 3]))
        // NaN propagates even through a zero factor.
        let withNaN = try Tensor<S>([[0, 1]]).matmul(Tensor<S>([[S.nan], [1]]))
        #expect(withNaN.scalar.isNaN)
    }

    @Test func matricesAgainstNaiveReference() throws {
        try matrices(Float.self)
        try matrices(Double.self)
    }

    func batched<S: TensorScalar>(_: S.Type) throws {
        let a = Tensor<S>.randomNormal(shape: [3, 4, 5], seed: 1)
        let b = Tensor<S>.randomNormal(shape: [3, 5, 2], seed: 2)
        let c = try a.matmul(b)
        #expect(c.shape == [3, 4, 2])
        for i in 0..<3 {
            #expect(close(c[row: i].scalars, naive(a[row: i], b[row: i]), tolerance: tolerance(S.self) * 10))
        }
        // A shared right operand (rank 2, or a batch of 1).
        let w = Tensor<S>.randomNormal(shape: [5, 2], seed: 3)
        let shared = try a.matmul(w)
        #expect(shared.shape == [3, 4, 2])
        #expect(try a.matmul(w.reshaped(to: [1, 5, 2])) == shared)
        for i in 0..<3 {
            #expect(close(shared[row: i].scalars, naive(a[row: i], w), tolerance: tolerance(S.self) * 10))
        }
        // A shared left operand.
        let left = Tensor<S>.randomNormal(shape: [4, 3], seed: 4)
        let rights = Tensor<S>.randomNormal(shape: [2, 3, 6], seed: 5)
        let product = try left.matmul(rights)
        #expect(product.shape == [2, 4, 6])
        #expect(close(product[row: 1].scalars, naive(left, rights[row: 1]), tolerance: tolerance(S.self) * 10))
    }

    @Test func batchedAndSharedOperands() throws {
        try batched(Float.self)
        try batched(Double.self)
    }

    func transposing<S: TensorScalar>(_: S.Type) throws {
        // n = 50 and 18 take the GEMM's thin-column paths, m = 45 its
        // transposed row groups.
        for (k, (m, inner, n)) in [(1, 1, 1), (3, 5, 4), (45, 13, 50), (16, 17, 18), (100, 20, 50)].enumerated() {
            let x = Tensor<S>.randomNormal(shape: [m, inner], seed: UInt64(k))
            let y = Tensor<S>.randomNormal(shape: [inner, n], seed: UInt64(50 + k))
            let expected = naive(x, y)
            let xt = x.transposed(), yt = y.transposed()
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let product = try (ta ? xt : x).matmul(tb ? yt : y, transposingSelf: ta, transposingOther: tb)
                #expect(product.shape == [m, n])
                #expect(close(product.scalars, expected, tolerance: tolerance(S.self) * 10), "\(m)×\(inner)×\(n) ta=\(ta) tb=\(tb)")
            }
        }
        let a = Tensor<S>.zeros(shape: [2, 3]), b = Tensor<S>.zeros(shape: [2, 4])
        #expect(try a.matmul(b, transposingSelf: true).shape == [3, 4])
        #expect(
            thrownMessage { try a.matmul(b, transposingSelf: false) }
                == "matmul: shapes [2, 3] and [2, 4] do not match: inner dimensions 3 and 2 differ (the product is [2, 3] × [2, 4])")
        #expect(
            thrownMessage { try a.matmul(b, transposingSelf: false, transposingOther: true) }
                == "matmul: shapes [2, 3] and [2, 4] do not match: inner dimensions 3 and 4 differ (the product is [2, 3] × [2, 4]ᵀ)")
        #expect(
            thrownMessage { try Tensor<S>.zeros(shape: [2, 2, 3]).matmul(a, transposingSelf: true) }
                == "matmul: shapes [2, 2, 3] and [2, 3] do not match: a transposed product needs two matrices, got ranks 3 and 2")
    }

    @Test func transposedOperandsWithoutCopies() throws {
        try transposing(Float.self)
        try transposing(Double.self)
    }

    @Test func shapeErrorsNameBothShapes() {
        let a = Tensor<Float>.zeros(shape: [2, 3]), b = Tensor<Float>.zeros(shape: [4, 5])
        #expect(
            thrownMessage { try a.matmul(b) } == "matmul: shapes [2, 3] and [4, 5] do not match: inner dimensions 3 and 4 differ")
        #expect(
            thrownMessage { try Tensor<Double>.zeros(shape: [2, 2, 3]).matmul(.zeros(shape: [3, 3, 1])) }
                == "matmul: shapes [2, 2, 3] and [3, 3, 1] do not match: batch dimensions 2 and 3 differ")
        #expect(
            thrownMessage { try Tensor<Double>.zeros(shape: [3]).matmul(.zeros(shape: [3, 1])) }
                == "matmul: shapes [3] and [3, 1] do not match: matmul needs ranks 2 or 3, got ranks 1 and 2")
    }
}
