import Foundation
import HostModel
import Recording
@testable import Simulator
import Testing
import TraceIngest

/// Reads a simulated folder back and compares the host model's windows with `truth.csv`.
struct TruthComparison {
    var windows = 0
    var worstStateError: Double = 0       // as a share of the window, over all VMs and states
    var countMismatches: [String] = []

    init(folder: String, skipLast: Bool = true) throws {
        let truthText = try String(contentsOfFile: folder + "/truth.csv", encoding: .utf8)
        var lines = truthText.split(separator: "\n").map(String.init)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        var truth: [String: [String: Int64]] = [:]
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var row: [String: Int64] = [:]
            for (i, name) in header.enumerated() where i > 0 { row[name] = Int64(f[i]) }
            truth["\(f[0])@\(f[1])"] = row
        }
        let names = try SideFiles.vmNames(at: folder + "/vm-names.csv")
        var model: [VMWindow] = []
        let analysis = try HostAnalysis.run(location: TraceLocation(path: folder), configuration: .init(vmNames: names), onWindow: { model.append($0) })
        let vmNames = analysis.model.registry.vms.map(\.name)
        let last = model.map(\.startNs).max() ?? 0
        for w in model where !(skipLast && w.startNs == last) {
            guard let t = truth["\(vmNames[w.vm])@\(w.startNs)"] else { continue }
            windows += 1
            let span = Double(w.endNs - w.startNs)
            for state in VCPUState.allCases {
                let error = abs(Double(w.states[state] - (t["\(state.name)_ns"] ?? 0))) / span
                worstStateError = max(worstStateError, error)
            }
            func check(_ name: String, _ value: Int64) {
                if value != t[name] ?? 0 { countMismatches.append("\(vmNames[w.vm]) \(w.startNs) \(name): \(value) vs \(t[name] ?? 0)") }
            }
            check("disk_reads", Int64(w.diskReads)); check("disk_writes", Int64(w.diskWrites))
            check("disk_read_bytes", w.diskReadBytes); check("disk_write_bytes", w.diskWriteBytes)
            check("net_tx_packets", Int64(w.netTxPackets)); check("net_rx_packets", Int64(w.netRxPackets))
            check("net_tx_bytes", w.netTxBytes); check("net_rx_bytes", w.netRxBytes)
            for (reason, n) in w.exitsByReason { check("exits_\(reason.name)", Int64(n)) }
            let exitsTruth = t.filter { $0.key.hasPrefix("exits_") }.values.reduce(0, +)
            if Int64(w.totalExits) != exitsTruth { countMismatches.append("\(vmNames[w.vm]) \(w.startNs) exits: \(w.totalExits) vs \(exitsTruth)") }
        }
    }
}

@Suite struct TruthTests {
    @Test(arguments: ["demo", "test-1", "test-2"])
    func featuresRecoverTheTruth(_ preset: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(preset)-\(UUID().uuidString)").path
        let scenario = try Presets.scenario(preset, seed: 1, duration: 6, vms: nil, pcpus: nil)
        _ = try Simulation.run(scenario, output: folder)
        let comparison = try TruthComparison(folder: folder)
        #expect(comparison.windows >= 50)
        #expect(comparison.countMismatches.isEmpty, "\(comparison.countMismatches.prefix(5))")
        #expect(comparison.worstStateError <= 0.005, "worst state error \(comparison.worstStateError)")
    }
}
