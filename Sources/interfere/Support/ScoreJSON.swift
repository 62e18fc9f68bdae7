import Diagnosis
import Foundation

/// `printJSON` of `score`'s reports, byte for byte, written piece by piece: a VM's windows (one
/// entry per window, the bulk of a long trace's answer) are encoded one at a time and written out
/// in runs, so neither the encoder's tree of the whole answer nor the whole text is ever held.
/// Everything that can fail to encode is encoded (or checked) before the first byte is written.
enum ScoreJSON {
    static func print(_ reports: [ScoreReport], single: Bool) throws {
        guard !reports.isEmpty,
              reports.allSatisfy({ $0.vms.allSatisfy { $0.windows.allSatisfy(\.probability.isFinite) } }) else {
            // Nothing to stream, or a value JSONEncoder refuses: its own error, as before.
            if single, let only = reports.first { try printJSON(only) } else { try printJSON(reports) }
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        func text(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        // Each report without its VMs, and each VM without its windows and categories: the
        // frames the streamed parts go into (`vms` is a report's last key, `windows` a VM's).
        var frames: [(head: String, vms: [(head: String, vm: VMScore)])] = []
        for report in reports {
            var bare = report
            bare.vms = []
            let head = try text(bare)
            let emptyVMs = "\"vms\" : [\n\n  ]\n}"
            guard head.hasSuffix(emptyVMs) else { return try fallback(reports, single: single) }
            var vms: [(String, VMScore)] = []
            for vm in report.vms {
                var bareVM = vm
                bareVM.windows = []
                bareVM.windowCategories = []
                let vmText = try text(bareVM)
                let emptyTail = "\"window_categories\" : [\n\n  ],\n  \"windows\" : [\n\n  ]\n}"
                guard vmText.hasSuffix(emptyTail) else { return try fallback(reports, single: single) }
                vms.append((String(vmText.dropLast(emptyTail.count)), vm))
            }
            frames.append((String(head.dropLast(emptyVMs.count)), vms))
        }
        var out = Output()
        // A value encoded alone, its lines indented to `level` (its own first line is not).
        func indented(_ s: String, _ level: Int) -> String {
            s.replacingOccurrences(of: "\n", with: "\n" + String(repeating: "  ", count: level))
        }
        func pad(_ level: Int) -> String { String(repeating: "  ", count: level) }
        let base = single ? 0 : 1
        if !single { out.write("[\n") }
        for (r, frame) in frames.enumerated() {
            if !single { out.write(pad(base)) }
            out.write(indented(frame.head, base))
            out.write("\"vms\" : [\n")
            for (v, (head, vm)) in frame.vms.enumerated() {
                let level = base + 2
                out.write(pad(level))
                out.write(indented(head, level))
                for (key, count) in [("window_categories", vm.windowCategories.count), ("windows", vm.windows.count)] {
                    out.write("\"\(key)\" : [\n")
                    if count == 0 { out.write("\n") }
                    for i in 0..<count {
                        out.write(pad(level + 2))
                        out.write(indented(key == "windows" ? try text(vm.windows[i]) : try text(vm.windowCategories[i]), level + 2))
                        out.write(i + 1 < count ? ",\n" : "\n")
                    }
                    out.write(pad(level + 1) + "]")
                    out.write(key == "windows" ? "\n" : ",\n" + pad(level + 1))
                }
                out.write(pad(level) + "}")
                out.write(v + 1 < frame.vms.count ? ",\n" : "\n")
            }
            if frame.vms.isEmpty { out.write("\n") }
            out.write(pad(base + 1) + "]\n" + pad(base) + "}")
            if !single { out.write(r + 1 < frames.count ? ",\n" : "\n") }
        }
        if !single { out.write("]") }
        out.write("\n")
        out.flush()
    }

    private static func fallback(_ reports: [ScoreReport], single: Bool) throws {
        if single, let only = reports.first { try printJSON(only) } else { try printJSON(reports) }
    }

    /// Standard output in runs of about a megabyte.
    private struct Output {
        var buffer = Data()
        mutating func write(_ s: String) {
            buffer.append(contentsOf: s.utf8)
            if buffer.count >= 1 << 20 { flush() }
        }
        mutating func flush() {
            FileHandle.standardOutput.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
