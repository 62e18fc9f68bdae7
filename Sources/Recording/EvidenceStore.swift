import AtomicOutput
import Foundation
import HostModel

/// Windows of evidence that tell each one's VM and bounds without reading the rest: what the
/// evidence gate and the diagnoser group and filter by (an array in memory, or `EvidenceStore`).
public protocol EvidenceWindows: Collection where Element == WindowEvidence, Index == Int {
    /// Window `i`'s VM, bounds and observed seconds.
    func head(at i: Int) -> EvidenceHead
}

/// A window's VM, bounds and observed seconds (`WindowEvidence`'s first fields).
public struct EvidenceHead: Sendable {
    public var vm: String
    public var startNs: Int64
    public var endNs: Int64
    public var seconds: Double
}

extension Array: EvidenceWindows where Element == WindowEvidence {
    public func head(at i: Int) -> EvidenceHead {
        let w = self[i]
        return EvidenceHead(vm: w.vm, startNs: w.startNs, endNs: w.endNs, seconds: w.seconds)
    }
}

/// The evidence of one trace, in memory or parked on disk (`EvidenceCollector(spool:)`): on
/// disk, each window's keys, stolen time and its host window's device and link tables are one
/// record of a private temporary file, read back (`subscript`) when a rule asks for the window;
/// only the heads stay in memory, so memory does not grow with the windows' dictionaries. A failed
/// read back is kept for `checkReads`.
public struct EvidenceStore: EvidenceWindows, ExpressibleByArrayLiteral {
    private enum Storage {
        case memory([WindowEvidence])
        case disk(EvidenceFile, heads: [EvidenceFile.Head], vmNames: [String])
    }
    private let storage: Storage

    public init(_ windows: [WindowEvidence]) { storage = .memory(windows) }
    public init(arrayLiteral windows: WindowEvidence...) { storage = .memory(windows) }
    init(file: EvidenceFile, heads: [EvidenceFile.Head], vmNames: [String]) { storage = .disk(file, heads: heads, vmNames: vmNames) }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .memory(let w): return w.count
        case .disk(_, let heads, _): return heads.count
        }
    }
    public func index(after i: Int) -> Int { i + 1 }

    public subscript(i: Int) -> WindowEvidence {
        switch storage {
        case .memory(let w): return w[i]
        case .disk(let file, let heads, let names): return file.window(heads[i], vmNames: names)
        }
    }

    /// Throws the first failure to read a window back from disk (the subscript, a `Collection`'s,
    /// cannot throw: a window that could not be read is its head with nothing else). Call it after
    /// the windows were read and before anything made from them is used.
    public func checkReads() throws {
        if case .disk(let file, _, _) = storage, let failure = file.readFailure { throw failure }
    }

    public func head(at i: Int) -> EvidenceHead {
        switch storage {
        case .memory(let w): return w.head(at: i)
        case .disk(_, let heads, let names):
            let h = heads[i]
            return EvidenceHead(vm: names[Int(h.vm)], startNs: h.startNs, endNs: h.endNs, seconds: h.seconds)
        }
    }
}

/// The file behind an `EvidenceStore`: records of 64-bit words (strings as indices into a table
/// kept in memory: names, devices and key details are few), appended while the trace is read.
/// A `PrivateTemporaryFile` (its name removed at once, as `RowSpool`'s); a failed write or read
/// is a `PrivateTemporaryFile.Failure`, never a trap.
final class EvidenceFile {
    struct Head {
        var vm: Int32
        var startNs: Int64
        var endNs: Int64
        var seconds: Double
        var hostWindow: Int64
        var offset: Int
        var words: Int32
    }

    private let file: PrivateTemporaryFile
    private var buffer: [Int64] = []
    /// Words in the file.
    private var written: Int { file.length / 8 }
    private var strings: [String] = []
    private var ids: [String: Int64] = [:]
    private var hostOffsets: [Int64: (offset: Int, words: Int)] = [:]
    /// The first read back that failed (a `Collection`'s subscript cannot throw): the window read
    /// is empty and `checkReads` throws it.
    private(set) var readFailure: PrivateTemporaryFile.Failure?

    init(directory: URL) throws {
        file = try PrivateTemporaryFile(directory: directory, prefix: ".interfere-evidence", name: "evidence", contents: "the evidence")
    }

    /// The evidence file on `file` (tests: one opened on `/dev/full`).
    init(file: PrivateTemporaryFile) { self.file = file }

    private func id(_ s: String) -> Int64 {
        if let i = ids[s] { return i }
        let i = Int64(strings.count)
        strings.append(s)
        ids[s] = i
        return i
    }

    /// Appends one VM window's own part; returns its head.
    func append(vm: Int, startNs: Int64, endNs: Int64, seconds: Double, hostWindow: Int64, keys: [EventKey: Int],
                stolenByName: [String: Int64], waitedNs: Int64, vcpuNs: Int64, diskLatencyMs: Double, xmitDelayMs: Double) -> Head {
        let start = written + buffer.count
        buffer += [waitedNs, vcpuNs, Int64(bitPattern: diskLatencyMs.bitPattern), Int64(bitPattern: xmitDelayMs.bitPattern)]
        buffer.append(Int64(keys.count))
        for (key, n) in keys { buffer += [Int64(key.category.rawValue), id(key.detail), Int64(n)] }
        buffer.append(Int64(stolenByName.count))
        for (name, ns) in stolenByName { buffer += [id(name), ns] }
        let head = Head(vm: Int32(vm), startNs: startNs, endNs: endNs, seconds: seconds, hostWindow: hostWindow,
                        offset: start, words: Int32(written + buffer.count - start))
        flushIfFull()
        return head
    }

    /// Appends one host window's device and link tables.
    func append(_ w: HostWindow) {
        let start = written + buffer.count
        func table<V: BinaryInteger>(_ t: [String: [String: V]]) {
            buffer.append(Int64(t.count))
            for (device, users) in t {
                buffer += [id(device), Int64(users.count)]
                for (user, n) in users { buffer += [id(user), Int64(n)] }
            }
        }
        table(w.diskRequests); table(w.diskBytes); table(w.netBytes); table(w.netPackets)
        buffer.append(Int64(w.netUnattributed.count))
        for (device, traffic) in w.netUnattributed { buffer += [id(device), traffic.txBytes] }
        hostOffsets[w.index] = (start, written + buffer.count - start)
        flushIfFull()
    }

    private func flushIfFull() {
        if buffer.count >= 1 << 17 { try? flush() }
    }

    /// Writes what is buffered; throws the first write that failed (now or at an earlier append).
    /// The appends come from the host model's callbacks, which cannot throw: once one failed, the
    /// later ones are dropped and every flush throws that failure (`PrivateTemporaryFile.append`).
    func flush() throws {
        defer { buffer.removeAll(keepingCapacity: true) }
        try buffer.withUnsafeBytes { try file.append($0) }
    }

    private func words(at offset: Int, count: Int) throws -> [Int64] {
        var out = [Int64](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try file.read(into: $0, at: offset * 8) }
        return out
    }

    /// `read`, or, when the file cannot be read back, the window's head with nothing else (the
    /// failure kept for `checkReads`).
    func window(_ head: Head, vmNames: [String]) -> WindowEvidence {
        do { return try read(head, vmNames: vmNames) } catch {
            if readFailure == nil { readFailure = error as? PrivateTemporaryFile.Failure }
            return WindowEvidence(vm: vmNames[Int(head.vm)], startNs: head.startNs, endNs: head.endNs, seconds: head.seconds,
                                  keys: [:], stolenByName: [:], waitedNs: 0, vcpuNs: 0, diskRequests: [:], diskBytes: [:],
                                  netBytes: [:], netPackets: [:], diskLatencyMs: 0, xmitDelayMs: 0, netUnattributedBytes: [:])
        }
    }

    /// The window of `head`, with its host window's tables (empty when that window never closed).
    func read(_ head: Head, vmNames: [String]) throws -> WindowEvidence {
        var words = try words(at: head.offset, count: Int(head.words))
        var at = 0
        func next() -> Int64 { defer { at += 1 }; return words[at] }
        let waited = next(), vcpu = next()
        let latency = Double(bitPattern: UInt64(bitPattern: next())), delay = Double(bitPattern: UInt64(bitPattern: next()))
        var keys: [EventKey: Int] = [:]
        let keyCount = Int(next())
        keys.reserveCapacity(keyCount)
        for _ in 0..<keyCount {
            let category = EventKey.Category(rawValue: Int(next()))!, detail = strings[Int(next())]
            keys[EventKey(category, detail)] = Int(next())
        }
        var stolen: [String: Int64] = [:]
        for _ in 0..<Int(next()) { let name = strings[Int(next())]; stolen[name] = next() }
        var diskRequests: [String: [String: Int]] = [:], diskBytes: [String: [String: Int64]] = [:]
        var netBytes: [String: [String: Int64]] = [:], netPackets: [String: [String: Int]] = [:]
        var unowned: [String: Int64] = [:]
        if let host = hostOffsets[head.hostWindow] {
            words = try self.words(at: host.offset, count: host.words)
            at = 0
            func table<V: BinaryInteger>(_: V.Type) -> [String: [String: V]] {
                var t: [String: [String: V]] = [:]
                for _ in 0..<Int(next()) {
                    let device = strings[Int(next())]
                    var users: [String: V] = [:]
                    for _ in 0..<Int(next()) { let user = strings[Int(next())]; users[user] = V(next()) }
                    t[device] = users
                }
                return t
            }
            diskRequests = table(Int.self); diskBytes = table(Int64.self); netBytes = table(Int64.self); netPackets = table(Int.self)
            for _ in 0..<Int(next()) { let device = strings[Int(next())]; unowned[device] = next() }
        }
        return WindowEvidence(vm: vmNames[Int(head.vm)], startNs: head.startNs, endNs: head.endNs, seconds: head.seconds,
                              keys: keys, stolenByName: stolen, waitedNs: waited, vcpuNs: vcpu,
                              diskRequests: diskRequests, diskBytes: diskBytes, netBytes: netBytes, netPackets: netPackets,
                              diskLatencyMs: latency, xmitDelayMs: delay, netUnattributedBytes: unowned)
    }
}
