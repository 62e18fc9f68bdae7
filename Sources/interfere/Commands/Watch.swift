import ArgumentParser
import Diagnosis
import Features
import Foundation
import HostModel
import Recording
import TraceIngest

/// Set by SIGINT / SIGTERM: `watch` stops reading, closes the open periods and ends.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

/// `interfere watch net://RELAY/host/HOSTNAME/SESSION` or `interfere watch --perf`: scores a host
/// while it runs, from an LTTng live session or from `perf record`'s chunks, and prints each
/// period as it opens, grows and closes.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a live host (an LTTng live session, or perf record with --perf): one JSON line per period opened, updated or closed.")

    @Argument(help: "The live session: net://RELAY[:PORT]/host/HOSTNAME/SESSION (not with --perf).")
    var url: String?

    @Option(help: "Read a recorded trace through the live path instead (as if it were being recorded; e.g. to measure the rate).")
    var trace: String?

    @Flag(help: "Record with perf record --switch-output and score its chunks as they are written.")
    var perf = false

    @Option(help: "With --perf: the length of a chunk, as perf's --switch-output takes it (e.g. 1s, 2m).")
    var chunk = "1s"

    @Flag(help: "With --perf: keep the chunks (and their CTF) instead of removing each once read.")
    var keep = false

    @Option(name: .customLong("perf-dir"), help: "With --perf: the folder for the chunks (default: a new one in the temporary folder, removed at the end).")
    var perfDir: String?

    @Argument(parsing: .postTerminator, help: "With --perf, after --: perf record's options (default: every event Interfere reads, all CPUs, -k CLOCK_MONOTONIC -c 1 -m 16M).")
    var perfOptions: [String] = []

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("vm-names"), help: "CSV `pid,name` naming the VMs.")
    var vmNames: String?

    @Option(name: .customLong("threads"), help: "CSV `tid,pid,comm`: threads known before the session.")
    var threads: String?

    @Option(help: "Feature groups of the schema, comma-separated (e.g. sched,kvm,block); default: those whose events were seen so far.")
    var groups: String?

    @Option(help: "Give up after this many failed connections in a row (default: keep trying).")
    var retries: Int?

    @Option(help: "The longest pause between connection attempts, seconds (they double from 0.1 s).")
    var maxRetryDelay = 5.0

    @Option(help: "Serve Prometheus metrics on http://HOST:PORT/metrics (e.g. 127.0.0.1:9464).")
    var metrics: String?

    func validate() throws {
        guard maxRetryDelay >= 0.1 else { throw ValidationError("--max-retry-delay must be >= 0.1") }
        if trace != nil {
            guard url == nil, !perf else { throw ValidationError("--trace reads a recorded trace: give no session URL nor --perf") }
        } else if perf {
            guard url == nil else { throw ValidationError("--perf records this host: give no session URL") }
            guard chunk.range(of: "^[0-9]+[smhd]$", options: .regularExpression) != nil else {
                throw ValidationError("--chunk is a time as perf's --switch-output takes it (e.g. 1s, 2m), got `\(chunk)`")
            }
        } else {
            guard let url else { throw ValidationError("give the live session net://RELAY/host/HOSTNAME/SESSION, or --perf") }
            guard url.hasPrefix("net://") else { throw ValidationError("the session is net://RELAY/host/HOSTNAME/SESSION, got `\(url)`") }
            guard perfOptions.isEmpty, !keep, perfDir == nil else { throw ValidationError("--keep, --perf-dir and perf options go with --perf") }
        }
        if let groups { _ = try Self.parseGroups(groups) }
        if let retries, retries < 0 { throw ValidationError("--retries must be >= 0") }
        if let metrics, MetricsServer.parse(metrics) == nil { throw ValidationError("--metrics takes HOST:PORT, got `\(metrics)`") }
    }

    static func parseGroups(_ text: String) throws -> [FeatureGroup] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let groups = try names.map { name -> FeatureGroup in
            guard let g = FeatureGroup(rawValue: name), g != .pt else {
                throw ValidationError("unknown feature group `\(name)` (sched, kvm, block, qemu, net)")
            }
            return g
        }
        // Schema order, as FeatureGroup.present gives it.
        return FeatureGroup.allCases.filter(groups.contains)
    }

    func run() throws {
        try reportingFailures {
            let m = try model.load()
            var configuration = try SideFiles.configuration(windowNs: m.training.windowNs, vmNames: vmNames, threads: threads)
            let strings = StringTable()
            if perf && threads == nil { configuration.knownThreads = ProcThreads.current() }
            if let trace, threads == nil, let found = Recording.find("threads.csv", near: trace) {
                configuration.knownThreads = try SideFiles.threads(at: found)
            }
            if let trace, vmNames == nil, let found = Recording.find("vm-names.csv", near: trace) {
                configuration.vmNames = try SideFiles.vmNames(at: found)
            }
            let host = LiveHost(model: HostModel(strings: strings, configuration: configuration),
                                scorer: LiveScorer(scorer: Scorer(model: m, diagnoser: Diagnoser(detector: model.detector)),
                                                   windowNs: m.training.windowNs, groups: try groups.map(Self.parseGroups)))
            let output = WatchOutput(text: isatty(STDOUT_FILENO) != 0)
            let gauges = metrics.map { _ in WatchMetrics() }
            host.onChange = { change in
                output.write(change)
                gauges?.count(change)
            }
            if let metrics, let gauges { try MetricsServer.start(gauges.registry, at: metrics) }
            // Whatever started us may have blocked or ignored them.
            var mask = sigset_t()
            sigemptyset(&mask)
            for s in [SIGINT, SIGTERM] {
                signal(s) { _ in stopRequested = 1 }
                sigaddset(&mask, s)
            }
            sigprocmask(SIG_UNBLOCK, &mask, nil)
            if let trace {
                try watchTrace(trace, host: host, strings: strings, gauges: gauges)
            } else if perf {
                try watchPerf(host: host, strings: strings, gauges: gauges)
            } else {
                try watchSession(url!, host: host, strings: strings, gauges: gauges)
            }
        }
    }

    /// Reads the recorded trace at `path` through the live scorer, event by event, as the
    /// other sources do; a signal stops it (the open periods close).
    func watchTrace(_ path: String, host: LiveHost, strings: StringTable, gauges: WatchMetrics?) throws {
        struct Stopped: Error {}
        var events = 0
        do {
            let inventory = try TraceReader(path: path, strings: strings, threads: 1).read { e in
                if stopRequested != 0 { throw Stopped() }
                try host.consume(e)
            }
            events = inventory.totalEvents
            gauges?.update(events: events, discardedEvents: inventory.discardedEvents, lastTimeNs: inventory.lastTimeNs, scorer: host.scorer)
        } catch is Stopped {}
        try host.finish()
    }

    /// Follows the LTTng live session at `url` until it ends or a signal comes.
    func watchSession(_ url: String, host: LiveHost, strings: StringTable, gauges: WatchMetrics?) throws {
        let reader = LiveTraceReader(url: url, strings: strings, retry: .init(maximumDelay: maxRetryDelay, attempts: retries))
        try reader.read(shouldStop: { stopRequested != 0 }, onRetry: { reason, pause in
            warn("\(url): connection lost (\(reason)); connecting again in \(String(format: "%.1f", pause)) s")
        }, afterBatch: gauges.map { g in
            { g.update(events: reader.progress.events, discardedEvents: reader.progress.discardedEvents,
                       lastTimeNs: reader.progress.lastTimeNs, scorer: host.scorer) }
        }) { try host.consume($0) }
        try host.finish()
        gauges?.update(events: reader.progress.events, discardedEvents: reader.progress.discardedEvents,
                       lastTimeNs: reader.progress.lastTimeNs, scorer: host.scorer)
    }
}

/// Writes period changes on stdout as they come: one JSON object per line, or a text line when
/// stdout is a terminal.
struct WatchOutput {
    var text: Bool

    /// One period change as a JSON line (keys in snake_case).
    struct Line: Encodable {
        var event: String
        var vm: String
        var kind: InterferenceKind
        var startNs: Int64
        var endNs: Int64
        var probability: Double
        var windows: Int
        var culprit: Culprit
        var frequentKeys: [KeyCount]
        var overRepresentedKeys: [KeyScore]
        var action: Action
        var reported: Bool
    }

    func write(_ change: PeriodChange) {
        let r = change.report
        let line: String
        if text {
            let culprit = r.culprit.name.map { "culprit \($0) — \(r.culprit.evidence)" } ?? "no single culprit"
            line = "\(change.change.rawValue) \(r.period.vm) \(r.period.kind.rawValue) \(TextRender.seconds(r.period.startNs)) s – "
                + "\(TextRender.seconds(r.period.endNs)) s, P \(String(format: "%.2f", r.period.meanProbability)) over \(r.period.windows) windows; "
                + "\(culprit); action: \(r.action.summary)" + (change.reported ? "" : " (too short or a saturator's: not a period of `score`)")
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let value = Line(event: change.change.rawValue, vm: r.period.vm, kind: r.period.kind, startNs: r.period.startNs,
                             endNs: r.period.endNs, probability: r.period.meanProbability, windows: r.period.windows,
                             culprit: r.culprit, frequentKeys: r.frequentKeys, overRepresentedKeys: r.overRepresentedKeys,
                             action: r.action, reported: change.reported)
            line = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
