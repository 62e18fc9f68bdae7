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

    /// `multi-domains-kernel` with 3,891 bytes of its first stream copied from offset 40,138 over
    /// offset 1,468 (input 3268 of `scripts/fuzz.sh` seed 21): an event's sequence length becomes
    /// about 6.7 × 10^7, and libbabeltrace2 2.0.4 allocates a field for every element (5 GB in
    /// 5 s, in each graph that decodes it) before finding the packet too short.
    func sequenceBomb() throws -> URL {
        let trace = scratch.appendingPathComponent("bomb")
        try FileManager.default.copyItem(at: Fixtures.lttng("multi-domains-kernel").appendingPathComponent("trace"), to: trace)
        let stream = trace.appendingPathComponent("kernel_channel_0")
        var bytes = [UInt8](try Data(contentsOf: stream))
        bytes.replaceSubrange(1468..<(1468 + 3891), with: bytes[40138..<(40138 + 3891)])
        try FileManager.default.removeItem(at: stream)
        try Data(bytes).write(to: stream)
        return trace
    }

    /// Under the memory bound the library's huge allocation fails at once: one line naming the
    /// bound, exit 2, in about a second instead of gigabytes and tens of seconds.
    @Test func aHugeAllocationUnderTheMemoryBoundIsOneLineAndExit2() throws {
        let trace = try sequenceBomb()
        let start = Date()
        // The data bound alone (the resident bound, below, would end it first).
        let r = try CLI.run(["stats", trace.path], environment: ["INTERFERE_MEMORY_LIMIT": "1G", "INTERFERE_RESIDENT_LIMIT": "none"])
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("while reading \(trace.path)") == true)
        #expect(lines.first?.contains("the memory bound of 1 GiB reached; INTERFERE_MEMORY_LIMIT sets it") == true)
        #expect(seconds < 20)
    }

    /// With the default bounds the same input ends within seconds, not the 4.2–6.6 s (20 s and
    /// more under load) of filling the 4 GiB data bound: the parent sees the child's own resident
    /// memory pass `stats`' 1 GiB and ends it; one line naming that bound, exit 2.
    @Test func aHugeAllocationPastTheResidentBoundEndsFastInOneLine() throws {
        let trace = try sequenceBomb()
        let start = Date()
        let r = try CLI.run(["stats", trace.path])
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(lines.first?.hasPrefix("interfere: out of memory while reading \(trace.path) (") == true, "\(r.stderr)")
        #expect(lines.first?.hasSuffix("GB of its own memory in use: the resident bound of 1 GiB reached; INTERFERE_RESIDENT_LIMIT sets it)") == true, "\(r.stderr)")
        // 1.7–2.1 s under a load of 3–8 on 2 cores; well under the data bound's time.
        #expect(seconds < 10, "\(seconds) s")
        // And a resident bound well above what a command needs changes nothing.
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo").path
        let bounded = try CLI.run(["stats", demo, "--json"], environment: ["INTERFERE_RESIDENT_LIMIT": "256M"])
        let unbounded = try CLI.run(["stats", demo, "--json"], environment: ["INTERFERE_RESIDENT_LIMIT": "none"])
        #expect(bounded.status == 0)
        #expect(bounded.stdout == unbounded.stdout)
    }

    /// A resident bound that is not a size is refused before any work, as the data bound.
    @Test func aResidentBoundThatIsNotASizeIsOneLine() throws {
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo").path
        let r = try CLI.run(["events", demo], environment: ["INTERFERE_RESIDENT_LIMIT": "lots"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "interfere: INTERFERE_RESIDENT_LIMIT=lots: not a size (e.g. 4G, 512M, 65536K, bytes; none for no bound)\n")
    }

    /// A bound that is not a size is refused before any work: one line, exit 2.
    @Test func aMemoryBoundThatIsNotASizeIsOneLine() throws {
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo").path
        let r = try CLI.run(["events", demo], environment: ["INTERFERE_MEMORY_LIMIT": "4X"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "interfere: INTERFERE_MEMORY_LIMIT=4X: not a size (e.g. 4G, 512M, 65536K, bytes; none for no bound)\n")
        // And a bound well above what the command needs changes nothing.
        let bounded = try CLI.run(["events", demo, "--json"], environment: ["INTERFERE_MEMORY_LIMIT": "512M"])
        let unbounded = try CLI.run(["events", demo, "--json"], environment: ["INTERFERE_MEMORY_LIMIT": "none"])
        #expect(bounded.status == 0)
        #expect(bounded.stdout == unbounded.stdout)
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

    /// The children of `pid` (from /proc).
    static func children(of pid: Int32) -> [Int32] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return all.compactMap(Int32.init).filter { p in
            guard let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // pid (comm) state ppid ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// SIGTERM and SIGINT to a running `features -o`: the child (which does the work) ends with
    /// the parent, no output or temporary file is left, and the parent ends by the same signal
    /// (a shell shows 143 and 130). Before the signal was caught by a handler, a runtime thread
    /// of the parent took it: the parent died and the orphaned child wrote its file.
    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalToFeaturesEndsTheChildAndLeavesNoFile(signal: Int32) throws {
        let sim = scratch.appendingPathComponent("sim")
        let made = try CLI.run(["simulate", "--preset", "demo", "--duration", "20", "-o", sim.path])
        #expect(made.status == 0)
        let out = scratch.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // As a shell starts it: no signal blocked, none ignored (Foundation's Process blocks
        // some in the child, which hid the bug).
        let pid = try Self.spawnAsAShell(["features", sim.path, "-o", out.appendingPathComponent("f.csv").path])
        let deadline = Date().addingTimeInterval(20)
        var child: [Int32] = []
        while child.isEmpty && Date() < deadline { usleep(20_000); child = Self.children(of: pid) }
        #expect(child.count == 1)
        // Well into the reading (the whole run takes seconds).
        usleep(700_000)
        kill(pid, signal)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        // Ended by the signal itself (not an exit status).
        #expect(status & 0x7f == signal)
        for pid in child {
            // Gone, or at most a zombie nobody reaps (its parent has ended): not running.
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))
                .flatMap { $0.split(separator: ")").last?.split(separator: " ").first }
            #expect(state == nil || state == "Z")
        }
        usleep(300_000)
        #expect(files(in: out) == [])
    }

    /// Starts the binary with `arguments` as a shell would: an empty signal mask, SIGINT and
    /// SIGTERM at their defaults, stdout and stderr to /dev/null. Returns its pid.
    static func spawnAsAShell(_ arguments: [String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = [CLI.binary.path] + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, CLI.binary.path, &actions, &attributes, cArgs, environ)
        guard r == 0 else { throw POSIXError(POSIXErrorCode(rawValue: r) ?? .EINVAL) }
        return pid
    }
}
