import Foundation
import IntelPT

/// libFuzzer target: one per-CPU Intel PT stream (libipt's packet decoder and our state over it)
/// under the sidecar of `LIBFUZZ_SIDECAR` (a capture folder; else the default sidecar).
private let sidecar: PTSidecar = {
    if let folder = ProcessInfo.processInfo.environment["LIBFUZZ_SIDECAR"],
       let s = try? PTSidecar.load(from: URL(fileURLWithPath: folder)) { return s }
    return PTSidecar()
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPTDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    var count = 0
    _ = try? PTStreamDecoder.decode(bytes, cpu: 0, sidecar: sidecar, path: "fuzz") { _ in count += 1 }
    return 0
}
