import Foundation
import Testing
import TraceIngest
@testable import IntelPT

/// Every sidecar field is checked at load; TSC arithmetic saturates; a far-future time never
/// becomes a row per window.
@Suite struct PTRobustnessTests {
    func rejected(_ edit: (inout PTSidecar) -> Void) throws -> String? {
        let dir = tempDir("badside")
        var side = PTSidecar()
        edit(&side)
        try JSONEncoder().encode(side).write(to: dir.appendingPathComponent(PTCapture.sidecarName))
        do { _ = try PTCaptureReader(directory: dir); return nil } catch let e as PTError { return e.description }
    }

    @Test func everySidecarFieldIsValidated() throws {
        #expect(try rejected { _ in } == nil)
        #expect(try rejected { $0.nomFreq = -1 }?.contains("nomFreq") == true)
        #expect(try rejected { $0.nomFreq = 256 }?.contains("nomFreq") == true)
        #expect(try rejected { $0.stepping = 16 }?.contains("stepping") == true)
        #expect(try rejected { $0.stepping = -1 }?.contains("stepping") == true)
        #expect(try rejected { $0.mtcFreq = 16 }?.contains("mtcFreq") == true)
        #expect(try rejected { $0.tscToNsDen = .max }?.contains("tscToNsDen") == true)
        #expect(try rejected { $0.tscToNsNum = 0 }?.contains("tscToNsNum") == true)
        #expect(try rejected { $0.tscToNsNum = 1; $0.tscToNsDen = 1 << 20 }?.contains("ratio") == true)
        #expect(try rejected { $0.cpuCount = 0 }?.contains("cpuCount") == true)
        #expect(try rejected { $0.cpuCount = 1 << 20 }?.contains("cpuCount") == true)
        #expect(try rejected { $0.vmcs = ["x": .init(vm: "a", vcpu: 0)] }?.contains("vmcs") == true)
    }

    @Test func tscConversionSaturatesInsteadOfTrapping() {
        var side = PTSidecar()
        side.tscToNsNum = 1; side.tscToNsDen = 1000; side.tscZero = 0
        let huge = UInt64(Int64.max)
        #expect(side.nanoseconds(tsc: huge) == EventTime.limit)
        var clock = side.clock()
        #expect(clock.nanoseconds(1) == 1000)
        #expect(clock.nanoseconds(huge) == EventTime.limit)
        #expect(clock.nanoseconds(huge) == EventTime.limit)
        let normal = PTSidecar()
        var c = normal.clock()
        #expect(c.nanoseconds(1_200) == normal.nanoseconds(tsc: 1_200))
        #expect(c.nanoseconds(2_400) == 1_000)
    }

    @Test func anIntervalToAFarFutureTimeAddsNoRows() {
        var side = PTSidecar()
        side.cpuCount = 1
        side.vmcs = ["4096": .init(vm: "vm1", vcpu: 0)]
        let events = [
            Event(time: 1_000, cpu: 0, kind: .ptVMEntry, a: 4096, b: 0xa000),
            Event(time: 1 << 61, cpu: 0, kind: .ptVMExit, a: 4096, b: 0xb000),
        ]
        let f = PTWindowFeatures(events: events, sidecar: side, windowNs: 100_000_000)
        #expect(f.rows.count <= 2)
    }
}
