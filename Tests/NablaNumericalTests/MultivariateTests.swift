import Testing
import RealModule
@testable import NablaNumerical

/// f(x, y) = 2x + 3xy + y³: ∇f = (2 + 3y, 3x + 3y²), H = [[0, 3], [3, 6y]].
private func f(_ v: [Double]) -> Double { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }
private func fFloat(_ v: [Float]) -> Float { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }

/// g(x, y) = exp(x)·sin(y) + x·y².
private func g(_ v: [Double]) -> Double { .exp(v[0]) * .sin(v[1]) + v[0] * v[1] * v[1] }
private func gGradient(_ v: [Double]) -> [Double] {
    [.exp(v[0]) * .sin(v[1]) + v[1] * v[1], .exp(v[0]) * .cos(v[1]) + 2 * v[0] * v[1]]
}
private func gHessian(_ v: [Double]) -> [[Double]] {
    let (x, y) = (v[0], v[1])
    let mixed = Double.exp(x) * .cos(y) + 2 * y
    return [[.exp(x) * .sin(y), mixed], [mixed, -.exp(x) * .sin(y) + 2 * x]]
}

/// F(x, y, z) = (xy + sin z, eˣz² - y/z): ℝ³ → ℝ².
private func F(_ v: [Double]) -> [Double] {
    [v[0] * v[1] + .sin(v[2]), .exp(v[0]) * v[2] * v[2] - v[1] / v[2]]
}
private func FJacobian(_ v: [Double]) -> [[Double]] {
    let (x, y, z) = (v[0], v[1], v[2])
    return [[y, x, .cos(z)], [.exp(x) * z * z, -1 / z, 2 * .exp(x) * z + y / (z * z)]]
}

/// |a - b| ≤ tolerance·max(|b|, 1).
private func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
    (a - b).magnitude <= tolerance * Swift.max(b.magnitude, 1)
}

@Suite("Partials, gradients, directional derivatives, Jacobians, Hessians")
struct MultivariateTests {
    let point = [1.0, 2.0]

    @Test("partials of 2x + 3xy + y³ at (1, 2) are 8 and 15")
    func partials() throws {
        let dx = try numericalPartialDerivative(of: f, at: point, index: 0)
        let dy = try numericalPartialDerivative(of: f, at: point, index: 1)
        #expect(close(dx.value, 8, 1e-13))
        #expect(close(dy.value, 15, 1e-13))
        #expect(dx.status == .converged && dy.status == .converged)
        #expect((dx.value - 8).magnitude <= dx.errorEstimate)
        #expect((dy.value - 15).magnitude <= dy.errorEstimate)
        // The other variable is held constant.
        var seen: [[Double]] = []
        _ = try numericalPartialDerivative(of: { v in seen.append(v); return f(v) }, at: point, index: 1)
        #expect(seen.allSatisfy { $0[0] == 1 })
        #expect(seen.contains { $0[1] != 2 })
    }

    @Test("second partial derivatives")
    func secondPartials() throws {
        let p = [0.5, 1.2]
        let dxx = try numericalPartialDerivative(of: g, at: p, index: 0, order: 2)
        let dyy = try numericalPartialDerivative(of: g, at: p, index: 1, order: 2)
        #expect(close(dxx.value, gHessian(p)[0][0], 1e-10))
        #expect(close(dyy.value, gHessian(p)[1][1], 1e-10))
        let fyy = try numericalPartialDerivative(of: f, at: point, index: 1, order: 2)
        #expect(close(fyy.value, 12, 1e-10))
    }

    @Test("gradient, adaptive and with .central(step: 1e-4)")
    func gradient() throws {
        var calls = 0
        let adaptive = try numericalGradient(of: { calls += 1; return f($0) }, at: point)
        #expect(adaptive.value.count == 2)
        #expect(close(adaptive.value[0], 8, 1e-13) && close(adaptive.value[1], 15, 1e-13))
        #expect(adaptive.status == .converged)
        #expect(adaptive.evaluations == calls)
        for (v, e, exact) in zip3(adaptive.value, adaptive.errorEstimate, [8.0, 15.0]) {
            #expect((v - exact).magnitude <= e)
        }

        let textbook = try numericalGradient(of: f, at: point, method: .central(step: 1e-4))
        // f is linear in x: the central difference is exact up to rounding.
        #expect((textbook.value[0] - 8).magnitude <= 1e-10)
        // ((y+h)³ - (y-h)³)/2h = 3y² + h²: the truncation error is exactly h² = 1e-8.
        #expect((textbook.value[1] - (15 + 1e-8)).magnitude <= 1e-10)
        #expect((textbook.value[1] - 15).magnitude <= textbook.errorEstimate[1])
        #expect(textbook.evaluations == 8)  // ±h and ±2h per variable
        #expect(textbook.status == .converged)

        let pg = [0.5, 1.2]
        let gg = try numericalGradient(of: g, at: pg)
        for (v, exact) in zip(gg.value, gGradient(pg)) { #expect(close(v, exact, 1e-12)) }
    }

    @Test("directional derivative equals ∇f·v (v not normalised); zero direction gives 0")
    func directional() throws {
        let p = [0.5, 1.2]
        let grad = gGradient(p)
        for v in [[0.6, -0.8], [2.0, 1.0], [0.0, -3.0], [1e-3, 1e-3]] {
            let d = try numericalDirectionalDerivative(of: g, at: p, direction: v)
            let exact = grad[0] * v[0] + grad[1] * v[1]
            #expect(close(d.value, exact, 1e-12), "v = \(v): \(d.value) vs \(exact)")
            #expect((d.value - exact).magnitude <= d.errorEstimate)
            #expect(d.status == .converged)
        }
        // Along the axes it is the partial derivative.
        let along = try numericalDirectionalDerivative(of: f, at: point, direction: [0, 1])
        #expect(close(along.value, 15, 1e-13))
        // The second directional derivative is vᵀHv.
        let v = [0.6, -0.8]
        let h = gHessian(p)
        let second = try numericalDirectionalDerivative(of: g, at: p, direction: v, order: 2)
        let vHv = v[0] * v[0] * h[0][0] + 2 * v[0] * v[1] * h[0][1] + v[1] * v[1] * h[1][1]
        #expect(close(second.value, vHv, 1e-9))

        var calls = 0
        let zero = try numericalDirectionalDerivative(of: { calls += 1; return g($0) }, at: p, direction: [0, 0])
        #expect(zero.value == 0 && zero.errorEstimate == 0 && zero.status == .converged)
        #expect(zero.evaluations == 1 && calls == 1)
    }

    @Test("Jacobian of a map ℝ³ → ℝ² against its closed form")
    func jacobian() throws {
        let p = [0.3, -1.2, 2.0]
        let exact = FJacobian(p)
        var calls = 0
        let j = try numericalJacobian(of: { calls += 1; return F($0) }, at: p)
        #expect(j.value.count == 2 && j.value.allSatisfy { $0.count == 3 })
        #expect(j.errorEstimate.count == 2 && j.errorEstimate.allSatisfy { $0.count == 3 })
        for i in 0..<2 {
            for k in 0..<3 {
                #expect(close(j.value[i][k], exact[i][k], 1e-12), "J[\(i)][\(k)] = \(j.value[i][k]) vs \(exact[i][k])")
                #expect((j.value[i][k] - exact[i][k]).magnitude <= j.errorEstimate[i][k], "J[\(i)][\(k)] estimate")
            }
        }
        #expect(j.status == .converged)
        #expect(j.evaluations == calls, "evaluations \(j.evaluations), calls \(calls)")

        let plain = try numericalJacobian(of: F, at: p, method: .central(accuracy: 4))
        for i in 0..<2 { for k in 0..<3 { #expect(close(plain.value[i][k], exact[i][k], 1e-9)) } }
    }

    @Test("Hessian of 2x + 3xy + y³ and of exp(x)sin(y) + xy², symmetric, rel 1e-8")
    func hessian() throws {
        var calls = 0
        let h = try numericalHessian(of: { calls += 1; return f($0) }, at: point)
        let exact: [[Double]] = [[0, 3], [3, 12]]
        for i in 0..<2 {
            for k in 0..<2 {
                #expect(close(h.value[i][k], exact[i][k], 1e-8), "H[\(i)][\(k)] = \(h.value[i][k])")
                #expect((h.value[i][k] - exact[i][k]).magnitude <= h.errorEstimate[i][k])
            }
        }
        #expect(h.value[0][1] == h.value[1][0])
        #expect(h.errorEstimate[0][1] == h.errorEstimate[1][0])
        #expect(h.status == .converged)
        #expect(h.evaluations == calls)

        for p in [[0.5, 1.2], [-1.0, 3.0], [2.0, -0.4]] {
            let hg = try numericalHessian(of: g, at: p)
            let eg = gHessian(p)
            for i in 0..<2 {
                for k in 0..<2 {
                    #expect(close(hg.value[i][k], eg[i][k], 1e-8), "at \(p): H[\(i)][\(k)] = \(hg.value[i][k]) vs \(eg[i][k])")
                    #expect((hg.value[i][k] - eg[i][k]).magnitude <= hg.errorEstimate[i][k])
                }
            }
            #expect(hg.value[0][1] == hg.value[1][0])
        }
    }

    @Test("Hessian in three variables")
    func hessian3() throws {
        // q(x) = x₀²x₁ + x₁x₂³ + exp(x₀x₂)
        let q = { (v: [Double]) in v[0] * v[0] * v[1] + v[1] * v[2] * v[2] * v[2] + .exp(v[0] * v[2]) }
        let (a, b, c) = (0.4, -0.7, 1.1)
        let e = Double.exp(a * c)
        let exact: [[Double]] = [
            [2 * b + c * c * e, 2 * a, e + a * c * e],
            [2 * a, 0, 3 * c * c],
            [e + a * c * e, 3 * c * c, 6 * b * c + a * a * e],
        ]
        let h = try numericalHessian(of: q, at: [a, b, c])
        for i in 0..<3 {
            for k in 0..<3 {
                #expect(close(h.value[i][k], exact[i][k], 1e-8), "H[\(i)][\(k)] = \(h.value[i][k]) vs \(exact[i][k])")
                #expect(h.value[i][k] == h.value[k][i])
            }
        }
    }

    @Test("dimension errors throw dimensionMismatch")
    func dimensionErrors() {
        let bad: [(String, () throws -> Void)] = [
            ("index 2", { _ = try numericalPartialDerivative(of: f, at: [1, 2], index: 2) }),
            ("index -1", { _ = try numericalPartialDerivative(of: f, at: [1, 2], index: -1) }),
            ("direction too short", { _ = try numericalDirectionalDerivative(of: f, at: [1, 2], direction: [1]) }),
            ("direction too long", { _ = try numericalDirectionalDerivative(of: f, at: [1, 2], direction: [1, 0, 0]) }),
            ("Jacobian output length varies", {
                _ = try numericalJacobian(of: { v in v[0] == 1 ? [v[0], v[1]] : [v[0]] }, at: [1.0, 2.0])
            }),
        ]
        for (label, body) in bad {
            let error = finiteDifferenceError(body)
            #expect(error?.isDimensionMismatch == true, "\(label): \(String(describing: error))")
        }
        #expect(finiteDifferenceError { _ = try numericalPartialDerivative(of: f, at: [1, 2], index: 2) }?.message.contains("index 2") == true)
        let infinite = finiteDifferenceError { _ = try numericalDirectionalDerivative(of: f, at: [1, 2], direction: [.infinity, 1]) }
        #expect(infinite?.isInvalidStep == true)
    }

    @Test("Float: partials, gradient, directional, Jacobian, Hessian with loose tolerances")
    func floatVersions() throws {
        let p: [Float] = [1, 2]
        let grad = try numericalGradient(of: fFloat, at: p)
        #expect(relativeError(grad.value[0], 8) <= 1e-4 && relativeError(grad.value[1], 15) <= 1e-4)
        #expect((grad.value[0] - 8).magnitude <= grad.errorEstimate[0] && (grad.value[1] - 15).magnitude <= grad.errorEstimate[1])
        let textbook = try numericalGradient(of: fFloat, at: p, method: .central(step: 1e-2))
        #expect(relativeError(textbook.value[1], 15) <= 1e-3)
        let dir = try numericalDirectionalDerivative(of: fFloat, at: p, direction: [0.6, -0.8])
        #expect(relativeError(dir.value, 0.6 * 8 - 0.8 * 15) <= 1e-4)
        let jac = try numericalJacobian(of: { (v: [Float]) in [v[0] * v[1], Float.exp(v[0]) - v[1] * v[1]] }, at: p)
        let ej: [[Float]] = [[2, 1], [Float.exp(1), -4]]
        for i in 0..<2 { for k in 0..<2 { #expect(relativeError(jac.value[i][k], ej[i][k]) <= 1e-4, "J[\(i)][\(k)] = \(jac.value[i][k])") } }
        let h = try numericalHessian(of: fFloat, at: p)
        let eh: [[Float]] = [[0, 3], [3, 12]]
        for i in 0..<2 {
            for k in 0..<2 {
                #expect((h.value[i][k] - eh[i][k]).magnitude <= 2e-3 * Swift.max(eh[i][k].magnitude, 1), "H[\(i)][\(k)] = \(h.value[i][k])")
            }
        }
        #expect(h.value[0][1] == h.value[1][0])
    }
}

private func zip3<A, B, C>(_ a: [A], _ b: [B], _ c: [C]) -> [(A, B, C)] {
    zip(a, zip(b, c)).map { ($0, $1.0, $1.1) }
}
