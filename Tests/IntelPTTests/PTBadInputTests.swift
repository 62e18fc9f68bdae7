import Foundation
import Testing
import TraceIngest
@testable import IntelPT

@Test func missingSidecarIsClearError() throws {
    let dir = tempDir("nosidecar")
    #expect(!PTCapture.isCapture(at: dir))
    #expect(throws: PTError.missingSidecar(dir.path)) { try PTCaptureReader(directory: dir) }
}

@Test func unknownCPUAndGarbageSidecarAreRejected() throws {
    let dir = tempDir("badcpu")
    var side = PTSidecar(); side.family = 15
    try JSONEncoder().encode(side).write(to: dir.appendingPathComponent(PTCapture.sidecarName))
    do { _ = try PTCaptureReader(directory: dir); Issue.record("accepted") } catch let e as PTError {
        guard case .unknownCPU = e else { Issue.record("\(e)"); return }
    }
    try Data("{not json".utf8).write(to: dir.appendingPathComponent(PTCapture.sidecarName))
    do { _ = try PTCaptureReader(directory: dir); Issue.record("accepted") } catch let e as PTError {
        guard case .badSidecar = e else { Issue.record("\(e)"); return }
    }
}

/// A trailing comma in the sidecar is accepted (README: the content is unambiguous).
@Test func aSidecarWithATrailingCommaIsAccepted() throws {
    let dir = tempDir("trailingcomma")
    var side = PTSidecar(); side.cpuCount = 2
    var text = String(decoding: try JSONEncoder().encode(side), as: UTF8.self)
    text.insert(",", at: try #require(text.lastIndex(of: "}")))
    try Data(text.utf8).write(to: dir.appendingPathComponent(PTCapture.sidecarName))
    #expect(try PTSidecar.load(from: dir) == side)
}

@Test func streamWithoutPSBIsNoSync() throws {
    var rng = SystemRandomNumberGenerator()
    let junk = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) & 0x7f | 0x01 })
    // Filter any accidental PSB pattern (02 82 ...) cannot occur: every byte is odd.
    #expect(throws: PTError.noSync("x")) { try PTStreamDecoder.decode(junk, cpu: 0, sidecar: PTSidecar(), path: "x") }
}

@Test func truncatedStreamEndsWithoutCrashAndKeepsPrefix() throws {
    let dir = try writeCapture(sampleEvents(), cpus: 2)
    let url = dir.appendingPathComponent("cpu0.pt")
    let full = try Data(contentsOf: url)
    let cut = full.prefix(full.count - 3)
    let got = try PTStreamDecoder.decode(Data(cut), cpu: 0, sidecar: PTSidecar(), path: url.path)
    let kinds = got.filter { $0.kind != .ptGap }.map { $0.kind }
    #expect(kinds == [.ptVMEntry, .ptGuestProcessSwitch, .ptVMExit, .ptHostProcessSwitch, .ptHostProcessSwitch, .ptVMEntry])
}

@Test func thousandMutatedStreamsDoNotCrash() throws {
    let dir = try writeCapture(sampleEvents().filter { $0.cpu == 0 }, cpus: 1)
    let base = [UInt8](try Data(contentsOf: dir.appendingPathComponent("cpu0.pt")))
    var gen = SplitMix(seed: 42)
    var decoded = 0, rejected = 0
    for _ in 0..<1_500 {
        var b = base
        for _ in 0..<(1 + Int(gen.next() % 8)) {
            let i = Int(gen.next() % UInt64(b.count))
            switch gen.next() % 3 {
            case 0: b[i] = UInt8(truncatingIfNeeded: gen.next())
            case 1: b.remove(at: i)
            default: b.insert(UInt8(truncatingIfNeeded: gen.next()), at: i)
            }
        }
        if gen.next() % 4 == 0 { b = Array(b.prefix(Int(gen.next() % UInt64(b.count)))) }
        do {
            let events = try PTStreamDecoder.decode(Data(b), cpu: 0, sidecar: PTSidecar(), path: "m")
            // What decodes is sane: every event on the stream's CPU.
            #expect(events.allSatisfy { $0.cpu == 0 })
            decoded += 1
        } catch {
            // What does not is one line naming the stream.
            let message = "\(error)"
            #expect(message.hasPrefix("m: ") && !message.contains("\n"), "\(message)")
            rejected += 1
        }
    }
    // Both outcomes occur: the mutations reach the decoder's checks and also leave streams it reads.
    #expect(decoded > 0)
    #expect(rejected > 0)
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
