import ArgumentParser
import Foundation
import HostModel
import Recording

/// `interfere stats TRACE`: per VM, exit reasons (like `perf kvm stat`) and time per vCPU state.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per VM: exit reasons with handling times, and each vCPU's time per state.")

    @OptionGroup var options: TraceOptions

    @Option(help: "Only this VM (name or pid; with --guest-processes, its name).")
    var vm: String?

    @Flag(help: "Per VM, which guest process (guest CR3) ran and for how long: from an Intel PT capture, or from a CTF host trace's addons_vcpu_enter_guest events (guest CR3 and SP at each entry: processes by CR3, threads by stack).")
    var guestProcesses = false

    @Flag(help: "With a guest trace beside its host's: per guest thread, time running in the guest, while its vCPU is in the hypervisor, with its vCPU preempted on the host (and by whom), waiting for a guest CPU, blocked.")
    var guestThreads = false

    func run() throws {
        try reportingFailures {
            if try options.handledAsPTCapture(guestProcesses: guestProcesses) { return }
            if guestProcesses {
                let set = try options.machineSet()
                var reports = try set.guestProcesses(links: set.guestLinks(named: try options.guestNames()), reading: TraceOptions.reading)
                if let vm {
                    let all = Set(reports.flatMap { $0.processes.map(\.vm) })
                    guard all.isEmpty || all.contains(vm) else {
                        throw ValidationError("\(options.trace): no guest processes of a VM named `\(vm)` (VMs with addons_vcpu_enter_guest events: \(all.sorted().joined(separator: ", ")))")
                    }
                    for i in reports.indices { reports[i].processes = reports[i].processes.filter { $0.vm == vm } }
                }
                if options.json { if reports.count == 1 { try printJSON(reports[0]) } else { try printJSON(reports) } } else {
                    print(reports.map(TextRender.guestProcesses).joined(separator: "\n"), terminator: "")
                }
                return
            }
            if guestThreads {
                let set = try options.machineSet()
                let links = set.guestLinks(named: try options.guestNames())
                guard !links.isEmpty else {
                    throw ValidationError("\(options.trace): no guest trace matched to a VM (machines: \(set.members.map(\.machine.name).joined(separator: ", "))); --guest HOSTNAME=VMNAME names one")
                }
                let reports = try links.map { try set.guestThreads($0, reading: TraceOptions.reading) }
                if options.json { try printJSON(reports) } else { print(reports.map(TextRender.guestThreads).joined(separator: "\n"), terminator: "") }
                return
            }
            let configuration = try options.configuration()
            let analyses = try options.machineSet().hostAnalyses(reading: TraceOptions.reading)
            options.warnUnusedNames(configuration, analyses: analyses)
            var stats = analyses.map { $0.statistics(vm: vm) }
            if let vm {
                guard stats.contains(where: { !$0.vms.isEmpty }) else {
                    throw ValidationError("\(options.trace): no VM named `\(vm)` (VMs: \(analyses.flatMap { $0.vms.map(\.name) }.joined(separator: ", ")))")
                }
                if stats.count > 1 { stats = stats.filter { !$0.vms.isEmpty } }
            }
            // One host: exactly what the host's traces alone give; several: one after another.
            if options.json {
                if stats.count == 1 { try printJSON(stats[0]) } else { try printJSON(stats) }
            } else {
                print(stats.map(TextRender.statistics).joined(separator: "\n"), terminator: "")
            }
        }
    }
}
