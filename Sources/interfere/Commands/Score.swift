import ArgumentParser
import Diagnosis
import Features
import Foundation
import HostModel
import IntelPT
import Learning
import Recording

/// `interfere score TRACE`: per VM, its workload category and its interference periods explained.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per VM: workload category, interference periods with kind and probability, top events, culprit and action.")

    @OptionGroup var options: TraceOptions
    @OptionGroup var model: ModelOptions

    @Flag(help: "Also print every window's probability (text output).")
    var windows = false

    func run() throws {
        try reportingFailures {
            let m = try model.load()
            let configuration = try options.configuration(windowNs: m.training.windowNs)
            let set = try options.machineSet()
            // One machine: the path as it is; several: each host on its own traces.
            let hosts = set.hostRecordings
            var reports: [ScoreReport] = []
            var analyses: [HostAnalysis] = []
            for host in hosts {
                Progress.say("reading \(host.path)")
                let features = try TraceFeatures.read(host, windowNs: m.training.windowNs, labels: nil, reading: TraceOptions.reading,
                                                      spool: FileManager.default.temporaryDirectory)
                if let analysis = features.analysis { analyses.append(analysis) }
                let path = set.isSingle ? options.trace : host.path
                reports.append(try Scorer(model: m, diagnoser: Diagnoser(detector: model.detector)).score(path: path, features: features))
            }
            if !analyses.isEmpty { options.warnUnusedNames(configuration, analyses: analyses) }
            if options.json {
                if reports.count == 1 { try printJSON(reports[0]) } else { try printJSON(reports) }
            } else {
                print(reports.map { TextRender.score($0, windows: windows) }.joined(separator: "\n"), terminator: "")
            }
        }
    }
}

/// The model and period-detection options of `score`, `evaluate` and `report`.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Model file (default: models/default.json of this checkout).")
    var model: String?

    @Option(help: "Open a period at P(interfered) >= this.")
    var high = 0.7

    @Option(help: "Keep it open while P >= this.")
    var low = 0.4

    @Option(help: "Merge periods closer than this (ms).")
    var mergeGapMs = 300

    @Option(help: "Drop periods shorter than this (ms).")
    var minimumMs = 300

    @Option(help: "Cut a period where its windows change kind for at least this long (ms).")
    var kindChangeMs = 300

    var detector: PeriodDetector {
        PeriodDetector(high: high, low: low, mergeGapNs: Int64(mergeGapMs) * 1_000_000, minimumNs: Int64(minimumMs) * 1_000_000,
                       kindChangeNs: Int64(kindChangeMs) * 1_000_000)
    }

    func validate() throws {
        guard high > 0, high <= 1, low >= 0, low <= high else { throw ValidationError("need 0 <= --low <= --high <= 1") }
        guard mergeGapMs >= 0, minimumMs >= 0, kindChangeMs >= 0 else {
            throw ValidationError("--merge-gap-ms, --minimum-ms and --kind-change-ms must be >= 0")
        }
    }

    func load() throws -> InterferenceModel {
        try InterferenceModel.load(path: model ?? Self.defaultModel)
    }

    /// models/default.json next to the binary's checkout, or in the working directory.
    static var defaultModel: String {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = binary.deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("models/default.json").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        return "models/default.json"
    }
}
