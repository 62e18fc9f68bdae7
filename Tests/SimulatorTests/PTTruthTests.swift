import Foundation
import IntelPT
@testable import Simulator
import Testing

/// The Intel PT capture the simulator writes (libipt's encoder) decodes (libipt's packet decoder)
/// to the guest time of `truth.csv`: within 1 % per VM over the run.
@Suite struct PTTruthTests {
    @Test(arguments: ["demo", "test-1"])
    func guestTimeFromPTAgreesWithTheTruth(_ preset: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pt-\(preset)-\(UUID().uuidString)").path
        let scenario = try Presets.scenario(preset, seed: 3, duration: 3, vms: nil, pcpus: nil)
        guard scenario.style == .vmx else { return }
        _ = try Simulation.run(scenario, output: folder)
        let reader = try PTCaptureReader(directory: URL(fileURLWithPath: folder + "/pt"))
        let stats = PTStats(events: try reader.events(), sidecar: reader.sidecar)
        var ptGuest: [String: Int64] = [:]
        for v in stats.vcpus { ptGuest[v.vm, default: 0] += v.guestNs }
        let truth = try String(contentsOfFile: folder + "/truth.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        var truthGuest: [String: Int64] = [:]
        for line in truth {
            let f = line.split(separator: ",")
            truthGuest[String(f[0]), default: 0] += Int64(f[3])!
        }
        #expect(!truthGuest.isEmpty)
        for (vm, guest) in truthGuest where guest > 0 {
            let pt = ptGuest[vm] ?? 0
            #expect(abs(Double(pt - guest)) <= 0.01 * Double(guest), "\(preset) \(vm): PT \(pt) ns, truth \(guest) ns")
        }
        #expect(stats.cpus.allSatisfy { $0.gaps == 0 })
        // Absolute times line up with the CTF trace's clock (TSC ↔ trace clock through the sidecar).
        let features = PTWindowFeatures(events: try reader.events(), sidecar: reader.sidecar, windowNs: 100_000_000)
        let first = scenario.originNs / 100_000_000, last = (scenario.originNs + 3_000_000_000) / 100_000_000
        #expect(!features.rows.isEmpty)
        #expect(features.rows.allSatisfy { $0.window >= first && $0.window <= last })
    }
}
