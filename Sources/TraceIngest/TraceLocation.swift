import Foundation

/// Where the CTF traces of a path are: the path itself when it holds `metadata`, or every folder
/// below it that does (an LTTng session folder has `kernel/` and `ust/uid/<uid>/64-bit/`).
public struct TraceLocation: Sendable, Equatable {
    /// The path the user gave.
    public let path: String
    /// Folders holding a `metadata` file, sorted.
    public let traceDirectories: [String]

    /// Finds the traces under `path`, or throws the reason there are none.
    public init(path: String) throws {
        self.path = path
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TraceError.notFound(path: path)
        }
        guard isDirectory.boolValue else { throw TraceError.notADirectory(path: path) }
        guard let top = try? fm.contentsOfDirectory(atPath: path) else {
            throw TraceError.unreadable(path: path, reason: "the folder cannot be listed")
        }
        if top.isEmpty { throw TraceError.emptyDirectory(path: path) }
        var found: [String] = []
        Self.collect(URL(fileURLWithPath: path), depth: 0, into: &found)
        guard !found.isEmpty else { throw TraceError.noMetadata(path: path) }
        traceDirectories = found.sorted()
    }

    /// A chosen set of the trace folders (one machine's), named by `path`.
    public init(path: String, traceDirectories: [String]) {
        self.path = path
        self.traceDirectories = traceDirectories.sorted()
    }

    private static func collect(_ url: URL, depth: Int, into found: inout [String]) {
        let fm = FileManager.default
        guard depth <= 8, let entries = try? fm.contentsOfDirectory(atPath: url.path) else { return }
        if entries.contains("metadata") {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: url.appendingPathComponent("metadata").path, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                found.append(url.path)
                return
            }
        }
        for entry in entries.sorted() where entry != "index" {
            let child = url.appendingPathComponent(entry)
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: child.path, isDirectory: &isDirectory), isDirectory.boolValue {
                collect(child, depth: depth + 1, into: &found)
            }
        }
    }
}
