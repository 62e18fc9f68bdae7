import AtomicOutput
import Features
import Foundation
import HostModel
@testable import Recording
import TestSupport
import Testing
import TraceIngest

/// A trace read with a spool folder (`TraceFeatures.read(…, spool:)`): its rows and evidence wait
/// in private temporary files whose names are gone as soon as they are made, so nothing is left
/// in the folder while reading, after it, or when the read fails; what is read back is what the
/// in-memory read holds.
@Suite struct SpoolTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-spool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    func left() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: scratch.path) }

    @Test func theEvidenceFileLeavesNoNameOnDiskAndReadsAWindowBack() throws {
        let file = try EvidenceFile(directory: scratch)
        #expect(try left() == [])
        var host = HostWindow(index: 3, windowNs: 100)
        host.diskBytes = ["vda": ["web": 4096, "backup": 1 << 20]]
        host.netBytes = ["eth0": ["web": 1500]]
        host.netPackets = ["eth0": ["web": 1]]
        host.diskRequests = ["vda": ["web": 1, "backup": 8]]
        host.netUnattributed = ["eth0": LinkTraffic(txPackets: 2, txBytes: 120)]
        file.append(host)
        let head = file.append(vm: 1, startNs: 300, endNs: 400, seconds: 0.1, hostWindow: 3,
                               keys: [EventKey(.exit, "HLT"): 7, EventKey(.block, "vda write"): 2],
                               stolenByName: ["backup": 5_000], waitedNs: 6_000, vcpuNs: 100_000,
                               diskLatencyMs: 1.25, xmitDelayMs: 0.5)
        let orphan = file.append(vm: 0, startNs: 0, endNs: 100, seconds: 0.1, hostWindow: 9, keys: [:], stolenByName: [:],
                                 waitedNs: 0, vcpuNs: 0, diskLatencyMs: 0, xmitDelayMs: 0)
        try file.flush()
        let w = try file.read(head, vmNames: ["db", "web"])
        #expect(w.vm == "web" && w.startNs == 300 && w.endNs == 400 && w.seconds == 0.1)
        #expect(w.keys == [EventKey(.exit, "HLT"): 7, EventKey(.block, "vda write"): 2])
        #expect(w.stolenByName == ["backup": 5_000] && w.waitedNs == 6_000 && w.vcpuNs == 100_000)
        #expect(w.diskLatencyMs == 1.25 && w.xmitDelayMs == 0.5)
        #expect(w.diskBytes == host.diskBytes && w.diskRequests == host.diskRequests)
        #expect(w.netBytes == host.netBytes && w.netPackets == host.netPackets)
        #expect(w.netUnattributedBytes == ["eth0": 120])
        // A window whose host window never closed has empty device and link tables.
        let o = try file.read(orphan, vmNames: ["db", "web"])
        #expect(o.vm == "db" && o.diskBytes.isEmpty && o.netUnattributedBytes.isEmpty)
        #expect(try left() == [])
    }

    /// The evidence file on a full disk (`/dev/full`: every write fails with ENOSPC): the flush
    /// throws an error naming the file and the reason, and the collector's `finish` passes it on.
    @Test func aFullDiskIsAnErrorOfTheEvidenceNotATrap() throws {
        let file = EvidenceFile(file: try PrivateTemporaryFile(opening: "/dev/full", contents: "the evidence"))
        _ = file.append(vm: 0, startNs: 0, endNs: 100, seconds: 0.1, hostWindow: 0, keys: [EventKey(.exit, "HLT"): 1], stolenByName: [:],
                        waitedNs: 0, vcpuNs: 0, diskLatencyMs: 0, xmitDelayMs: 0)
        let expected = PrivateTemporaryFile.Failure(path: "/dev/full", contents: "the evidence", operation: "write",
                                                    reason: "No space left on device")
        #expect(throws: expected) { try file.flush() }
        #expect("\(expected)" == "/dev/full: cannot write the temporary file of the evidence: No space left on device")
        // Kept: a second flush (nothing new buffered) throws it again rather than succeed.
        #expect(throws: expected) { try file.flush() }
    }

    /// More than a buffer's worth of windows (2^17 words): the flush inside `append` fails
    /// without trapping and the next flush throws it.
    @Test func aFailureWhileAppendingEvidenceIsKeptForTheNextFlush() throws {
        let file = EvidenceFile(file: try PrivateTemporaryFile(opening: "/dev/full", contents: "the evidence"))
        for i in 0..<20_000 {
            _ = file.append(vm: 0, startNs: Int64(i) * 100, endNs: Int64(i + 1) * 100, seconds: 0.1, hostWindow: Int64(i),
                            keys: [EventKey(.exit, "HLT"): i], stolenByName: ["backup": 1], waitedNs: 0, vcpuNs: 0,
                            diskLatencyMs: 0, xmitDelayMs: 0)
        }
        #expect(throws: PrivateTemporaryFile.Failure.self) { try file.flush() }
    }

    /// Evidence that cannot be read back (its file cut short after it was written): the window
    /// read is its head alone, and `checkReads` throws the failure, naming the file.
    @Test func evidenceThatCannotBeReadBackIsAnErrorOfTheStore() throws {
        let path = scratch.appendingPathComponent("evidence").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let file = EvidenceFile(file: try PrivateTemporaryFile(opening: path, contents: "the evidence"))
        let head = file.append(vm: 0, startNs: 0, endNs: 100, seconds: 0.1, hostWindow: 0, keys: [EventKey(.exit, "HLT"): 3],
                               stolenByName: [:], waitedNs: 5, vcpuNs: 10, diskLatencyMs: 0, xmitDelayMs: 0)
        try file.flush()
        let store = EvidenceStore(file: file, heads: [head], vmNames: ["web"])
        #expect(store[0].keys == [EventKey(.exit, "HLT"): 3])
        try store.checkReads()
        #expect(truncate(path, 8) == 0)
        let w = store[0]
        #expect(w.vm == "web" && w.startNs == 0 && w.endNs == 100 && w.keys.isEmpty)
        let expected = PrivateTemporaryFile.Failure(path: path, contents: "the evidence", operation: "read back",
                                                    reason: "it ends before byte \(Int(head.words) * 8)")
        #expect(throws: expected) { try store.checkReads() }
    }

    @Test func aMissingSpoolFolderIsAnErrorNamingIt() {
        let missing = scratch.appendingPathComponent("no-such-folder")
        #expect(throws: (any Error).self) { try EvidenceFile(directory: missing) }
        do { _ = try EvidenceFile(directory: missing) } catch { #expect("\(error)".contains(missing.path)) }
    }

    /// The spooled read of a real trace: the same rows (CSV) and evidence as in memory, and the
    /// folder empty after it.
    @Test func aSpooledReadIsTheInMemoryReadAndLeavesNothing() throws {
        let recording = Recording(path: Fixtures.hostReal("cpu-neighbour").path)
        let memory = try TraceFeatures.read(recording, windowNs: 100_000_000, labels: nil)
        let spooled = try TraceFeatures.read(recording, windowNs: 100_000_000, labels: nil, spool: scratch)
        #expect(try left() == [])
        #expect(spooled.table.rows.isEmpty && spooled.rowCount == memory.table.rows.count && memory.rowCount > 0)
        var rows: [FeatureRow] = []
        try spooled.forEachRow { rows.append($0) }
        #expect(FeatureTable(schema: spooled.table.schema, rows: rows).csv() == memory.table.csv())
        #expect(spooled.evidence.count == memory.evidence.count)
        for i in memory.evidence.indices {
            let a = memory.evidence[i], b = spooled.evidence[i]
            #expect(a.vm == b.vm && a.startNs == b.startNs && a.endNs == b.endNs && a.seconds == b.seconds)
            #expect(a.keys == b.keys && a.stolenByName == b.stolenByName && a.waitedNs == b.waitedNs && a.vcpuNs == b.vcpuNs)
            #expect(a.diskRequests == b.diskRequests && a.diskBytes == b.diskBytes)
            #expect(a.netBytes == b.netBytes && a.netPackets == b.netPackets && a.netUnattributedBytes == b.netUnattributedBytes)
            #expect(a.diskLatencyMs == b.diskLatencyMs && a.xmitDelayMs == b.xmitDelayMs)
            let h = spooled.evidence.head(at: i)
            #expect(h.vm == a.vm && h.startNs == a.startNs && h.endNs == a.endNs && h.seconds == a.seconds)
        }
    }

    /// A trace whose stream breaks off in the middle: the read throws after windows were spooled,
    /// and the folder is empty.
    @Test func aFailedReadLeavesNothingInTheSpoolFolder() throws {
        let copy = scratch.appendingPathComponent("truncated")
        try FileManager.default.copyItem(at: Fixtures.hostReal("cpu-neighbour").appendingPathComponent("trace"), to: copy)
        for file in try FileManager.default.contentsOfDirectory(atPath: copy.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: copy.appendingPathComponent(file).path)
        }
        let handle = try FileHandle(forWritingTo: copy.appendingPathComponent("perf_stream_1"))
        try handle.truncate(atOffset: 3_000_000)
        try handle.close()
        let spool = scratch.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        #expect(throws: TraceError.self) {
            _ = try TraceFeatures.read(Recording(path: copy.path), windowNs: 100_000_000, labels: nil, spool: spool)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path) == [])
    }
}
