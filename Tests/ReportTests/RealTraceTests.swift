import Diagnosis
import Learning
import Foundation
import HostModel
import TestSupport
import Testing
@testable import Recording
import Report

/// The report's timelines against the host model on the bundled demo and a real recording.
@Suite struct RealTraceTests {
    static let traces = [Fixtures.projectRoot.appendingPathComponent("datasets/demo"), Fixtures.hostReal("cpu-neighbour")]

    @Test(arguments: traces) func vCPULanesAgreeWithTheHostModel(trace: URL) throws {
        let recorder = ActivityRecorder()
        let analysis = try Recording(path: trace.path).analysis(recordsStateChanges: true, onEvent: { recorder.consume($0, model: $1) })
        recorder.finish(endNs: analysis.inventory.lastTimeNs!)
        let k = VCPUState.allCases.count
        var checked = 0
        for vm in analysis.model.registry.vms {
            for vcpu in vm.vcpus {
                guard let truth = analysis.model.vcpuTotals[vcpu.tid], let lane = recorder.threadBins[vcpu.tid] else { continue }
                let observed = truth.ns.reduce(0, +)
                guard observed > 0 else { continue }
                for s in 0..<k {
                    let drawn = stride(from: s, to: lane.count, by: k).reduce(Int64(0)) { $0 + lane[$1] }
                    #expect(abs(Double(drawn - truth.ns[s])) <= 0.01 * Double(observed), "\(vm.name) vCPU \(vcpu.vcpu) \(VCPUState(rawValue: s)!.name): lane \(drawn) ns, model \(truth.ns[s]) ns")
                }
                checked += 1
            }
        }
        #expect(checked >= 2)
        // Bounded: no lane holds more than the capacity of bins.
        #expect(recorder.cpuBins.values.allSatisfy { $0.count <= recorder.capacity })
    }

    @Test func demoDocumentHasEveryVMItsThreadsAndThePeriods() throws {
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo")
        let model = try InterferenceModel.load(path: Fixtures.projectRoot.appendingPathComponent("models/default.json").path)
        let doc = try ReportBuilder().build(Recording(path: demo.path), model: model)
        #expect(doc.vms.map(\.name) == ["web", "db", "batch", "stream"])
        #expect(doc.cpus.map(\.name) == ["CPU 0", "CPU 1", "CPU 2", "CPU 3"])
        #expect(doc.splitsGuest)
        #expect(doc.missing.isEmpty)
        let web = doc.vms[0]
        #expect(web.threads.first?.name.hasPrefix("CPU 0/KVM") == true)
        #expect(web.periods.map(\.period.kind) == [.cpu])
        #expect(web.periods.first?.culprit.name == "backup")
        // The web VM's period is shaded where the labels put it (1.5–2.0 s of the trace clock).
        #expect(web.periods.first?.period.startNs == 1_700_000_001_500_000_000)
        #expect(doc.vms.allSatisfy { $0.columns.count <= 400 })
    }

    @Test func ptCaptureDocumentHasEveryVMFromThePackets() throws {
        let capture = Fixtures.projectRoot.appendingPathComponent("datasets/demo/pt")
        let doc = try ReportBuilder().build(Recording(path: capture.path), model: nil)
        #expect(doc.vms.map(\.name).sorted() == ["batch", "db", "stream", "web"])
        #expect(doc.summary.tracer == "Intel PT (decoded with libipt)")
        #expect(doc.cpus.isEmpty && doc.splitsGuest)
        #expect(doc.missing.contains("Not scored: no model was given."))
        #expect(doc.vms.allSatisfy { !$0.columns.isEmpty && $0.threads.isEmpty })
    }
}
