import Foundation
import IntelPT
@testable import Simulator
import Testing
import TestSupport
import TraceIngest

/// The Intel PT capture the simulator writes (libipt's encoder) decodes (libipt's packet decoder)
/// to the guest and hypervisor time of `truth.csv`, per VM per 100 ms window, within 1 %.
///
/// Hypervisor time, as the truth counts it: from a VM exit to the first host CR3 write (the vCPU's
/// thread left the CPU: preemption or idle, not hypervisor work), and again from the write that
/// loads the vCPU's process back (its thread switched in) to the next VM entry. The window holding
/// the capture's end is left out (see `compare`).
@Suite struct PTTruthTests {
    struct Truth { var guest: Int64 = 0; var hypervisor: Int64 = 0 }
    struct Key: Hashable { var vm: String; var window: Int64 }
    static let windowNs: Int64 = 100_000_000

    static func truth(_ path: String) throws -> [Key: Truth] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let vm = header.firstIndex(of: "vm")!, start = header.firstIndex(of: "start_ns")!
        let guest = header.firstIndex(of: "guest_ns")!, hyp = header.firstIndex(of: "hypervisor_ns")!
        var out: [Key: Truth] = [:]
        for line in lines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            let k = Key(vm: String(f[vm]), window: Int64(f[start])! / windowNs)
            out[k, default: Truth()].guest += Int64(f[guest])!
            out[k, default: Truth()].hypervisor += Int64(f[hyp])!
        }
        return out
    }

    /// Compares a capture with a truth.csv; returns the windows compared.
    @discardableResult
    static func compare(capture: String, truth truthPath: String, label: String) throws -> Int {
        let reader = try PTCaptureReader(directory: URL(fileURLWithPath: capture))
        let features = try PTWindowFeatures(capture: reader, windowNs: windowNs)
        let stats = try PTStats(capture: reader)
        #expect(stats.cpus.allSatisfy { $0.gaps == 0 })
        var pt: [Key: Truth] = [:]
        for r in features.rows { pt[Key(vm: r.vm, window: r.window)] = Truth(guest: r.guestNs, hypervisor: r.hypervisorNs) }
        let truth = try truth(truthPath)
        #expect(!truth.isEmpty)
        // The window holding the capture's end is left out: no packet marks where tracing stopped, so
        // each CPU's state after its last packet (to the end of the CTF trace) is not observed.
        let lastWindow = features.rows.map(\.window).max() ?? 0
        var compared = 0
        for (k, t) in truth where k.window < lastWindow {
            let p = pt[k] ?? Truth()
            #expect(abs(Double(p.guest - t.guest)) <= 0.01 * Double(t.guest), "\(label) \(k): guest PT \(p.guest) ns, truth \(t.guest) ns")
            #expect(abs(Double(p.hypervisor - t.hypervisor)) <= 0.01 * Double(t.hypervisor),
                    "\(label) \(k): hypervisor PT \(p.hypervisor) ns, truth \(t.hypervisor) ns")
            compared += 1
        }
        #expect(compared >= 10)
        // PT stats over the run: the same guest and hypervisor time as the windows.
        let statsGuest = stats.vcpus.reduce(0) { $0 + $1.guestNs }, statsHyp = stats.vcpus.reduce(0) { $0 + $1.hypervisorNs }
        #expect(statsGuest == features.rows.reduce(0) { $0 + $1.guestNs })
        #expect(statsHyp == features.rows.reduce(0) { $0 + $1.hypervisorNs })
        return compared
    }

    @Test func bundledDemoCaptureAgreesWithItsTruth() throws {
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo").path
        try Self.compare(capture: demo + "/pt", truth: demo + "/truth.csv", label: "bundled demo")
    }

    @Test(arguments: ["demo", "test-1", "test-2", "test-3", "test-4"])
    func simulatedCaptureAgreesWithTheTruth(_ preset: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pt-\(preset)-\(UUID().uuidString)").path
        let scenario = try Presets.scenario(preset, seed: 3, duration: 3, vms: nil, pcpus: nil)
        try #require(scenario.style == .vmx, "\(preset) must be a VMX host to have a PT capture")
        _ = try Simulation.run(scenario, output: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.compare(capture: folder + "/pt", truth: folder + "/truth.csv", label: preset)
        // Absolute times line up with the CTF trace's clock (TSC ↔ trace clock through the sidecar).
        let reader = try PTCaptureReader(directory: URL(fileURLWithPath: folder + "/pt"))
        let features = try PTWindowFeatures(capture: reader, windowNs: Self.windowNs)
        let first = scenario.originNs / Self.windowNs, last = (scenario.originNs + 3_000_000_000) / Self.windowNs
        #expect(!features.rows.isEmpty)
        #expect(features.rows.allSatisfy { $0.window >= first && $0.window <= last })
    }
}
