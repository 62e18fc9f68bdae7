import Foundation

/// Writes a file or a folder under a temporary name beside its destination, then renames it:
/// a reader never sees a partial output, and a failed write leaves nothing behind. The one
/// write-then-rename of the project (models, feature tables, reports, simulated recordings, PT
/// sidecars).
public enum AtomicOutput {
    /// An output that could not be written, with the system's reason.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): cannot write: \(reason)" }
        public init(path: String, reason: String) { self.path = path; self.reason = reason }
        /// The failure of writing `path` that `error` (Foundation's, from a `FileHandle`) tells:
        /// its POSIX reason when it carries one (`No space left on device`).
        public init(path: String, error: any Error) {
            let ns = error as NSError
            let posix = ns.domain == NSPOSIXErrorDomain ? ns : ns.userInfo[NSUnderlyingErrorKey] as? NSError
            if let posix, posix.domain == NSPOSIXErrorDomain {
                self.init(path: path, reason: String(cString: strerror(Int32(posix.code))))
            } else {
                self.init(path: path, reason: "\(error)")
            }
        }
    }

    /// The temporary name used beside `url` while it is written: `.NAME.tmp-PID`.
    public static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    }

    /// Fails early (before long work) when `path`'s folder does not exist or is not writable.
    public static func checkWritable(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw Failure(path: path, reason: "the folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else { throw Failure(path: path, reason: "the folder \(folder) is not writable") }
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        try stage(path) { temporary in
            // Foundation's error carries the system's reason (a full disk: No space left on device).
            do { try data.write(to: temporary) } catch { throw Failure(path: path, error: error) }
        }
    }

    /// Runs `body` with the temporary URL for `path` (the body creates the file or folder there),
    /// then renames it to `path`, replacing what was there (a folder too, when `replacing`). When
    /// the body or the rename fails, the temporary is removed and the error is rethrown.
    public static func stage<T>(_ path: String, replacing: Bool = false, _ body: (URL) throws -> T) throws -> T {
        let fm = FileManager.default
        let url = URL(fileURLWithPath: path)
        let temporary = temporaryURL(for: url)
        try? fm.removeItem(at: temporary)
        do {
            let result = try body(temporary)
            if replacing, fm.fileExists(atPath: url.path) { try fm.removeItem(at: url) }
            if rename(temporary.path, url.path) != 0 {
                throw Failure(path: path, reason: String(cString: strerror(errno)))
            }
            return result
        } catch {
            try? fm.removeItem(at: temporary)
            throw error
        }
    }
}
