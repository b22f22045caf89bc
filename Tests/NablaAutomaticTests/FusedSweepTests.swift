import CNablaTape
import NablaForward
@testable import NablaReverse
import NablaRules
import Testing

// The Float and Double backward sweep runs in C (CNablaTape) with fused
// multiply-adds where the CPU has them. These tests pin down what that
// means: the C code reads the nodes where Swift lays them out, each
// partial·adjoint + adjoint is rounded once (or, without FMA, twice, as the
// generic Swift sweep does), and both of its loops agree.

@Suite("Fused backward sweep")
struct FusedSweepTests {
    /// CNablaTape reads a node as two 32-bit parents and then the two
    /// partials: Swift's layout of `TapeNode` must be that one.
    @Test func nodesAreLaidOutAsTheCSweepReadsThem() {
        #expect(MemoryLayout<TapeNode<Double>>.stride == 24)
        #expect(MemoryLayout<TapeNode<Double>>.offset(of: \.parent0) == 0)
        #expect(MemoryLayout<TapeNode<Double>>.offset(of: \.parent1) == 4)
        #expect(MemoryLayout<TapeNode<Double>>.offset(of: \.partial0) == 8)
        #expect(MemoryLayout<TapeNode<Double>>.offset(of: \.partial1) == 16)
        #expect(MemoryLayout<TapeNode<Float>>.stride == 16)
        #expect(MemoryLayout<TapeNode<Float>>.offset(of: \.partial0) == 8)
        #expect(MemoryLayout<TapeNode<Float>>.offset(of: \.partial1) == 12)
    }

    /// f(x) = (−x + b·x)·c with b = c = 1 + ε, ε = 2⁻³⁰ in Double, 2⁻¹² in
    /// Float: df/dx = (b − 1)·c = ε + ε², exactly representable. The sum
    /// node's two partials (−1 and b) meet the seed c: fused, the sweep
    /// computes b·c − c with one rounding and gets ε + ε² exactly; with a
    /// product and a sum each rounded, b·c = 1 + 2ε + ε² rounds to 1 + 2ε and
    /// the result is ε, off by a relative ε.
    func expectOneRounding<T: DifferentiableScalar & BinaryFloatingPoint>(_: T.Type, epsilon: T) {
        let b = 1 + epsilon, c = 1 + epsilon
        let g = gradient(of: { v in (v[0] * -1 + v[0] * TapeVariable(constant: b)) * TapeVariable(constant: c) },
                         at: [T(0.75)])
        let fused = epsilon + epsilon * epsilon
        if nabla_tape_sweep_fuses() == 1 {
            #expect(g == [fused], "\(T.self): fused sweep, expected ε + ε²")
        } else {
            #expect(g == [epsilon], "\(T.self): product and sum rounded separately, expected ε")
        }
    }

    @Test func eachUpdateIsRoundedOnceWhereTheCPUFuses() {
        expectOneRounding(Double.self, epsilon: 0x1p-30)
        expectOneRounding(Float.self, epsilon: 0x1p-12)
    }

    /// The sweep through the C function directly, on hand-built nodes: an
    /// input (node 0) and a node with that input as both parents (partials
    /// −1 and 1 + ε), seeded with 1 + ε. Both loops (carrying the adjoint
    /// in a register, and keeping every node's adjoint) give the input the
    /// same adjoint, and keep the seed where they should.
    @Test func bothLoopsAgreeOnHandBuiltNodes() {
        let epsilon = 0x1p-30
        let nodes = [TapeNode<Double>(parent0: 0, partial0: 0, parent1: 0, partial1: 0),
                     TapeNode<Double>(parent0: 0, partial0: -1, parent1: 0, partial1: 1 + epsilon)]
        let expected = nabla_tape_sweep_fuses() == 1 ? epsilon + epsilon * epsilon : epsilon
        for keeps in [Int32(0), 1] {
            var adjoints = [0.0, 1 + epsilon]
            nodes.withUnsafeBufferPointer { n in
                adjoints.withUnsafeMutableBufferPointer { a in
                    nabla_tape_sweep_f64(UnsafeRawPointer(n.baseAddress!), a.baseAddress!, 1, 1, keeps)
                }
            }
            #expect(adjoints[0] == expected, "keepsIntermediates \(keeps)")
            if keeps == 1 { #expect(adjoints[1] == 1 + epsilon, "the swept node keeps its adjoint") }
        }
    }

    /// The generic Swift sweep still serves other scalar types: a tape of
    /// dual numbers (forward over reverse) gives the Hessian of
    /// f(x, y) = x²y + sin(x)·y³, against its closed form.
    @Test func otherScalarTypesKeepTheSwiftSweep() {
        let x = 0.7, y = -1.3
        let h = hessian(of: { (v: [TapeVariable<Dual<Double>>]) in
            v[0] * v[0] * v[1] + TapeVariable<Dual<Double>>.sin(v[0]) * v[1] * v[1] * v[1]
        }, at: [x, y])
        let expected = [[2 * y - Double.sin(x) * y * y * y, 2 * x + 3 * Double.cos(x) * y * y],
                        [2 * x + 3 * Double.cos(x) * y * y, 6 * Double.sin(x) * y]]
        for i in 0..<2 {
            for j in 0..<2 {
                #expect(abs(h[i][j] - expected[i][j]) <= 1e-12 * Swift.max(1, abs(expected[i][j])), "H[\(i)][\(j)]")
            }
        }
    }
}
