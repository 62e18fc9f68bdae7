import Features
import Foundation
import HostModel
import TraceIngest

/// Reads the small CSV files (`CSV`) that may sit beside a trace: `vm-names.csv` (`pid,name`),
/// `threads.csv` (`tid,pid,comm`, a `ps` taken before recording, for traces without a statedump)
/// and, beside a guest's trace, `clock-pings.csv` (`host_sent_ns,guest_ns,host_received_ns`).
public enum SideFiles {
    /// The host model settings the side files give, the one place they are read into it: the
    /// window, VM names from `vmNames` and known threads from `threads` (either may be absent),
    /// and how to read.
    public static func configuration(windowNs: Int64, vmNames: String?, threads: String?,
                                     reading: ReadingOptions = .init()) throws -> HostModelConfiguration {
        let names = try vmNames.map { try Self.vmNames(at: $0) } ?? [:]
        let known = try threads.map { try Self.threads(at: $0) } ?? []
        return HostModelConfiguration(windowNs: windowNs, vmNames: names, knownThreads: known, reading: reading)
    }

    /// `pid,name` rows → [pid: name].
    public static func vmNames(at path: String) throws -> [Int32: String] {
        let rows = try CSV.table(at: path, columns: ["pid", "name"])
        var names: [Int32: String] = [:]
        for (line, row) in rows {
            guard let pid = Int32(row[0]), pid > 0 else {
                throw CSV.Failure.badLine(path: path, line: line, reason: "pid `\(row[0])` is not a positive integer")
            }
            guard !row[1].isEmpty else { throw CSV.Failure.badLine(path: path, line: line, reason: "empty name") }
            names[pid] = row[1]
        }
        return names
    }

    /// `tid,pid,comm` rows.
    public static func threads(at path: String) throws -> [(tid: Int32, pid: Int32, comm: String)] {
        try CSV.table(at: path, columns: ["tid", "pid", "comm"]).map { line, row in
            guard let tid = Int32(row[0]), let pid = Int32(row[1]) else {
                throw CSV.Failure.badLine(path: path, line: line, reason: "tid and pid must be integers")
            }
            return (tid, pid, row[2])
        }
    }

    /// `host_sent_ns,guest_ns,host_received_ns` rows (other columns, such as the recorder's
    /// `when`, are ignored): integers with sent ≤ received, at least one row.
    public static func clockPings(at path: String) throws -> [ClockPing] {
        let pings = try CSV.table(at: path, columns: ["host_sent_ns", "guest_ns", "host_received_ns"]).map { line, row -> ClockPing in
            guard let sent = Int64(row[0]), let guest = Int64(row[1]), let received = Int64(row[2]) else {
                throw CSV.Failure.badLine(path: path, line: line, reason: "host_sent_ns, guest_ns and host_received_ns must be integers (ns)")
            }
            guard sent <= received else {
                throw CSV.Failure.badLine(path: path, line: line, reason: "host_received_ns \(received) is before host_sent_ns \(sent)")
            }
            return ClockPing(hostSentNs: sent, guestNs: guest, hostReceivedNs: received)
        }
        guard !pings.isEmpty else { throw CSV.Failure.badLine(path: path, line: 1, reason: "no clock pings") }
        return pings
    }
}
