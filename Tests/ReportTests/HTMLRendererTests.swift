@testable import Diagnosis
import Foundation
import Testing
@testable import Report

@Suite struct HTMLRendererTests {
    func document(vms: [ReportDocument.VM], missing: [String] = []) -> ReportDocument {
        let summary = ReportDocument.Summary(trace: "t", hostname: "h", tracer: "lttng-modules", spanNs: 2_000_000_000,
                                             events: 10, discardedEvents: 0, discardedPackets: 0, cpus: 1,
                                             featureGroups: ["sched"], modelVariant: "full")
        let lane = ReportDocument.Lane(name: "CPU 0", segments: [.init(startNs: 1_000_000_000, endNs: 1_500_000_000, label: "a<b", style: "vm-0", detail: "a<b 100 %")])
        return ReportDocument(summary: summary, originNs: 1_000_000_000, endNs: 3_000_000_000, splitsGuest: true,
                              missing: missing, cpus: [lane], vms: vms, detector: PeriodDetector())
    }

    func vm(_ name: String, index: Int, periods: [PeriodReport] = []) -> ReportDocument.VM {
        let column = ReportDocument.Column(startNs: 1_000_000_000, endNs: 1_100_000_000, states: [0.5, 0.1, 0.4, 0, 0],
                                           probability: 0.9, kind: .cpu, windows: 1)
        return .init(name: name, pid: 7, index: index, category: "cpu", categoryShares: [("cpu", 1)], columns: [column],
                     rates: [], periods: periods, threads: [], threadsLeftOut: 0)
    }

    @Test func oneSectionPerVMWithItsPeriodsAndHoverTitles() {
        let period = PeriodReport(period: .init(vm: "web", startNs: 1_500_000_000, endNs: 2_000_000_000, kind: .cpu, meanProbability: 0.95, windows: 5),
                                  frequentKeys: [.init(key: "kvm_exit HLT", count: 3)], overRepresentedKeys: [],
                                  culprit: .init(name: "backup", share: 1, resource: .cpu, evidence: "backup held it", others: []),
                                  action: .init(summary: "pin", detail: "why"))
        let html = HTMLRenderer().render(document(vms: [vm("web", index: 0, periods: [period]), vm("db", index: 1)]))
        #expect(html.components(separatedBy: "<section class=\"vm\"").count - 1 == 2)
        #expect(html.contains("id=\"vm-web\""))
        #expect(html.contains("data-vm=\"web\" data-kind=\"cpu\" data-start-ns=\"1500000000\" data-end-ns=\"2000000000\" data-culprit=\"backup\""))
        #expect(html.contains("<title>CPU 0 0.000–0.500 s: a&lt;b (a&lt;b 100 %)</title>"))
        #expect(html.contains("0.000–0.100 s: guest 50 %, hypervisor 10 %, preempted 40 %; P(interfered) 0.90, cpu"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=") && !html.contains("href="))
    }

    @Test func whatIsMissingIsSaidNotDrawnEmpty() {
        let html = HTMLRenderer().render(document(vms: [], missing: ["No virtual machine in this trace."]))
        #expect(html.contains("<li>No virtual machine in this trace.</li>"))
        #expect(html.contains("No VM to show"))
    }

    @Test func ticksAreRoundSeconds() {
        #expect(HTMLRenderer.tickStep(3) == 0.5)
        #expect(HTMLRenderer.tickStep(25.3) == 5)
        #expect(HTMLRenderer.tickStep(650) == 100)
        #expect(HTMLRenderer.tickLabel(1.5, 0.5) == "1.5")
    }
}
