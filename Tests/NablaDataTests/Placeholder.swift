import Testing
@testable import NablaData

