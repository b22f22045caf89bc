/// One axis of a chart: its label, scale and (optionally) a fixed range.
///
/// Without a range, the chart takes one from its data: the data's extent plus
/// 5 % on each side for a linear axis, whole decades for a logarithmic one.
///
/// ```swift
/// let h = Axis("step size h", scale: .logarithmic)
/// let x = Axis("x", range: -2...2)
/// ```
public struct Axis: Sendable, Hashable {
    public enum Scale: Sendable, Hashable {
        case linear
        /// Base 10. Values ≤ 0 are not drawn.
        case logarithmic
    }

    public var label: String
    public var scale: Scale
    public var range: ClosedRange<Double>?

    public init(_ label: String = "", scale: Scale = .linear, range: ClosedRange<Double>? = nil) {
        self.label = label
        self.scale = scale
        self.range = range
    }

    /// A tick: its position and its label; minor ticks have no label.
    public struct Tick: Sendable, Hashable, CustomStringConvertible {
        public var value: Double
        public var label: String?

        public init(_ value: Double, _ label: String?) {
            self.value = value
            self.label = label
        }

        public var isMajor: Bool { label != nil }
        public var description: String { label ?? "(\(value))" }
    }

    /// The ticks for `range` on this axis's scale, at most about `maxCount` labelled.
    public func ticks(in range: ClosedRange<Double>, maxCount: Int = 8) -> [Tick] {
        switch scale {
        case .linear: Axis.niceTicks(lower: range.lowerBound, upper: range.upperBound, maxCount: maxCount)
        case .logarithmic: Axis.logTicks(lower: range.lowerBound, upper: range.upperBound, maxCount: maxCount)
        }
    }

    /// Whether `value` can be placed on this axis (finite, and positive on a log axis).
    public func accepts(_ value: Double) -> Bool {
        value.isFinite && (scale == .linear || value > 0)
    }

    // MARK: Linear ticks

    /// "Nice" ticks inside [lower, upper]: multiples of a step 1, 2 or 5 × 10^k,
    /// the smallest such step that gives at most `maxCount` ticks.
    ///
    /// Labels are exact decimals ("0.0015", never "0.0015000000000000001"),
    /// with a common power of ten ("1.5×10⁶") when the ticks are ≥ 10⁶ or the
    /// step is below 10⁻⁴. A degenerate range gives one tick.
    ///
    /// ```swift
    /// Axis.niceTicks(lower: 0, upper: 1).map(\.value)   // [0, 0.2, 0.4, 0.6, 0.8, 1]
    /// ```
    public static func niceTicks(lower: Double, upper: Double, maxCount: Int = 8) -> [Tick] {
        guard lower.isFinite, upper.isFinite else { return [] }
        let lo = min(lower, upper), hi = max(lower, upper)
        let maxCount = max(maxCount, 2)
        let magnitude = max(abs(lo), abs(hi))
        if hi - lo <= magnitude * 1e-12 {
            return [Tick(lo, PlotNumber.format(lo, significantDigits: 6))]
        }
        var k = decimalExponent((hi - lo) / Double(maxCount))
        var multipliers = [1, 2, 5].makeIterator()
        while true {
            guard let m = multipliers.next() else {
                k += 1
                multipliers = [1, 2, 5].makeIterator()
                continue
            }
            let step = scaled(Double(m), byPowerOfTen: k)
            let first = (lo / step - 1e-9).rounded(.up), last = (hi / step + 1e-9).rounded(.down)
            guard abs(first) < 1e15, abs(last) < 1e15 else {
                return [Tick(lo, PlotNumber.format(lo, significantDigits: 6))]
            }
            if last - first + 1 <= Double(maxCount) {
                guard last >= first else { return [Tick(lo, PlotNumber.format(lo, significantDigits: 6))] }
                let indices = Array(Int(first)...Int(last))
                return linearLabels(integers: indices.map { $0 * m }, exponent: k)
            }
        }
    }

    /// Ticks n · 10^k with labels in one style for the whole axis.
    private static func linearLabels(integers: [Int], exponent k: Int) -> [Tick] {
        let values = integers.map { scaled(Double($0), byPowerOfTen: k) }
        let largest = values.map(abs).max() ?? 0
        let scientific = largest >= 1e6 || (k < -4 && largest > 0)
        let common = largest > 0 ? decimalExponent(largest) : 0
        return zip(integers, values).map { n, v in
            let label: String
            if n == 0 {
                label = "0"
            } else if scientific {
                label = PlotNumber.decimal(n, exponent: k - common) + "×10" + PlotNumber.superscript(common)
            } else {
                label = PlotNumber.decimal(n, exponent: k)
            }
            return Tick(v, label)
        }
    }

    // MARK: Logarithmic ticks

    /// Ticks for a base-10 logarithmic axis over [lower, upper] (both > 0).
    ///
    /// Decades are labelled "10⁻⁸"; with more than `maxCount` decades only every
    /// second (third, fifth, tenth, …) decade is labelled and some of the others
    /// are minor ticks. Up to six decades get minor ticks at 2…9 × 10^k. A range that
    /// holds fewer than two decades labels 2 × and 5 × 10^k as well, in plain
    /// decimals ("5", "10", "20", "50").
    public static func logTicks(lower: Double, upper: Double, maxCount: Int = 8) -> [Tick] {
        guard lower.isFinite, upper.isFinite, lower > 0, upper > 0 else { return [] }
        let lo = min(lower, upper), hi = max(lower, upper)
        let inside = { (v: Double) in v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12) }
        let eLow = decimalExponent(lo), eHigh = decimalExponent(hi)
        let decades = (eLow...eHigh).filter { inside(powerOfTen($0)) }
        let spanDecades = decimalLog(hi) - decimalLog(lo)

        // Labelled decades every `stride`, unlabelled ones every `minor` between.
        let strides = [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (10, 2), (20, 5), (25, 5), (50, 10), (100, 20), (200, 50), (250, 50), (500, 100)]
        var (stride, minor) = strides.last!
        for candidate in strides where decades.filter({ $0 % candidate.0 == 0 }).count <= max(maxCount, 2) {
            (stride, minor) = candidate
            break
        }
        var ticks: [Tick] = []
        if decades.count >= 2 {
            for e in decades where e % minor == 0 {
                let label = e % stride == 0 ? "10" + PlotNumber.superscript(e) : nil
                ticks.append(Tick(powerOfTen(e), label))
            }
            if stride == 1 && spanDecades <= 6 {
                for e in eLow...eHigh {
                    for m in 2...9 {
                        let v = Double(m) * powerOfTen(e)
                        if inside(v) { ticks.append(Tick(v, nil)) }
                    }
                }
            }
        } else {
            // Less than two decades: label 1, 2 and 5 × 10^k in plain numbers.
            for e in (eLow - 1)...eHigh {
                for m in 1...9 {
                    let v = scaled(Double(m), byPowerOfTen: e)
                    guard inside(v) else { continue }
                    let labelled = m == 1 || m == 2 || m == 5
                    ticks.append(Tick(v, labelled ? PlotNumber.format(v, significantDigits: 2) : nil))
                }
            }
            if ticks.filter(\.isMajor).count < 2 {
                ticks = ticks.map { Tick($0.value, PlotNumber.format($0.value, significantDigits: 2)) }
            }
        }
        return ticks.sorted { $0.value < $1.value }
    }

    // MARK: Automatic range

    /// The range drawn for data spanning `lower...upper` (finite data values
    /// accepted by this axis; nil when there are none). `tight` data (grids,
    /// fields) is not padded.
    func resolvedRange(loose: ClosedRange<Double>?, tight: ClosedRange<Double>?) -> ClosedRange<Double> {
        if let range, accepts(range.lowerBound), accepts(range.upperBound), range.upperBound > range.lowerBound {
            return range
        }
        switch scale {
        case .linear:
            var lo = Double.infinity, hi = -Double.infinity
            if let loose {
                let pad = (loose.upperBound - loose.lowerBound) * 0.05
                lo = loose.lowerBound - pad
                hi = loose.upperBound + pad
            }
            if let tight {
                lo = min(lo, tight.lowerBound)
                hi = max(hi, tight.upperBound)
            }
            guard lo.isFinite, hi.isFinite else { return 0...1 }
            if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {
                let d = lo == 0 ? 1 : abs(lo) * 0.1
                return (lo - d)...(hi + d)
            }
            return lo...hi
        case .logarithmic:
            let lows = [loose?.lowerBound, tight?.lowerBound].compactMap { $0 }
            let highs = [loose?.upperBound, tight?.upperBound].compactMap { $0 }
            guard let lo = lows.min(), let hi = highs.max() else { return 1...10 }
            if tight != nil && loose == nil { return lo...hi }
            var eLo = decimalExponent(lo), eHi = decimalExponent(hi)
            if powerOfTen(eHi) < hi { eHi += 1 }
            if eLo == eHi {
                eLo -= 1
                eHi += 1
            }
            return powerOfTen(eLo)...powerOfTen(eHi)
        }
    }
}
