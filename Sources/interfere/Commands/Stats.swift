import ArgumentParser
import Foundation
import HostModel

/// `interfere stats TRACE`: per VM, exit reasons (like `perf kvm stat`) and time per vCPU state.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per VM: exit reasons with handling times, and each vCPU's time per state.")

    @OptionGroup var options: TraceOptions

    @Option(help: "Only this VM (name or pid).")
    var vm: String?

    @Flag(help: "Intel PT captures: per VM, which guest process (guest CR3) ran and for how long.")
    var guestProcesses = false

    func run() throws {
        try reportingFailures {
            if try options.handledAsPTCapture(guestProcesses: guestProcesses) { return }
            let configuration = try options.configuration()
            let analysis = try HostAnalysis.run(path: options.trace, configuration: configuration)
            options.warnUnusedNames(configuration, analysis: analysis)
            let stats = analysis.statistics(vm: vm)
            if let vm, stats.vms.isEmpty {
                throw ValidationError("\(options.trace): no VM named `\(vm)` (VMs: \(analysis.vms.map(\.name).joined(separator: ", ")))")
            }
            if options.json { try printJSON(stats) } else { print(TextRender.statistics(stats), terminator: "") }
        }
    }
}
