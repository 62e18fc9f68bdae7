import AtomicOutput
import CIPT
import Foundation
import TraceIngest

/// Writes a PT capture (per-CPU raw streams + sidecar) from normalized pt* events, with libipt's
/// encoder: PSB+ (TSC, TMA, CBR, MODE.Exec, VMCS, PIP) every `psbPeriodBytes`, a TSC+TMA before
/// every event, PIP (NR=1 guest / NR=0 host) on every entry, exit and CR3 switch, VMCS when another
/// vCPU's VMCS is loaded on that CPU, PAD after PSB+, and an OVF every `overflowEvery` events if set
/// (the event hit by the OVF is lost; the stream resumes with a PSB+ at the next event).
public final class PTCaptureWriter {
    public var psbPeriodBytes = 4096
    public var overflowEvery = 0
    /// When true, events between PSB+ are timed by MTC packets only (no TSC): times decode to the
    /// last MTC, i.e. within 2^mtcFreq crystal ticks (333 ns at 24 MHz, mtcFreq 3) before the event.
    public var timeByMTC = false
    /// With `timeByMTC`: also a CYC packet before each event, the core cycles (at the CBR ratio ×
    /// 100 MHz) since the last MTC or TSC, so times decode to within one core cycle.
    public var cycles = false
    private let directory: URL
    private var sidecar: PTSidecar
    private var cpus: [CPUStream]
    private var eventCount = 0

    private final class CPUStream {
        let handle: FileHandle
        let buffer: UnsafeMutablePointer<UInt8>
        let capacity = 1 << 16
        var encoder: OpaquePointer?
        var lastPSB = 0
        var vmcs: UInt64 = 0
        var cr3: UInt64 = 0
        var inGuest = false
        var knowsState = false
        var needPSB = true
        var lastCTC: UInt64 = 0
        // For CYC: the last TSC with its TMA (full crystal count), whether an MTC followed, cycles sent.
        var tscBase: UInt64 = 0, fc: UInt64 = 0, ctcAtTSC: UInt64 = 0
        var mtcSinceTSC = false
        var cyclesSent: UInt64 = 0
        init(handle: FileHandle) {
            self.handle = handle
            buffer = .allocate(capacity: 1 << 16)
        }
        deinit {
            if let e = encoder { pt_free_encoder(e) }
            buffer.deallocate()
        }
    }

    public init(directory: URL, cpuCount: Int, sidecar: PTSidecar) throws {
        self.directory = directory
        self.sidecar = sidecar
        self.sidecar.cpuCount = cpuCount
        guard cpuCount > 0 else { throw PTError.badEvent("cpuCount must be > 0") }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        cpus = []
        for cpu in 0..<cpuCount {
            let url = directory.appendingPathComponent(PTCapture.streamName(cpu: cpu))
            guard FileManager.default.createFile(atPath: url.path, contents: nil),
                  let h = try? FileHandle(forWritingTo: url) else { throw PTError.io(url.path, "cannot create") }
            let s = CPUStream(handle: h)
            var cfg = try makeConfig(sidecar.config(), begin: s.buffer, count: s.capacity, path: url.path)
            s.encoder = pt_alloc_encoder(&cfg)
            guard s.encoder != nil else { throw PTError.libipt(url.path, "pt_alloc_encoder failed") }
            cpus.append(s)
        }
    }

    private func put(_ s: CPUStream, _ p: pt_packet) throws {
        var p = p
        if pt_enc_get_offset_value(s) > s.capacity - 64 { try flush(s) }
        let rc = pt_enc_next(s.encoder, &p)
        if rc < 0 { throw PTError.libipt(directory.path, String(cString: pt_errstr(pt_errcode(rc)))) }
    }

    private func pt_enc_get_offset_value(_ s: CPUStream) -> Int {
        var off: UInt64 = 0
        _ = pt_enc_get_offset(s.encoder, &off)
        return Int(off)
    }

    private func flush(_ s: CPUStream) throws {
        let n = pt_enc_get_offset_value(s)
        if n > 0 { s.handle.write(Data(bytes: s.buffer, count: n)) }
        s.lastPSB -= n
        _ = pt_enc_sync_set(s.encoder, 0)
    }

    private func packet(_ t: pt_packet_type) -> pt_packet { var p = pt_packet(); p.type = t; return p }

    private func timing(_ s: CPUStream, ns: Int64, inPSB: Bool = false) throws {
        let tsc = sidecar.tsc(ns: ns)
        let f = UInt64(sidecar.mtcFreq)
        let ctcNow = tsc * UInt64(sidecar.cpuid15Eax) / UInt64(sidecar.cpuid15Ebx)
        if timeByMTC, !inPSB, (ctcNow >> f) >= (s.lastCTC >> f), (ctcNow >> f) - (s.lastCTC >> f) <= 4096 {
            var k = (s.lastCTC >> f) + 1
            while k <= ctcNow >> f {
                var m = packet(ppt_mtc); m.payload.mtc.ctc = UInt8(truncatingIfNeeded: k); try put(s, m)
                s.mtcSinceTSC = true
                s.cyclesSent = 0
                k += 1
            }
            s.lastCTC = max(s.lastCTC, ctcNow)
            if cycles { try cycle(s, ns: ns, mtc: (s.lastCTC >> f) << f) }
            return
        }
        s.lastCTC = ctcNow
        var p = packet(ppt_tsc); p.payload.tsc.tsc = tsc & 0x00ff_ffff_ffff_ffff; try put(s, p)
        // crystal clock at this TSC: ctc = tsc * eax / ebx; fast counter = remainder in TSC ticks.
        let ctc = tsc * UInt64(sidecar.cpuid15Eax) / UInt64(sidecar.cpuid15Ebx)
        let fc = min(0x1ff, tsc - ctc * UInt64(sidecar.cpuid15Ebx) / UInt64(sidecar.cpuid15Eax))
        var m = packet(ppt_tma)
        m.payload.tma.ctc = UInt16(truncatingIfNeeded: ctc)
        m.payload.tma.fc = UInt16(truncatingIfNeeded: fc)
        try put(s, m)
        (s.tscBase, s.fc, s.ctcAtTSC, s.mtcSinceTSC, s.cyclesSent) = (tsc, fc, ctc, false, 0)
    }

    /// A CYC packet: the core cycles from the last timing packet (as the decoder will time it: the
    /// TSC, or the crystal count `mtc` of the last MTC) to `ns`, less those already sent.
    private func cycle(_ s: CPUStream, ns: Int64, mtc: UInt64) throws {
        let eax = UInt64(sidecar.cpuid15Eax), ebx = UInt64(sidecar.cpuid15Ebx)
        let base = s.mtcSinceTSC ? sidecar.nanoseconds(tsc: s.tscBase &- s.fc &+ (mtc &- s.ctcAtTSC) &* ebx / max(1, eax))
                                 : sidecar.nanoseconds(tsc: s.tscBase)
        guard ns > base else { return }
        let total = UInt64(ns - base) * UInt64(max(1, sidecar.nomFreq)) / 10
        guard total > s.cyclesSent else { return }
        var c = packet(ppt_cyc); c.payload.cyc.value = total - s.cyclesSent; try put(s, c)
        s.cyclesSent = total
    }

    private func psbPlus(_ s: CPUStream, ns: Int64) throws {
        try put(s, packet(ppt_psb))
        try timing(s, ns: ns, inPSB: true)
        var c = packet(ppt_cbr); c.payload.cbr.ratio = UInt8(truncatingIfNeeded: sidecar.nomFreq); try put(s, c)
        var m = packet(ppt_mode); m.payload.mode.leaf = pt_mol_exec
        m.payload.mode.bits.exec.csl = 1; try put(s, m)
        if s.knowsState {
            if s.vmcs != 0 { var v = packet(ppt_vmcs); v.payload.vmcs.base = s.vmcs; try put(s, v) }
            var pip = packet(ppt_pip); pip.payload.pip.cr3 = s.cr3; pip.payload.pip.nr = s.inGuest ? 1 : 0
            try put(s, pip)
        }
        try put(s, packet(ppt_psbend))
        try put(s, packet(ppt_pad))
        s.lastPSB = pt_enc_get_offset_value(s)
        s.needPSB = false
    }

    /// Encodes one pt* event (events must come in time order per CPU; other kinds are ignored).
    public func consume(_ e: Event) throws {
        guard e.cpu >= 0, Int(e.cpu) < cpus.count else { throw PTError.badEvent("cpu \(e.cpu) out of range") }
        let s = cpus[Int(e.cpu)]
        let isPT: Bool
        switch e.kind {
        case .ptVMEntry, .ptVMExit, .ptGuestProcessSwitch, .ptHostProcessSwitch: isPT = true
        default: isPT = false
        }
        guard isPT else { return }
        let cr3 = encodedCR3(UInt64(bitPattern: e.b))
        let vmcs = UInt64(bitPattern: e.a) & 0x000f_ffff_ffff_f000
        eventCount += 1
        if overflowEvery > 0, eventCount % overflowEvery == 0 {
            try put(s, packet(ppt_ovf))
            apply(s, e, cr3: cr3, vmcs: vmcs)
            s.needPSB = true
            return
        }
        if s.needPSB || pt_enc_get_offset_value(s) - s.lastPSB >= psbPeriodBytes {
            try psbPlus(s, ns: e.time)
        } else {
            try timing(s, ns: e.time)
        }
        if e.kind == .ptVMEntry, vmcs != s.vmcs {
            var v = packet(ppt_vmcs); v.payload.vmcs.base = vmcs; try put(s, v)
        }
        var pip = packet(ppt_pip); pip.payload.pip.cr3 = cr3
        pip.payload.pip.nr = (e.kind == .ptVMEntry || e.kind == .ptGuestProcessSwitch) ? 1 : 0
        try put(s, pip)
        apply(s, e, cr3: cr3, vmcs: vmcs)
    }

    private var aliases: [UInt64: UInt64] = [:]
    /// PIP carries CR3 bits 51:5: aligned values go as they are, others get a unique alias
    /// (recorded in the sidecar's `cr3Aliases`, mapped back by the reader).
    private func encodedCR3(_ cr3: UInt64) -> UInt64 {
        if cr3 & ~UInt64(0x000f_ffff_ffff_ffe0) == 0 { return cr3 }
        if let a = aliases[cr3] { return a }
        let a = 0x000f_f000_0000_0000 | (UInt64(aliases.count + 1) << 5)
        aliases[cr3] = a
        return a
    }

    private func apply(_ s: CPUStream, _ e: Event, cr3: UInt64, vmcs: UInt64) {
        s.knowsState = true
        s.cr3 = cr3
        switch e.kind {
        case .ptVMEntry: s.inGuest = true; s.vmcs = vmcs
        case .ptGuestProcessSwitch: s.inGuest = true
        default: s.inGuest = false
        }
    }

    /// Flushes the streams and writes the sidecar (temporary name, then rename).
    public func finish() throws {
        for s in cpus { try flush(s); try s.handle.close() }
        if !aliases.isEmpty {
            var m = sidecar.cr3Aliases ?? [:]
            for (orig, a) in aliases { m[String(a)] = String(orig) }
            sidecar.cr3Aliases = m
        }
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try enc.encode(sidecar)
        try AtomicOutput.write(data, to: directory.appendingPathComponent(PTCapture.sidecarName).path)
    }
}
