/// The chunks `perf record --switch-output -o PREFIX` leaves in its folder: it writes `PREFIX`
/// and, at each switch (and at its end), renames it `PREFIX.<YYYYmmddHHMMSScc>`. A renamed file
/// is finished; the names sort in time order.
public enum PerfChunks {
    /// The finished chunks among `names` (file names in the folder), oldest first.
    public static func finished(_ names: [String], prefix: String) -> [String] {
        names.filter { name in
            guard name.hasPrefix(prefix + ".") else { return false }
            let stamp = name.dropFirst(prefix.count + 1)
            return !stamp.isEmpty && stamp.allSatisfy(\.isASCII) && stamp.allSatisfy(\.isNumber)
        }
        .sorted { a, b in a.count != b.count ? a.count < b.count : a < b }
    }
}
