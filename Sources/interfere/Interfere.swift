import ArgumentParser

@main
struct Interfere: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfere",
        abstract: "Per-VM workload, interference, root cause and culprit from a KVM host's own trace.",
        subcommands: [Events.self, Stats.self, FeaturesCommand.self, Train.self, Score.self, Evaluate.self, ReportCommand.self, ModelCommand.self, Simulate.self]
    )
}
