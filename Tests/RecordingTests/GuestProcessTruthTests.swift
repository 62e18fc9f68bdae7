import Foundation
import HostModel
import Recording
@testable import Simulator
import Testing
import TraceIngest

/// `stats --guest-processes` on a simulated host whose addon writes `addons_vcpu_enter_guest`
/// for two of its VMs: every process, stack, time and entry count equals `guest-processes.csv`.
@Suite struct GuestProcessTruthTests {
    @Test func theDecodedGuestProcessesAreTheSimulatedOnes() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sim-enter-guest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var scenario = try Presets.scenario("demo", seed: 3, duration: 2, vms: nil, pcpus: nil)
        scenario.enterGuestVMs = ["web", "batch"]
        _ = try Simulation.run(scenario, output: out, writePT: false)
        let recording = Recording(path: out)
        let reports = try recording.machineSet().guestProcesses(links: [])
        #expect(reports.count == 1)
        let decoded = reports[0].processes.flatMap { p in
            p.threads.map { t in
                "\(p.vm),," + "\(String(p.cr3, radix: 16)),\(t.mode),\(String(t.start, radix: 16)),\(String(t.end, radix: 16)),\(t.guestNs),\(t.entries)"
            }
        }
        // The truth names each process; the host alone cannot: compare without that column.
        let truth = try String(contentsOfFile: out + "/guest-processes.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { line -> String in
                var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                fields[1] = ""
                return fields.joined(separator: ",")
            }
        #expect(decoded.sorted() == truth.sorted())
        #expect(truth.count == 12)   // 2 VMs × (app: 2 kernel + 2 user stacks, db: 1 + 1)
        #expect(reports[0].enterGuestEvents == reports[0].processes.reduce(0) { $0 + $1.entries })
    }
}
