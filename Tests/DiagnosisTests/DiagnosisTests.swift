@testable import Diagnosis
import Features
import Foundation
import Learning
import HostModel
@testable import Recording
import TestSupport
import Testing
import TraceIngest

@Suite struct PeriodDetectorTests {
    func scores(_ ps: [Double], vm: String = "a", kind: InterferenceKind = .cpu) -> [WindowScore] {
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
        s[0].kind = .disk
        let p = PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0).periods(s)
        #expect(p.count == 1 && p[0].kind == .cpu)
    }

    @Test func aStretchThatChangesKindForLongEnoughIsTwoPeriods() {
        // cpu ×4, disk ×1 (too short: stays in the cpu period), cpu ×1, disk ×3 (a period of its own).
        var s = scores([0.9, 0.9, 0.9, 0.9, 0.8, 0.9, 0.8, 0.8, 0.8])
        for i in [4, 6, 7, 8] { s[i].kind = .disk }
        let d = PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0, kindChangeNs: 300)
        let p = d.periods(s)
        #expect(p.map { [$0.startNs, $0.endNs] } == [[0, 600], [600, 900]])
        #expect(p.map(\.kind) == [.cpu, .disk])
        #expect(p.map(\.windows) == [6, 3])
        // A short run first joins the run after it; runs of one kind that meet again join.
        var t = scores([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
        for i in [0, 3] { t[i].kind = .net }
        #expect(d.periods(t).map { [$0.startNs, $0.endNs] } == [[0, 700]])
        #expect(d.periods(t).map(\.kind) == [.cpu])
        // No run long enough: one period, as before.
        let u = PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0, kindChangeNs: 1_000).periods(s)
        #expect(u.count == 1 && u[0].windows == 9)
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
        let period = InterferencePeriod(vm: "v", startNs: 0, endNs: 2_000_000_000, kind: .cpu, meanProbability: 0.9, windows: 2)
        let windows = [window("v", 0, keys: [:], stolen: ["noisy": 400_000_000, "kworker/1:1": 10_000_000, "v": 5_000_000]),
                       window("v", 1_000_000_000, keys: [:], stolen: ["noisy": 500_000_000])]
        let c = CulpritFinder().culprit(of: period, windows: windows)
        #expect(c.name == "noisy")
        #expect(abs(c.share - 900.0 / 910.0) < 1e-9)
        let a = ActionAdvisor.action(for: period, culprit: c)
        #expect(a.summary.contains("noisy") && a.summary.contains("cpu.max"))
    }

    @Test func nobodyStandsOutWhenTheStealIsSpread() {
        let period = InterferencePeriod(vm: "v", startNs: 0, endNs: 1_000_000_000, kind: .cpu, meanProbability: 0.9, windows: 1)
        let c = CulpritFinder().culprit(of: period, windows: [window("v", 0, keys: [:], stolen: ["a": 40_000_000, "b": 35_000_000, "c": 25_000_000])])
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
        let analysis = try HostAnalysis.run(location: TraceLocation(path: folder.path), configuration: .init(vmNames: names),
                                            onWindow: collector.vmWindow, onHostWindow: collector.hostWindow)
        try collector.finish(vmNames: analysis.model.registry.vms.map(\.name))
        let scores = collector.evidence.map { w -> WindowScore in
            let label = labels.label(vm: w.vm, startNs: w.startNs, endNs: w.endNs)
            let interfered = label.map { $0.interference != InterferenceKind.none } ?? false
            return WindowScore(vm: w.vm, startNs: w.startNs, endNs: w.endNs, probability: interfered ? 1 : 0,
                               kind: label?.interference ?? InterferenceKind.none)
        }
        let reports = Diagnoser().diagnose(scores: scores, evidence: collector.evidence)
        let labeled = labels.rows.filter { $0.interference != InterferenceKind.none }
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
        let scores = ["victim", "noisy"].map { WindowScore(vm: $0, startNs: 0, endNs: 100_000_000, probability: 0.9, kind: .disk) }
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
        func row(_ vm: String, _ interference: InterferenceKind) -> FeatureRow {
            FeatureRow(vm: vm, startNs: 0, endNs: 100_000_000, values: Array(repeating: 0, count: schema.columns.count),
                       label: LabelRow(vm: vm, startNs: 0, endNs: 100_000_000, workload: .disk, interference: interference, culprit: ""))
        }
        let features = TraceFeatures(table: FeatureTable(schema: schema, rows: [row("victim", .disk), row("noisy", InterferenceKind.none), row("lone", InterferenceKind.none)]),
                                     evidence: [evidence("victim", shared), evidence("noisy", shared), evidence("lone", alone)],
                                     analysis: nil, vmNames: ["victim", "noisy", "lone"])
        #expect(Trainer.saturatorWindows(features) == ["noisy@0"])
    }
}

/// The culprit's evidence adds up (issue 16 §3): every number over the period's windows, X ≤ Y
/// in "X s of the Y s", shares ≤ 100 %, seconds within the vCPU time of the period.
@Suite struct EvidenceArithmeticTests {
    func window(_ start: Int64, stolen: [String: Int64], waited: Int64, vcpu: Int64 = 1_000_000_000,
                net: [String: [String: Int64]] = [:], unattributed: [String: Int64] = [:]) -> WindowEvidence {
        WindowEvidence(vm: "v", startNs: start, endNs: start + 1_000_000_000, seconds: 1, keys: [:], stolenByName: stolen,
                       waitedNs: waited, vcpuNs: vcpu, diskRequests: [:], diskBytes: [:], netBytes: net,
                       netPackets: net.mapValues { $0.mapValues { _ in 1 } }, diskLatencyMs: 0, xmitDelayMs: 0,
                       netUnattributedBytes: unattributed)
    }

    /// The numbers of "X s of the Y s" in an evidence sentence.
    func xOfY(_ evidence: String) -> (Double, Double)? {
        let words = evidence.split(separator: " ").map(String.init)
        guard let i = words.firstIndex(of: "for"), i + 6 < words.count, words[i + 2] == "s", words[i + 3] == "of",
              words[i + 4] == "the", let x = Double(words[i + 1]), let y = Double(words[i + 5]) else { return nil }
        return (x, y)
    }

    @Test func heldTimeNeverExceedsTheWaitingTime() throws {
        // Inconsistent input (a host model that charged a stale waiter): 5.57 s held, 0.10 s waited.
        let period = InterferencePeriod(vm: "v", startNs: 0, endNs: 14_000_000_000, kind: .cpu, meanProbability: 0.9, windows: 14)
        let windows = (0..<14).map { window(Int64($0) * 1_000_000_000, stolen: $0 == 0 ? ["hostproc": 5_570_000_000] : [:],
                                            waited: $0 == 0 ? 100_000_000 : 0) }
        let c = CulpritFinder().culprit(of: period, windows: windows)
        let (x, y) = try #require(xOfY(c.evidence), "\(c.evidence)")
        #expect(x <= y)
        #expect(y <= 14)                       // within the period's vCPU time
        #expect(c.share <= 1)
    }

    @Test func noCulpritWhenOthersTookAlmostNothing() {
        let period = InterferencePeriod(vm: "v", startNs: 0, endNs: 14_000_000_000, kind: .cpu, meanProbability: 0.9, windows: 14)
        let windows = (0..<14).map { window(Int64($0) * 1_000_000_000, stolen: ["hostproc": 7_000_000], waited: 7_000_000) }
        let c = CulpritFinder().culprit(of: period, windows: windows)
        #expect(c.name == nil)                 // 0.10 s of 14 s of vCPU time: 0.7 %
        #expect(c.evidence.contains("0.10 s of its 14.00 s"))
    }

    @Test func cpuSharesAndSecondsAddUp() throws {
        let period = InterferencePeriod(vm: "v", startNs: 0, endNs: 2_000_000_000, kind: .cpu, meanProbability: 0.9, windows: 2)
        let windows = [window(0, stolen: ["noisy": 300_000_000, "kworker/0:1": 100_000_000], waited: 500_000_000),
                       window(1_000_000_000, stolen: ["noisy": 200_000_000], waited: 250_000_000)]
        let c = CulpritFinder().culprit(of: period, windows: windows)
        #expect(c.name == "noisy")
        #expect(abs(c.share - 500.0 / 600.0) < 1e-9)
        let (x, y) = try #require(xOfY(c.evidence))
        #expect(x == 0.5 && y == 0.75)
        #expect(c.others.allSatisfy { $0.share <= 1 })
    }

    /// Bytes tied to no owner count in the link's total for nobody: never the culprit, and the
    /// shares of the named senders stay within 100 %.
    @Test func unattributedBytesAreNobodys() {
        let period = InterferencePeriod(vm: "v", startNs: 0, endNs: 1_000_000_000, kind: .net, meanProbability: 0.9, windows: 1)
        let few = CulpritFinder().culprit(of: period, windows: [window(0, stolen: [:], waited: 0, net: ["lo": ["v": 100, "noisy": 100]],
                                                                        unattributed: ["lo": 800])])
        #expect(few.name == nil)               // noisy 10 % of the link: below the 20 % a culprit needs
        #expect(few.evidence.contains("unattributed 80 %"))
        let c = CulpritFinder().culprit(of: period, windows: [window(0, stolen: [:], waited: 0, net: ["lo": ["v": 100, "noisy": 200]],
                                                                      unattributed: ["lo": 100])])
        #expect(c.name == "noisy")
        #expect(abs(c.share - 0.5) < 1e-9)
        #expect(c.evidence == "noisy made 50 % of the bytes on link lo (100 % of the neighbours'; v 25 %; unattributed 25 %)")
        #expect(c.others.isEmpty)
    }
}

/// A VM that saturates a link is the culprit there, not the victim of the VM it crushes.
@Suite struct SaturatorRuleTests {
    func evidence(_ vm: String, _ i: Int64, _ bytes: [String: Int64]) -> WindowEvidence {
        WindowEvidence(vm: vm, startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, seconds: 0.1,
                       keys: [EventKey(.net, "lo tx"): 1], stolenByName: [:], waitedNs: 0, vcpuNs: 100_000_000, diskRequests: [:],
                       diskBytes: [:], netBytes: ["lo": bytes], netPackets: ["lo": bytes.mapValues { _ in 1 }], diskLatencyMs: 0, xmitDelayMs: 20)
    }

    func diagnose(heavy: Int64, light: Int64) -> [PeriodReport] {
        let d = Diagnoser(detector: PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0))
        var scores: [WindowScore] = [], windows: [WindowEvidence] = []
        for vm in ["heavy", "light"] {
            for i in Int64(0)..<5 {
                scores.append(WindowScore(vm: vm, startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, probability: 0.9, kind: .net))
                windows.append(evidence(vm, i, ["heavy": heavy, "light": light]))
            }
        }
        return d.diagnose(scores: scores, evidence: windows)
    }

    @Test func theHeavierOfTwoMutualBlamersLosesItsPeriod() {
        let reports = diagnose(heavy: 300_000, light: 100_000)
        #expect(reports.map(\.period.vm) == ["light"])
        #expect(reports.first?.culprit.name == "heavy")
    }

    /// Alone on its link for the whole period (a neighbour only before it): no tenant interfered.
    @Test func aVMAloneOnItsLinkHasNoNetPeriod() {
        let d = Diagnoser(detector: PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0))
        let scores = (Int64(2)..<5).map { WindowScore(vm: "solo", startNs: $0 * 100_000_000, endNs: ($0 + 1) * 100_000_000, probability: 0.9, kind: .net) }
        let windows = (Int64(0)..<5).map { evidence("solo", $0, $0 < 2 ? ["solo": 1000, "other": 1000] : ["solo": 50_000]) }
        #expect(d.diagnose(scores: scores, evidence: windows).isEmpty)
        // With a neighbour on the link during the period it stays (and names it).
        let shared = (Int64(0)..<5).map { evidence("solo", $0, ["solo": 50_000, "other": 40_000]) }
        #expect(d.diagnose(scores: scores, evidence: shared).first?.culprit.name == "other")
    }

    /// The saturator stops asking at window 5 but its backlog drains (windows 6–9) while the victim
    /// catches up and now makes most of the link: the saturator's period right after the victim's
    /// is the same contention, judged on the bytes of both (windows 0–9), and it loses it. A
    /// period more than `contentionGapNs` later is a contention of its own.
    @Test func aSaturatorsPeriodJustAfterItsVictimsIsTheSameContention() {
        let d = Diagnoser(detector: PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0))
        func run(gapWindows: Int64) -> [PeriodReport] {
            var scores: [WindowScore] = [], windows: [WindowEvidence] = []
            func at(_ vm: String, _ i: Int64, _ p: Double, _ bytes: [String: Int64]) {
                scores.append(WindowScore(vm: vm, startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, probability: p, kind: .net))
                windows.append(evidence(vm, i, bytes))
            }
            for i in Int64(0)..<(10 + gapWindows) {
                let draining = i >= 6 + gapWindows
                let bytes: [String: Int64] = i < 6 ? ["noisy": 300_000, "victim": 100_000]
                    : draining ? ["noisy": 50_000, "victim": 150_000] : ["victim": 10_000]
                at("victim", i, i < 6 ? 0.9 : 0.1, bytes)
                at("noisy", i, draining ? 0.9 : 0.1, bytes)
            }
            return d.diagnose(scores: scores, evidence: windows)
        }
        let adjacent = run(gapWindows: 0)
        #expect(adjacent.map(\.period.vm) == ["victim"])
        #expect(adjacent.first?.culprit.name == "noisy")
        // 1.5 s apart: two contentions; in the later one victim made more and noisy keeps its period.
        #expect(Set(run(gapWindows: 15).map(\.period.vm)) == ["victim", "noisy"])
    }

    @Test func twoEqualUsersBothKeepTheirPeriods() {
        let reports = diagnose(heavy: 200_000, light: 200_000)
        #expect(Set(reports.map(\.period.vm)) == ["heavy", "light"])
    }

    /// The gate judges a bursty sender on its bytes over the last `memory` windows: one that sends a
    /// 64 KB segment every third window and then a lone ACK still made most of the link.
    @Test func aBurstySaturatorIsJudgedOnItsRate() {
        var windows: [WindowEvidence] = []
        for i in Int64(0)..<9 {
            let burst: Int64 = i % 3 == 0 ? 64_000 : i == 8 ? 100 : 0
            var bytes: [String: Int64] = ["victim": 10_000]
            if burst > 0 { bytes["noisy"] = burst }
            windows.append(evidence("victim", i, bytes))
            windows.append(evidence("noisy", i, bytes))
        }
        let scores = ["victim", "noisy"].map { WindowScore(vm: $0, startNs: 800_000_000, endNs: 900_000_000, probability: 0.9, kind: .net) }
        let gated = EvidenceGate().apply(scores, evidence: windows)
        #expect(gated.map(\.probability) == [0.9, 0])
    }
}

/// The gate's dominance counts the windows a VM sent nothing in: a victim that had the link to
/// itself and is then held back by a newcomer stops being "most of the bytes" as soon as the
/// newcomer's bytes are, though its own windows with bytes still hold mostly its own.
@Suite struct GateDominanceTests {
    func evidence(_ vm: String, _ i: Int64, _ bytes: [String: Int64]) -> WindowEvidence {
        WindowEvidence(vm: vm, startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, seconds: 0.1,
                       keys: [EventKey(.net, "lo tx"): 1], stolenByName: [:], waitedNs: 0, vcpuNs: 100_000_000, diskRequests: [:],
                       diskBytes: [:], netBytes: ["lo": bytes], netPackets: ["lo": bytes.mapValues { _ in 1 }], diskLatencyMs: 0, xmitDelayMs: 20)
    }

    @Test func aVictimSilencedByANewcomerIsNotTheSaturator() {
        // Windows 0–5: the victim alone, 30 kB each. From 6: noisy 40 kB a window; the victim
        // gets one 30 kB burst through at window 7, nothing else.
        var windows: [WindowEvidence] = []
        for i in Int64(0)..<12 {
            var bytes: [String: Int64] = [:]
            if i < 6 || i == 7 { bytes["victim"] = 30_000 }
            if i >= 6 { bytes["noisy"] = 40_000 }
            windows.append(evidence("victim", i, bytes))
        }
        let at = { (i: Int64) in WindowScore(vm: "victim", startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, probability: 0.9, kind: .net) }
        let gated = EvidenceGate().apply((6..<12).map(at), evidence: windows)
        // Over windows 0–9 (the 10 ending at 9) the victim made 6 × 30 + 30 = 210 kB of 370 kB:
        // 57 %, under 60 %; at window 8, 210 of 330 (64 %): still the saturator; from 9 on, a victim.
        // Counting only the windows it sent in (the old rule), window 11 would see windows 2–5
        // and 7: 150 kB of its own of 190 kB, 79 %, and call the victim the saturator.
        #expect(gated.map(\.probability) == [0, 0, 0, 0.9, 0.9, 0.9])
    }
}

/// A period the diagnosis drops (the saturator of a contention) leaves no interfered window.
@Suite struct SettledWindowsTests {
    @Test func theSaturatorsWindowsAreNotInterfered() {
        let d = Diagnoser(detector: PeriodDetector(high: 0.7, low: 0.4, mergeGapNs: 0, minimumNs: 0))
        var scores: [WindowScore] = [], windows: [WindowEvidence] = []
        for vm in ["heavy", "light"] {
            for i in Int64(0)..<5 {
                scores.append(WindowScore(vm: vm, startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, probability: 0.9, kind: .net))
                windows.append(SaturatorRuleTests().evidence(vm, i, ["heavy": 300_000, "light": 100_000]))
            }
        }
        scores.append(WindowScore(vm: "light", startNs: 500_000_000, endNs: 600_000_000, probability: 0.3, kind: .net))
        let (reports, settled) = d.diagnosis(scores: scores, evidence: windows)
        #expect(reports.map(\.period.vm) == ["light"])
        #expect(settled.filter { $0.vm == "heavy" }.map(\.probability) == [0, 0, 0, 0, 0])
        #expect(settled.filter { $0.vm == "light" }.map(\.probability) == [0.9, 0.9, 0.9, 0.9, 0.9, 0.3])
        // Nothing dropped: nothing changes.
        let light = scores.filter { $0.vm == "light" }
        #expect(d.diagnosis(scores: light, evidence: windows.filter { $0.vm == "light" }).settled == light)
    }
}

@Suite struct ClusterNamerTests {
    @Test func clusterNamesFollowTheRule() {
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.95]) == .cpu)
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.02]) == .idle)
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.15, "block_read_per_s": 68]) == .disk)
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.1, "net_tx_bytes_per_s": 290_000]) == .net)
        #expect(ClusterNamer.name(centroid: ["kvm_guest_share": 0.6, "kvm_hypervisor_share": 0.3, "kvm_exits_per_s": 3000,
                                             "kvm_exits_ept_violation_per_s": 2000]) == .memory)
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.9, "block_write_bytes_per_s": 5e6]) == .mixed)
        // CPU demand, not CPU received: two busy vCPUs sharing one CPU run 41 % of their time and
        // wait or are preempted for most of the rest; they still want the CPU.
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.41, "sched_idle_share": 0.12, "block_write_per_s": 90]) == .mixed)
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.41, "sched_idle_share": 0.12]) == .cpu)
        #expect(ClusterNamer.name(centroid: ["sched_running_share": 0.1, "sched_idle_share": 0.85]) == .idle)
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

@Suite struct WindowCategoryTests {
    @Test func ioAroundTheWindowWinsOverAnIdleCluster() {
        let streaming = ["sched_running_share": 0.05, "sched_idle_share": 0.9, "net_tx_bytes_per_s": 280_000, "net_rx_bytes_per_s": 9_000]
        let quiet = ["sched_running_share": 0.05, "sched_idle_share": 0.9, "net_tx_bytes_per_s": 2_000, "net_rx_bytes_per_s": 100]
        #expect(Scorer.category(cluster: "idle", around: streaming) == "net")
        #expect(Scorer.category(cluster: "idle", around: quiet) == "idle")
        // Only an idle cluster is overridden: a named cluster keeps its name.
        #expect(Scorer.category(cluster: "cpu", around: streaming) == "cpu")
    }

    /// A sender of one 64 KB segment every fifth window: its windows without a packet are net
    /// (the mean over the nine windows around each is ≥ 100 kB/s), a VM's rows never mix with
    /// another's, and the span is cut at the ends of the trace.
    @Test func theMeansAroundAWindowAreThoseOfItsOwnVMOverNineWindows() {
        let schema = FeatureSchema(groups: [.net], windowNs: 100_000_000)
        let tx = schema.columns.firstIndex(of: "net_tx_bytes_per_s")!
        func row(_ vm: String, _ i: Int64, _ bytesPerSecond: Double) -> FeatureRow {
            var values = [Double](repeating: 0, count: schema.columns.count)
            values[tx] = bytesPerSecond
            return FeatureRow(vm: vm, startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, values: values, label: nil)
        }
        var rows: [FeatureRow] = []
        for i in Int64(0)..<20 {
            rows.append(row("bursty", i, i % 5 == 0 ? 655_360 : 0))
            rows.append(row("quiet", i, 0))
        }
        let means = Scorer.neighbourhoodMeans(FeatureTable(schema: schema, rows: rows))
        // bursty's window 2: windows 0…6 hold 0 and 5 → 2 segments over 7 windows
        #expect(means[4]["net_tx_bytes_per_s"] == 2 * 655_360.0 / 7)
        // window 10: windows 6…14 hold one segment (10)
        #expect(means[20]["net_tx_bytes_per_s"] == 655_360.0 / 9)
        #expect(means[21]["net_tx_bytes_per_s"] == 0)
        #expect(Scorer.category(cluster: "idle", around: means[22]) == "net")    // bursty, window 11: 10 and 15
        #expect(Scorer.category(cluster: "idle", around: means[23]) == "idle")   // quiet, window 11
    }
}

/// A window the VM's vCPUs slept through is scored on the VM's means over the nine windows
/// around it: it scores as a row of those means does, and a window with any vCPU activity keeps
/// its own score.
@Suite struct SleptThroughWindowTests {
    @Test func aSleptThroughWindowScoresAsItsNeighbourhood() throws {
        let model = try InterferenceModel.load(path: Fixtures.projectRoot.appendingPathComponent("models/default.json").path)
        let schema = FeatureSchema(groups: [.sched, .block, .net], windowNs: 100_000_000)
        let column = { (name: String) in schema.columns.firstIndex(of: name)! }
        func row(_ i: Int64, asleep: Bool) -> FeatureRow {
            var values = [Double](repeating: 0, count: schema.columns.count)
            values[column("sched_vcpus")] = 1
            values[column("sched_running_share")] = asleep ? 0 : 0.2
            values[column("sched_idle_share")] = asleep ? 1 : 0.8
            values[column("net_tx_bytes_per_s")] = asleep ? 0 : 600_000
            values[column("net_xmit_wait_mean_ms")] = 200
            values[column("net_link_others_share")] = 0.6
            return FeatureRow(vm: "v", startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, values: values, label: nil)
        }
        let rows = (Int64(0)..<12).map { row($0, asleep: $0 % 3 == 1) }
        let table = FeatureTable(schema: schema, rows: rows)
        #expect(Scorer.asleepRows(table) == [1, 4, 7, 10])
        let scorer = Scorer(model: model)
        let scored = try scorer.windowScores(table).windows
        // Window 4's neighbourhood is windows 0…8: three slept through, six not.
        let means = Scorer.neighbourhoodMeans(table)[4]
        var meanRow = rows[4]
        meanRow.values = schema.columns.map { means[$0]! }
        let alone = try scorer.windowScores(FeatureTable(schema: schema, rows: [meanRow])).windows[0]
        #expect(abs(scored[4].probability - alone.probability) < 1e-12)
        #expect(scored[4].kind == alone.kind)
        // An awake window is scored on its own values.
        let own = try scorer.windowScores(FeatureTable(schema: schema, rows: [rows[3]])).windows[0]
        #expect(abs(scored[3].probability - own.probability) < 1e-12 && scored[3].kind == own.kind)
        // The slept-through window alone (no neighbours) is scored on itself.
        let lone = try scorer.windowScores(FeatureTable(schema: schema, rows: [rows[4]])).windows[0]
        #expect(lone.probability != scored[4].probability)
    }
}

/// Scoring in chunks (`Scorer.chunkRows`) gives exactly what one chunk gives: the same
/// probabilities (bit for bit), kinds and categories, slept-through windows and "idle" windows
/// near a chunk's edge included (their neighbourhoods span chunks, and the slept-through rows are
/// scored in chunks of their own). BLAS computes a matrix product in blocks of a few rows, the last
/// partial block by other kernels whose sums may differ in the last bit, so a chunk is a whole
/// number of `Scorer.chunkQuantum` rows: each row is then in the same kind of block as in one chunk.
@Suite struct ChunkedScoringTests {
    @Test func chunksScoreAsOneChunk() throws {
        let model = try InterferenceModel.load(path: Fixtures.projectRoot.appendingPathComponent("models/default.json").path)
        let schema = FeatureSchema(groups: [.sched, .block, .net], windowNs: 100_000_000)
        let column = { (name: String) in schema.columns.firstIndex(of: name)! }
        // Four VMs interleaved, 80 windows each: busy, streaming in bursts, and two asleep now and then.
        var rows: [FeatureRow] = []
        for i in Int64(0)..<80 {
            for (v, vm) in ["busy", "bursty", "sleepy", "dozy"].enumerated() {
                var values = [Double](repeating: 0, count: schema.columns.count)
                let asleep = (v == 1 && (i % 5 == 2 || i % 5 == 3)) || (v == 2 && i % 4 != 0) || (v == 3 && i % 2 == 1)
                let running = v == 0 ? 0.9 - 0.02 * Double(i % 7) : (asleep ? 0 : 0.05 + 0.01 * Double(i % 3))
                values[column("sched_vcpus")] = 2
                values[column("sched_running_share")] = running
                values[column("sched_preempted_share")] = v == 0 ? 0.05 * Double(i % 3) : 0
                values[column("sched_idle_share")] = 1 - running - values[column("sched_preempted_share")]
                values[column("net_tx_bytes_per_s")] = v == 1 && i % 5 == 0 ? 655_360 : 0
                values[column("net_xmit_wait_mean_ms")] = v == 1 ? 20 * Double(i % 4) : 0
                values[column("block_read_bytes_per_s")] = v == 0 || v == 3 ? 1_000 * Double(i % 11) : 0
                rows.append(FeatureRow(vm: vm, startNs: i * 100_000_000, endNs: (i + 1) * 100_000_000, values: values, label: nil))
            }
        }
        let table = FeatureTable(schema: schema, rows: rows)
        #expect(Scorer.asleepRows(table).count > 2 * Scorer.chunkQuantum)
        let whole = try Scorer(model: model, chunkRows: 1 << 20).windowScores(table)
        #expect(Set(whole.categories).count > 1)
        for chunkRows in [Scorer.chunkQuantum, 2 * Scorer.chunkQuantum, 3 * Scorer.chunkQuantum] {
            let chunked = try Scorer(model: model, chunkRows: chunkRows).windowScores(table)
            #expect(chunked.windows.map(\.probability.bitPattern) == whole.windows.map(\.probability.bitPattern), "chunkRows \(chunkRows)")
            #expect(chunked.windows == whole.windows && chunked.categories == whole.categories, "chunkRows \(chunkRows)")
        }
        // The rows given by a closure (a spool read back) score as the table's.
        let streamed = try Scorer(model: model, chunkRows: Scorer.chunkQuantum).windowScores(schema: schema) { body in try rows.forEach(body) }
        #expect(streamed.windows == whole.windows && streamed.categories == whole.categories)
        // A chunk is a whole number of quanta.
        #expect(Scorer(model: model, chunkRows: 3).chunkRows == Scorer.chunkQuantum)
        #expect(Scorer(model: model, chunkRows: Scorer.chunkQuantum + 1).chunkRows == 2 * Scorer.chunkQuantum)
    }
}

/// A dataset recorded with guests beside the host reads the host's own traces.
@Suite struct HostWithGuestsDatasetTests {
    @Test func theHostWithItsGuestsLearnsWhatTheHostAloneDoes() throws {
        let folder = Fixtures.projectRoot.appendingPathComponent("datasets/host-guest").path
        let both = try Dataset(path: folder).read(windowNs: 100_000_000)
        let alone = try Dataset(path: folder + "/trace").read(windowNs: 100_000_000)
        #expect(both.features.vmNames == ["web", "db", "batch", "stream"])
        #expect(both.features.table.csv() == alone.features.table.csv())
        #expect(both.features.table.rows.contains { $0.label != nil })
    }
}

@Suite struct HeldBackCategoryTests {
    func windows(_ n: Int) -> [WindowScore] {
        (0..<n).map { WindowScore(vm: "v", startNs: Int64($0) * 100, endNs: Int64($0 + 1) * 100, probability: 0, kind: .net) }
    }

    @Test func anIdleWindowInANetPeriodTakesTheCategoryBefore() {
        let cats = ["net", "idle", "net", "net", "idle", "idle", "net", "idle", "idle"]
        let period = InterferencePeriod(vm: "v", startNs: 400, endNs: 800, kind: .net, meanProbability: 0.9, windows: 4)
        let out = HeldBackCategory.apply(categories: cats, windows: windows(9), periods: [period])
        // Windows 4…7 are in the period: its idle ones become "net" (3 of the 4 before were net);
        // window 8, after it, stays idle.
        #expect(out == ["net", "idle", "net", "net", "net", "net", "net", "net", "idle"])
    }

    @Test func withNothingBeforeTheResourceNamesItAndCPUPeriodsAreLeftAlone() {
        let cats = ["idle", "idle", "idle"]
        let disk = InterferencePeriod(vm: "v", startNs: 0, endNs: 200, kind: .disk, meanProbability: 0.9, windows: 2)
        #expect(HeldBackCategory.apply(categories: cats, windows: windows(3), periods: [disk]) == ["disk", "disk", "idle"])
        let cpu = InterferencePeriod(vm: "v", startNs: 0, endNs: 300, kind: .cpu, meanProbability: 0.9, windows: 3)
        #expect(HeldBackCategory.apply(categories: cats, windows: windows(3), periods: [cpu]) == cats)
        // A mixed VM stays mixed.
        let mixed = ["mixed", "mixed", "cpu", "idle"]
        let late = InterferencePeriod(vm: "v", startNs: 300, endNs: 400, kind: .disk, meanProbability: 0.9, windows: 1)
        #expect(HeldBackCategory.apply(categories: mixed, windows: windows(4), periods: [late]) == ["mixed", "mixed", "cpu", "mixed"])
    }
}
