import NablaTensor
import Testing

@Suite("Shape operations")
struct ShapeTests {
    func reshape<S: TensorScalar>(_: S.Type) throws {
        let t = Tensor<S>.range(from: 0, to: 6)
        let m = try t.reshaped(to: [2, 3])
        #expect(m.shape == [2, 3] && m[1, 0] == 3)
        #expect(try t.reshaped(to: [-1, 2]).shape == [3, 2])
        #expect(try t.reshaped(to: [3, -1]).shape == [3, 2])
        #expect(try t.reshaped(to: [1, 6, 1]).scalars == t.scalars)
        #expect(try Tensor<S>(5).reshaped(to: [1, 1]).shape == [1, 1])
        #expect(try Tensor<S>.zeros(shape: [0, 3]).reshaped(to: [3, 0]).shape == [3, 0])
        #expect(m.flattened().shape == [6])
        #expect(
            thrownMessage { try t.reshaped(to: [4, 2]) }
                == "reshape: cannot reshape [6] (6 elements) to [4, 2] (8 elements)")
        #expect(
            thrownMessage { try t.reshaped(to: [-1, -1]) } == "reshape: shape [-1, -1] has more than one -1")
        #expect(
            thrownMessage { try t.reshaped(to: [4, -1]) }
                == "reshape: cannot infer the -1 in [4, -1] from 6 elements (shape [6])")
        #expect(
            thrownMessage { try t.reshaped(to: [-2, -3]) } == "reshape: shape [-2, -3] has a negative dimension")
    }

    @Test func reshape() throws {
        try reshape(Float.self)
        try reshape(Double.self)
    }

    func permute<S: TensorScalar>(_: S.Type) throws {
        let m = try Tensor<S>([[1, 2, 3], [4, 5, 6]])
        let mt = m.transposed()
        #expect(mt.shape == [3, 2])
        #expect(mt.scalars == [1, 4, 2, 5, 3, 6])
        #expect(mt.transposed() == m)

        let t = try Tensor<S>.range(from: 0, to: 24).reshaped(to: [2, 3, 4])
        let p = try t.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        for i in 0..<2 {
            for j in 0..<3 {
                for k in 0..<4 { #expect(p[k, i, j] == t[i, j, k]) }
            }
        }
        #expect(try t.permuted([0, 1, 2]) == t)
        #expect(try t.permuted([-1, 0, 1]) == p)
        // transposed() swaps the last two axes of a batch.
        let bt = t.transposed()
        #expect(bt.shape == [2, 4, 3] && bt[1, 3, 2] == t[1, 2, 3])
        #expect(
            thrownMessage { try t.permuted([0, 0, 1]) }
                == "permute: axes [0, 0, 1] are not a permutation of the 3 axes of shape [2, 3, 4]")
        #expect(
            thrownMessage { try t.permuted([0, 1]) }
                == "permute: axes [0, 1] are not a permutation of the 3 axes of shape [2, 3, 4]")
        #expect(
            thrownMessage { try t.permuted([0, 1, 3]) }
                == "permute: axis 3 is out of range for shape [2, 3, 4] (rank 3)")
    }

    @Test func permuteAndTranspose() throws {
        try permute(Float.self)
        try permute(Double.self)
    }

    func slicing<S: TensorScalar>(_: S.Type) throws {
        let t = try Tensor<S>.range(from: 0, to: 24).reshaped(to: [2, 3, 4])
        let s = try t.slice(alongAxis: 2, 1..<3)
        #expect(s.shape == [2, 3, 2])
        #expect(s.scalars == [1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22])
        #expect(try t.slice(alongAxis: -2, 2..<3).scalars == [8, 9, 10, 11, 20, 21, 22, 23])
        #expect(try t.slice(alongAxis: 0, 1..<1).shape == [0, 3, 4])

        let box = t[1..<2, 0..<2, 3..<4]
        #expect(box.shape == [1, 2, 1] && box.scalars == [15, 19])
        #expect(t[0..<1].shape == [1, 3, 4])

        let row = t[row: 1]
        #expect(row.shape == [3, 4] && row[0, 0] == 12)
        #expect(Tensor<S>([7, 8, 9])[row: 2].shape == [])
        #expect(Tensor<S>([7, 8, 9])[row: 2].scalar == 9)

        #expect(
            thrownMessage { try t.slice(alongAxis: 1, 2..<4) }
                == "slice: range 2..<4 is out of bounds 0..<3 on axis 1 of shape [2, 3, 4]")
        #expect(
            thrownMessage { try t.slice(alongAxis: 3, 0..<1) }
                == "slice: axis 3 is out of range for shape [2, 3, 4] (rank 3)")
    }

    @Test func slicingAndIndexing() throws {
        try slicing(Float.self)
        try slicing(Double.self)
    }

    func concatenate<S: TensorScalar>(_: S.Type) throws {
        let a = try Tensor<S>([[1, 2], [3, 4]])
        let b = try Tensor<S>([[5, 6]])
        #expect(try a.concatenated(with: b).scalars == [1, 2, 3, 4, 5, 6])
        #expect(try a.concatenated(with: b).shape == [3, 2])
        let c = try Tensor<S>([[7], [8]])
        let ac = try a.concatenated(with: c, alongAxis: 1)
        #expect(ac.shape == [2, 3] && ac.scalars == [1, 2, 7, 3, 4, 8])
        #expect(try Tensor.concatenating([c, a, c], alongAxis: -1).scalars == [7, 1, 2, 7, 8, 3, 4, 8])
        #expect(try Tensor.concatenating([a]) == a)
        #expect(try Tensor<S>.zeros(shape: [0, 2]).concatenated(with: b).scalars == [5, 6])

        #expect(
            thrownMessage { try a.concatenated(with: c) }
                == "concatenate: shapes [2, 2] and [2, 1] differ outside axis 0")
        #expect(
            thrownMessage { try a.concatenated(with: Tensor<S>([1, 2])) }
                == "concatenate: shapes [2, 2] and [2] differ outside axis 0")
        #expect(thrownMessage { try Tensor<S>.concatenating([]) } == "concatenate: no tensors to concatenate")
        #expect(
            thrownMessage { try a.concatenated(with: a, alongAxis: 2) }
                == "concatenate: axis 2 is out of range for shape [2, 2] (rank 2)")
    }

    @Test func concatenation() throws {
        try concatenate(Float.self)
        try concatenate(Double.self)
    }

    func squeeze<S: TensorScalar>(_: S.Type) throws {
        let t = Tensor<S>.zeros(shape: [1, 3, 1, 2])
        #expect(t.squeezed().shape == [3, 2])
        #expect(try t.squeezed(axis: 2).shape == [1, 3, 2])
        #expect(try t.squeezed(axis: -4).shape == [3, 1, 2])
        #expect(thrownMessage { try t.squeezed(axis: 1) } == "squeeze: axis 1 of shape [1, 3, 1, 2] has size 3, not 1")
        let v = Tensor<S>([1, 2, 3])
        #expect(try v.unsqueezed(at: 0).shape == [1, 3])
        #expect(try v.unsqueezed(at: 1).shape == [3, 1])
        #expect(try v.unsqueezed(at: -1).shape == [3, 1])
        #expect(try Tensor<S>(4).unsqueezed(at: 0).shape == [1])
        #expect(try v.unsqueezed(at: 1).scalars == v.scalars)
        #expect(
            thrownMessage { try v.unsqueezed(at: 3) } == "unsqueeze: axis 3 is out of range for shape [3] (rank 1)")
    }

    @Test func squeezeAndUnsqueeze() throws {
        try squeeze(Float.self)
        try squeeze(Double.self)
    }
}
