import Foundation

/// Paths of the shared real traces and fixtures that tests read.
public enum Fixtures {
    /// The project's root folder (the one holding Package.swift).
    public static let projectRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `../shared` beside the project root.
    public static let shared: URL = projectRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// A recording of `shared/traces/host-real/NAME`.
    public static func hostReal(_ name: String) -> URL {
        shared.appendingPathComponent("traces/host-real/\(name)")
    }

    /// A trace of `shared/traces/lttng/NAME`.
    public static func lttng(_ name: String) -> URL {
        shared.appendingPathComponent("traces/lttng/\(name)")
    }
}
