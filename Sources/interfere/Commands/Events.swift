import ArgumentParser
import Foundation
import HostModel

/// `interfere events TRACE`: what is in a trace, per VM.
struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inventory of a trace: host, tracer, span, event counts by name and CPU, VMs and their threads.")

    @OptionGroup var options: TraceOptions

    func run() throws {
        try reportingFailures {
            if try options.handledAsPTCapture() { return }
            let configuration = try options.configuration()
            let analysis = try HostAnalysis.run(path: options.trace, configuration: configuration)
            options.warnUnusedNames(configuration, analysis: analysis)
            let summary = analysis.summary
            if options.json { try printJSON(summary) } else { print(TextRender.summary(summary), terminator: "") }
        }
    }
}
