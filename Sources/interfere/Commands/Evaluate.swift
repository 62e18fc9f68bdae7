import ArgumentParser
import Diagnosis
import Foundation
import Recording

/// `interfere evaluate DATASET...`: the model and the 2-sigma baseline against the labels.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Window precision/recall/F1, category ARI, period F1, culprit accuracy, cause in top 3; the 2-sigma baseline beside.")

    @Argument(help: "Dataset folders, each with trace/ and labels.csv.")
    var datasets: [String]

    @OptionGroup var model: ModelOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingFailures {
            let m = try model.load()
            let evaluation = try Evaluator(scorer: Scorer(model: m, diagnoser: Diagnoser(detector: model.detector)))
                .evaluate(datasets: datasets.map { Dataset(path: $0, reading: TraceOptions.reading) }, progress: Progress.say, warning: warn)
            if json { try printJSON(evaluation) } else { print(TextRender.evaluation(evaluation), terminator: "") }
        }
    }
}
