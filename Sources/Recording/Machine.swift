import Foundation
import TraceIngest

/// One machine of a folder: the traces one computer wrote (its kernel trace and its UST traces
/// share the environment's `hostname`), with its own CPUs, threads and thread ids.
public struct Machine: Sendable, Equatable {
    /// `hostname` (LTTng) / `host` (perf) of its traces; nil for the traces that name none.
    public var hostname: String?
    /// The tracer of its first trace that names one.
    public var tracer: String?
    /// Its trace folders, and as path the deepest folder holding them all.
    public var location: TraceLocation

    public init(hostname: String?, tracer: String?, location: TraceLocation) {
        self.hostname = hostname
        self.tracer = tracer
        self.location = location
    }

    /// The name shown for the machine: its hostname, or `-`.
    public var name: String { hostname ?? "-" }

    /// The one rule of which traces are one machine: traces with the same hostname are one
    /// machine; traces with different hostnames are different machines; the traces that name no
    /// host are one machine of their own. With at most one hostname among the traces, they are
    /// all one machine, named `path` (as a folder of one machine always was). Machines are in the
    /// order of their first trace folder.
    public static func group(_ traces: [TraceEnvironment], path: String) -> [Machine] {
        let hostnames = Set(traces.compactMap(\.hostname))
        if hostnames.count <= 1 {
            return [Machine(hostname: hostnames.first, tracer: traces.lazy.compactMap(\.tracer).first,
                            location: TraceLocation(path: path, traceDirectories: traces.map(\.directory)))]
        }
        var order: [String?] = []
        var members: [String?: [TraceEnvironment]] = [:]
        for trace in traces.sorted(by: { $0.directory < $1.directory }) {
            if members[trace.hostname] == nil { order.append(trace.hostname) }
            members[trace.hostname, default: []].append(trace)
        }
        return order.map { hostname in
            let group = members[hostname]!
            let directories = group.map(\.directory)
            return Machine(hostname: hostname, tracer: group.lazy.compactMap(\.tracer).first,
                           location: TraceLocation(path: spelled(commonFolder(directories), as: path), traceDirectories: directories))
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
