import Nabla
import Testing

// The Swift examples of README.md, as written there.

@inlinable
func readmeF<T: DifferentiableScalar>(_ v: [T]) -> T { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }

@Suite struct ReadmeExampleTests {
    @Test func gradientExample() throws {
        let g = try numericalGradient(of: readmeF, at: [1.0, 2.0])
        #expect(abs(g.value[0] - 8) < 1e-13 && abs(g.value[1] - 15) < 1e-13)
        #expect(g.errorEstimate.count == 2)
        #expect(g.evaluations > 0)
        #expect(g.status == .converged)
        #expect(complexStepGradient(of: readmeF, at: [1.0, 2.0]).value == [8, 15])
    }

    @Test func domainEdgeExample() throws {
        let d = try numericalDerivative(of: { (x: Double) in .log(x) }, at: 1e-10)
        #expect(d.status == .converged)
        #expect(abs(d.value - 1e10) / 1e10 < 1e-10)
    }

    @Test func formulaExample() throws {
        let formula = try Formula(parsing: "2*x + 3*x*y + y^3").compiled(variables: ["x", "y"])
        #expect(formula([1.0, 2.0]) == 16.0)
    }
}

@Suite struct ReadmeAutomaticExampleTests {
    @Test func automaticExamples() throws {
        #expect(gradient(of: readmeF, at: [1.0, 2.0]) == [8, 15])
        #expect(forwardGradient(of: readmeF, at: [1.0, 2.0]) == [8, 15])
        #expect(hessian(of: readmeF, at: [1.0, 2.0]) == [[0, 3], [3, 12]])
        let d = derivative(of: { (x: Dual<Double>) in .sin(x) * x }, at: 2.0)
        #expect(abs(d - (Double.sin(2) + 2 * Double.cos(2))) < 1e-15)
        let check = try checkGradient(of: readmeF, gradient: [8.0, 15.0], at: [1.0, 2.0])
        #expect(check.passed)
    }
}

@Suite struct ReadmeSymbolicExampleTests {
    @Test func symbolicExamples() throws {
        #expect(symbolicGradient(of: readmeF, names: ["x", "y"]).map(\.description) == ["2 + 3*y", "3*x + 3*y^2"])
        #expect(try Formula(parsing: "exp(2*x)").derivative(withRespectTo: "x").description == "2*exp(2*x)")
    }
}
