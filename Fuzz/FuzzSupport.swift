import Foundation

/// What every libFuzzer target shares: a private scratch folder for inputs that the code under
/// test reads by path. Compiled into each target by `scripts/libfuzz.sh` (not a SwiftPM target).
enum FuzzScratch {
    /// `$TMPDIR/interfere-libfuzz-PID/`, made once.
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-libfuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `size` bytes at `data` to `name` in the scratch folder and returns its URL.
    static func write(_ data: UnsafePointer<UInt8>, _ size: Int, as name: String) -> URL {
        let url = folder.appendingPathComponent(name)
        FileManager.default.createFile(atPath: url.path, contents: Data(bytes: data, count: size))
        return url
    }
}
