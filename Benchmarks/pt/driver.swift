// Benchmark driver: decodes a PT capture with IntelPT (the same code `interfere events CAPTURE` calls)
// and counts events by kind. Built by bench.sh against the release objects of IntelPT/TraceIngest.
import Foundation
import IntelPT
import TraceIngest

@main struct Driver {
    static func main() throws {
        let r = try PTCaptureReader(directory: URL(fileURLWithPath: CommandLine.arguments[1]))
        var n = 0, entries = 0
        try r.forEachEvent { e in n += 1; if e.kind == .ptVMEntry { entries += 1 } }
        print("\(r.byteCount()) bytes, \(n) events, \(entries) entries")
    }
}
