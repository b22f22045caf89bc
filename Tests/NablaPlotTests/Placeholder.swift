import Testing
@testable import NablaPlot

