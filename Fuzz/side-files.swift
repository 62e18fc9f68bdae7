import Features
import Foundation
import Recording

/// libFuzzer target: the side files read beside a trace. The first byte picks the parser
/// (0 `labels.csv` with its warnings and lookups, 1 `vm-names.csv`, 2 `threads.csv`); the rest
/// is the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSideFiles(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let url = FuzzScratch.write(data + 1, size - 1, as: "side.csv")
    switch data[0] % 3 {
    case 0:
        guard let labels = try? Labels(path: url.path) else { return 0 }
        _ = labels.warnings(vmNames: ["victim", "noisy"])
        for row in labels.rows.prefix(8) {
            _ = labels.label(vm: row.vm, startNs: row.startNs, endNs: row.endNs)
            if row.startNs < Int64.max { _ = labels.label(vm: row.vm, startNs: row.startNs, endNs: row.startNs + 1) }
        }
    case 1:
        _ = try? SideFiles.vmNames(at: url.path)
    default:
        _ = try? SideFiles.threads(at: url.path)
    }
    return 0
}
