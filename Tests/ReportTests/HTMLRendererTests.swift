@testable import Diagnosis
import Foundation
import HostModel
import Testing
@testable import Recording
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

    @Test func guestThreadsAreLanesUnderTheirVMsProcessFlow() {
        var doc = document(vms: [vm("web", index: 0), vm("db", index: 1)])
        let axis = doc.guestAxis
        #expect(axis == GuestThreadTimeline.Axis(originNs: 1_000_000_000, widthNs: 4_000_000, count: 500))
        // Thread 1000: in guest mode for 0.5 s, its vCPU preempted for 0.5 s, then blocked;
        // thread 1001 waits for a guest CPU 0.2 s, then is blocked.
        func bins(_ states: [(Int, Int)]) -> [[Int64]] {
            var out: [[Int64]] = []
            for (state, count) in states { for _ in 0..<count { var b = [Int64](repeating: 0, count: 5); b[state] = 4_000_000; out.append(b) } }
            return out
        }
        let link = GuestLink(guest: "web-guest", host: "h", vm: "web", vmPID: 7, method: .hostname, clockOffsetNs: nil, syncMessages: 0)
        let report = GuestThreadReport(link: link, threads: [GuestThreadTimes(tid: 1000, comm: "app"), GuestThreadTimes(tid: 1001, comm: "app")],
                                       timelines: [GuestThreadTimeline(tid: 1000, comm: "app", bins: bins([(0, 125), (2, 125), (4, 250)])),
                                                   GuestThreadTimeline(tid: 1001, comm: "app", bins: bins([(3, 50), (4, 450)]))])
        let attached = doc.attachGuestThreads(report)
        #expect(attached)
        #expect(doc.vms[1].guestLanes.isEmpty)
        let html = HTMLRenderer().render(doc)
        let web = html.components(separatedBy: "<section class=\"vm\" id=\"vm-web\"")[1].components(separatedBy: "</section>")[0]
        #expect(web.contains("<h4 class=\"guest-lanes\">Guest threads of web (guest web-guest)</h4>"))
        let lanes = web.components(separatedBy: "<div class=\"guest-lanes\" data-guest=\"web-guest\">")[1].components(separatedBy: "</div>")[0]
        #expect(lanes.contains(">1000 app</text>") && lanes.contains(">1001 app</text>"))
        #expect(lanes.contains("<title>1000 app 0.000–0.500 s: guest (guest 100 %)</title>"))
        #expect(lanes.contains("<title>1000 app 0.500–1.000 s: preempted (preempted 100 %)</title>"))
        #expect(lanes.contains("<title>1001 app 0.000–0.200 s: waiting (waiting 100 %)</title>"))
        #expect(lanes.components(separatedBy: "<title>").count - 1 == 3)   // blocked is not drawn
        // The process flow comes first, then the guest lanes, then the table.
        let flow = web.range(of: "<h3>Process flow</h3>")!, guestLanes = web.range(of: "guest-lanes")!, table = web.range(of: "<h3>Guest threads")!
        #expect(flow.lowerBound < guestLanes.lowerBound && guestLanes.lowerBound < table.lowerBound)
        #expect(!html.components(separatedBy: "id=\"vm-db\"")[1].contains("guest-lanes"))
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
