import Foundation
import IntelPT

/// libFuzzer target: `pt-sidecar.json` loaded and validated; a sidecar that passes is used to
/// decode a small fixed stream (its clock and config must then be safe to use).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPTSidecar(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = FuzzScratch.write(data, size, as: "pt-sidecar.json")
    guard let sidecar = try? PTSidecar.load(from: FuzzScratch.folder) else { return 0 }
    // PSB (16 bytes), then PSBEND: a stream libipt syncs on.
    let psb: [UInt8] = [0x02, 0x82, 0x02, 0x82, 0x02, 0x82, 0x02, 0x82, 0x02, 0x82, 0x02, 0x82, 0x02, 0x82, 0x02, 0x82, 0x02, 0x23]
    _ = try? PTStreamDecoder.decode(Data(psb), cpu: 0, sidecar: sidecar, path: "fuzz")
    return 0
}
