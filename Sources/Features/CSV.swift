import Foundation

/// The project's one CSV format, both halves: `table` reads the named columns of a file (with
/// `split`, which honours quotes), `quote` writes a field so that `split` reads it back (RFC 4180).
/// Side files, labels and feature tables all use it.
public enum CSV {
    /// A CSV file that cannot be used.
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

    /// Rows (with their 1-based line numbers) of the named columns, in the order asked.
    public static func table(at path: String, columns: [String]) throws -> [(Int, [String])] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Failure.unreadable(path: path)
        }
        // A byte-order mark (as spreadsheet programs write) is not part of the first column's name;
        // CRLF line ends are line ends.
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        var lines = body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw Failure.missingColumn(path: path, column: columns[0]) }
        let names = split(header).map { $0.trimmingCharacters(in: .whitespaces) }
        var indices: [Int] = []
        for column in columns {
            guard let i = names.firstIndex(of: column) else { throw Failure.missingColumn(path: path, column: column) }
            indices.append(i)
        }
        var rows: [(Int, [String])] = []
        for (n, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = split(line)
            guard fields.count >= names.count else {
                throw Failure.badLine(path: path, line: n + 1, reason: "\(fields.count) fields, the header has \(names.count)")
            }
            rows.append((n + 1, indices.map { fields[$0] }))
        }
        return rows
    }

    /// Splits one CSV line, honouring double quotes: inside quotes a comma is text and `""` is one
    /// `"` (RFC 4180, as `quote` escapes).
    public static func split(_ line: String) -> [String] {
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

    /// A field with a comma or a quote quoted, its quotes doubled (`split` reads it back).
    public static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
