import NablaRules
import NablaSymbolic

/// A small seeded generator (SplitMix64), so that table-driven tests sample
/// the same points on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A seed from a name (FNV-1a), stable across runs unlike `hashValue`.
    init(name: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        state = h
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// |a - b| within `tolerance` times the larger magnitude (or `scale`, if
/// larger): a relative comparison that does not demand the impossible of a
/// value that cancelled to near 0.
func agree(_ a: Double, _ b: Double, relative tolerance: Double, scale: Double = 0) -> Bool {
    if a == b { return true }
    guard a.isFinite, b.isFinite else { return false }
    return (a - b).magnitude <= tolerance * Swift.max(a.magnitude, b.magnitude, scale)
}

/// A formula's value in extended precision, where the platform has Float80:
/// the judge of whether a Double evaluation is trustworthy (a mismatch
/// between two formulas in Double may be the rounding of an ill-conditioned
/// evaluation, such as (x + y) + z - (x + (y + z)), rather than a wrong
/// simplification). Nil where Float80 does not exist.
func extendedValue(_ program: CompiledFormula, _ point: [Double]) -> Double? {
    #if arch(x86_64) || arch(i386)
    let value: Float80 = program(point.map { Float80($0) })
    return Double(value)
    #else
    return nil
    #endif
}

#if arch(x86_64) || arch(i386)
// Float80 is a Real of swift-numerics on x86; the scalar protocol's defaults
// for Real types supply the rest.
extension Float80: DifferentiableScalar {}
#endif

/// Whether a Double evaluation of `program` at `point` agrees with the
/// extended-precision one to `tolerance` (always true without Float80).
func wellConditioned(_ program: CompiledFormula, _ point: [Double], value: Double,
                     tolerance: Double = 1e-11) -> Bool {
    guard let wide = extendedValue(program, point) else { return true }
    return agree(value, wide, relative: tolerance)
}

/// The text of a formula parsed and simplified.
func simplifiedText(_ text: String) throws -> String {
    try Formula(parsing: text).simplified().description
}
