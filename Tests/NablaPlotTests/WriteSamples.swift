import Foundation
import Testing
@testable import NablaPlot

/// Writes every sample as .svg (and the report as .html) into the directory
/// named by NABLA_PLOT_SAMPLES, to be looked at (scripts/render_svg.sh turns
/// them into PNGs). Does nothing without the variable.
@Test("write samples when NABLA_PLOT_SAMPLES is set")
func writeSamples() throws {
    guard let directory = ProcessInfo.processInfo.environment["NABLA_PLOT_SAMPLES"], !directory.isEmpty else { return }
    let url = URL(fileURLWithPath: directory, isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for (name, svg) in SampleCharts.all() {
        try svg.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    try SampleCharts.report().html().write(to: url.appendingPathComponent("report.html"), atomically: true, encoding: .utf8)
}
