// swift-tools-version: 6.0
import PackageDescription

/// Per-event code: the dynamic exclusivity checks cost about 12 % of an ingest run (callgrind),
/// and these modules keep no overlapping accesses.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "Interfere",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "interfere", targets: ["interfere"]),
        .executable(name: "learning-tool", targets: ["learning-tool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // `watch --metrics`: the HTTP server and the Prometheus exposition (the CLI only).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C libraries, each behind a small system library target.
        .systemLibrary(name: "CBabeltrace2", pkgConfig: "babeltrace2",
                       providers: [.apt(["libbabeltrace2-dev"])]),
        .systemLibrary(name: "CIPT", providers: [.apt(["libipt-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        // Write-then-rename, for every output file and folder.
        .target(name: "AtomicOutput"),

        // The pipeline, one module per stage.
        .target(name: "TraceIngest", dependencies: ["CBabeltrace2"], swiftSettings: hotPath),
        .target(name: "HostModel", dependencies: ["TraceIngest"], swiftSettings: hotPath),
        .target(name: "Features", dependencies: ["AtomicOutput", "HostModel", "IntelPT", "TraceIngest"]),
        .target(name: "Recording", dependencies: ["Features", "HostModel", "IntelPT", "TraceIngest"]),
        .target(name: "Learning", dependencies: ["AtomicOutput", "CBLAS"], exclude: ["README.md"], swiftSettings: hotPath),
        .target(name: "Diagnosis", dependencies: ["Features", "Learning", "Recording", "HostModel", "IntelPT", "TraceIngest"]),
        .target(name: "IntelPT", dependencies: ["AtomicOutput", "CIPT", "TraceIngest"], exclude: ["README.md"]),
        .target(name: "Simulator", dependencies: ["AtomicOutput", "CBabeltrace2", "TraceIngest", "HostModel", "IntelPT", "Learning",
                                                .product(name: "HeapModule", package: "swift-collections")], swiftSettings: hotPath),
        .target(name: "Report", dependencies: ["AtomicOutput", "Diagnosis", "Features", "Recording", "HostModel", "Learning", "IntelPT", "TraceIngest"]),
        .target(name: "TestSupport", dependencies: ["TraceIngest"]),

        // The command-line tool: subcommands only.
        // Runs the Learning estimators on raw float64 files, for the scikit-learn parity test and benchmark.
        .executableTarget(name: "learning-tool", dependencies: ["Learning"], path: "Benchmarks/learning-tool"),

        .executableTarget(name: "interfere", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            "AtomicOutput", "TraceIngest", "HostModel", "Features", "Recording", "Learning", "Diagnosis", "IntelPT", "Simulator", "Report",
        ]),

        .testTarget(name: "TraceIngestTests", dependencies: ["TraceIngest", "TestSupport"]),
        .testTarget(name: "HostModelTests", dependencies: ["HostModel", "TraceIngest", "TestSupport"]),
        .testTarget(name: "FeaturesTests", dependencies: ["AtomicOutput", "Features", "HostModel", "Recording", "TraceIngest", "TestSupport"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "Recording", "TraceIngest", "HostModel", "TestSupport"]),
        .testTarget(name: "IntelPTTests", dependencies: ["IntelPT", "TraceIngest", "TestSupport"]),
        .testTarget(name: "InterfereTests", dependencies: ["TestSupport", "interfere"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Recording", "Diagnosis", "Learning", "HostModel", "TraceIngest", "TestSupport"]),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "Features", "Simulator", "HostModel", "TraceIngest", "TestSupport"]),
        .testTarget(name: "DiagnosisTests", dependencies: ["Diagnosis", "Features", "Recording", "HostModel", "TraceIngest", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
