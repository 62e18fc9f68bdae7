import Foundation
import HostModel

/// One row of a `labels.csv`: what a VM did and suffered over an interval (DESIGN.md).
public struct LabelRow: Sendable, Codable, Equatable {
    public var vm: String
    public var startNs: Int64
    public var endNs: Int64
    public var workload: WorkloadCategory
    public var interference: InterferenceKind
    public var culprit: String

    public init(vm: String, startNs: Int64, endNs: Int64, workload: WorkloadCategory, interference: InterferenceKind, culprit: String) {
        self.vm = vm
        self.startNs = startNs
        self.endNs = endNs
        self.workload = workload
        self.interference = interference
        self.culprit = culprit
    }
}

/// The labels of a trace, answering "which label covers most of this window".
public struct Labels: Sendable {
    public private(set) var rows: [LabelRow]

    public init(rows: [LabelRow]) { self.rows = rows }

    /// Reads `labels.csv`; a missing column or a bad value is an error naming the line.
    public init(path: String) throws {
        let table = try CSV.table(at: path, columns: ["vm", "start_ns", "end_ns", "workload", "interference", "culprit"])
        var rows: [LabelRow] = []
        for (line, f) in table {
            guard let start = Int64(f[1]), let end = Int64(f[2]) else {
                throw CSV.Failure.badLine(path: path, line: line, reason: "start_ns and end_ns must be integers (got `\(f[1])`, `\(f[2])`)")
            }
            guard end > start else {
                throw CSV.Failure.badLine(path: path, line: line, reason: "end_ns \(end) is not after start_ns \(start)")
            }
            guard let workload = WorkloadCategory(rawValue: f[3]) else {
                throw CSV.Failure.badLine(path: path, line: line, reason: "unknown workload `\(f[3])`")
            }
            guard let interference = InterferenceKind(rawValue: f[4]) else {
                throw CSV.Failure.badLine(path: path, line: line, reason: "unknown interference `\(f[4])`")
            }
            rows.append(LabelRow(vm: f[0], startNs: start, endNs: end, workload: workload, interference: interference, culprit: f[5]))
        }
        self.rows = rows
    }

    /// What a careful reader would want to know about these labels, one sentence each: no
    /// rows at all, rows for VMs the trace does not have (`vmNames`), rows of one VM that overlap
    /// (a window then takes the row covering most of it; exact duplicates count once).
    public func warnings(vmNames: [String]) -> [String] {
        var out: [String] = []
        if rows.isEmpty { out.append("the labels file has no rows: no window is labeled") }
        let known = Set(vmNames)
        var unknown: [String] = []
        for row in rows where !known.contains(row.vm) && !unknown.contains(row.vm) { unknown.append(row.vm) }
        if !unknown.isEmpty {
            out.append("labels for \(unknown.count == 1 ? "VM" : "VMs") \(unknown.prefix(5).map { "`\($0)`" }.joined(separator: ", "))\(unknown.count > 5 ? ", ..." : ""), not in this trace (its VMs: \(vmNames.isEmpty ? "none" : vmNames.joined(separator: ", ")))")
        }
        var byVM: [String: [LabelRow]] = [:]
        for row in rows { byVM[row.vm, default: []].append(row) }
        var overlapping = 0
        var first: (LabelRow, LabelRow)?
        for (_, list) in byVM.sorted(by: { $0.key < $1.key }) {
            let sorted = list.sorted { ($0.startNs, $0.endNs) < ($1.startNs, $1.endNs) }
            var reach: LabelRow?
            for row in sorted {
                if let r = reach, row.startNs < r.endNs, row != r {
                    overlapping += 1
                    if first == nil { first = (r, row) }
                }
                if reach == nil || row.endNs > reach!.endNs { reach = row }
            }
        }
        if let (a, b) = first {
            out.append("\(overlapping) label \(overlapping == 1 ? "row overlaps" : "rows overlap") another of the same VM (first: \(a.vm) \(a.startNs)–\(a.endNs) \(a.interference.rawValue) and \(b.startNs)–\(b.endNs) \(b.interference.rawValue)); a window takes the row covering most of it")
        }
        return out
    }

    /// The row of `vm` that covers most of [start, end), if any covers part of it.
    public func label(vm: String, startNs: Int64, endNs: Int64) -> LabelRow? {
        var best: LabelRow?
        var bestOverlap: Int64 = 0
        for row in rows where row.vm == vm {
            let overlap = min(endNs, row.endNs) - max(startNs, row.startNs)
            if overlap > bestOverlap { best = row; bestOverlap = overlap }
        }
        return best
    }
}
