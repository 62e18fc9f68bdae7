import Foundation
import TestSupport
import Testing
import TraceIngest

/// Copies of the real traces, damaged in each way the issue lists.
@Suite struct BadInputTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    func copyOfCPUNeighbour(_ name: String) throws -> URL {
        let target = scratch.appendingPathComponent(name)
        try FileManager.default.copyItem(at: Fixtures.hostReal("cpu-neighbour").appendingPathComponent("trace"), to: target)
        for file in try FileManager.default.contentsOfDirectory(atPath: target.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target.appendingPathComponent(file).path)
        }
        return target
    }

    func error(reading path: String) -> TraceError? {
        do {
            _ = try TraceReader(path: path).inventory()
            return nil
        } catch let error as TraceError {
            return error
        } catch {
            return nil
        }
    }

    @Test func aMissingPath() {
        #expect(error(reading: "/no/such/trace") == .notFound(path: "/no/such/trace"))
    }

    @Test func aFileInsteadOfAFolder() {
        let path = Fixtures.hostReal("cpu-neighbour").appendingPathComponent("labels.csv").path
        #expect(error(reading: path) == .notADirectory(path: path))
    }

    @Test func anEmptyFolder() throws {
        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(error(reading: empty.path) == .emptyDirectory(path: empty.path))
    }

    @Test func aFolderWithoutMetadata() throws {
        let folder = try copyOfCPUNeighbour("nometa")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("metadata"))
        #expect(error(reading: folder.path) == .noMetadata(path: folder.path))
    }

    @Test func unreadableMetadata() throws {
        let folder = try copyOfCPUNeighbour("badmeta")
        try Data("/* CTF 1.8 */ trace { garbage".utf8).write(to: folder.appendingPathComponent("metadata"))
        guard case .unreadable(let path, let reason) = error(reading: folder.path) else {
            Issue.record("expected unreadable"); return
        }
        #expect(path == folder.path)
        #expect(reason.contains("metadata"))
    }

    @Test func aTruncatedStreamFile() throws {
        let folder = try copyOfCPUNeighbour("truncated")
        let stream = folder.appendingPathComponent("perf_stream_1")
        let handle = try FileHandle(forWritingTo: stream)
        try handle.truncate(atOffset: 3_000_000)
        try handle.close()
        guard case .unreadable(_, let reason) = error(reading: folder.path) else {
            Issue.record("expected unreadable"); return
        }
        #expect(reason.contains("perf_stream_1"))
    }

    @Test func bytesOverwrittenInTheMiddleStopDecodingAndSayHowFar() throws {
        let folder = try copyOfCPUNeighbour("overwritten")
        let handle = try FileHandle(forUpdating: folder.appendingPathComponent("perf_stream_1"))
        try handle.seek(toOffset: 3_000_000)
        handle.write(Data(repeating: 0xff, count: 4096))
        try handle.close()
        var delivered = 0
        do {
            try TraceReader(path: folder.path).read { _ in delivered += 1 }
            Issue.record("expected a decoding error")
        } catch let TraceError.decodeFailed(path, _, eventsRead, lastTime) {
            #expect(path == folder.path)
            #expect(eventsRead > 1000 && eventsRead < 75357)
            #expect(lastTime != nil)
            #expect(delivered > 0 && delivered <= eventsRead)
        }
    }

    @Test func everyMessageIsOneLineNamingThePath() throws {
        let errors: [TraceError] = [
            .notFound(path: "/x"), .notADirectory(path: "/x"), .emptyDirectory(path: "/x"), .noMetadata(path: "/x"),
            .unreadable(path: "/x", reason: "r"), .decodeFailed(path: "/x", reason: "r", eventsRead: 3, lastTime: 9),
        ]
        for e in errors {
            #expect(e.description.hasPrefix("/x: "))
            #expect(!e.description.contains("\n"))
        }
    }
}

extension BadInputTests {
    /// babeltrace2's own count of events printed before it stops, as `babeltrace2 TRACE` prints them.
    static func babeltraceEventLines(_ path: String) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/babeltrace2")
        process.arguments = [path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// With one graph and with two (the CLI's default on two cores: the parts decode ahead of
    /// the merge, so the count comes from babeltrace2's own single graph).
    @Test(arguments: [1, 2])
    func aDecodeThatStopsCountsWhatBabeltrace2Printed(threads: Int) throws {
        let folder = try copyOfCPUNeighbour("overwritten-count-\(threads)")
        let handle = try FileHandle(forUpdating: folder.appendingPathComponent("perf_stream_1"))
        try handle.seek(toOffset: 3_000_000)
        handle.write(Data(repeating: 0xff, count: 4096))
        try handle.close()
        let printed = try Self.babeltraceEventLines(folder.path)
        var failure: TraceError?
        do { _ = try TraceReader(path: folder.path, threads: threads).inventory() } catch let e as TraceError { failure = e }
        guard case .decodeFailed(_, _, let eventsRead, _) = failure else {
            Issue.record("expected a decoding error"); return
        }
        #expect(printed > 1000)
        #expect(eventsRead == printed)
    }
}
