import Foundation
import TraceIngest

/// One machine of a folder: the traces one computer wrote (its kernel trace and its UST traces
/// share the environment's `hostname`), with its own CPUs, threads and thread ids.
public struct Machine: Sendable, Equatable {
    /// The machine's name among the folder's: the `hostname` (LTTng) / `host` (perf) of its
    /// traces, or `<hostname>@<folder>` when two boots share that hostname (`group`); nil for
    /// the traces that name none.
    public var hostname: String?
    /// The `hostname` / `host` its traces' environment gives, as is (not renamed
    /// `<hostname>@<folder>`): what the guest → VM hostname rule compares.
    public var traceHostname: String?
    /// The tracer of its first trace that names one.
    public var tracer: String?
    /// Its trace folders, and as path the deepest folder holding them all.
    public var location: TraceLocation

    /// `traceHostname`: the environment's hostname when `hostname` is a `<hostname>@<folder>`
    /// name (default: `hostname`).
    public init(hostname: String?, traceHostname: String?? = nil, tracer: String?, location: TraceLocation) {
        self.hostname = hostname
        self.traceHostname = traceHostname ?? hostname
        self.tracer = tracer
        self.location = location
    }

    /// The name shown for the machine: its hostname, or `-`.
    public var name: String { hostname ?? "-" }

    /// The one rule of which traces are one machine: traces with the same hostname are one
    /// machine; traces with different hostnames are different machines; the traces that name no
    /// host are one machine of their own. Within one hostname (or among the traces naming none),
    /// kernel traces whose clocks carry different UUIDs are different machines (LTTng writes the
    /// machine's boot id there: a host and a guest both named `localhost`), each with the
    /// user-space traces sharing its clock UUID; a user-space trace, or a trace without clock UUID,
    /// that matches none goes to the first (`boots`). Machines split so are named
    /// `<hostname>@<folder>` (`<folder>` alone without hostname), the folder being the first
    /// component that tells apart the folders of the kernel traces that brought the boots. With one machine in all, it is named
    /// `path` (as a folder of one machine always was). Machines are in the order of their first
    /// trace folder.
    public static func group(_ traces: [TraceEnvironment], path: String) -> [Machine] {
        let hostnames = Set(traces.compactMap(\.hostname))
        if hostnames.count <= 1, boots(traces).count <= 1 {
            return [Machine(hostname: hostnames.first, tracer: traces.lazy.compactMap(\.tracer).first,
                            location: TraceLocation(path: path, traceDirectories: traces.map(\.directory)))]
        }
        var order: [String?] = []
        var members: [String?: [TraceEnvironment]] = [:]
        for trace in traces.sorted(by: { $0.directory < $1.directory }) {
            if members[trace.hostname] == nil { order.append(trace.hostname) }
            members[trace.hostname, default: []].append(trace)
        }
        return order.flatMap { hostname -> [Machine] in
            let group = members[hostname]!
            let bootIDs = boots(group)
            let parts = split(group, boots: bootIDs)
            let folders = parts.map { commonFolder($0.map(\.directory)) }
            // Named by the folder of the kernel trace that brought each boot.
            let names = parts.count > 1 ? telling(bootIDs.map { uuid in
                group.first { !$0.isUserSpace && $0.clockUUID == uuid }!.directory }) : []
            return parts.indices.map { i in
                let named = names.isEmpty ? hostname : hostname.map { "\($0)@\(names[i])" } ?? names[i]
                return Machine(hostname: named, traceHostname: hostname, tracer: parts[i].lazy.compactMap(\.tracer).first,
                               location: TraceLocation(path: spelled(folders[i], as: path), traceDirectories: parts[i].map(\.directory)))
            }
        }
    }

    /// The distinct clock UUIDs of the kernel (not user-space) traces, in folder order: one a
    /// machine boot.
    static func boots(_ traces: [TraceEnvironment]) -> [String] {
        var seen: [String] = []
        for trace in traces.sorted(by: { $0.directory < $1.directory }) where !trace.isUserSpace {
            if let uuid = trace.clockUUID, !seen.contains(uuid) { seen.append(uuid) }
        }
        return seen
    }

    /// The traces of one hostname, one group per boot (`boots` of those traces, in that order);
    /// all in one without two boots.
    static func split(_ traces: [TraceEnvironment], boots: [String]) -> [[TraceEnvironment]] {
        guard boots.count > 1 else { return [traces] }
        var parts = Array(repeating: [TraceEnvironment](), count: boots.count)
        for trace in traces {
            parts[trace.clockUUID.flatMap { boots.firstIndex(of: $0) } ?? 0].append(trace)
        }
        return parts
    }

    /// For each folder, the first path component below their common folder (`#n` added to
    /// names that are still alike): what tells them apart.
    static func telling(_ folders: [String]) -> [String] {
        let shared = commonFolder(folders)
        let common = shared == "." ? [] : (shared as NSString).pathComponents
        let names = folders.map { folder -> String in
            let components = (folder as NSString).pathComponents
            let rest = components.count > common.count && Array(components.prefix(common.count)) == common
                ? components[common.count] : (folder as NSString).lastPathComponent
            return rest
        }
        return names.enumerated().map { i, name in
            let before = names[..<i].filter { $0 == name }.count
            return before == 0 ? name : "\(name)#\(before + 1)"
        }
    }

    /// `folder` (below `path`) written from `path` as the user wrote it, relative or not: the
    /// name a machine's results carry is the one its trace folder alone would give.
    static func spelled(_ folder: String, as path: String) -> String {
        var given = path
        while given.count > 1, given.hasSuffix("/") { given.removeLast() }
        let absolute = URL(fileURLWithPath: given).standardizedFileURL.path
        guard folder.hasPrefix(absolute) else { return folder }
        let rest = folder.dropFirst(absolute.count)
        guard rest.isEmpty || rest.hasPrefix("/") else { return folder }
        return given + rest
    }

    /// The deepest folder holding every one of `paths` (a folder itself when there is one).
    static func commonFolder(_ paths: [String]) -> String {
        let split = paths.map { ($0 as NSString).pathComponents }
        guard var common = split.first else { return "." }
        for components in split.dropFirst() {
            var n = 0
            while n < common.count, n < components.count, common[n] == components[n] { n += 1 }
            common = Array(common.prefix(n))
        }
        guard !common.isEmpty else { return "." }
        return NSString.path(withComponents: common)
    }
}
