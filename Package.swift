// swift-tools-version: 6.1
import PackageDescription

// The BLAS backend is a package trait: `OpenBLAS` (default) or `BLIS`
// (`swift build --traits BLIS`). Exactly one of them should be enabled.
let package = Package(
    name: "Higher",
    products: [
        .library(name: "Higher", targets: ["Higher"]),
    ],
    traits: [
        .trait(name: "OpenBLAS", description: "Matrix products through OpenBLAS (Debian libopenblas-dev)."),
        .trait(name: "BLIS", description: "Matrix products through BLIS (Debian libblis-dev)."),
        .default(enabledTraits: ["OpenBLAS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CBLIS",
            providers: [.apt(["libblis-dev"])]
        ),
        // Header only: the compile target's CPU features, read at compile time.
        .systemLibrary(name: "CTargetFeatures"),
        .target(
            name: "Higher",
            dependencies: [
                "CTargetFeatures",
                .target(name: "COpenBLAS", condition: .when(traits: ["OpenBLAS"])),
                .target(name: "CBLIS", condition: .when(traits: ["BLIS"])),
            ]
        ),
        .testTarget(
            name: "HigherTests",
            dependencies: ["Higher", "MAMLSinusoid"],
            // Reference data and the Python scripts that made it; tests read it by path.
            exclude: ["Reference"]
        ),
        .testTarget(
            name: "HigherProofs",
            dependencies: [
                "Higher",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Proofs"
        ),
        .executableTarget(
            name: "NewtonCG",
            dependencies: ["Higher"],
            path: "Examples/NewtonCG"
        ),
        // The MAML demo: a thin command over a small library the tests use too.
        .target(
            name: "MAMLSinusoid",
            dependencies: ["Higher"],
            path: "Examples/MAMLSinusoid"
        ),
        .executableTarget(
            name: "MAML",
            dependencies: [
                "Higher",
                "MAMLSinusoid",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/MAML"
        ),
        .executableTarget(
            name: "MAMLBench",
            dependencies: ["Higher"],
            path: "Benchmarks/MAMLBench"
        ),
        .executableTarget(
            name: "HigherBench",
            dependencies: [
                "Higher",
                .target(name: "COpenBLAS", condition: .when(traits: ["OpenBLAS"])),
                .target(name: "CBLIS", condition: .when(traits: ["BLIS"])),
            ],
            path: "Benchmarks/HigherBench"
        ),
        .executableTarget(
            name: "InnerLoopMemory",
            dependencies: ["Higher"],
            path: "Benchmarks/InnerLoopMemory"
        ),
    ]
)
