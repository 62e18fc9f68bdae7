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

/// `stats --guest-processes` with the guest's statedump beside the host trace (`--guest-statedump`):
/// user stacks laid out as glibc's, which 8 MiB blocks would split, are told apart by the
/// statedump's maps and the processes named by it, every row equal to `guest-processes.csv`.
@Suite struct GuestStatedumpTruthTests {
    func rows(_ report: GuestProcessReport) -> [String] {
        report.processes.flatMap { p in
            p.threads.map { t in
                "\(p.vm),\(p.name),\(String(p.cr3, radix: 16)),\(t.mode),\(String(t.start, radix: 16)),\(String(t.end, radix: 16)),\(t.guestNs),\(t.entries)"
            }
        }
    }

    @Test func theGuestsStatedumpGivesTheStacksAndNamesOfTheTruth() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sim-statedump-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var scenario = try Presets.scenario("demo", seed: 3, duration: 2, vms: nil, pcpus: nil)
        scenario.enterGuestVMs = ["web", "batch"]
        scenario.guestTraces = ["web", "batch"]
        scenario.guestStatedump = true
        _ = try Simulation.run(scenario, output: out, writePT: false)
        let set = try Recording(path: out).machineSet()
        let links = set.guestLinks()
        #expect(links.map(\.method) == [.hostname, .hostname])
        let reports = try set.guestProcesses(links: links)
        #expect(reports.count == 1)
        #expect(reports[0].statedumps == ["batch", "web"])
        let truth = try String(contentsOfFile: out + "/guest-processes.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
        #expect(rows(reports[0]).sorted() == truth.sorted())
        #expect(truth.count == 12)   // 2 VMs × (app: 2 kernel + 2 user stacks, db: 1 + 1)
        #expect(reports[0].processes.map(\.pid) == [1000, 1100, 1000, 1100])
        // The same trace without the statedump: each user stack straddles an 8 MiB boundary, so
        // app's two make three blocks (the middle one holding both threads' SPs) and db's one two:
        // 5 user stacks per VM where there are 3, at the same total time.
        let alone = try set.guestProcesses(links: [])
        #expect(alone[0].statedumps.isEmpty)
        #expect(rows(alone[0]).filter { $0.contains(",user,") }.count == 10)
        #expect(rows(alone[0]).filter { $0.contains(",kernel,") }.count == 6)
        #expect(alone[0].processes.reduce(0) { $0 + $1.guestNs } == reports[0].processes.reduce(0) { $0 + $1.guestNs })
    }
}
