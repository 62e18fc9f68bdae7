@testable import Features
import Foundation
import HostModel
import TestSupport
import Testing
import TraceIngest

@Suite struct FeatureTableTests {
    @Test func absentGroupsHaveNoColumns() {
        let schema = FeatureSchema(groups: FeatureGroup.present(in: [.schedSwitch, .schedWakeup, .blockRqIssue]), windowNs: 100_000_000)
        #expect(schema.groups == [.sched, .block])
        #expect(!schema.columns.contains { $0.hasPrefix("kvm_") })
        #expect(schema.columns.first == "sched_vcpus")
        #expect(schema.id != FeatureSchema(groups: [.sched, .block], windowNs: 50_000_000).id)
        #expect(schema.id == FeatureSchema(groups: [.block, .sched], windowNs: 100_000_000).id)
        #expect(schema.id.count == 16)
    }

    @Test func valuesFollowTheWindow() {
        var w = VMWindow(vm: 0, index: 10, windowNs: 100_000_000)
        w.states[.hypervisor] = 60_000_000
        w.states[.preempted] = 40_000_000
        w.activeVCPUs = [7]
        w.preemptions = 3
        w.stolenByKind[StealerKind.vm.rawValue] = 30_000_000
        w.stolenByKind[StealerKind.kernel.rawValue] = 10_000_000
        w.stolenByKind[StealerKind.same.rawValue] = 5_000_000
        w.waitLatencies = [1_000_000, 3_000_000]
        w.diskReads = 2
        w.diskReadBytes = 8192
        w.diskLatencies = [2_000_000, 4_000_000]
        let schema = FeatureSchema(groups: [.sched, .block], windowNs: 100_000_000)
        let values = FeatureExtractor(schema: schema).values(for: w)
        func v(_ name: String) -> Double { values[schema.columns.firstIndex(of: name)!] }
        #expect(values.count == schema.columns.count)
        #expect(v("sched_vcpus") == 1)
        #expect(v("sched_running_share") == 0.6)
        #expect(v("sched_preempted_share") == 0.4)
        #expect(v("sched_preemptions_per_s") == 30)
        #expect(v("sched_stolen_by_vm_share") == 0.3)
        #expect(v("sched_stolen_by_host_share") == 0.1)
        #expect(v("sched_stolen_by_self_share") == 0.05)   // its own threads: not a neighbour
        #expect(v("sched_wait_latency_mean_ms") == 2)
        #expect(v("sched_wait_latency_p95_ms") == 3)
        #expect(v("block_read_per_s") == 20)
        #expect(v("block_read_bytes_per_s") == 81920)
        #expect(v("block_latency_mean_ms") == 3)
    }

    @Test func theLabelCoveringMostOfTheWindowWins() {
        let labels = Labels(rows: [
            LabelRow(vm: "a", startNs: 0, endNs: 140, workload: .cpu, interference: .none, culprit: ""),
            LabelRow(vm: "a", startNs: 140, endNs: 300, workload: .cpu, interference: .cpu, culprit: "b"),
        ])
        #expect(labels.label(vm: "a", startNs: 100, endNs: 200)?.interference == .cpu)
        #expect(labels.label(vm: "a", startNs: 0, endNs: 100)?.interference == InterferenceKind.none)
        #expect(labels.label(vm: "z", startNs: 0, endNs: 100) == nil)
    }

    @Test func badLabelFilesNameTheLine() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString).csv")
        try "vm,start_ns,end_ns,workload,interference,culprit\na,0,10,cpu,none,\na,10,x,cpu,none,\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: CSV.Failure.badLine(path: url.path, line: 3, reason: "start_ns and end_ns must be integers (got `10`, `x`)")) {
            _ = try Labels(path: url.path)
        }
        try "vm,start_ns,workload\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: CSV.Failure.missingColumn(path: url.path, column: "end_ns")) { _ = try Labels(path: url.path) }
    }

    @Test func windowLengths() throws {
        #expect(try WindowLength.parse("100ms") == 100_000_000)
        #expect(try WindowLength.parse("1s") == 1_000_000_000)
        #expect(try WindowLength.parse("250us") == 250_000)
        #expect(throws: WindowLength.Invalid(text: "0ms")) { try WindowLength.parse("0ms") }
        #expect(throws: WindowLength.Invalid(text: "fast")) { try WindowLength.parse("fast") }
        #expect(throws: WindowLength.Invalid(text: "100")) { try WindowLength.parse("100") }
        // 100 µs to 1 h: a 1 ns window would make 10^10 windows of a ten-second trace.
        #expect(try WindowLength.parse("100us") == 100_000)
        #expect(try WindowLength.parse("3600s") == 3_600_000_000_000)
        #expect(throws: WindowLength.Invalid(text: "99us")) { try WindowLength.parse("99us") }
        #expect(throws: WindowLength.Invalid(text: "1ns")) { try WindowLength.parse("1ns") }
        #expect(throws: WindowLength.Invalid(text: "3601s")) { try WindowLength.parse("3601s") }
    }

    @Test func csvLoadsAsATable() throws {
        let schema = FeatureSchema(groups: [.qemu], windowNs: 1000)
        let table = FeatureTable(schema: schema, rows: [
            FeatureRow(vm: "web,1", startNs: 0, endNs: 1000, values: [1, 2.5, .nan], label: nil),
            FeatureRow(vm: "say \"hi\"", startNs: 1000, endNs: 2000, values: [0, 3, 4], label: nil),
        ])
        let csv = table.csv()
        #expect(csv.hasPrefix("vm,start_ns,end_ns,schema,qemu_submits_per_s,qemu_completes_per_s,qemu_latency_mean_ms\n\"web,1\",0,1000,\(schema.id),1,2.5,\n"))
        // Loaded back by the project's CSV reader: every field as written, quotes and commas too.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-csv-\(getpid()).csv")
        try Data(csv.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let rows = try CSV.table(at: url.path, columns: ["vm", "start_ns", "qemu_completes_per_s", "qemu_latency_mean_ms"])
        #expect(rows.map(\.1) == [["web,1", "0", "2.5", ""], ["say \"hi\"", "1000", "3", "4"]])
    }
}

@Suite struct SpoolAndLabelFileTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-spool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    @Test func theRowSpoolLeavesNoNameOnDiskEvenWhileOpen() throws {
        let spool = try RowSpool(directory: scratch, width: 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
        spool.append(vm: 1, start: 10, end: 20, values: [1.5, 2.5])
        spool.append(vm: 0, start: 20, end: 30, values: [3, 4])
        var rows: [RowSpool.Row] = []
        try spool.forEach { rows.append($0) }
        #expect(rows.map(\.vm) == [1, 0])
        #expect(rows.map(\.values) == [[1.5, 2.5], [3, 4]])
    }

    func labels(_ text: String) throws -> Labels {
        let url = scratch.appendingPathComponent("labels-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        return try Labels(path: url.path)
    }

    @Test func aByteOrderMarkAndCRLFAreAccepted() throws {
        let l = try labels("\u{FEFF}vm,start_ns,end_ns,workload,interference,culprit\r\nweb,0,100,cpu,none,\r\nweb,100,200,cpu,cpu,backup\r\n")
        #expect(l.rows.count == 2)
        #expect(l.rows[1].culprit == "backup")
        #expect(l.warnings(vmNames: ["web"]) == [])
    }

    @Test func anUnknownInterferenceKindIsAnErrorNamingTheLine() throws {
        let text = "vm,start_ns,end_ns,workload,interference,culprit\nweb,0,100,cpu,none,\nweb,100,200,cpu,cpu-host,backup\n"
        let url = scratch.appendingPathComponent("labels-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        #expect(throws: CSV.Failure.badLine(path: url.path, line: 3, reason: "unknown interference `cpu-host`")) { try Labels(path: url.path) }
        let l = try labels("vm,start_ns,end_ns,workload,interference,culprit\nweb,0,100,disk,memory,x\n")
        #expect(l.rows.map(\.interference) == [.memory])
    }

    @Test func everyWorkloadCategoryIsReadAndAnUnknownOneIsAnErrorNamingTheLine() throws {
        let rows = WorkloadCategory.allCases.enumerated().map { i, c in "web,\(i * 100),\(i * 100 + 100),\(c.rawValue),none," }
        let l = try labels("vm,start_ns,end_ns,workload,interference,culprit\n" + rows.joined(separator: "\n") + "\n")
        #expect(l.rows.map(\.workload) == [.cpu, .memory, .disk, .net, .idle, .mixed])
        let text = "vm,start_ns,end_ns,workload,interference,culprit\nweb,0,100,cpu,none,\nweb,100,200,disk-heavy,none,\n"
        let url = scratch.appendingPathComponent("labels-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        #expect(throws: CSV.Failure.badLine(path: url.path, line: 3, reason: "unknown workload `disk-heavy`")) { try Labels(path: url.path) }
    }

    @Test func extraColumnsAreIgnored() throws {
        let l = try labels("vm,note,start_ns,end_ns,workload,interference,culprit\nweb,x,0,100,cpu,none,\n")
        #expect(l.rows == [LabelRow(vm: "web", startNs: 0, endNs: 100, workload: .cpu, interference: .none, culprit: "")])
    }

    @Test func headerOnlyUnknownVMsAndOverlapsAreWarned() throws {
        let empty = try labels("vm,start_ns,end_ns,workload,interference,culprit\n")
        #expect(empty.warnings(vmNames: ["web"]).first?.contains("no rows") == true)
        let l = try labels("vm,start_ns,end_ns,workload,interference,culprit\nweb,0,100,cpu,none,\nweb,50,150,cpu,cpu,x\nweb,50,150,cpu,cpu,x\nghost,0,10,idle,none,\n")
        let w = l.warnings(vmNames: ["web"])
        #expect(w.count == 2)
        #expect(w[0].contains("`ghost`"))
        #expect(w[1].hasPrefix("1 label row overlaps"))
    }
}
