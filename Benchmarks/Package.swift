// swift-tools-version: 6.1
//
// Nabla's benchmarks for ordo-one/package-benchmark, in a package of their own
// so that neither the main build nor `swift test` compiles them:
//
//   cd Benchmarks
//   swift package benchmark                       # all, with the plugin
//   swift package benchmark --filter "gemm.*"     # a subset
//   swift run -c release NablaBenchmarks          # the same suite without the plugin
//
// Only the MallocInterposer trait is enabled: the default traits also pull in
// swift-runtime-interposer on Linux with Swift 6.3, and jemalloc is not needed.

import PackageDescription

let package = Package(
    name: "NablaBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Nabla", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "NablaBenchmarks",
            dependencies: [
                .product(name: "Nabla", package: "Nabla"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/NablaBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
