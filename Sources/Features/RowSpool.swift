import AtomicOutput
import Foundation

/// Feature rows parked on disk while a trace is read, so that memory does not grow with the
/// trace's length: each row is the VM index, the window bounds and every column's value, appended
/// to a `PrivateTemporaryFile` and read back in order once the schema is known. A write that fails
/// (a full disk) is kept and thrown by `flush` and `forEach`, never a trap: rows are appended from
/// the host model's callbacks, which cannot throw.
final class RowSpool {
    struct Row {
        var vm: Int
        var start: Int64
        var end: Int64
        var values: [Double]
    }

    let width: Int
    private let file: PrivateTemporaryFile
    private var buffer = Data()
    private(set) var count = 0

    /// Creates the spool in a private folder made in `directory` (`mkdtemp`), opens it, then
    /// removes the file's name and the folder at once: the open file lives on until the spool is
    /// released, and nothing is left on disk whatever ends the process (exit, signal, crash).
    convenience init(directory: URL, width: Int) throws {
        self.init(file: try PrivateTemporaryFile(directory: directory, prefix: ".interfere-rows", name: "rows", contents: "the feature rows"),
                  width: width)
    }

    /// The spool on `file` (tests: one opened on `/dev/full`).
    init(file: PrivateTemporaryFile, width: Int) {
        self.file = file
        self.width = width
    }

    /// The temporary file's path (its name is already removed).
    var path: String { file.path }

    func append(vm: Int, start: Int64, end: Int64, values: [Double]) {
        var header = (Int64(vm), start, end)
        withUnsafeBytes(of: &header) { buffer.append(contentsOf: $0) }
        values.withUnsafeBytes { buffer.append(contentsOf: $0) }
        count += 1
        if buffer.count >= 1 << 20 { try? flush() }
    }

    /// Writes what is buffered; throws the first write that failed (now or at an earlier append).
    func flush() throws {
        defer { buffer.removeAll(keepingCapacity: true) }
        try buffer.withUnsafeBytes { try file.append($0) }
    }

    /// Every row, in the order appended.
    func forEach(_ body: (Row) throws -> Void) throws {
        try flush()
        let rowBytes = 24 + 8 * width
        let total = count * rowBytes
        var chunk = [UInt8](repeating: 0, count: min(total, rowBytes * 4096))
        var at = 0
        while at < total {
            let size = min(chunk.count, total - at)
            try chunk.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<size]), at: at) }
            at += size
            try chunk.withUnsafeBytes { raw in
                var offset = 0
                while offset + rowBytes <= size {
                    let vm = raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)
                    let start = raw.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self)
                    let end = raw.loadUnaligned(fromByteOffset: offset + 16, as: Int64.self)
                    var values = [Double](repeating: 0, count: width)
                    for j in 0..<width { values[j] = raw.loadUnaligned(fromByteOffset: offset + 24 + 8 * j, as: Double.self) }
                    try body(Row(vm: Int(vm), start: start, end: end, values: values))
                    offset += rowBytes
                }
            }
        }
    }
}
