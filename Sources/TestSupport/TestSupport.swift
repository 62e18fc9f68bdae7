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

    /// A recording of `datasets/real/NAME` in this repository (made by `scripts/record-real.sh`).
    public static func datasetsReal(_ name: String) -> URL {
        projectRoot.appendingPathComponent("datasets/real/\(name)")
    }

    /// Whether `datasets/real/NAME` holds a recording (its `trace/` and `labels.csv`).
    public static func hasDatasetsReal(_ name: String) -> Bool {
        let folder = datasetsReal(name)
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("trace/metadata").path)
            && FileManager.default.fileExists(atPath: folder.appendingPathComponent("labels.csv").path)
    }

    /// A trace of `shared/traces/lttng/NAME`.
    public static func lttng(_ name: String) -> URL {
        shared.appendingPathComponent("traces/lttng/\(name)")
    }
}
