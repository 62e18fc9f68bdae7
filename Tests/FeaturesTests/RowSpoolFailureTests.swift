import AtomicOutput
@testable import Features
import Foundation
import Testing

/// A feature-row spool whose temporary file cannot be written (a full disk: `/dev/full`, whose
/// every write fails with ENOSPC) throws an error naming the file and the system's reason, at the
/// first flush and at every later one, instead of trapping; appends meanwhile do not trap either.
@Suite struct RowSpoolFailureTests {
    func fullSpool(width: Int) throws -> RowSpool {
        RowSpool(file: try PrivateTemporaryFile(opening: "/dev/full", contents: "the feature rows"), width: width)
    }

    @Test func aFullDiskIsAnErrorNamingTheFileNotATrap() throws {
        let spool = try fullSpool(width: 2)
        spool.append(vm: 0, start: 0, end: 100, values: [1, 2])
        let expected = PrivateTemporaryFile.Failure(path: "/dev/full", contents: "the feature rows", operation: "write",
                                                    reason: "No space left on device")
        #expect(throws: expected) { try spool.flush() }
        #expect("\(expected)" == "/dev/full: cannot write the temporary file of the feature rows: No space left on device")
        // Reading the rows back says the same, rather than reading nothing.
        #expect(throws: expected) { try spool.forEach { _ in Issue.record("a row was read back") } }
    }

    /// More than a buffer's worth (1 MB) of rows: the flush inside `append` fails, is kept, and
    /// the next `flush` throws it.
    @Test func aFailureWhileAppendingIsKeptForTheNextFlush() throws {
        let spool = try fullSpool(width: 100)
        for i in 0..<2_000 { spool.append(vm: 0, start: Int64(i) * 100, end: Int64(i + 1) * 100, values: .init(repeating: 0.5, count: 100)) }
        #expect(spool.count == 2_000)
        #expect(throws: PrivateTemporaryFile.Failure.self) { try spool.flush() }
    }

    /// A working spool reads back exactly what was appended, across several buffers.
    @Test func aSpoolReadsBackEveryRowInOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-rowspool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let spool = try RowSpool(directory: folder, width: 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [])
        let n = 50_000   // 2.4 MB of rows: two flushes while appending, and more than one chunk read back
        for i in 0..<n { spool.append(vm: i % 3, start: Int64(i), end: Int64(i + 1), values: [Double(i), -Double(i), 0.25]) }
        var i = 0
        try spool.forEach { row in
            #expect(row.vm == i % 3 && row.start == Int64(i) && row.end == Int64(i + 1) && row.values == [Double(i), -Double(i), 0.25])
            i += 1
        }
        #expect(i == n)
    }
}
