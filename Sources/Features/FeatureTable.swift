import Foundation

/// One feature vector: a VM over one window, with its label when labels were given.
public struct FeatureRow: Sendable, Codable, Equatable {
    public var vm: String
    public var startNs: Int64
    public var endNs: Int64
    public var values: [Double]
    public var label: LabelRow?

    public init(vm: String, startNs: Int64, endNs: Int64, values: [Double], label: LabelRow?) {
        self.vm = vm
        self.startNs = startNs
        self.endNs = endNs
        self.values = values
        self.label = label
    }
}

/// Rows of features under one schema: the input of all learning. Written as CSV that pandas
/// loads with no options (`vm,start_ns,end_ns,schema,<columns>[,workload,interference,culprit]`)
/// or as JSON.
public struct FeatureTable: Sendable {
    public var schema: FeatureSchema
    public var rows: [FeatureRow]

    public init(schema: FeatureSchema, rows: [FeatureRow] = []) {
        self.schema = schema
        self.rows = rows
    }

    public var hasLabels: Bool { rows.contains { $0.label != nil } }

    /// The column's values over all rows.
    public func column(_ name: String) -> [Double]? {
        guard let i = schema.columns.firstIndex(of: name) else { return nil }
        return rows.map { $0.values[i] }
    }

    public func csv() -> String {
        var out = "vm,start_ns,end_ns,schema," + schema.columns.joined(separator: ",")
        let labels = hasLabels
        if labels { out += ",workload,interference,culprit" }
        out += "\n"
        let id = schema.id
        for row in rows {
            out += "\(Self.quote(row.vm)),\(row.startNs),\(row.endNs),\(id)"
            for v in row.values { out += "," + Self.number(v) }
            if labels {
                let l = row.label
                out += ",\(l?.workload ?? ""),\(l?.interference ?? ""),\(Self.quote(l?.culprit ?? ""))"
            }
            out += "\n"
        }
        return out
    }

    /// A JSON document: the schema (id, groups, columns, window) and the rows.
    public func json() throws -> Data {
        struct Document: Encodable {
            var schemaId: String
            var windowNs: Int64
            var groups: [FeatureGroup]
            var columns: [String]
            var rows: [JSONRow]
        }
        struct JSONRow: Encodable {
            var vm: String
            var startNs: Int64
            var endNs: Int64
            var features: [String: Double?]
            var workload: String?
            var interference: String?
            var culprit: String?
        }
        let document = Document(
            schemaId: schema.id, windowNs: schema.windowNs, groups: schema.groups, columns: schema.columns,
            rows: rows.map { row in
                JSONRow(vm: row.vm, startNs: row.startNs, endNs: row.endNs,
                        features: Dictionary(uniqueKeysWithValues: zip(schema.columns, row.values.map { $0.isFinite ? $0 : nil })),
                        workload: row.label?.workload, interference: row.label?.interference, culprit: row.label?.culprit)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(document)
    }

    static func number(_ v: Double) -> String {
        if v.isNaN { return "" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.9g", v)
    }

    static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
