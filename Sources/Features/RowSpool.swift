import AtomicOutput
import Foundation

/// Feature rows parked on disk while a trace is read, so that memory does not grow with the
/// trace's length: each row is the VM index, the window bounds and every column's value, appended
/// to a temporary file and read back in order once the schema is known.
final class RowSpool {
    struct Row {
        var vm: Int
        var start: Int64
        var end: Int64
        var values: [Double]
    }

    let url: URL
    let width: Int
    private let handle: FileHandle
    private var buffer = Data()
    private(set) var count = 0

    /// Creates the spool in a private folder made in `directory` (`mkdtemp`), opens it, then
    /// removes the file's name and the folder at once: the open file lives on until the spool is
    /// released, and nothing is left on disk whatever ends the process (exit, signal, crash).
    init(directory: URL, width: Int) throws {
        var template = Array(directory.appendingPathComponent(".interfere-rows-XXXXXX").path.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw AtomicOutput.Failure(path: directory.path, reason: "no temporary folder for the rows: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        let file = URL(fileURLWithPath: folder).appendingPathComponent("rows")
        defer { unlink(file.path); rmdir(folder) }
        url = file
        guard FileManager.default.createFile(atPath: file.path, contents: nil), let handle = FileHandle(forUpdatingAtPath: file.path) else {
            throw AtomicOutput.Failure(path: directory.path, reason: "no temporary file for the rows")
        }
        self.handle = handle
        self.width = width
    }

    deinit {
        try? handle.close()
    }

    func append(vm: Int, start: Int64, end: Int64, values: [Double]) {
        var header = (Int64(vm), start, end)
        withUnsafeBytes(of: &header) { buffer.append(contentsOf: $0) }
        values.withUnsafeBytes { buffer.append(contentsOf: $0) }
        count += 1
        if buffer.count >= 1 << 20 { flush() }
    }

    private func flush() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Every row, in the order appended.
    func forEach(_ body: (Row) throws -> Void) throws {
        flush()
        try handle.seek(toOffset: 0)
        let rowBytes = 24 + 8 * width
        while true {
            guard let chunk = try handle.read(upToCount: rowBytes * 4096), !chunk.isEmpty else { return }
            try chunk.withUnsafeBytes { raw in
                var offset = 0
                while offset + rowBytes <= raw.count {
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
