import Diagnosis
import Foundation
import TraceIngest

extension Watch {
    /// `watch --perf`: perf records this host in chunks; each finished chunk is converted to CTF,
    /// read through the same live scorer (state carried from chunk to chunk) and removed unless
    /// `--keep`. A signal stops perf; its last chunk is read, the open periods close, and
    /// nothing is left (the folder too, when `watch` made it).
    func watchPerf(host: LiveHost, strings: StringTable, gauges: WatchMetrics?) throws {
        let fm = FileManager.default
        let folder: URL
        var made = false
        if let perfDir {
            folder = URL(fileURLWithPath: perfDir)
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        } else {
            var template = Array((NSTemporaryDirectory() + "/interfere-perf-XXXXXX").utf8CString)
            guard let path = mkdtemp(&template) else {
                throw PerfRecorder.Failure(description: "cannot make a folder in \(NSTemporaryDirectory()) for perf's chunks")
            }
            folder = URL(fileURLWithPath: String(cString: path))
            made = true
        }
        defer {
            if !keep {
                if made {
                    try? fm.removeItem(at: folder)
                } else {
                    for name in ["perf.log", "convert.log"] { try? fm.removeItem(at: folder.appendingPathComponent(name)) }
                }
            }
        }
        let recorder = try PerfRecorder(folder: folder, chunk: chunk, options: perfOptions)
        defer { recorder.stop() }
        if keep { warn("perf's chunks are kept in \(folder.path)") }
        var events = 0, discarded = 0
        var lastTimeNs: Int64?
        var read = Set<String>()
        var stopping = false
        while true {
            if stopRequested != 0 && !stopping {
                recorder.stop()
                stopping = true
            }
            // perf renames its last chunk before it ends: the listing after its end has them all.
            let ended = !recorder.isRunning
            for chunk in recorder.finishedChunks() where !read.contains(chunk.lastPathComponent) {
                read.insert(chunk.lastPathComponent)
                if let ctf = try recorder.convert(chunk) {
                    let inventory = try TraceReader(path: ctf.path, strings: strings, threads: 1).read { try host.consume($0) }
                    events += inventory.totalEvents
                    discarded += inventory.discardedEvents
                    lastTimeNs = inventory.lastTimeNs ?? lastTimeNs
                    if !keep { try? fm.removeItem(at: ctf) }
                }
                if !keep { try? fm.removeItem(at: chunk) }
                gauges?.update(events: events, discardedEvents: discarded, lastTimeNs: lastTimeNs, scorer: host.scorer)
            }
            if ended { break }
            usleep(50_000)
        }
        if recorder.failed {
            if events == 0 { throw PerfRecorder.Failure(description: "perf record ended: \(recorder.lastMessage)") }
            warn("perf record ended: \(recorder.lastMessage)")
        }
        try host.finish()
        gauges?.update(events: events, discardedEvents: discarded, lastTimeNs: lastTimeNs, scorer: host.scorer)
    }
}
