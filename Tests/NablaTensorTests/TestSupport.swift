import NablaTensor
import Testing

/// The description of the error `body` throws, or nil if it does not throw.
func thrownMessage<R>(_ body: () throws -> R) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// Equal, or both NaN.
func same<S: BinaryFloatingPoint>(_ a: S, _ b: S) -> Bool {
    a == b || (a.isNaN && b.isNaN)
}

/// Equal (or both NaN), or within `ulps` units in the last place of `b`.
func near<S: BinaryFloatingPoint>(_ a: S, _ b: S, ulps: S) -> Bool {
    same(a, b) || (a.isFinite && b.isFinite && Swift.abs(a - b) <= ulps * Swift.max(b.ulp, S.leastNormalMagnitude))
}

/// Whether two arrays agree elementwise within an absolute plus relative tolerance.
func close<S: BinaryFloatingPoint>(_ a: [S], _ b: [S], tolerance: S) -> Bool {
    a.count == b.count
        && zip(a, b).allSatisfy { x, y in
            same(x, y) || Swift.abs(x - y) <= tolerance * Swift.max(1, Swift.abs(y))
        }
}

/// A loose tolerance for the precision: 1e-5 for Float, 1e-12 for Double.
func tolerance<S: BinaryFloatingPoint>(_: S.Type) -> S {
    S.significandBitCount > 30 ? 1e-12 : 1e-5
}
