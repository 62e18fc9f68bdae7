import ArgumentParser
import Diagnosis
import Features
import Foundation
import Learning
import Recording

/// `interfere train DATASET... -o MODEL`: fits the model file from labeled datasets.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit workload clusters and the interference classifier on labeled datasets (folders with trace/ and labels.csv).")

    @Argument(help: "Dataset folders, each with trace/ and labels.csv.")
    var datasets: [String]

    @Option(name: .shortAndLong, help: "The model file to write.")
    var output: String

    @Option(help: "Window length with a unit.")
    var window = Parsed<WindowOption>(argument: "100ms")

    @Option(help: "Workload clusters: auto (by silhouette) or a number.")
    var k = Parsed<ClusterCount>(argument: "auto")

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 1

    @Flag(help: "Print the model's metrics as JSON.")
    var json = false

    func run() throws {
        try reportingFailures {
            let windowNs = try window.value.ns
            let trainer = Trainer(windowNs: windowNs, k: try k.value.k, seed: seed)
            let model = try trainer.train(datasets: datasets.map { Dataset(path: $0, reading: TraceOptions.reading) }, progress: Progress.say, warning: warn)
            Supervisor.temporary(for: output)
            try model.write(to: output)
            if json { try printJSON(model.variants.map { ["variant": $0.name, "metrics": $0.metrics.description] }) }
            else { print(TextRender.model(model, path: output)) }
        }
    }
}
