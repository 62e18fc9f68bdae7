@testable import Diagnosis
import Features
import Foundation
import HostModel
import TestSupport
import Testing

@Suite struct PeriodDetectorTests {
    func scores(_ ps: [Double], vm: String = "a", kind: String = "cpu") -> [WindowScore] {
        ps.enumerated().map { WindowScore(vm: vm, startNs: Int64($0.offset) * 100, endNs: Int64($0.offset + 1) * 100, probability: $0.element, kind: kind) }
    }

    @Test func hysteresisOpensHighAndClosesLow() {
        let d = PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0)
        let periods = d.periods(scores([0.1, 0.5, 0.8, 0.5, 0.45, 0.3, 0.9, 0.1]))
        #expect(periods.map { [$0.startNs, $0.endNs] } == [[200, 500], [600, 700]])
        #expect(periods[0].windows == 3)
        #expect(abs(periods[0].meanProbability - 0.5833333333) < 1e-6)
    }

    @Test func shortGapsMergeAndShortPeriodsDrop() {
        let d = PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 150, minimumNs: 250)
        let periods = d.periods(scores([0.9, 0.9, 0.1, 0.9, 0.1, 0.1, 0.1, 0.9]))
        #expect(periods.map { [$0.startNs, $0.endNs] } == [[0, 400]])
    }

    @Test func theKindIsTheProbabilityWeightedMajority() {
        var s = scores([0.9, 0.8, 0.95])
        s[0].kind = "disk"
        let p = PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0).periods(s)
        #expect(p.count == 1 && p[0].kind == "cpu")
    }
}

@Suite struct RootCauseTests {
    func window(_ vm: String, _ start: Int64, keys: [EventKey: Int], stolen: [String: Int64] = [:]) -> WindowEvidence {
        WindowEvidence(vm: vm, startNs: start, endNs: start + 1_000_000_000, seconds: 1, keys: keys, stolenByName: stolen,
                       waitedNs: stolen.values.reduce(0, +), vcpuNs: 1_000_000_000, diskRequests: [:], diskBytes: [:], netBytes: [:],
                       netPackets: [:], diskLatencyMs: 0, xmitDelayMs: 0)
    }

    @Test func aKeyFrequentEverywhereIsNotOverRepresented() {
        let hlt = EventKey(.exit, "HLT"), by = EventKey(.preemptedBy, "noisy")
        let quiet = [window("v", 0, keys: [hlt: 500]), window("v", 1_000_000_000, keys: [hlt: 500, by: 1])]
        let period = [window("v", 2_000_000_000, keys: [hlt: 520, by: 40])]
        let (frequent, over) = RootCauseRanker(top: 2).rank(period: period, quiet: quiet)
        #expect(frequent.map(\.key) == ["kvm_exit HLT", "preempted_by noisy"])
        #expect(over.first?.key == "preempted_by noisy")
        #expect(abs(over.first!.ratio - 41.0 / 1.5) < 1e-9)   // (40 + 1) / (0.5 + 1)
    }

    @Test func theCPUCulpritIsWhoHeldTheCPU() {
        let period = InterferencePeriod(vm: "v", startNs: 0, endNs: 2_000_000_000, kind: "cpu", meanProbability: 0.9, windows: 2)
        let windows = [window("v", 0, keys: [:], stolen: ["noisy": 400_000_000, "kworker/1:1": 10_000_000, "v": 5_000_000]),
                       window("v", 1_000_000_000, keys: [:], stolen: ["noisy": 500_000_000])]
        let c = CulpritFinder().culprit(of: period, windows: windows)
        #expect(c.name == "noisy")
        #expect(abs(c.share - 900.0 / 910.0) < 1e-9)
        let a = ActionAdvisor.action(for: period, culprit: c)
        #expect(a.summary.contains("noisy") && a.summary.contains("cpu.max"))
    }

    @Test func nobodyStandsOutWhenTheStealIsSpread() {
        let period = InterferencePeriod(vm: "v", startNs: 0, endNs: 1_000_000_000, kind: "cpu", meanProbability: 0.9, windows: 1)
        let c = CulpritFinder().culprit(of: period, windows: [window("v", 0, keys: [:], stolen: ["a": 40, "b": 35, "c": 25])])
        #expect(c.name == nil)
        #expect(c.evidence.hasPrefix("no single culprit"))
    }
}

/// The real recordings: with the labels' own periods as scores, the evidence in the trace names
/// the labeled culprit of every interfered period.
@Suite struct RealCulpritTests {
    @Test(arguments: ["cpu-neighbour", "disk-contention", "net-contention"])
    func theLabeledCulpritIsNamed(_ name: String) throws {
        let folder = Fixtures.hostReal(name)
        let labels = try Labels(path: folder.appendingPathComponent("labels.csv").path)
        let names = try SideFiles.vmNames(at: folder.appendingPathComponent("vm-names.csv").path)
        let collector = EvidenceCollector()
        let analysis = try HostAnalysis.run(path: folder.path, configuration: .init(vmNames: names),
                                            onWindow: collector.vmWindow, onHostWindow: collector.hostWindow)
        collector.finish(vmNames: analysis.model.registry.vms.map(\.name))
        let scores = collector.evidence.map { w -> WindowScore in
            let label = labels.label(vm: w.vm, startNs: w.startNs, endNs: w.endNs)
            let interfered = label.map { $0.interference != "none" } ?? false
            return WindowScore(vm: w.vm, startNs: w.startNs, endNs: w.endNs, probability: interfered ? 1 : 0,
                               kind: label?.interference ?? "none")
        }
        let reports = Diagnoser().diagnose(scores: scores, evidence: collector.evidence)
        let labeled = labels.rows.filter { $0.interference != "none" }
        #expect(reports.count == labeled.count)
        for row in labeled {
            let report = try #require(reports.first { $0.period.vm == row.vm && $0.period.startNs < row.endNs && $0.period.endNs > row.startNs })
            #expect(report.culprit.name == row.culprit, "\(name) \(row.vm): \(report.culprit.evidence)")
        }
    }
}

@Suite struct EvidenceGateTests {
    func window(_ vm: String, _ start: Int64, bytes: [String: [String: Int64]]) -> WindowEvidence {
        let requests = bytes.mapValues { $0.mapValues { _ in 1 } }
        return WindowEvidence(vm: vm, startNs: start, endNs: start + 100_000_000, seconds: 0.1, keys: [EventKey(.block, "8:0"): 1],
                              stolenByName: [:], waitedNs: 0, vcpuNs: 100_000_000, diskRequests: requests, diskBytes: bytes,
                              netBytes: [:], netPackets: [:], diskLatencyMs: 20, xmitDelayMs: 0)
    }

    /// The light user of a shared disk keeps its disk score; the one making most of the bytes is
    /// the culprit, not a victim, and loses it.
    @Test func theVMSaturatingADeviceIsNotItsVictim() {
        let shared = ["8:0": ["victim": Int64(40_000), "noisy": Int64(4_000_000)]]
        let evidence = [window("victim", 0, bytes: shared), window("noisy", 0, bytes: shared)]
        let scores = ["victim", "noisy"].map { WindowScore(vm: $0, startNs: 0, endNs: 100_000_000, probability: 0.9, kind: "disk") }
        let gated = EvidenceGate().apply(scores, evidence: evidence)
        #expect(gated.map(\.probability) == [0.9, 0])
        // Two equal users both keep it (each is the other's neighbour).
        let even = ["8:0": ["victim": Int64(1_000_000), "noisy": Int64(1_000_000)]]
        let both = EvidenceGate().apply(scores, evidence: [window("victim", 0, bytes: even), window("noisy", 0, bytes: even)])
        #expect(both.map(\.probability) == [0.9, 0.9])
    }
}

@Suite struct SaturatorTests {
    /// The classifier leaves out a `none` window of a VM that made most of the bytes on a shared
    /// device (the culprit's own queue), but keeps a lone VM's and a victim's windows.
    @Test func theCulpritsOwnWindowsDoNotTeachTheClassifier() {
        func evidence(_ vm: String, _ bytes: [String: [String: Int64]]) -> WindowEvidence {
            WindowEvidence(vm: vm, startNs: 0, endNs: 100_000_000, seconds: 0.1, keys: [:], stolenByName: [:], waitedNs: 0,
                           vcpuNs: 100_000_000, diskRequests: [:], diskBytes: bytes, netBytes: [:], netPackets: [:],
                           diskLatencyMs: 0, xmitDelayMs: 0)
        }
        let shared = ["8:0": ["victim": Int64(40_000), "noisy": Int64(4_000_000)]]
        let alone = ["8:16": ["lone": Int64(4_000_000)]]
        let schema = FeatureSchema(groups: [.sched], windowNs: 100_000_000)
        func row(_ vm: String, _ interference: String) -> FeatureRow {
            FeatureRow(vm: vm, startNs: 0, endNs: 100_000_000, values: Array(repeating: 0, count: schema.columns.count),
                       label: LabelRow(vm: vm, startNs: 0, endNs: 100_000_000, workload: "disk", interference: interference, culprit: ""))
        }
        let features = TraceFeatures(table: FeatureTable(schema: schema, rows: [row("victim", "disk"), row("noisy", "none"), row("lone", "none")]),
                                     evidence: [evidence("victim", shared), evidence("noisy", shared), evidence("lone", alone)],
                                     analysis: nil, vmNames: ["victim", "noisy", "lone"])
        #expect(Trainer.saturatorWindows(features) == ["noisy@0"])
    }
}

@Suite struct ClusterNamerTests {
    @Test func clusterNamesFollowTheRule() {
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.95]) == "cpu")
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.02]) == "idle")
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.15, "block_read_per_s": 68]) == "disk")
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.1, "net_tx_bytes_per_s": 290_000]) == "net")
        #expect(ClusterNamer.name(centroid: ["kvm_guest_share": 0.6, "kvm_hypervisor_share": 0.3, "kvm_exits_per_s": 3000,
                                             "kvm_exits_ept_violation_per_s": 2000]) == "memory")
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.9, "block_write_bytes_per_s": 5e6]) == "mixed")
        // CPU demand, not CPU received: two busy vCPUs sharing one CPU run 41 % of their time and
        // wait or are preempted for most of the rest; they still want the CPU.
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.41, "sched_idle_share": 0.12, "block_write_per_s": 90]) == "mixed")
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.41, "sched_idle_share": 0.12]) == "cpu")
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.1, "sched_idle_share": 0.85]) == "idle")
    }

    @Test func everyColumnIsDefinedOnceWithItsGroupAndUnit() {
        let names = FeatureColumn.all.map(\.name)
        #expect(Set(names).count == names.count)
        for column in FeatureColumn.all {
            #expect(column.name.hasPrefix(column.group.rawValue + "_"))
            #expect(FeatureColumn.named(column.name) == column)
            // Shares are linear and carry the unit in the name.
            #expect((column.unit == .share) == column.name.hasSuffix("_share"))
        }
        #expect(FeatureTransform.keepsLinear("sched_vcpus") && !FeatureTransform.keepsLinear("kvm_exits_per_s"))
        #expect(Trainer.workloadColumns(["sched_running_share", "sched_preempted_share", "block_latency_mean_ms"]) == ["sched_running_share"])
    }
}
