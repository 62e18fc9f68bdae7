import Diagnosis
import HostModel
import Foundation
import Recording

/// Lays a `ReportDocument` out as one self-contained HTML file: inline CSS and SVG, no script,
/// no external resource. Every drawn segment carries a `<title>` (start, end, what), times are
/// seconds from the trace start.
public struct HTMLRenderer {
    public var plotWidth = 1000.0
    public var labelWidth = 190.0
    public var laneHeight = 14.0

    public init() {}

    public func render(_ doc: ReportDocument) -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>Interfere report: \(esc(doc.summary.trace))</title>
        <style>\(Self.css)</style></head><body>
        <h1>Interfere report</h1>

        """
        h += summary(doc)
        h += resourceView(doc)
        if doc.vms.isEmpty {
            h += "<section id=\"vms\"><h2>Virtual machines</h2><p class=\"missing\">No VM to show: see the notes above.</p></section>\n"
        }
        for vm in doc.vms { h += vmSection(vm, doc) }
        h += "</body></html>\n"
        return h
    }

    // MARK: - Sections

    func summary(_ doc: ReportDocument) -> String {
        let s = doc.summary
        var rows: [(String, String)] = [
            ("trace", s.trace), ("hostname", s.hostname ?? "unknown"), ("tracer", s.tracer ?? "unknown"),
            ("span", String(format: "%.3f s (trace clock %.3f s to %.3f s)", Double(s.spanNs) / 1e9, Double(doc.originNs) / 1e9, Double(doc.endNs) / 1e9)),
            ("events", "\(s.events)"), ("discarded", "\(s.discardedEvents) events, \(s.discardedPackets) packets"),
            ("CPUs with events", "\(s.cpus)"), ("VMs", doc.vms.isEmpty ? "none" : doc.vms.map(\.name).joined(separator: ", ")),
            ("feature groups", s.featureGroups.isEmpty ? "none" : s.featureGroups.joined(separator: ", ")),
            ("model variant", s.modelVariant ?? "none (not scored)"),
        ]
        if let d = doc.detector {
            rows.append(("period detector", String(format: "open at P ≥ %.2f, keep while P ≥ %.2f, merge gaps < %.0f ms, drop periods < %.0f ms",
                                                   d.high, d.low, Double(d.mergeGapNs) / 1e6, Double(d.minimumNs) / 1e6)))
        }
        var h = "<section id=\"summary\"><h2>Host summary</h2>\n<table class=\"facts\">"
        for (k, v) in rows { h += "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>" }
        h += "</table>\n"
        if !doc.missing.isEmpty {
            h += "<ul class=\"missing\">" + doc.missing.map { "<li>\(esc($0))</li>" }.joined() + "</ul>\n"
        }
        return h + "</section>\n"
    }

    func resourceView(_ doc: ReportDocument) -> String {
        var h = "<section id=\"resources\"><h2>Resource view: who ran on each CPU</h2>\n"
        guard !doc.cpus.isEmpty else {
            return h + "<p class=\"missing\">No CPU lane: the trace has no sched_switch events.</p></section>\n"
        }
        var legend = doc.vms.map { (esc($0.name), "vm-\($0.index % 10)") }
        legend += [("host processes", "host"), ("kernel threads", "kernel"), ("idle (blank)", "blank"), ("interference period", "period")]
        h += legendHTML(legend)
        h += laneChart(doc.cpus, periods: doc.periods, doc: doc, vmStyle: true)
        return h + "</section>\n"
    }

    func vmSection(_ vm: ReportDocument.VM, _ doc: ReportDocument) -> String {
        let id = "vm-" + slug(vm.name)
        var h = "<section class=\"vm\" id=\"\(id)\" data-vm=\"\(esc(vm.name))\"><h2><span class=\"swatch vm-\(vm.index % 10)\"></span>VM \(esc(vm.name)) <small>pid \(vm.pid)</small></h2>\n"
        if let c = vm.category {
            let shares = vm.categoryShares.map { "\(esc($0.name)) \(LaneSegments.percent($0.share))" }.joined(separator: ", ")
            h += "<p class=\"category\">Workload: <b>\(esc(c))</b> (windows: \(shares))</p>\n"
        } else {
            h += "<p class=\"category missing\">Workload: not scored.</p>\n"
        }
        // vCPU states and P(interfered), one column per window or group of windows.
        h += "<h3>vCPU states per window</h3>\n"
        if vm.columns.isEmpty {
            h += "<p class=\"missing\">No window of this VM has vCPU time (its vCPUs never ran while traced).</p>\n"
        } else {
            let states = doc.splitsGuest ? ["guest", "hypervisor", "preempted", "waiting", "idle"] : ["running", "preempted", "waiting", "idle"]
            h += legendHTML(states.map { ($0, $0) } + [("P(interfered)", "pline"), ("interference period", "period")])
            h += statesAndProbability(vm, doc)
        }
        if !vm.rates.isEmpty {
            h += "<h3>Disk and network</h3>\n"
            for r in vm.rates { h += rateChart(r, vm: vm, doc: doc) }
        }
        h += periodsHTML(vm, doc)
        h += "<h3>Process flow</h3>\n"
        if vm.threads.isEmpty {
            h += "<p class=\"missing\">No thread of this VM was seen on a CPU.</p>\n"
        } else {
            let names = doc.splitsGuest ? ["guest", "hypervisor", "running", "preempted", "waiting", "idle"] : ["running", "preempted", "waiting", "idle"]
            h += legendHTML(names.map { ($0, $0) } + [("interference period", "period")])
            h += laneChart(vm.threads, periods: vm.periods.map(\.period), doc: doc, vmStyle: false)
            if vm.threadsLeftOut > 0 { h += "<p class=\"note\">\(vm.threadsLeftOut) less active I/O threads not drawn.</p>\n" }
        }
        if !vm.guestLanes.isEmpty, let guest = vm.guestThreads {
            // The guest's threads under their VM, on the same time axis (host clock).
            h += "<h4 class=\"guest-lanes\">Guest threads of \(esc(vm.name)) (guest \(esc(guest.link.guest)))</h4>\n"
            h += legendHTML(zip(GuestThreadView.states, GuestLanes.styles).filter { $0.0 != "blocked" }.map { ($0.0, $0.1) } + [("blocked (blank)", "blank")])
            h += "<div class=\"guest-lanes\" data-guest=\"\(esc(guest.link.guest))\">" + laneChart(vm.guestLanes, periods: vm.periods.map(\.period), doc: doc, vmStyle: false) + "</div>\n"
        }
        if let guest = vm.guestThreads { h += guestThreadsHTML(guest) }
        return h + "</section>\n"
    }

    /// The VM's guest threads, from its own guest trace fused with the host's (totals over the trace).
    func guestThreadsHTML(_ r: GuestThreadReport) -> String {
        let l = r.link
        var h = "<h3>Guest threads (guest \(esc(l.guest)))</h3>\n<p class=\"note\">"
        h += l.clockOffsetNs.map { esc("Guest clock aligned by \(l.clockEvidence) (host = guest \($0 < 0 ? "-" : "+") \(abs($0)) ns\(l.clockToleranceText)).") }
            ?? "No vmsync events: the guest and host clocks are taken as one."
        h += "</p>\n<table class=\"facts\"><tr><th>tid</th><th>comm</th><th>guest s</th><th>hypervisor s</th><th>vCPU preempted s</th><th>waiting s</th><th>blocked s</th><th>preempted by</th></tr>"
        func s(_ ns: Int64) -> String { String(format: "%.3f", Double(ns) / 1e9) }
        for t in r.threads {
            let by = t.preemptedBy.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key) \(s($0.value)) s" }.joined(separator: ", ")
            let cells: [String] = ["\(t.tid)", esc(t.comm), s(t.guestNs), s(t.hypervisorNs), s(t.vcpuPreemptedNs),
                                   s(t.waitingNs), s(t.blockedNs), esc(by.isEmpty ? "-" : by)]
            h += "<tr>" + cells.map { "<td>" + $0 + "</td>" }.joined() + "</tr>"
        }
        return h + "</table>\n"
    }

    func statesAndProbability(_ vm: ReportDocument.VM, _ doc: ReportDocument) -> String {
        let stackHeight = 70.0, gap = 8.0, pHeight = 50.0
        let order = doc.splitsGuest ? [0, 1, 2, 3, 4] : [1, 2, 3, 4]
        let style = ["guest", doc.splitsGuest ? "hypervisor" : "running", "preempted", "waiting", "idle"]
        var paths = [String](repeating: "", count: 5)
        var hover = ""
        var points: [String] = []
        for c in vm.columns {
            let x0 = x(c.startNs, doc), x1 = max(x(c.endNs, doc), x0 + 0.3)
            var y = stackHeight
            for k in order where c.states[k] > 0 {
                let hgt = min(c.states[k], 1) * stackHeight
                paths[k] += String(format: "M%.1f %.1fh%.1fv%.1fh%.1fz", x0, y - hgt, x1 - x0, hgt, x0 - x1)
                y -= hgt
            }
            let shares = order.filter { c.states[$0] > 0.0005 }.map { "\(style[$0]) \(LaneSegments.percent(c.states[$0]))" }.joined(separator: ", ")
            var title = "\(span(c.startNs, c.endNs, doc))" + (c.windows > 1 ? " (\(c.windows) windows)" : "") + ": \(shares.isEmpty ? "no vCPU time" : shares)"
            if !c.probability.isNaN {
                title += String(format: "; P(interfered) %.2f%@", c.probability, c.windows > 1 ? " (highest)" : "")
                if c.probability >= 0.5 { title += ", \(c.kind?.rawValue ?? "")" }
                let py = stackHeight + gap + pHeight * (1 - c.probability)
                points.append(String(format: "%.1f,%.1f", (x0 + x1) / 2, py))
            }
            hover += String(format: "<rect class=\"hover\" x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%.1f\"><title>%@</title></rect>", x0, x1 - x0, stackHeight + gap + pHeight, esc(title))
        }
        var svg = ""
        for k in order where !paths[k].isEmpty { svg += "<path class=\"\(style[k])\" d=\"\(paths[k])\"/>" }
        svg += text("vCPU time", x: labelWidth - 6, y: stackHeight / 2, anchor: "end")
        let top = stackHeight + gap
        svg += String(format: "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", labelWidth, top, plotWidth, pHeight)
        svg += text("P(interfered)", x: labelWidth - 6, y: top + pHeight / 2, anchor: "end")
        if let d = doc.detector {
            for (v, name) in [(d.high, "high"), (d.low, "low")] {
                let y = top + pHeight * (1 - v)
                svg += String(format: "<line class=\"threshold\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"><title>%@ threshold %.2f</title></line>", labelWidth, labelWidth + plotWidth, y, y, name, v)
                svg += text(String(format: "%.2f", v), x: labelWidth + plotWidth + 4, y: y + 4, anchor: "start")
            }
        }
        if !points.isEmpty { svg += "<polyline class=\"pline\" points=\"\(points.joined(separator: " "))\"/>" }
        svg += periodShades(vm.periods.map(\.period), y: 0, height: top + pHeight, doc: doc)
        svg += hover
        return chart(svg, height: top + pHeight, doc: doc)
    }

    func rateChart(_ r: ReportDocument.Rate, vm: ReportDocument.VM, doc: ReportDocument) -> String {
        let height = 40.0
        let top = max(r.values.max() ?? 0, 1e-9)
        var points: [String] = []
        var hover = ""
        for (i, c) in vm.columns.enumerated() where i < r.values.count {
            let x0 = x(c.startNs, doc), x1 = max(x(c.endNs, doc), x0 + 0.3)
            points.append(String(format: "%.1f,%.1f", (x0 + x1) / 2, height * (1 - r.values[i] / top)))
            hover += String(format: "<rect class=\"hover\" x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%.1f\"><title>%@: %@ %.3g %@</title></rect>",
                            x0, x1 - x0, height, span(c.startNs, c.endNs, doc), esc(r.name), r.values[i], esc(r.unit))
        }
        var svg = String(format: "<rect class=\"frame\" x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%.1f\"/>", labelWidth, plotWidth, height)
        svg += text("\(r.name) (\(r.unit))", x: labelWidth - 6, y: height / 2, anchor: "end")
        svg += text(String(format: "%.3g", top), x: labelWidth + plotWidth + 4, y: 10, anchor: "start")
        svg += "<polyline class=\"rate\" points=\"\(points.joined(separator: " "))\"/>"
        svg += periodShades(vm.periods.map(\.period), y: 0, height: height, doc: doc)
        svg += hover
        return chart(svg, height: height, doc: doc)
    }

    func periodsHTML(_ vm: ReportDocument.VM, _ doc: ReportDocument) -> String {
        var h = "<h3>Interference periods</h3>\n"
        guard vm.category != nil else { return h + "<p class=\"missing\">Not scored, so no periods.</p>\n" }
        guard !vm.periods.isEmpty else { return h + "<p class=\"none\">No interference period.</p>\n" }
        for (n, p) in vm.periods.enumerated() {
            let q = p.period
            h += "<div class=\"period\" data-vm=\"\(esc(q.vm))\" data-kind=\"\(esc(q.kind.rawValue))\" data-start-ns=\"\(q.startNs)\" data-end-ns=\"\(q.endNs)\" data-culprit=\"\(esc(p.culprit.name ?? ""))\">"
            h += String(format: "<h4>Period %d: %@ interference, %@ (trace clock %.3f – %.3f s), mean P %.2f over %d windows</h4>",
                        n + 1, esc(q.kind.rawValue), span(q.startNs, q.endNs, doc), Double(q.startNs) / 1e9, Double(q.endNs) / 1e9, q.meanProbability, q.windows)
            h += "<p><b>Culprit:</b> \(esc(p.culprit.name ?? "none stands out")) — \(esc(p.culprit.evidence))</p>"
            h += "<p><b>Most frequent events:</b> " + p.frequentKeys.prefix(6).map { "\(esc($0.key)) (\($0.count))" }.joined(separator: ", ") + "</p>"
            h += "<p><b>Over-represented events:</b> " + p.overRepresentedKeys.prefix(6).map { String(format: "%@ (x%.1f)", esc($0.key), $0.ratio) }.joined(separator: ", ") + "</p>"
            h += "<p><b>Action:</b> \(esc(p.action.summary)) <span class=\"detail\">\(esc(p.action.detail))</span></p></div>\n"
        }
        return h
    }

    // MARK: - Drawing

    func x(_ t: Int64, _ doc: ReportDocument) -> Double {
        let span = Double(max(doc.endNs - doc.originNs, 1))
        return labelWidth + min(max(Double(t - doc.originNs) / span, 0), 1) * plotWidth
    }

    func span(_ a: Int64, _ b: Int64, _ doc: ReportDocument) -> String {
        String(format: "%.3f–%.3f s", Double(a - doc.originNs) / 1e9, Double(min(b, doc.endNs) - doc.originNs) / 1e9)
    }

    func segments(_ lane: ReportDocument.Lane, y: Double, doc: ReportDocument, vmStyle: Bool) -> String {
        var s = ""
        for g in lane.segments {
            let x0 = x(g.startNs, doc), x1 = max(x(g.endNs, doc), x0 + 0.3)
            let style = vmStyle && g.style.hasPrefix("vm-") ? "vm-\((Int(g.style.dropFirst(3)) ?? 0) % 10)" : g.style
            s += String(format: "<rect class=\"%@\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%@ %@: %@ (%@)</title></rect>",
                        style, x0, y, x1 - x0, laneHeight, esc(lane.name), span(g.startNs, g.endNs, doc), esc(g.label), esc(g.detail))
        }
        return s
    }

    /// One lane per row, its name on the left, the periods shaded across all of them, a time axis.
    func laneChart(_ lanes: [ReportDocument.Lane], periods: [InterferencePeriod], doc: ReportDocument, vmStyle: Bool) -> String {
        let height = Double(lanes.count) * (laneHeight + 2)
        var svg = ""
        for (row, lane) in lanes.enumerated() {
            let y = Double(row) * (laneHeight + 2)
            svg += text(lane.name, x: labelWidth - 6, y: y + laneHeight - 3, anchor: "end")
            svg += segments(lane, y: y, doc: doc, vmStyle: vmStyle)
        }
        svg += periodShades(periods, y: 0, height: height, doc: doc)
        return chart(svg, height: height, doc: doc)
    }

    func periodShades(_ periods: [InterferencePeriod], y: Double, height: Double, doc: ReportDocument) -> String {
        periods.map { p in
            let x0 = x(p.startNs, doc), x1 = max(x(p.endNs, doc), x0 + 1)
            return String(format: "<rect class=\"period\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%@: %@ interference %@</title></rect>",
                          x0, y, x1 - x0, height, esc(p.vm), esc(p.kind.rawValue), span(p.startNs, p.endNs, doc))
        }.joined()
    }

    /// An SVG with the plot, then a time axis in seconds from the trace start below it.
    func chart(_ body: String, height: Double, doc: ReportDocument) -> String {
        let total = height + 24
        var axis = String(format: "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", labelWidth, labelWidth + plotWidth, height + 2, height + 2)
        let seconds = Double(max(doc.endNs - doc.originNs, 1)) / 1e9
        let step = Self.tickStep(seconds)
        var t = 0.0
        while t <= seconds + step * 1e-9 {
            let px = labelWidth + t / seconds * plotWidth
            axis += String(format: "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", px, px, height + 2, height + 6)
            axis += text(Self.tickLabel(t, step), x: px, y: height + 17, anchor: "middle")
            t += step
        }
        axis += text("s", x: labelWidth + plotWidth + 12, y: height + 17, anchor: "start")
        return String(format: "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">", labelWidth + plotWidth + 40, total, labelWidth + plotWidth + 40, total)
            + body + axis + "</svg>\n"
    }

    static func tickStep(_ seconds: Double) -> Double {
        let raw = seconds / 8
        let magnitude = pow(10, floor(log10(max(raw, 1e-9))))
        for m in [1.0, 2.0, 5.0, 10.0] where m * magnitude >= raw { return m * magnitude }
        return 10 * magnitude
    }

    static func tickLabel(_ t: Double, _ step: Double) -> String {
        let decimals = max(0, Int(-floor(log10(step))))
        return String(format: "%.\(decimals)f", t)
    }

    func text(_ s: String, x: Double, y: Double, anchor: String) -> String {
        String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%@\">%@</text>", x, y, anchor, esc(s))
    }

    func legendHTML(_ items: [(String, String)]) -> String {
        "<div class=\"legend\">" + items.map { "<span><span class=\"swatch \($0.1)\"></span>\($0.0)</span>" }.joined() + "</div>\n"
    }

    func slug(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    func esc(_ s: String) -> String {
        var r = ""
        r.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            default: r.append(c)
            }
        }
        return r
    }

    static let css = """
    body{font:13px/1.4 sans-serif;margin:16px 24px;color:#222;max-width:1300px}
    h1{font-size:20px}h2{font-size:16px;border-bottom:1px solid #ccc;padding-bottom:2px;margin-top:28px}
    h3{font-size:14px;margin:14px 0 4px}h4{font-size:13px;margin:6px 0}small{color:#777;font-weight:normal}
    table.facts th{text-align:left;padding-right:14px;color:#555;font-weight:normal}
    .missing{color:#8a4b00}.missing li{margin:3px 0}.note,.detail{color:#666}
    .legend{margin:4px 0 2px}.legend>span{margin-right:14px;white-space:nowrap}
    .swatch{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px;border:1px solid #999}
    svg.chart{display:block;margin:2px 0 8px}svg text{font-size:10px;fill:#333}
    .period{fill:rgba(220,30,30,.13);stroke:#c62828;stroke-dasharray:3 2}
    span.period{background:rgba(220,30,30,.13);border:1px dashed #c62828}
    div.period{border-left:3px solid #c62828;background:#fff6f6;padding:4px 10px;margin:6px 0}
    div.period p{margin:3px 0}
    .hover{fill:transparent}.hover:hover{fill:rgba(0,0,0,.08)}
    .frame{fill:none;stroke:#bbb}.axis{stroke:#888}.threshold{stroke:#555;stroke-dasharray:4 3}
    .pline{fill:none;stroke:#c62828;stroke-width:1.5}span.pline{background:#c62828;height:3px;vertical-align:3px}
    .rate{fill:none;stroke:#1565c0;stroke-width:1.2}
    .blank{fill:#fff;background:#fff}
    .host{fill:#9e9e9e;background:#9e9e9e}.kernel{fill:#cfcfcf;background:#cfcfcf}
    .guest{fill:#2e7d32;background:#2e7d32}.hypervisor{fill:#9ccc65;background:#9ccc65}.running{fill:#66bb6a;background:#66bb6a}
    .preempted{fill:#e53935;background:#e53935}.waiting{fill:#fb8c00;background:#fb8c00}.idle{fill:#e3e8ec;background:#e3e8ec}
    .vm-0{fill:#1f77b4;background:#1f77b4}.vm-1{fill:#ff7f0e;background:#ff7f0e}.vm-2{fill:#2ca02c;background:#2ca02c}
    .vm-3{fill:#9467bd;background:#9467bd}.vm-4{fill:#8c564b;background:#8c564b}.vm-5{fill:#e377c2;background:#e377c2}
    .vm-6{fill:#17becf;background:#17becf}.vm-7{fill:#bcbd22;background:#bcbd22}.vm-8{fill:#d62728;background:#d62728}
    .vm-9{fill:#393b79;background:#393b79}
    """
}
