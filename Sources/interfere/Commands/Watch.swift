import ArgumentParser
import Diagnosis
import Features
import Foundation
import HostModel
import Recording
import TraceIngest

/// Set by SIGINT / SIGTERM: `watch` stops reading, closes the open periods and ends.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// `interfere watch net://RELAY/host/HOSTNAME/SESSION`: scores a host while it runs, from an LTTng
/// live session, and prints each period as it opens, grows and closes.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a live host (an LTTng live session): one JSON line per period opened, updated or closed.")

    @Argument(help: "The live session: net://RELAY[:PORT]/host/HOSTNAME/SESSION.")
    var url: String

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
        guard url.hasPrefix("net://") else { throw ValidationError("the session is net://RELAY/host/HOSTNAME/SESSION, got `\(url)`") }
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
            let configuration = try SideFiles.configuration(windowNs: m.training.windowNs, vmNames: vmNames, threads: threads)
            let reader = LiveTraceReader(url: url, retry: .init(maximumDelay: maxRetryDelay, attempts: retries))
            let host = LiveHost(model: HostModel(strings: reader.strings, configuration: configuration),
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
