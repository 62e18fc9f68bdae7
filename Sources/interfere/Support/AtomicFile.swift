import Foundation

/// Writes a file under a temporary name beside it, then renames it: a reader never sees a
/// partial file, and a failed write leaves nothing behind.
enum AtomicFile {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): cannot write: \(reason)" }
    }

    /// Fails early (before long work) when `path`'s folder does not exist or is not writable.
    static func checkWritable(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw Failure(path: path, reason: "the folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else { throw Failure(path: path, reason: "the folder \(folder) is not writable") }
    }

    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = URL(fileURLWithPath: Supervisor.temporary(for: path))
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw Failure(path: path, reason: "the folder does not exist or is not writable")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw Failure(path: path, reason: reason)
        }
    }
}
