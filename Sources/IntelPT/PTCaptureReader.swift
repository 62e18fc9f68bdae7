import CIPT
import Foundation
import TraceIngest

/// Decodes a PT capture folder with libipt's packet decoder into normalized pt* events
/// (ptVMEntry, ptVMExit, ptGuestProcessSwitch, ptHostProcessSwitch, ptGap) in global time order.
/// Time: TSC, then TMA + MTC between TSCs (resolution: 1 ns with a TSC per event as the writer
/// does; 2^mtc_freq crystal ticks, 333 ns at 24 MHz / mtc_freq 3, on MTC alone). An OVF or a
/// decode error opens a gap closed by the next TSC after resync; state is never carried across it.
public struct PTCaptureReader {
    public let directory: URL
    public let sidecar: PTSidecar

    public init(directory: URL) throws {
        self.directory = directory
        self.sidecar = try PTSidecar.load(from: directory)
    }

    /// All events of all CPUs, sorted by (time, cpu).
    public func events() throws -> [Event] {
        var all: [Event] = []
        for cpu in 0..<sidecar.cpuCount {
            let url = directory.appendingPathComponent(PTCapture.streamName(cpu: cpu))
            guard let data = try? Data(contentsOf: url) else { throw PTError.io(url.path, "missing PT stream") }
            all += try PTStreamDecoder.decode(data, cpu: Int32(cpu), sidecar: sidecar, path: url.path)
        }
        all.sort { ($0.time, $0.cpu) < ($1.time, $1.cpu) }
        return all
    }

    /// Streams every CPU's events in per-CPU time order (CPU after CPU) without building an array.
    public func forEachEvent(_ body: (Event) -> Void) throws {
        try withoutActuallyEscaping(body) { body in
            var sink = ClosureSink(body: body)
            try forEach(into: &sink)
        }
    }

    /// Streams every CPU's events, CPU after CPU, into `sink`. Inside this module the decoder is
    /// specialized for each concrete sink (no indirect call per event).
    func forEach<S: PTEventSink>(into sink: inout S) throws {
        for cpu in 0..<sidecar.cpuCount {
            let url = directory.appendingPathComponent(PTCapture.streamName(cpu: cpu))
            guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else { throw PTError.io(url.path, "missing PT stream") }
            try PTStreamDecoder.decode(data, cpu: Int32(cpu), sidecar: sidecar, path: url.path, into: &sink)
        }
    }

    /// Number of raw PT bytes in the capture.
    public func byteCount() -> Int {
        (0..<sidecar.cpuCount).reduce(0) { n, cpu in
            let p = directory.appendingPathComponent(PTCapture.streamName(cpu: cpu)).path
            return n + ((try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0)
        }
    }
}

/// Receives decoded events one at a time, in per-CPU time order.
protocol PTEventSink {
    mutating func consume(_ e: Event)
}

struct ClosureSink: PTEventSink {
    let body: (Event) -> Void
    func consume(_ e: Event) { body(e) }
}

/// Raw values of the packet types the decoder looks at (a switch on integers, not on imported structs).
private enum K {
    static let psb = ppt_psb.rawValue, psbend = ppt_psbend.rawValue, tsc = ppt_tsc.rawValue
    static let tma = ppt_tma.rawValue, mtc = ppt_mtc.rawValue, ovf = ppt_ovf.rawValue
    static let cbr = ppt_cbr.rawValue, cyc = ppt_cyc.rawValue
    static let vmcs = ppt_vmcs.rawValue, pip = ppt_pip.rawValue
}

/// Decodes one per-CPU raw PT stream.
public enum PTStreamDecoder {
    public static func decode(_ data: Data, cpu: Int32, sidecar: PTSidecar, path: String) throws -> [Event] {
        var out: [Event] = []
        try decode(data, cpu: cpu, sidecar: sidecar, path: path) { out.append($0) }
        return out
    }

    /// Streams the events of one per-CPU stream, in stream order, to `emit`.
    public static func decode(_ data: Data, cpu: Int32, sidecar: PTSidecar, path: String,
                              emit: (Event) -> Void) throws {
        try withoutActuallyEscaping(emit) { emit in
            var sink = ClosureSink(body: emit)
            try decode(data, cpu: cpu, sidecar: sidecar, path: path, into: &sink)
        }
    }

    static func decode<S: PTEventSink>(_ data: Data, cpu: Int32, sidecar: PTSidecar, path: String,
                                       into sink: inout S) throws {
        if data.isEmpty { return }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            // libipt only reads the buffer; no copy of the (possibly mapped) stream.
            let buf = UnsafeMutablePointer(mutating: raw.bindMemory(to: UInt8.self).baseAddress!)
            try decode(buf, count: raw.count, cpu: cpu, sidecar: sidecar, path: path, into: &sink)
        }
    }

    static func decode<S: PTEventSink>(_ buf: UnsafeMutablePointer<UInt8>, count: Int, cpu: Int32, sidecar: PTSidecar,
                                       path: String, into sink: inout S) throws {
        var cfg = try makeConfig(sidecar.config(), begin: buf, count: count, path: path)
        guard let dec = pt_pkt_alloc_decoder(&cfg) else { throw PTError.libipt(path, "pt_pkt_alloc_decoder failed") }
        defer { pt_pkt_free_decoder(dec) }
        if pt_pkt_sync_forward(dec) < 0 { throw PTError.noSync(path) }

        var aliases: [UInt64: UInt64] = [:]
        for (k, v) in sidecar.cr3Aliases ?? [:] { if let a = UInt64(k), let o = UInt64(v) { aliases[a] = o } }
        let f = UInt64(sidecar.mtcFreq)
        let eax = UInt64(sidecar.cpuid15Eax), ebx = UInt64(sidecar.cpuid15Ebx)
        var clock = sidecar.clock()
        var time: Int64 = 0, haveTime = false
        var tscBase: UInt64 = 0, tmaCtc: UInt64 = 0, ctcAbs: UInt64 = 0, fc: UInt64 = 0, haveTMA = false
        // CYC: core cycles since the last TSC or MTC, at the CBR ratio × 100 MHz (10 / ratio ns a cycle).
        var cycBase: Int64 = 0, cycles: UInt64 = 0, haveCycBase = false, ratio = UInt64(max(1, sidecar.nomFreq))
        var inPSB = false, known = false, inGuest = false
        var vmcs: UInt64 = 0, cr3: UInt64 = 0
        var gapOpen = false, gapStart: Int64 = 0
        // A TSC more than `EventTime.farJumpNs` ahead opens a gap and is not believed unless the
        // next TSC is within that of it (a real later part): a lone far-future value is dropped.
        var farTSC: Int64?
        var pkt = pt_packet()
        let size = MemoryLayout<pt_packet>.size

        func openGap() {
            if !gapOpen { gapOpen = true; gapStart = time }
            known = false
            haveCycBase = false
        }
        /// Whether `t` is more than the far-jump limit after the stream's time.
        func isFar(_ t: Int64) -> Bool { haveTime && EventTime.clamped(t) - time > EventTime.farJumpNs }
        while true {
            let rc = pt_pkt_next(dec, &pkt, size)
            if rc < 0 {
                if rc == -Int32(pte_eos.rawValue) { break }
                openGap()
                if pt_pkt_sync_forward(dec) < 0 { break }
                continue
            }
            switch pkt.type.rawValue {
            case K.psb: inPSB = true
            case K.psbend: inPSB = false
            case K.tsc:
                tscBase = pkt.payload.tsc.tsc
                haveTMA = false
                let t = clock.nanoseconds(tscBase)
                if isFar(t) {
                    if let far = farTSC, t >= far, t - far <= EventTime.farJumpNs {
                        farTSC = nil
                    } else {
                        farTSC = t
                        openGap()
                        break
                    }
                } else {
                    farTSC = nil
                }
                time = haveTime ? max(time, t) : t
                haveTime = true
                (cycBase, cycles, haveCycBase) = (t, 0, true)
                if gapOpen { sink.consume(Event(time: gapStart, cpu: cpu, kind: .ptGap, a: time)); gapOpen = false }
            case K.tma:
                tmaCtc = UInt64(pkt.payload.tma.ctc); ctcAbs = tmaCtc; fc = UInt64(pkt.payload.tma.fc); haveTMA = true
            case K.mtc:
                guard haveTMA, f < 16 else { break }
                let width: UInt64 = 1 << (f + 8)
                var next = (ctcAbs & ~(width - 1)) | (UInt64(pkt.payload.mtc.ctc) << f)
                if next <= ctcAbs { next &+= width }
                ctcAbs = next
                let tsc = tscBase &- fc &+ (ctcAbs &- tmaCtc) &* ebx / max(1, eax)
                let t = clock.nanoseconds(tsc)
                if isFar(t) { haveTMA = false; openGap(); break }
                time = max(time, t)
                (cycBase, cycles) = (t, 0)
            case K.cbr:
                ratio = UInt64(max(1, pkt.payload.cbr.ratio))
            case K.cyc:
                guard haveCycBase else { break }
                cycles &+= pkt.payload.cyc.value
                let t = cycBase &+ Int64(truncatingIfNeeded: cycles &* 10 / ratio)
                if isFar(t) { openGap(); break }
                time = max(time, t)
            case K.ovf: openGap()
            case K.vmcs: vmcs = pkt.payload.vmcs.base
            case K.pip:
                var newCR3 = pkt.payload.pip.cr3
                if !aliases.isEmpty, let o = aliases[newCR3] { newCR3 = o }
                let nr = pkt.payload.pip.nr == 1
                if inPSB || gapOpen || (!known && !nr) {
                    known = !gapOpen; inGuest = nr; cr3 = newCR3
                    break
                }
                if !known { inGuest = false; known = true }
                if nr && !inGuest {
                    sink.consume(Event(time: time, cpu: cpu, kind: .ptVMEntry, a: Int64(bitPattern: vmcs), b: Int64(bitPattern: newCR3)))
                } else if nr && newCR3 != cr3 {
                    sink.consume(Event(time: time, cpu: cpu, kind: .ptGuestProcessSwitch, a: Int64(bitPattern: vmcs), b: Int64(bitPattern: newCR3)))
                } else if !nr && inGuest {
                    sink.consume(Event(time: time, cpu: cpu, kind: .ptVMExit, a: Int64(bitPattern: vmcs), b: Int64(bitPattern: newCR3)))
                } else if !nr {
                    sink.consume(Event(time: time, cpu: cpu, kind: .ptHostProcessSwitch, a: 0, b: Int64(bitPattern: newCR3)))
                }
                inGuest = nr; cr3 = newCR3
            default: break
            }
        }
        if gapOpen { sink.consume(Event(time: gapStart, cpu: cpu, kind: .ptGap, a: time)) }
    }
}
