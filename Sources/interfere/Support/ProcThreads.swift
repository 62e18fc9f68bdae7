import Foundation

/// The threads running on this machine now, from /proc (what `threads.csv` gives for a recorded
/// trace): perf's CTF has no state dump, so `watch --perf` starts from this list.
enum ProcThreads {
    static func current(proc: String = "/proc") -> [(tid: Int32, pid: Int32, comm: String)] {
        let fm = FileManager.default
        var threads: [(tid: Int32, pid: Int32, comm: String)] = []
        for entry in (try? fm.contentsOfDirectory(atPath: proc)) ?? [] {
            guard let pid = Int32(entry) else { continue }
            for task in (try? fm.contentsOfDirectory(atPath: "\(proc)/\(entry)/task")) ?? [] {
                guard let tid = Int32(task),
                      let comm = try? String(contentsOfFile: "\(proc)/\(entry)/task/\(task)/comm", encoding: .utf8) else { continue }
                threads.append((tid, pid, comm.trimmingCharacters(in: .newlines)))
            }
        }
        return threads.sorted { $0.tid < $1.tid }
    }
}
