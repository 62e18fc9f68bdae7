import Foundation
import TraceIngest

/// The JSON file next to the per-CPU PT streams: what libipt needs to decode them and how
/// TSC maps to the trace clock, plus optional VMCS → vCPU and CR3 → process name maps.
public struct PTSidecar: Codable, Sendable, Equatable {
    /// One VMCS base address named as (VM, vCPU).
    public struct VCPU: Codable, Sendable, Equatable {
        public var vm: String
        public var vcpu: Int
        public init(vm: String, vcpu: Int) { self.vm = vm; self.vcpu = vcpu }
    }
    public var family: Int = 6
    public var model: Int = 0x55
    public var stepping: Int = 4
    public var mtcFreq: Int = 3
    public var nomFreq: Int = 24
    public var cpuid15Eax: UInt32 = 1
    public var cpuid15Ebx: UInt32 = 100
    /// trace ns = (tsc - tscZero) * tscToNsDen / tscToNsNum, exact integer arithmetic.
    public var tscToNsNum: Int64 = 12
    public var tscToNsDen: Int64 = 5
    public var tscZero: Int64 = 0
    /// Number of CPUs: streams are `cpu<N>.pt`.
    public var cpuCount: Int = 1
    /// VMCS base (decimal string) → (VM, vCPU).
    public var vmcs: [String: VCPU] = [:]
    /// CR3 (decimal string) → process name.
    public var processes: [String: String] = [:]

    /// Optional: CR3 values as written in PIP (decimal) → the CR3 they stand for. PIP carries only
    /// bits 51:5, so the writer replaces CR3 values that are not 32-byte aligned by unique aliases.
    public var cr3Aliases: [String: String]? = nil

    public init() {}

    /// Trace-clock ns of a TSC value (128-bit intermediate: ns from the Unix epoch × the ratio
    /// does not fit in 64 bits).
    /// Saturates at ±`EventTime.limit` (a TSC far from `tscZero`).
    func nanoseconds(tsc: UInt64) -> Int64 {
        let delta = Int64(bitPattern: tsc) &- tscZero
        // |delta · den / num| beyond the limit: the exact division would not fit in 64 bits.
        let estimate = Double(delta) * Double(tscToNsDen) / Double(tscToNsNum)
        if estimate.magnitude >= Double(EventTime.limit) { return estimate < 0 ? -EventTime.limit : EventTime.limit }
        return EventTime.clamped(tscToNsNum.dividingFullWidth(delta.multipliedFullWidth(by: tscToNsDen)).quotient)
    }
    /// A converter for a stream's rising TSC values (the same result as `nanoseconds(tsc:)`).
    func clock() -> TSCClock { TSCClock(sidecar: self) }

    /// Smallest TSC whose time is `ns` (so decode(encode(t)) == t).
    func tsc(ns: Int64) -> UInt64 {
        let (quotient, remainder) = tscToNsDen.dividingFullWidth(ns.multipliedFullWidth(by: tscToNsNum))
        return UInt64(bitPattern: max(0, quotient + (remainder > 0 ? 1 : 0) &+ tscZero))
    }

    /// Loads and validates the sidecar of a capture folder.
    public static func load(from directory: URL) throws -> PTSidecar {
        let url = directory.appendingPathComponent(PTCapture.sidecarName)
        guard let data = try? Data(contentsOf: url) else { throw PTError.missingSidecar(directory.path) }
        let s: PTSidecar
        do { s = try JSONDecoder().decode(PTSidecar.self, from: data) } catch {
            throw PTError.badSidecar(url.path, "\(error)")
        }
        try s.validate(path: url.path)
        return s
    }

    /// Every field in the range the decoder relies on (`PTError.badSidecar` names the first
    /// that is not): CPU family 6, model 1…255, stepping 0…15; mtcFreq 0…15; nomFreq 0…255 (the
    /// CBR ratio libipt takes); CPUID 0x15 EAX ≥ 1; cpuCount 1…4095; the TSC → ns ratio
    /// tscToNsDen / tscToNsNum, both 1…2^40, between 1/1000 and 1000 ns a tick (a 1 MHz to 1 THz TSC).
    func validate(path: String) throws {
        guard family == 6, model > 0, model < 256 else {
            throw PTError.unknownCPU(path, "family \(family) model \(model)")
        }
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw PTError.badSidecar(path, what) }
        }
        try check((0...15).contains(stepping), "stepping \(stepping) is not 0…15")
        try check((0...15).contains(mtcFreq), "mtcFreq \(mtcFreq) is not 0…15")
        try check((0...255).contains(nomFreq), "nomFreq \(nomFreq) is not 0…255")
        try check(cpuid15Eax > 0, "cpuid15Eax is 0")
        try check(cpuCount > 0 && cpuCount < EventCPU.limit, "cpuCount \(cpuCount) is not 1…\(EventCPU.limit - 1)")
        let ratioLimit: Int64 = 1 << 40
        try check((1...ratioLimit).contains(tscToNsNum) && (1...ratioLimit).contains(tscToNsDen),
                  "tscToNsNum \(tscToNsNum) or tscToNsDen \(tscToNsDen) is not 1…2^40")
        let nsPerTick = Double(tscToNsDen) / Double(tscToNsNum)
        try check(nsPerTick >= 1e-3 && nsPerTick <= 1e3, "TSC ratio tscToNsDen/tscToNsNum = \(nsPerTick) ns a tick is not 0.001…1000")
        for (key, v) in vmcs {
            try check(UInt64(key) != nil, "vmcs key `\(key)` is not a decimal number")
            try check(v.vcpu >= 0 && v.vcpu < 1 << 20, "vmcs \(key): vcpu \(v.vcpu) out of range")
        }
    }

    func config() -> pt_config_values {
        pt_config_values(family: family, model: model, stepping: stepping, mtcFreq: mtcFreq,
                         nomFreq: nomFreq, eax: cpuid15Eax, ebx: cpuid15Ebx)
    }
}

/// `PTSidecar.nanoseconds(tsc:)` for the TSC values of one stream, which mostly rise by small
/// steps: from the last (TSC, ns, remainder) one 64-bit division per value, not a 128-bit one.
/// Exact: ns = trunc((tsc - tscZero) * den / num); the step is taken only when both ends are at
/// or after tscZero (truncation = floor there) and the product fits in 64 bits.
struct TSCClock {
    private let sidecar: PTSidecar
    private let num: UInt64, den: UInt64, maxStep: UInt64
    private var lastTSC: UInt64 = 0, lastNs: Int64 = 0, lastRem: UInt64 = 0, valid = false

    init(sidecar: PTSidecar) {
        self.sidecar = sidecar
        num = UInt64(sidecar.tscToNsNum)
        den = UInt64(sidecar.tscToNsDen)
        maxStep = (UInt64.max - num) / den
    }

    mutating func nanoseconds(_ tsc: UInt64) -> Int64 {
        if valid, tsc >= lastTSC, tsc - lastTSC <= maxStep {
            let (q, r) = (lastRem + (tsc - lastTSC) * den).quotientAndRemainder(dividingBy: num)
            if q < UInt64(EventTime.limit - lastNs) {
                lastTSC = tsc; lastNs += Int64(q); lastRem = r
                return lastNs
            }
        }
        let ns = sidecar.nanoseconds(tsc: tsc)
        let delta = Int64(bitPattern: tsc) &- sidecar.tscZero
        valid = delta >= 0 && Int64(bitPattern: tsc) >= sidecar.tscZero && ns < EventTime.limit
        if valid {
            // remainder of delta * den / num (exact, 128-bit)
            let (_, r) = sidecar.tscToNsNum.dividingFullWidth(delta.multipliedFullWidth(by: sidecar.tscToNsDen))
            lastTSC = tsc; lastNs = ns; lastRem = UInt64(r)
        }
        return ns
    }
}

struct pt_config_values {
    var family: Int, model: Int, stepping: Int, mtcFreq: Int, nomFreq: Int
    var eax: UInt32, ebx: UInt32
}

/// Recognizes a PT capture folder: a directory holding the sidecar file.
public enum PTCapture {
    public static let sidecarName = "pt-sidecar.json"
    public static func streamName(cpu: Int) -> String { "cpu\(cpu).pt" }
    public static func isCapture(at url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(sidecarName).path)
    }
}
