import Foundation
import TestSupport
import Testing

/// The command runs in a child of the binary: an abort inside libbabeltrace2 is one line and
/// exit 2, a signal to the parent ends the run with no file left, stdout is passed through.
@Suite struct SupervisorTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-sup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    /// The demo's kernel trace with one metadata line duplicated (`_prev_tid` twice in a
    /// structure: libbabeltrace2 2.0.4 aborts on a precondition).
    func duplicatedFieldTrace() throws -> URL {
        let trace = scratch.appendingPathComponent("dup")
        try FileManager.default.copyItem(at: Fixtures.projectRoot.appendingPathComponent("datasets/demo/trace/kernel"), to: trace)
        let metadata = trace.appendingPathComponent("metadata")
        let text = try String(contentsOf: metadata, encoding: .utf8)
        let line = "\t\tinteger { size = 64; align = 8; signed = true; } _prev_tid;\n"
        #expect(text.contains(line))
        try text.replacingOccurrences(of: line, with: line + line).write(to: metadata, atomically: true, encoding: .utf8)
        return trace
    }

    func files(in folder: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.sorted() ?? []
    }

    @Test func anAbortInsideLibbabeltrace2IsOneLineAndExit2() throws {
        let trace = try duplicatedFieldTrace()
        let out = scratch.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let r = try CLI.run(["features", trace.path, "-o", out.appendingPathComponent("f.csv").path])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("interfere: libbabeltrace2 aborted while reading \(trace.path): field-class.c:") == true)
        #expect(r.stderr.contains("Duplicate member/option name"))
        #expect(files(in: out).isEmpty)
    }

    @Test func stdoutIsPassedThroughUnchanged() throws {
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo").path
        let supervised = try CLI.run(["events", demo, "--json"])
        let inProcess = try CLI.run(["events", demo, "--json"], environment: ["INTERFERE_IN_PROCESS": "1"])
        #expect(supervised.status == 0)
        #expect(supervised.stdout == inProcess.stdout)
        #expect(supervised.stdout.count > 1000)
    }

    @Test func sigtermLeavesNoFileAndEndsByTheSignal() throws {
        let out = scratch.appendingPathComponent("sim")
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["simulate", "--preset", "demo", "--duration", "120", "-o", out.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the simulation's temporary folder is there, then interrupt.
        let deadline = Date().addingTimeInterval(30)
        while files(in: scratch).filter({ $0.hasPrefix(".sim.tmp-") }).isEmpty && Date() < deadline { usleep(20_000) }
        #expect(!files(in: scratch).filter { $0.hasPrefix(".sim.tmp-") }.isEmpty)
        usleep(300_000)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGTERM)
        #expect(files(in: scratch) == [])
    }
}
