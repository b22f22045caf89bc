/// A small, fast, deterministic random number generator (SplitMix64).
///
/// The same seed gives the same sequence of `UInt64` on every platform and
/// every Swift version, unlike `SystemRandomNumberGenerator`; Nabla's seeded
/// tensor initialisers use it so that an experiment can be repeated exactly.
/// It is not cryptographically secure.
///
/// SplitMix64 (Steele, Lea and Flood, 2014) passes BigCrush and is the
/// generator Java's `SplittableRandom` and the seeding of xoshiro use.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    @inlinable
    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform Double in [0, 1) from the top 53 bits of one draw: exact,
    /// so identical on every platform.
    @inlinable
    mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}
