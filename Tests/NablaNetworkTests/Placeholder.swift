import Testing
@testable import NablaNetwork

