import AtomicOutput
import ArgumentParser
import Diagnosis
import Features
import Foundation
import HostModel
import IntelPT
import Recording

/// `interfere features TRACE`: one feature vector per VM per window.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "One feature row per VM per time window (CSV for pandas, or JSON), with labels when given.")

    @OptionGroup var options: TraceOptions

    @Option(help: "Window length with a unit: ns, us, ms, s.")
    var window = Parsed<WindowOption>(argument: "100ms")

    @Option(help: "A labels.csv (vm,start_ns,end_ns,workload,interference,culprit): adds the label covering most of each window.")
    var labels: String?

    @Option(name: .shortAndLong, help: "Output file (default: standard output), or a data-lake partition folder ending in / (lake/host=NAME/: part-00000.csv and table.json).")
    var output: String?

    func run() throws {
        try reportingFailures {
            let windowNs = try window.value.ns
            let labelSet = try labels.map { try Labels(path: $0) }
            let recording = try options.hostRecording()
            let configuration = try recording.configuration(windowNs: windowNs, reading: TraceOptions.reading)
            if let output, LakePartition.isPartitionPath(output) {
                return try writePartition(output, recording: recording, windowNs: windowNs, labels: labelSet, configuration: configuration)
            }
            if recording.source == .ptCapture {
                // An Intel PT capture: the pt group only.
                let table = try TraceFeatures.read(recording, windowNs: windowNs, labels: labelSet).table
                let schema = table.schema
                let data = options.json ? try table.json() : Data(table.csv().utf8)
                if let output {
                    Supervisor.temporary(for: output)
                    try AtomicOutput.write(data, to: output)
                    print("schema \(schema.id): \(table.rows.count) rows, \(schema.columns.count) features; groups pt (Intel PT capture)")
                } else {
                    FileHandle.standardOutput.write(data)
                }
                return
            }
            let builder = FeatureBuilder(configuration: configuration, labels: labelSet)
            if let output {
                Supervisor.noteTemporary(AtomicOutput.temporaryURL(for: URL(fileURLWithPath: output)).path)
                let (schema, rows, analysis) = try builder.write(location: recording.traceLocation(), to: output, json: options.json)
                options.warnUnusedNames(configuration, analysis: analysis)
                for w in labelSet?.warnings(vmNames: analysis.model.registry.vms.map(\.name)) ?? [] { warn("\(labels!): \(w)") }
                let absent = FeatureGroup.allCases.filter { !schema.groups.contains($0) }
                print("schema \(schema.id): \(rows) rows, \(schema.columns.count) features; groups \(schema.groups.map(\.rawValue).joined(separator: ", ")); absent \(absent.map(\.rawValue).joined(separator: ", "))")
            } else {
                let (table, analysis) = try builder.build(location: recording.traceLocation())
                options.warnUnusedNames(configuration, analysis: analysis)
                for w in labelSet?.warnings(vmNames: analysis.model.registry.vms.map(\.name)) ?? [] { warn("\(labels!): \(w)") }
                FileHandle.standardOutput.write(options.json ? try table.json() : Data(table.csv().utf8))
            }
        }
    }
}
