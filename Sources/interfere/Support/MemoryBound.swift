import Foundation

#if canImport(Glibc)
import Glibc
/// `RLIMIT_DATA` as `setrlimit` takes it (an enum in Glibc's overlay, an Int32 elsewhere).
let RLIMIT_DATA_ID = __rlimit_resource_t(RLIMIT_DATA.rawValue)
#else
let RLIMIT_DATA_ID = RLIMIT_DATA
#endif

/// The bound on the supervised child's memory: its data segment and private writable mappings
/// (`RLIMIT_DATA`; a trace's files mapped read-only do not count). libbabeltrace2 2.0.4 allocates
/// what a corrupt length field asks (a dynamic array of 10^8 elements: 5 GB in 5 s, and again in
/// every graph that decodes it); under the bound the allocation fails, GLib aborts, and the
/// supervising parent turns that into one line. The pipeline itself stays near 100–250 MB.
enum MemoryBound {
    /// `INTERFERE_MEMORY_LIMIT`: `4G`, `512M`, `65536K`, bytes; `0` or `none` for no bound.
    static let variable = "INTERFERE_MEMORY_LIMIT"
    static let defaultBytes: UInt64 = 4 << 30

    /// Why a bound setting was refused.
    struct Invalid: Error, CustomStringConvertible {
        var variable = MemoryBound.variable
        let text: String
        var description: String { "\(variable)=\(text): not a size (e.g. 4G, 512M, 65536K, bytes; none for no bound)" }
    }

    /// The commands with no bound unless `INTERFERE_MEMORY_LIMIT` sets one: `train` holds every
    /// labeled row of all its datasets (5.5 GB for 2.3 M rows), so its memory grows with the
    /// data by design.
    static let unboundedByDefault: Set<String> = ["train"]

    /// The bound in bytes that `setting` asks for (nil: none); when unset, the default, or none
    /// for `command` in `unboundedByDefault`.
    static func bytes(_ setting: String?, command: String? = nil) throws -> UInt64? {
        guard let setting else { return command.map(unboundedByDefault.contains) == true ? nil : defaultBytes }
        return try size(setting, variable: variable)
    }

    /// `INTERFERE_RESIDENT_LIMIT`: the bound on the child's own resident memory (anonymous pages
    /// in use, `RssAnon`: not a trace's mapped files, not what is only reserved), which the
    /// supervising parent checks every 50 ms and ends the child past. Same sizes as
    /// `INTERFERE_MEMORY_LIMIT`. Unlike `RLIMIT_DATA` it does not count address space reserved and
    /// never touched — OpenBLAS reserves about 130 MB per thread, so `score`'s data segment grows
    /// with the machine's cores (211–370 MB here on 2) while its resident memory does not
    /// (44–112 MB) — so it can be low enough that a library filling memory for a corrupt length
    /// is stopped in about a second instead of the many seconds 4 GiB take to fill.
    static let residentVariable = "INTERFERE_RESIDENT_LIMIT"

    /// The commands that stream a trace and their resident bound when `INTERFERE_RESIDENT_LIMIT`
    /// is unset: `events`, `stats`, `features`, `score` and `report` stay at 40–112 MB of resident
    /// memory from the bundled traces to 5 M events, `score` and `report` at 121 MB on 52 M events
    /// and `features` to stdout, which holds its table, at 257 MB there (`features -o` streams):
    /// 1 GiB is four times that, and still stops fuzz input 3268 (a corrupt sequence length) in
    /// 1.7–2.1 s, where 512 MiB took 0.8–1.4 s but would stop `features` on a trace twice that. The other commands (`train`, `evaluate`:
    /// all their rows in memory; `simulate`, `model`) have no resident bound unless it is set.
    static let residentDefaults: [String: UInt64] = [
        "events": 1 << 30, "stats": 1 << 30, "features": 1 << 30, "score": 1 << 30, "report": 1 << 30,
    ]

    /// The resident bound in bytes that `setting` asks for (nil: none); when unset, `command`'s
    /// entry in `residentDefaults` (none when it has no entry).
    static func residentBytes(_ setting: String?, command: String?) throws -> UInt64? {
        guard let setting else { return command.flatMap { residentDefaults[$0] } }
        return try size(setting, variable: residentVariable)
    }

    /// The child's own resident memory in bytes (`RssAnon` of /proc/PID/status), nil when gone.
    static func residentAnonymous(pid: pid_t) -> UInt64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
              let kb = UInt64(line.dropFirst(8).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") else { return nil }
        return kb * 1024
    }

    /// A size as `variable` takes it: `4G`, `512M`, `65536K`, bytes; nil for `none` or `0`.
    static func size(_ setting: String, variable: String) throws -> UInt64? {
        let text = setting.trimmingCharacters(in: .whitespaces)
        if text == "none" || text == "0" { return nil }
        var digits = Substring(text)
        var unit: UInt64 = 1
        if let last = digits.last, !last.isNumber {
            switch last.uppercased() {
            case "K": unit = 1 << 10
            case "M": unit = 1 << 20
            case "G": unit = 1 << 30
            case "T": unit = 1 << 40
            default: throw Invalid(variable: variable, text: setting)
            }
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = UInt64(digits), n > 0 else { throw Invalid(variable: variable, text: setting) }
        let (product, overflow) = n.multipliedReportingOverflow(by: unit)
        return overflow ? UInt64.max : product
    }

    /// `bytes` as a person writes it: `4 GiB`, `512 MiB`, else bytes.
    static func text(_ bytes: UInt64) -> String {
        for (shift, name) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift) \(name)"
        }
        return "\(bytes) bytes"
    }

    /// A line of a dying child that says an allocation was refused (GLib's abort, the Swift
    /// runtime's).
    static func isAllocationFailure(_ line: String) -> Bool {
        line.contains("Cannot allocate memory") || line.contains("Could not allocate memory") || line.contains("failed to allocate")
    }
}
