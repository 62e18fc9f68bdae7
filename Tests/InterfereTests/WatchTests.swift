import Foundation
import TestSupport
import Testing

/// A private LTTng relay and session daemon for a test, and the replayer built from
/// Tests/Fixtures/replayer. Everything it starts is ended by pid in `stop()`.
final class LiveLab {
    let folder: URL
    let replayer: URL
    let ports: (control: Int, data: Int, live: Int)
    private var relay: Process?
    private var sessiond: Process?
    /// Held from `startDaemons` to `stop`: root's session daemon is one per machine
    /// (/var/run/lttng), so two test runs at once (two checkouts) would end each other's.
    private var machineLock: Int32 = -1
    let hostname = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"

    static var available: Bool {
        ["/usr/bin/lttng", "/usr/bin/lttng-sessiond", "/usr/bin/lttng-relayd", "/usr/bin/cc"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        } && FileManager.default.fileExists(atPath: "/usr/include/x86_64-linux-gnu/lttng/tracepoint.h")
    }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let base = 20_000 + Int.random(in: 0..<4_000) * 3
        ports = (base, base + 1, base + 2)
        replayer = folder.appendingPathComponent("replayer")
        let build = Fixtures.projectRoot.appendingPathComponent("Tests/Fixtures/replayer/build.sh").path
        let r = try Self.shell([build, replayer.path])
        guard r.status == 0 else { throw LabError(what: "building the replayer: \(r.err)") }
    }

    struct LabError: Error { var what: String }

    @discardableResult
    static func shell(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: arguments[0])
        p.arguments = Array(arguments.dropFirst())
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    var environment: [String: String] { ["LTTNG_HOME": folder.path] }

    func lttng(_ arguments: [String]) throws {
        let r = try Self.shell(["/usr/bin/lttng", "--no-sessiond"] + arguments, environment: environment)
        guard r.status == 0 else { throw LabError(what: "lttng \(arguments.joined(separator: " ")): \(r.err)") }
    }

    /// Starts the relay, and a session daemon unless one already answers.
    func startDaemons() throws {
        machineLock = open("/tmp/interfere-live-lab.lock", O_CREAT | O_RDWR, 0o666)
        if machineLock >= 0 { flock(machineLock, LOCK_EX) }
        let relay = Process()
        relay.executableURL = URL(fileURLWithPath: "/usr/bin/lttng-relayd")
        relay.arguments = ["-C", "tcp://127.0.0.1:\(ports.control)", "-D", "tcp://127.0.0.1:\(ports.data)",
                           "-L", "tcp://127.0.0.1:\(ports.live)", "-o", folder.appendingPathComponent("relay").path]
        relay.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        relay.standardOutput = FileHandle.nullDevice
        relay.standardError = FileHandle.nullDevice
        try relay.run()
        self.relay = relay
        if try Self.shell(["/usr/bin/lttng", "--no-sessiond", "list"], environment: environment).status != 0 {
            let d = Process()
            d.executableURL = URL(fileURLWithPath: "/usr/bin/lttng-sessiond")
            d.arguments = ["--no-kernel"]
            d.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            d.standardOutput = FileHandle.nullDevice
            d.standardError = FileHandle.nullDevice
            try d.run()
            sessiond = d
            let deadline = Date().addingTimeInterval(10)
            while try Self.shell(["/usr/bin/lttng", "--no-sessiond", "list"], environment: environment).status != 0 && Date() < deadline { usleep(100_000) }
        }
        usleep(300_000)
    }

    /// A live session `name` (100 ms live timer) recording the replayer's events, blocking when full.
    func createSession(_ name: String) throws {
        try lttng(["create", name, "--live=100000", "--set-url=net://127.0.0.1:\(ports.control):\(ports.data)"])
        try lttng(["enable-channel", "-u", "-s", name, "c", "--subbuf-size=4M", "--num-subbuf=8", "--blocking-timeout=inf"])
        try lttng(["enable-event", "-u", "-s", name, "-c", "c", "interfere_replay*,interfere_replay_perf*,qemu:*"])
        try lttng(["start", name])
    }

    func url(_ session: String) -> String { "net://127.0.0.1:\(ports.live)/host/\(hostname)/\(session)" }

    /// Replays a recorded trace into the session (blocks until done).
    func replay(_ trace: URL, speed: Double? = nil) throws -> String {
        let r = try Self.shell([replayer.path] + (speed.map { ["--speed", String($0)] } ?? []) + [trace.path],
                               environment: environment.merging(["LTTNG_UST_ALLOW_BLOCKING": "1"]) { $1 })
        guard r.status == 0 else { throw LabError(what: "replayer: \(r.err)") }
        return r.err
    }

    func stop() {
        // lttng-relayd blocks SIGTERM in all its threads: end what this lab started by pid.
        for p in [relay, sessiond].compactMap({ $0 }) where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
        if machineLock >= 0 { flock(machineLock, LOCK_UN); close(machineLock); machineLock = -1 }
    }
}

/// `interfere watch` running in the background, its stdout collected.
final class WatchRun {
    let process = Process()
    private let out = Pipe(), err = Pipe()
    private var outData = Data(), errData = Data()
    private let lock = NSLock()

    /// `watch ARGUMENTS`, on CPU `cpu` only when given (taskset execs it: the same process).
    init(_ arguments: [String], cpu: Int? = nil) throws {
        if let cpu {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", String(cpu), CLI.binary.path, "watch"] + arguments
        } else {
            process.executableURL = CLI.binary
            process.arguments = ["watch"] + arguments
        }
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [unowned self] h in let d = h.availableData; lock.lock(); outData += d; lock.unlock() }
        err.fileHandleForReading.readabilityHandler = { [unowned self] h in let d = h.availableData; lock.lock(); errData += d; lock.unlock() }
        try process.run()
    }

    var lines: [[String: Any]] {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: outData, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errData, as: UTF8.self) }

    /// Waits for the end (at most `seconds`); false if it is still running (then it is killed).
    func wait(_ seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.interrupt(); usleep(500_000); if process.isRunning { kill(process.processIdentifier, SIGKILL) }; process.waitUntilExit(); return false }
        usleep(200_000)
        return true
    }
}

/// A period as `score --json` and `watch`'s close lines both give it.
struct PeriodKey: Hashable, CustomStringConvertible {
    var vm: String, kind: String, start: Int64, end: Int64, windows: Int, culprit: String?
    var description: String { "\(vm) \(kind) \(start)-\(end) (\(windows)) culprit \(culprit ?? "-")" }
}

@Suite(.serialized) struct WatchTests {
    static let recording = Fixtures.hostReal("cpu-neighbour")

    static func scorePeriods(_ recording: URL) throws -> (periods: Set<PeriodKey>, groups: [String]) {
        let r = try CLI.run(["score", recording.path, "--json"])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        var periods = Set<PeriodKey>()
        for vm in json["vms"] as! [[String: Any]] {
            for p in vm["periods"] as! [[String: Any]] {
                let period = p["period"] as! [String: Any]
                periods.insert(PeriodKey(vm: period["vm"] as! String, kind: period["kind"] as! String,
                                         start: (period["start_ns"] as! NSNumber).int64Value, end: (period["end_ns"] as! NSNumber).int64Value,
                                         windows: period["windows"] as! Int, culprit: (p["culprit"] as! [String: Any])["name"] as? String))
            }
        }
        return (periods, json["feature_groups"] as! [String])
    }

    static func watchArguments(_ url: String, groups: [String]) -> [String] {
        [url, "--vm-names", recording.appendingPathComponent("vm-names.csv").path,
         "--threads", recording.appendingPathComponent("threads.csv").path, "--groups", groups.joined(separator: ","),
         "--max-retry-delay", "0.4"]
    }

    /// The replayed recording, read live, gives the periods and culprits `score` gives; `watch`
    /// started before the relay waits for it (retrying) and ends when the session is destroyed.
    @Test func watchOnAReplayedRecordingGivesScoresPeriods() throws {
        #expect(LiveLab.available, "lttng-tools and liblttng-ust-dev are needed (scripts/install-deps.sh)")
        guard LiveLab.available, FileManager.default.fileExists(atPath: Self.recording.path) else { return }
        let expected = try Self.scorePeriods(Self.recording)
        #expect(!expected.periods.isEmpty)
        let lab = try LiveLab()
        defer { lab.stop() }
        let session = "w\(UInt32.random(in: 0..<UInt32.max))"
        let watch = try WatchRun(Self.watchArguments(lab.url(session), groups: expected.groups))
        usleep(500_000)
        try lab.startDaemons()
        try lab.createSession(session)
        usleep(1_500_000)   // watch attaches at its next attempt (at most 0.4 s apart)
        let replayed = try lab.replay(Self.recording.appendingPathComponent("trace"))
        #expect(replayed.contains("skipped 0"), "\(replayed)")
        usleep(1_500_000)
        try lab.lttng(["destroy", session])
        let ended = watch.wait(30)
        #expect(ended, "watch did not end with the session: \(watch.stderr)")
        #expect(watch.process.terminationStatus == 0, "\(watch.stderr)")
        #expect(watch.stderr.contains("connecting again"), "watch started before the relay should have retried")
        let lines = watch.lines
        var closed = Set<PeriodKey>()
        for line in lines where line["event"] as? String == "close" && line["reported"] as? Bool == true {
            closed.insert(PeriodKey(vm: line["vm"] as! String, kind: line["kind"] as! String,
                                    start: (line["start_ns"] as! NSNumber).int64Value, end: (line["end_ns"] as! NSNumber).int64Value,
                                    windows: line["windows"] as! Int, culprit: (line["culprit"] as! [String: Any])["name"] as? String))
        }
        #expect(closed == expected.periods, "watch: \(closed.sorted { $0.description < $1.description }) score: \(expected.periods.sorted { $0.description < $1.description })")
        // Each period was announced (open) before it closed, in the window that opened it.
        for p in expected.periods {
            let open = lines.firstIndex { $0["event"] as? String == "open" && $0["vm"] as? String == p.vm && ($0["start_ns"] as! NSNumber).int64Value == p.start }
            let close = lines.firstIndex { $0["event"] as? String == "close" && $0["vm"] as? String == p.vm && ($0["start_ns"] as! NSNumber).int64Value == p.start }
            #expect(open != nil && close != nil)
            if let open, let close {
                #expect(open < close)
                #expect(lines[open]["windows"] as? Int == 1)
            }
        }
    }

    /// SIGTERM while a period is open: watch closes and prints it, and exits 0.
    @Test func sigtermClosesTheOpenPeriods() throws {
        guard LiveLab.available, FileManager.default.fileExists(atPath: Self.recording.path) else { return }
        let expected = try Self.scorePeriods(Self.recording)
        let lab = try LiveLab()
        defer { lab.stop() }
        try lab.startDaemons()
        let session = "t\(UInt32.random(in: 0..<UInt32.max))"
        try lab.createSession(session)
        let watch = try WatchRun(Self.watchArguments(lab.url(session), groups: expected.groups))
        usleep(1_000_000)
        // Real time x4: the periods open 10.3 s into the recording (~2.6 s) and last 10 s (~2.5 s).
        let replaying = Thread { _ = try? lab.replay(Self.recording.appendingPathComponent("trace"), speed: 4) }
        replaying.start()
        let deadline = Date().addingTimeInterval(20)
        while !watch.lines.contains(where: { $0["event"] as? String == "open" }) && Date() < deadline { usleep(50_000) }
        let opened = Set(watch.lines.filter { $0["event"] as? String == "open" }.map { $0["vm"] as! String })
        #expect(!opened.isEmpty, "no period opened: \(watch.stderr)")
        watch.process.terminate()
        #expect(watch.wait(10))
        #expect(watch.process.terminationReason == .exit && watch.process.terminationStatus == 0, "\(watch.stderr)")
        let closed = Set(watch.lines.filter { $0["event"] as? String == "close" }.map { $0["vm"] as! String })
        #expect(opened.isSubset(of: closed))
        #expect(watch.lines.last?["event"] as? String == "close")
        while !replaying.isFinished { usleep(100_000) }
        try? lab.lttng(["destroy", session])
    }

    /// A free TCP port on the loopback (bound to port 0 and released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `/metrics` scraped with curl: each sample line's series (name and labels) and value; nil
    /// when the server does not answer.
    static func scrape(_ port: Int) -> [String: Double]? {
        guard let r = try? LiveLab.shell(["/usr/bin/curl", "-sf", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"]),
              r.status == 0 else { return nil }
        var samples: [String: Double] = [:]
        for line in r.out.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// `--metrics`: Prometheus text on /metrics while the replayed recording is read. While the
    /// periods are open, `interfere_open_periods` is 2 (victim and noisy, both open 6982.3 s to
    /// 6992.3 s); once every event is read the values are those the run must give: the events
    /// and discarded events of `events`, the periods of `score` by culprit, none open, the trace
    /// clock at the last event, the probability of each VM's last closed window as `score`
    /// gives it (the window holding the last event closes only at the end), and the lag between.
    @Test func metricsGiveTheRunsValues() throws {
        guard LiveLab.available, FileManager.default.fileExists(atPath: Self.recording.path),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else { return }
        let expected = try Self.scorePeriods(Self.recording)
        let score = try JSONSerialization.jsonObject(with: Data(try CLI.run(["score", Self.recording.path, "--json"]).stdout.utf8)) as! [String: Any]
        let events = try JSONSerialization.jsonObject(with: Data(try CLI.run(["events", Self.recording.path, "--json"]).stdout.utf8)) as! [String: Any]
        let inventory = events["inventory"] as! [String: Any]
        let total = inventory["total_events"] as! Int
        let lastNs = (inventory["last_time_ns"] as! NSNumber).int64Value

        let lab = try LiveLab()
        defer { lab.stop() }
        try lab.startDaemons()
        let session = "m\(UInt32.random(in: 0..<UInt32.max))"
        try lab.createSession(session)
        let port = Self.freePort()
        let watch = try WatchRun(Self.watchArguments(lab.url(session), groups: expected.groups) + ["--metrics", "127.0.0.1:\(port)"])
        defer { if watch.process.isRunning { kill(watch.process.processIdentifier, SIGKILL) } }
        var deadline = Date().addingTimeInterval(20)
        while Self.scrape(port) == nil && Date() < deadline { usleep(100_000) }
        #expect(Self.scrape(port)?["interfere_events_read_total"] == 0, "\(watch.stderr)")

        let replaying = Thread { _ = try? lab.replay(Self.recording.appendingPathComponent("trace"), speed: 4) }
        replaying.start()
        var mostOpen = 0.0
        deadline = Date().addingTimeInterval(60)
        var last: [String: Double] = [:]
        while Date() < deadline {
            if let m = Self.scrape(port) {
                last = m
                mostOpen = max(mostOpen, m["interfere_open_periods"] ?? 0)
                if replaying.isFinished && m["interfere_events_read_total"] == Double(total) { break }
            }
            usleep(100_000)
        }
        #expect(mostOpen == 2)
        #expect(last["interfere_events_read_total"] == Double(total))
        #expect(last["interfere_discarded_events_total"] == 0)
        #expect(last["interfere_open_periods"] == 0)
        var byCulprit: [String: Double] = [:]
        for p in expected.periods { byCulprit[p.culprit ?? "none", default: 0] += 1 }
        #expect(!byCulprit.isEmpty)
        for (culprit, n) in byCulprit { #expect(last["interfere_periods_total{culprit=\"\(culprit)\"}"] == n) }
        #expect(last.keys.filter { $0.hasPrefix("interfere_periods_total") }.count == byCulprit.count)
        #expect(last["interfere_trace_clock_seconds"] == Double(lastNs) / 1e9)
        var windowEnd: Int64 = 0
        for vm in score["vms"] as! [[String: Any]] {
            let name = vm["vm"] as! String
            let closed = (vm["windows"] as! [[String: Any]]).filter { ($0["end_ns"] as! NSNumber).int64Value <= lastNs }
            let w = closed.last!
            windowEnd = max(windowEnd, (w["end_ns"] as! NSNumber).int64Value)
            for kind in ["cpu", "disk", "net", "memory"] {
                let value = kind == w["kind"] as! String ? (w["probability"] as! NSNumber).doubleValue : 0
                #expect(last["interfere_interference_probability{vm=\"\(name)\",kind=\"\(kind)\"}"] == value, "\(name) \(kind)")
            }
        }
        #expect(last["interfere_lag_seconds"] == Double(lastNs - windowEnd) / 1e9)
        // The scrape README shows.
        print((try? LiveLab.shell(["/usr/bin/curl", "-sf", "http://127.0.0.1:\(port)/metrics"]))?.out ?? "")
        try lab.lttng(["destroy", session])
        #expect(watch.wait(30))
        #expect(watch.process.terminationStatus == 0, "\(watch.stderr)")
    }
}
