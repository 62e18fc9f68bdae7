import ArgumentParser
import Foundation
import Simulator

/// `interfere simulate`: a KVM host in time, written as real CTF with its ground truth.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a KVM host: writes DIR/trace (LTTng-style CTF), labels.csv, truth.csv, scenario.json.")

    @Option(help: "demo, bench, train-N or test-N (N from 1 to 99).")
    var preset: String

    @Option(help: "Seed of every random choice (same preset and seed: the same bytes).")
    var seed: UInt64 = 1

    @Option(help: "Seconds of host time (default: the preset's).")
    var duration: Double?

    @Option(help: "Number of VMs (default: the preset's).")
    var vms: Int?

    @Option(help: "Number of physical CPUs (default: the preset's).")
    var pcpus: Int?

    @Option(name: .shortAndLong, help: "Output folder (must not exist or be empty).")
    var output: String

    @Flag(help: "Do not write the Intel PT capture (DIR/pt/, written for VMX hosts).")
    var noPt = false

    @Option(help: "How the PT capture is timed: tsc (a TSC per event, exact), mtc (MTC between PSB+, within 333 ns) or cyc (MTC and CYC, within a core cycle).")
    var ptTiming = Parsed<Simulation.PTOptions.Timing>(argument: "tsc")

    @Option(help: "Replace every N-th PT event by an overflow (OVF) packet, to test gaps (0: never).")
    var ptOverflowEvery = 0

    @Option(help: "Also write this VM's guest kernel trace (own hostname = the VM's name, own CPUs and tids) under DIR/guests/VM/kernel; repeatable.")
    var guestTrace: [String] = []

    @Flag(help: "With --guest-trace: the guests and the host also write the LTTng VM addons' vmsync_* clock-sync events.")
    var guestSync = false

    @Option(help: "With --guest-trace: the guests' clock runs this many ns ahead of the host's (negative: behind).")
    var guestClockSkewNs: Int64 = 0

    @Option(help: "With --guest-trace: the guests' clock gains this many ns per second of host time from the trace's start (negative: loses), so that aligning it needs the sync events' drift.")
    var guestClockDriftPpb: Int64 = 0

    @Option(help: "The host also writes the research addon's addons_vcpu_enter_guest (guest CR3, SP, IP) before each entry of this VM's vCPUs, with guest-processes.csv as truth; repeatable.")
    var enterGuest: [String] = []

    @Flag(help: "The guest traces (--guest-trace) of VMs given to --enter-guest begin with the guest's statedump (lttng_statedump_process_state, lttng_statedump_vm_map) of the addon's processes, whose user stacks then lie as glibc's thread stacks (not 8 MiB-aligned).")
    var guestStatedump = false

    func run() throws {
        try reportingFailures {
            let timing = try ptTiming.value
            guard ptOverflowEvery >= 0 else { throw ValidationError("--pt-overflow-every must be >= 0, got \(ptOverflowEvery)") }
            var scenario = try Presets.scenario(preset, seed: seed, duration: duration, vms: vms, pcpus: pcpus)
            if !enterGuest.isEmpty { scenario.enterGuestVMs = enterGuest }
            if guestStatedump { scenario.guestStatedump = true }
            if !guestTrace.isEmpty {
                scenario.guestTraces = guestTrace
                if guestSync { scenario.guestSync = true }
                if guestClockSkewNs != 0 { scenario.guestClockSkewNs = guestClockSkewNs }
                if guestClockDriftPpb != 0 {
                    guard abs(guestClockDriftPpb) < 10_000_000 else { throw ValidationError("--guest-clock-drift-ppb must be within ±10000000 (1 %), got \(guestClockDriftPpb)") }
                    scenario.guestClockDriftPPB = guestClockDriftPpb
                }
            } else if guestSync || guestClockSkewNs != 0 || guestClockDriftPpb != 0 {
                throw ValidationError("--guest-sync, --guest-clock-skew-ns and --guest-clock-drift-ppb need --guest-trace")
            }
            Progress.say("simulating \(preset) (seed \(seed)): \(scenario.vms.count) VMs, \(scenario.pcpus) CPUs, \(scenario.duration) s")
            Supervisor.temporary(for: output)
            let result = try Simulation.run(scenario, output: output, writePT: !noPt,
                                            pt: .init(timing: timing, overflowEvery: ptOverflowEvery))
            let rate = Double(result.kernelEvents + result.userSpaceEvents) / max(result.seconds, 1e-9)
            print("\(output): \(result.kernelEvents) kernel events, \(result.userSpaceEvents) QEMU events, \(result.guestEvents > 0 ? "\(result.guestEvents) guest events, " : "")\(scenario.vms.count) VMs, \(scenario.episodes.count) interference episodes; \(String(format: "%.2f", result.seconds)) s, \(String(format: "%.2f", rate / 1e6)) M events/s")
        }
    }
}
