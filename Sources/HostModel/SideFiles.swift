import Foundation

/// Reads the small CSV files that may sit beside a trace: `vm-names.csv` (`pid,name`) and
/// `threads.csv` (`tid,pid,comm`, a `ps` taken before recording, for traces without a statedump).
public enum SideFiles {
    /// A side file that cannot be used.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case unreadable(path: String)
        case missingColumn(path: String, column: String)
        case badLine(path: String, line: Int, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let path): return "\(path): cannot read the file"
            case .missingColumn(let path, let column): return "\(path): no `\(column)` column in the header"
            case .badLine(let path, let line, let reason): return "\(path):\(line): \(reason)"
            }
        }
    }

    /// `pid,name` rows → [pid: name].
    public static func vmNames(at path: String) throws -> [Int32: String] {
        let rows = try table(at: path, columns: ["pid", "name"])
        var names: [Int32: String] = [:]
        for (line, row) in rows {
            guard let pid = Int32(row[0]), pid > 0 else {
                throw Failure.badLine(path: path, line: line, reason: "pid `\(row[0])` is not a positive integer")
            }
            guard !row[1].isEmpty else { throw Failure.badLine(path: path, line: line, reason: "empty name") }
            names[pid] = row[1]
        }
        return names
    }

    /// `tid,pid,comm` rows.
    public static func threads(at path: String) throws -> [(tid: Int32, pid: Int32, comm: String)] {
        try table(at: path, columns: ["tid", "pid", "comm"]).map { line, row in
            guard let tid = Int32(row[0]), let pid = Int32(row[1]) else {
                throw Failure.badLine(path: path, line: line, reason: "tid and pid must be integers")
            }
            return (tid, pid, row[2])
        }
    }

    /// Rows (with their 1-based line numbers) of the named columns, in the order asked.
    public static func table(at path: String, columns: [String]) throws -> [(Int, [String])] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Failure.unreadable(path: path)
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw Failure.missingColumn(path: path, column: columns[0]) }
        let names = splitCSV(header).map { $0.trimmingCharacters(in: .whitespaces) }
        var indices: [Int] = []
        for column in columns {
            guard let i = names.firstIndex(of: column) else { throw Failure.missingColumn(path: path, column: column) }
            indices.append(i)
        }
        var rows: [(Int, [String])] = []
        for (n, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = splitCSV(line)
            guard fields.count >= names.count else {
                throw Failure.badLine(path: path, line: n + 1, reason: "\(fields.count) fields, the header has \(names.count)")
            }
            rows.append((n + 1, indices.map { fields[$0] }))
        }
        return rows
    }

    /// Splits one CSV line, honouring double quotes: inside quotes a comma is text and `""` is one
    /// `"` (RFC 4180, as `FeatureTable`'s writer escapes).
    public static func splitCSV(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = line.makeIterator()
        var pending = characters.next()
        while let ch = pending {
            pending = characters.next()
            if quoted {
                if ch == "\"" {
                    if pending == "\"" { field.append("\""); pending = characters.next() } else { quoted = false }
                } else {
                    field.append(ch)
                }
            } else if ch == "\"" {
                quoted = true
            } else if ch == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(ch)
            }
        }
        fields.append(field)
        return fields
    }
}

/// The writing half of the project's one CSV format (`SideFiles.splitCSV` reads it back): a field
/// with a comma or a quote is quoted, its quotes doubled.
public enum CSV {
    public static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
