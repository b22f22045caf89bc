// swift-tools-version: 6.1
//
// Nabla: derivatives made practical for deep learning.
//
// Layers (dependencies point down only, see docs/ARCHITECTURE.md):
//   NablaRules      the scalar protocol and the one table of derivative rules
//                   (CNablaMath: sincos in C, so both come from one reduction)
//   NablaNumerical  finite differences with error control, complex step,
//                   gradient checks
//   NablaForward    forward mode: nestable dual numbers
//   NablaReverse    reverse mode: the tape, gradients, Hessians (forward over reverse)
//                   (CNablaTape: the Float and Double backward sweep in C, fused
//                   multiply-adds chosen at run time)
//   NablaTensor     n-dimensional tensors: broadcasting, elementwise ops from the rule table
//   NablaSymbolic   expressions: parser with precise errors, generic evaluation
//   NablaData       datasets (built-in digits, MNIST IDX, CSV) and the
//                   safetensors file format, atomic writes
//   NablaNetwork    layers, initialisers, optimisers, training loop,
//                   gradient check, checkpoints
//   NablaPlot       SVG charts and self-contained HTML reports (no dependencies)
//   Nabla           umbrella module re-exporting the layers
//   NablaCommandLine + nabla   the command-line tool (thin)
//
// No target passes unsafe compiler flags: speed comes from `-c release` builds and
// cross-module specialisation of @inlinable code.

import PackageDescription

let package = Package(
    name: "Nabla",
    products: [
        .library(name: "Nabla", targets: ["Nabla"]),
        .executable(name: "nabla", targets: ["nabla"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // sin and cos from one argument reduction (glibc's sincos), for the
        // sine rule's value and derivative together.
        .target(name: "CNablaMath"),
        .target(
            name: "NablaRules",
            dependencies: ["CNablaMath", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(
            name: "NablaNumerical",
            dependencies: [
                "NablaRules",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "ComplexModule", package: "swift-numerics"),
            ]
        ),
        .target(
            name: "NablaForward",
            dependencies: ["NablaRules"]
        ),
        .target(name: "CNablaTape"),
        .target(
            name: "NablaReverse",
            dependencies: ["NablaRules", "NablaForward", "CNablaTape"]
        ),
        // C kernels (matmul, sigmoid, exp) with per-function target
        // attributes, chosen at run time; no unsafe flags, no libraries.
        .target(name: "CNablaKernels"),
        .target(
            name: "NablaTensor",
            dependencies: ["NablaRules", "CNablaKernels", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(
            name: "NablaSymbolic",
            dependencies: ["NablaRules", .product(name: "RealModule", package: "swift-numerics")]
        ),
        // zlib from the system (every Linux machine with Swift has it), for
        // gzip-compressed MNIST files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // The built-in digits as a C byte array: part of the binary, so an
        // installed or copied `nabla` needs no resource bundle beside it.
        .target(name: "CNablaData"),
        .target(
            name: "NablaData",
            dependencies: ["NablaTensor", "CZlib", "CNablaData"]
        ),
        .target(
            name: "NablaNetwork",
            dependencies: ["NablaRules", "NablaTensor", "NablaData"]
        ),
        .target(name: "NablaPlot"),
        .target(
            name: "Nabla",
            dependencies: [
                "NablaRules", "NablaNumerical", "NablaForward", "NablaReverse", "NablaSymbolic", "NablaTensor",
                "NablaData", "NablaNetwork", "NablaPlot",
            ]
        ),
        .target(
            name: "NablaCommandLine",
            dependencies: [
                "Nabla",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "nabla",
            dependencies: ["NablaCommandLine"]
        ),
        // Test points shared by the test targets (a test target cannot import
        // another); in no product.
        .target(
            name: "NablaTestSupport",
            dependencies: ["NablaRules"],
            path: "Tests/NablaTestSupport"
        ),
        .testTarget(
            name: "NablaRulesTests",
            dependencies: ["NablaRules", "NablaNumerical", "NablaTestSupport"]
        ),
        .testTarget(
            name: "NablaNumericalTests",
            dependencies: ["NablaNumerical", "NablaSymbolic"]
        ),
        .testTarget(
            name: "NablaAutomaticTests",
            dependencies: ["NablaForward", "NablaReverse", "NablaNumerical", "NablaSymbolic", "NablaTestSupport"]
        ),
        .testTarget(
            name: "NablaTensorTests",
            dependencies: ["NablaTensor", "NablaNumerical"]
        ),
        .testTarget(
            name: "NablaSymbolicTests",
            dependencies: [
                "NablaSymbolic", "NablaNumerical",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "NablaDataTests",
            dependencies: ["NablaData", "NablaTensor"]
        ),
        .testTarget(
            name: "NablaNetworkTests",
            dependencies: ["NablaNetwork", "NablaData", "NablaTensor", "NablaNumerical"]
        ),
        .testTarget(
            name: "NablaPlotTests",
            dependencies: ["NablaPlot"]
        ),
        .testTarget(
            name: "NablaCommandLineTests",
            dependencies: ["NablaCommandLine", "Nabla"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
