import ArgumentParser
import Foundation

@main
struct Interfere: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfere",
        abstract: "Per-VM workload, interference, root cause and culprit from a KVM host's own trace.",
        subcommands: [Events.self, Stats.self, FeaturesCommand.self, Train.self, Score.self, Evaluate.self, ReportCommand.self, ModelCommand.self, Simulate.self, Watch.self]
    )

    /// The command runs in a child of this binary (`Supervisor`): whatever ends it, the parent
    /// prints one line, exits 2 and removes the temporary files.
    static func main() {
        // `watch` runs in this process: it handles SIGINT / SIGTERM itself (closing its open
        // periods) and writes no temporary file for a parent to remove.
        if Supervisor.shouldSupervise && CommandLine.arguments.dropFirst().first != "watch" {
            let status = Supervisor.run(arguments: Array(CommandLine.arguments.dropFirst()))
            if status >= 0 { Foundation.exit(status) }
            // The child could not be started: run here.
        }
        main(nil)
    }
}
