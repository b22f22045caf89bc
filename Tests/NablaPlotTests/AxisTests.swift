import Foundation
import Testing
@testable import NablaPlot

@Suite("Axis ticks and number labels")
struct AxisTests {
    func values(_ ticks: [Axis.Tick]) -> [Double] { ticks.map(\.value) }
    func labels(_ ticks: [Axis.Tick]) -> [String] { ticks.compactMap(\.label) }

    @Test("nice linear ticks on [0, 1]")
    func unitInterval() {
        let t = Axis.niceTicks(lower: 0, upper: 1)
        #expect(values(t) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(labels(t) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
    }

    @Test("nice linear ticks on [-2, 2]: integers, no -0")
    func symmetric() {
        let t = Axis.niceTicks(lower: -2, upper: 2)
        #expect(values(t) == [-2, -1, 0, 1, 2])
        #expect(labels(t) == ["-2", "-1", "0", "1", "2"])
        #expect(!labels(Axis.niceTicks(lower: -1e-3, upper: 1e-3)).contains { $0.hasPrefix("-0") && Double($0) == 0 })
    }

    @Test("nice linear ticks on [0.001, 0.0037]: exact decimals")
    func smallValues() {
        let t = Axis.niceTicks(lower: 0.001, upper: 0.0037)
        #expect(labels(t) == ["0.001", "0.0015", "0.002", "0.0025", "0.003", "0.0035"])
        for tick in t { #expect(Double(tick.label!)! == tick.value) }
    }

    @Test("nice linear ticks on [1e6, 3.5e6]: a common power of ten")
    func largeValues() {
        let t = Axis.niceTicks(lower: 1e6, upper: 3.5e6)
        #expect(values(t) == [1e6, 1.5e6, 2e6, 2.5e6, 3e6, 3.5e6])
        #expect(labels(t) == ["1×10⁶", "1.5×10⁶", "2×10⁶", "2.5×10⁶", "3×10⁶", "3.5×10⁶"])
    }

    @Test("a degenerate range gives one tick")
    func degenerate() {
        let t = Axis.niceTicks(lower: 5, upper: 5)
        #expect(values(t) == [5])
        #expect(labels(t) == ["5"])
        #expect(Axis.niceTicks(lower: .nan, upper: 1).isEmpty)
        // The automatic range around a single value is not empty.
        let r = Axis().resolvedRange(loose: 5...5, tight: nil)
        #expect(r.lowerBound < 5 && r.upperBound > 5)
        let z = Axis().resolvedRange(loose: 0...0, tight: nil)
        #expect(z.lowerBound < 0 && z.upperBound > 0)
    }

    @Test("linear ticks: 1-2-5 steps, inside the range, 2 to maxCount ticks, no float noise",
          arguments: [(0.0, 0.3), (-7.3, 12.9), (0.1, 0.7), (1e-9, 3e-9), (-1e5, 1e5), (123.4, 123.9), (0, 1e-5), (-0.5, 0.5), (17, 1e4)])
    func properties(range: (Double, Double)) {
        for maxCount in [3, 5, 8] {
            let t = Axis.niceTicks(lower: range.0, upper: range.1, maxCount: maxCount)
            #expect(t.count >= 2 && t.count <= maxCount, "\(range) \(maxCount): \(t)")
            for tick in t {
                #expect(tick.value >= range.0 - 1e-12 * abs(range.0) && tick.value <= range.1 + 1e-12 * abs(range.1))
                let label = tick.label!
                #expect(label.count <= 10, "\(label)")
                #expect(label != "-0")
            }
            let steps = zip(t, t.dropFirst()).map { $1.value - $0.value }
            let step = steps[0]
            let mantissa = step / pow(10, (log10(step)).rounded(.down))
            #expect([1, 2, 5].contains { abs(mantissa - Double($0)) < 1e-6 || abs(mantissa - 10) < 1e-6 }, "step \(step)")
            #expect(Set(t.map(\.label!)).count == t.count, "labels repeat: \(t)")
        }
        #expect(labels(Axis.niceTicks(lower: 0, upper: 0.3)) == ["0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"])
    }

    @Test("log ticks on [1e-12, 1]: every second decade labelled")
    func manyDecades() {
        let t = Axis.logTicks(lower: 1e-12, upper: 1)
        #expect(labels(t) == ["10⁻¹²", "10⁻¹⁰", "10⁻⁸", "10⁻⁶", "10⁻⁴", "10⁻²", "10⁰"])
        #expect(t.count == 13)  // the other decades are minor ticks
        #expect(t.filter { !$0.isMajor }.map(\.value) == [1e-11, 1e-9, 1e-7, 1e-5, 1e-3, 1e-1])
    }

    @Test("log ticks on [1e-300, 1e300]: a label every 100 decades, minor ticks every 20")
    func hugeLogRange() {
        let t = Axis.logTicks(lower: 1e-300, upper: 1e300)
        #expect(labels(t) == ["10⁻³⁰⁰", "10⁻²⁰⁰", "10⁻¹⁰⁰", "10⁰", "10¹⁰⁰", "10²⁰⁰", "10³⁰⁰"])
        #expect(t.count == 31)
    }

    @Test("log ticks on [1e-3, 10]: decades with minor ticks at 2…9")
    func fewDecades() {
        let t = Axis.logTicks(lower: 1e-3, upper: 10)
        #expect(labels(t) == ["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"])
        #expect(t.filter { !$0.isMajor }.count == 4 * 8)
        #expect(t.contains { $0.value == 0.002 && !$0.isMajor })
    }

    @Test("log ticks on [3, 70]: less than two decades label 1, 2, 5 × 10^k")
    func narrowLog() {
        let t = Axis.logTicks(lower: 3, upper: 70)
        #expect(values(t) == [3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70])
        #expect(labels(t) == ["5", "10", "20", "50"])
        #expect(Axis.logTicks(lower: -1, upper: 10).isEmpty)
        #expect(labels(Axis.logTicks(lower: 3, upper: 4)) == ["3", "4"])
    }

    @Test("a logarithmic axis takes whole decades from its data")
    func logRange() {
        let axis = Axis(scale: .logarithmic)
        #expect(axis.resolvedRange(loose: 3e-9...0.2, tight: nil) == 1e-9...1)
        #expect(axis.resolvedRange(loose: 10...10, tight: nil) == 1...100)
        #expect(axis.resolvedRange(loose: nil, tight: nil) == 1...10)
        #expect(Axis(scale: .logarithmic, range: -1...10).resolvedRange(loose: 1...2, tight: nil) == 1...10)
    }

    @Test("numbers print without float noise")
    func numberFormatting() {
        #expect(PlotNumber.format(0.1) == "0.1")
        #expect(PlotNumber.format(0.1 + 0.2) == "0.3")
        #expect(PlotNumber.format(-0.0) == "0")
        #expect(PlotNumber.format(1e-8) == "1×10⁻⁸")
        #expect(PlotNumber.format(-2.5e-12) == "-2.5×10⁻¹²")
        #expect(PlotNumber.format(123_456_789) == "1.23×10⁸")
        #expect(PlotNumber.format(999.96) == "1000")
        #expect(PlotNumber.format(2.0 / 3) == "0.667")
        #expect(PlotNumber.format(0.00012345, significantDigits: 2) == "0.00012")
        #expect(PlotNumber.format(.nan) == "–")
        #expect(PlotNumber.format(-.infinity) == "−∞")
        #expect(PlotNumber.decimal(15, exponent: -4) == "0.0015")
        #expect(PlotNumber.decimal(-120, exponent: -1) == "-12")
        #expect(PlotNumber.coordinate(-0.001) == "0")
        #expect(PlotNumber.coordinate(12.345) == "12.35" || PlotNumber.coordinate(12.345) == "12.34")
        #expect(PlotNumber.coordinate(.nan) == "0")
        #expect(PlotNumber.coordinate(1e300) == "10000000")
    }
}
