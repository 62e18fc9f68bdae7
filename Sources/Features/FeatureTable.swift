import HostModel
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
        let labels = hasLabels
        var out = Self.csvHeader(schema, labels: labels)
        let id = schema.id
        for row in rows { out += Self.csvLine(row, schemaID: id, labels: labels) }
        return out
    }

    static func csvHeader(_ schema: FeatureSchema, labels: Bool) -> String {
        "vm,start_ns,end_ns,schema," + schema.columns.joined(separator: ",") + (labels ? ",workload,interference,culprit" : "") + "\n"
    }

    static func csvLine(_ row: FeatureRow, schemaID: String, labels: Bool) -> String {
        var out = "\(quote(row.vm)),\(row.startNs),\(row.endNs),\(schemaID)"
        for v in row.values { out += "," + number(v) }
        if labels {
            let l = row.label
            out += ",\(l?.workload.rawValue ?? ""),\(l?.interference.rawValue ?? ""),\(quote(l?.culprit ?? ""))"
        }
        return out + "\n"
    }

    /// A JSON document: the schema (id, groups, columns, window) and the rows, one per line.
    public func json() throws -> Data {
        var out = Self.jsonHead(schema)
        for (i, row) in rows.enumerated() { out += (i == 0 ? "" : ",\n") + Self.jsonRow(row, schema: schema) }
        out += "\n  ]\n}\n"
        return Data(out.utf8)
    }

    static func jsonHead(_ schema: FeatureSchema) -> String {
        func list(_ xs: [String]) -> String { "[" + xs.map { jsonString($0) }.joined(separator: ", ") + "]" }
        return "{\n  \"schema_id\": \(jsonString(schema.id)),\n  \"window_ns\": \(schema.windowNs),\n"
            + "  \"groups\": \(list(schema.groups.map(\.rawValue))),\n  \"columns\": \(list(schema.columns)),\n  \"rows\": [\n"
    }

    static func jsonRow(_ row: FeatureRow, schema: FeatureSchema) -> String {
        var out = "    {\"vm\": \(jsonString(row.vm)), \"start_ns\": \(row.startNs), \"end_ns\": \(row.endNs), \"features\": {"
        out += zip(schema.columns, row.values).map { "\(jsonString($0)): \($1.isFinite ? number($1) : "null")" }.joined(separator: ", ")
        out += "}"
        if let l = row.label {
            out += ", \"workload\": \(jsonString(l.workload.rawValue)), \"interference\": \(jsonString(l.interference.rawValue)), \"culprit\": \(jsonString(l.culprit))"
        }
        return out + "}"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    static func number(_ v: Double) -> String {
        if v.isNaN { return "" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.9g", v)
    }

    static func quote(_ s: String) -> String { CSV.quote(s) }
}
