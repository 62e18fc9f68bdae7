import ArgumentParser
import Foundation
import HostModel
import Recording

/// `interfere events TRACE`: what is in a trace, per VM.
struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inventory of a trace: host, tracer, span, event counts by name and CPU, VMs and their threads.")

    @OptionGroup var options: TraceOptions

    func run() throws {
        try reportingFailures {
            if try options.handledAsPTCapture() { return }
            let configuration = try options.configuration()
            let set = try options.machineSet()
            let hostAnalyses = try set.hostAnalyses(reading: TraceOptions.reading)
            options.warnUnusedNames(configuration, analyses: hostAnalyses)
            if set.isSingle {
                let summary = hostAnalyses[0].summary
                if options.json { try printJSON(summary) } else { print(TextRender.summary(summary), terminator: "") }
                return
            }
            // Several machines: each with its own inventory; VMs on the hosts only.
            let links = set.guestLinks(named: try options.guestNames())
            var hostIndex = 0
            let machines = set.members.map { member -> MachineSummary in
                var summary = member.analysis!.summary
                if member.isHost || set.members.allSatisfy({ !$0.isHost }) {
                    summary = hostAnalyses[hostIndex].summary
                    hostIndex += 1
                } else {
                    summary.vms = []
                }
                let link = links.first { $0.guest == member.machine.hostname }
                return MachineSummary(hostname: member.machine.hostname, role: member.isHost ? "host" : link != nil ? "guest" : "machine",
                                      guestOf: link, summary: summary)
            }
            if options.json { try printJSON(MachinesSummary(machines: machines)) } else { print(TextRender.machines(machines), terminator: "") }
        }
    }
}

/// `interfere events --json` of a folder holding several machines.
struct MachinesSummary: Encodable {
    var machines: [MachineSummary]
}

/// One machine of a folder: its hostname, whether it is a host (QEMU processes or kvm events
/// found), and its inventory and VMs.
struct MachineSummary: Encodable {
    var hostname: String?
    var role: String
    /// For a guest: its VM, how it was matched, and its clock.
    var guestOf: GuestLink?
    var summary: TraceSummary
}
