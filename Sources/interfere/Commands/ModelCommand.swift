import ArgumentParser
import Foundation
import Learning

/// `interfere model show M`: what a model file holds.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect model files.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a model: variants, schemas, clusters, classes, metrics.")

        @Argument(help: "A model file written by `interfere train`.")
        var model: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            try reportingFailures {
                let m = try InterferenceModel.load(path: model)
                if json { try printJSON(ModelSummary(m)) } else { print(TextRender.model(m, path: model)) }
            }
        }
    }
}

/// The parts of a model worth printing.
struct ModelSummary: Encodable {
    struct Variant: Encodable {
        var name: String
        var schemaId: String
        var windowNs: Int64
        var features: Int
        var requiredGroups: [String]
        var clusters: [String]
        var classes: [String]
        var metrics: [String: Double]
    }
    var format: Int
    var datasets: [String]
    var rowsPerClass: [String: Int]
    var seed: UInt64
    var variants: [Variant]

    init(_ m: InterferenceModel) {
        format = m.format
        datasets = m.training.datasets
        rowsPerClass = m.training.rowsPerClass
        seed = m.training.seed
        variants = m.variants.map {
            Variant(name: $0.name, schemaId: $0.schemaID, windowNs: $0.windowNs, features: $0.featureNames.count,
                    requiredGroups: $0.requiredPrefixes.map { String($0.dropLast()) }, clusters: $0.clusterNames,
                    classes: $0.classes, metrics: $0.metrics)
        }
    }
}
