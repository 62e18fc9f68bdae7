import Foundation
import TestSupport
import Testing
import TraceIngest

/// The facts `make-expected.py` wrote from babeltrace2's own output.
struct Expected {
    var total = 0
    var firstNs: Int64 = 0
    var lastNs: Int64 = 0
    var hostname = ""
    var tracer = ""
    var counts: [String: Int] = [:]

    init(_ url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "total": total = Int(parts[1])!
            case "first_ns": firstNs = Int64(parts[1])!
            case "last_ns": lastNs = Int64(parts[1])!
            case "hostname": hostname = parts[1]
            case "tracer": tracer = parts[1]
            case "count":
                let nameCount = parts[1].split(separator: " ")
                counts[nameCount.dropLast().joined(separator: " ")] = Int(nameCount.last!)!
            default: break
            }
        }
    }
}

let realTraces: [URL] = ["bug446190", "many-threads", "flipping-endianness", "tracefile-rotation", "multi-domains-kernel"]
    .map { Fixtures.lttng($0) }
    + ["cpu-neighbour", "disk-contention", "net-contention", "busy-alone"].map { Fixtures.hostReal($0) }

@Suite struct RealTraceTests {
    @Test(arguments: realTraces)
    func inventoryEqualsBabeltrace2(_ folder: URL) throws {
        let expected = try Expected(folder.appendingPathComponent("EXPECTED.txt"))
        let inventory = try TraceReader(path: folder.appendingPathComponent("trace").path).inventory()
        #expect(inventory.totalEvents == expected.total)
        #expect(inventory.firstTimeNs == expected.firstNs)
        #expect(inventory.lastTimeNs == expected.lastNs)
        #expect(inventory.hostname == expected.hostname)
        #expect(inventory.tracer == expected.tracer)
        #expect(Dictionary(uniqueKeysWithValues: inventory.eventsByName.map { ($0.name, $0.count) }) == expected.counts)
        #expect(inventory.eventsByCPU.reduce(0) { $0 + $1.count } == expected.total)
    }

    @Test func aRecordingFolderIsFoundThroughItsTraceSubfolder() throws {
        let location = try TraceLocation(path: Fixtures.hostReal("busy-alone").path)
        #expect(location.traceDirectories == [Fixtures.hostReal("busy-alone").appendingPathComponent("trace").path])
    }

    /// Two graphs, each reading half of the stream ports, merged by time, give the events one graph
    /// gives, in the same order (the library reads with one unless told; the CLI picks two on 2+ cores).
    @Test func twoThreadsReadWhatOneReads() throws {
        func events(threads: Int) throws -> [String] {
            let reader = try TraceReader(path: Fixtures.hostReal("cpu-neighbour").path, threads: threads)
            var lines: [String] = []
            try reader.read { e in
                lines.append("\(e.time) \(e.cpu) \(e.kind) \(e.tid) \(e.pid) \(e.a) \(e.b) \(e.c) \(e.d) \(reader.strings[e.s1]) \(reader.strings[e.s2])")
            }
            return lines
        }
        let one = try events(threads: 1)
        #expect(one.count > 50_000)   // 75 357 events
        #expect(try events(threads: 2) == one)
    }

    @Test func discardedEventsAreCounted() throws {
        let inventory = try TraceReader(path: Fixtures.lttng("multi-domains-kernel").path).inventory()
        #expect(inventory.discardedEvents == 728)
    }

    @Test func perfFieldsAreNormalized() throws {
        let reader = try TraceReader(path: Fixtures.hostReal("cpu-neighbour").path)
        var firstSwitch: Event?
        var wakeupsOfNoisyVCPU = 0
        try reader.read { e in
            if e.kind == .schedSwitch, firstSwitch == nil { firstSwitch = e }
            if e.kind == .schedWakeup, e.targetTid == 1219 { wakeupsOfNoisyVCPU += 1 }
        }
        let e = try #require(firstSwitch)
        #expect(e.tid >= 0 && e.pid >= 0)   // perf_tid / perf_pid
        #expect(e.cpu == 0 || e.cpu == 1)
        #expect(reader.strings[e.prevComm].isEmpty == false)
        #expect(wakeupsOfNoisyVCPU > 0)
    }

    @Test func bigEndianLTTngIsRead() throws {
        let reader = try TraceReader(path: Fixtures.lttng("flipping-endianness").path)
        var forks = 0
        var statedump = Set<Int32>()
        try reader.read { e in
            if e.kind == .schedProcessFork { forks += 1; #expect(e.childPid > 0) }
            if e.kind == .statedumpProcessState { statedump.insert(e.targetTid) }
        }
        #expect(forks > 0)
        #expect(statedump.count > 10)
    }
}
