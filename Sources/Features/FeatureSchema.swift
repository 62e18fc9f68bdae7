/// The ordered columns of a feature table and the window they were computed over; its `id` is
/// what a model checks before scoring (a hash of the column names and the window).
public struct FeatureSchema: Sendable, Codable, Equatable {
    public var groups: [FeatureGroup]
    public var columns: [String]
    public var windowNs: Int64

    public init(groups: [FeatureGroup], windowNs: Int64) {
        self.groups = FeatureGroup.allCases.filter(groups.contains)
        self.columns = self.groups.flatMap(\.columns)
        self.windowNs = windowNs
    }

    /// FNV-1a 64 of `columns` joined by commas and the window, as 16 hex digits.
    public var id: String { Self.id(columns: columns, windowNs: windowNs) }

    /// The id of any ordered column list (a model variant's columns, say).
    public static func id(columns: [String], windowNs: Int64) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (columns.joined(separator: ",") + "|\(windowNs)").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
