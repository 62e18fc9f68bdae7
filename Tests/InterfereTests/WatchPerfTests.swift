import Foundation
import TestSupport
import Testing

/// `watch --perf` with the real perf (root, /usr/bin/perf): a stand-in guest
/// (Tests/Fixtures/perf-guest/guest.py: a process named `qemu-system-x86` whose `CPU 0/KVM`
/// thread spins on CPU 1) and a busy loop pinned to the same CPU as its neighbour, both at nice 10
/// (they contend with each other, not with the test); `watch` and perf run on CPU 0 (as the recorder keeps itself off the victim's CPU).
@Suite(.serialized) struct WatchPerfTests {
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/perf")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") && ProcessInfo.processInfo.activeProcessorCount >= 2
    }

    static func start(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: arguments[0])
        p.arguments = Array(arguments.dropFirst())
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The period is reported while perf still records (an `open` line, events read, windows
    /// scored, a chunk removed once read); SIGTERM stops perf, closes the period, exits 0
    /// and leaves the chunk folder empty.
    @Test func aPinnedNeighbourOpensAPeriodWhilePerfRecords() throws {
        #expect(Self.available, "perf as root is needed (linux-perf, scripts/install-deps.sh)")
        guard Self.available else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-perf-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let guest = try Self.start(["/usr/bin/nice", "-n", "10", "/usr/bin/python3", Fixtures.projectRoot.appendingPathComponent("Tests/Fixtures/perf-guest/guest.py").path, "1", "40"])
        defer { if guest.isRunning { kill(guest.processIdentifier, SIGKILL) } }
        usleep(500_000)
        let port = WatchTests.freePort()
        let watch = try WatchRun(["--perf", "--chunk", "1s", "--perf-dir", folder.path, "--metrics", "127.0.0.1:\(port)"], cpu: 0)
        defer { if watch.process.isRunning { kill(watch.process.processIdentifier, SIGKILL) } }
        usleep(1_500_000)
        let hog = try Self.start(["/usr/bin/nice", "-n", "10", "/usr/bin/taskset", "-c", "1", "/usr/bin/python3", "-c",
                                  "import time\nt = time.monotonic() + 30\nwhile time.monotonic() < t: pass"])
        defer { if hog.isRunning { kill(hog.processIdentifier, SIGKILL) } }
        let guestName = "qemu-system-x86-\(guest.processIdentifier)"
        let deadline = Date().addingTimeInterval(25)
        while !watch.lines.contains(where: { $0["event"] as? String == "open" && $0["vm"] as? String == guestName }) && Date() < deadline {
            usleep(100_000)
        }
        #expect(watch.process.isRunning, "\(watch.stderr)")
        let opened = watch.lines.first { $0["event"] as? String == "open" && $0["vm"] as? String == guestName }
        #expect(opened != nil, "no period opened for \(guestName): \(watch.stderr)")
        #expect(opened?["kind"] as? String == "cpu")
        // The server answers between perf's chunks; on a loaded machine a scrape may time out.
        var metrics: [String: Double] = [:]
        let scraped = Date().addingTimeInterval(15)
        while metrics["interfere_events_read_total"] ?? 0 == 0 && Date() < scraped {
            metrics = WatchTests.scrape(port) ?? [:]
            if metrics["interfere_events_read_total"] ?? 0 == 0 { usleep(200_000) }
        }
        #expect((metrics["interfere_events_read_total"] ?? 0) > 0)
        #expect((metrics["interfere_trace_clock_seconds"] ?? 0) > 0)
        #expect(metrics["interfere_interference_probability{vm=\"\(guestName)\",kind=\"cpu\"}"] != nil)
        // A chunk is removed once read, while perf goes on: the oldest finished one now is gone soon.
        func finished() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("chunk.data.") }.sorted()
        }
        var oldest = finished().first
        let seen = Date().addingTimeInterval(10)
        while oldest == nil && Date() < seen { usleep(50_000); oldest = finished().first }
        #expect(oldest != nil, "perf wrote no chunk")
        let gone = Date().addingTimeInterval(15)
        while let o = oldest, finished().contains(o) && Date() < gone { usleep(50_000) }
        #expect(oldest.map { !finished().contains($0) } == true, "\(finished())")
        #expect(watch.process.isRunning)

        watch.process.terminate()
        let ended = watch.wait(20)
        #expect(ended, "watch did not end on SIGTERM: \(watch.stderr)")
        guard ended else { return }
        #expect(watch.process.terminationReason == .exit && watch.process.terminationStatus == 0, "\(watch.stderr)")
        #expect(watch.lines.contains { $0["event"] as? String == "close" && $0["vm"] as? String == guestName })
        #expect(watch.lines.last?["event"] as? String == "close")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? ["?"]) == [])
        let perfLeft = try LiveLab.shell(["/usr/bin/pgrep", "-f", "perf record --switch-output=1s -o \(folder.path)"])
        #expect(perfLeft.out.isEmpty, "perf still running: \(perfLeft.out)")
    }
}
