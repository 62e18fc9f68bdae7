import AtomicOutput
import Foundation
import HostModel

/// One host's feature table as a partition of a data lake (`lake/host=NAME/`), the table a
/// distributed trainer (`fleet/train.py`, Apache Spark) reads from many hosts at once.
///
/// The folder holds `part-00000.csv` and `table.json`. The CSV has one stable header for every
/// host, whatever its trace recorded: `host,vm,start_ns,end_ns,schema`, then every column of the
/// registry (`FeatureColumn.all`, in schema order; empty where the trace lacks the group), then
/// `workload,interference,culprit,teaches_classifier` (empty when the window has no label).
/// `teaches_classifier` is 0 for a labeled window the classifier does not learn from (a
/// saturator's own queue, `Trainer.saturatorWindows`), which only the trace's evidence can tell.
/// `table.json` says what a model needs to be rebuilt exactly: the table format and its id, the
/// trace's schema id, the window, the groups present and absent, and each column's group, unit
/// (which decides the log transform) and role (which decides the workload clusters).
public struct LakePartition: Sendable {
    /// The version of the table layout; a reader refuses another.
    public static let format = 1
    public static let dataFile = "part-00000.csv"
    public static let descriptionFile = "table.json"

    public var host: String
    public var table: FeatureTable
    /// The labeled windows (`vm@start_ns`) the classifier leaves out.
    public var leftOut: Set<String>

    public init(host: String, table: FeatureTable, leftOut: Set<String> = []) {
        self.host = host
        self.table = table
        self.leftOut = leftOut
    }

    /// Whether `-o PATH` asks for a partition folder: it ends in `/` or is a folder.
    public static func isPartitionPath(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return path.hasSuffix("/") || (FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue)
    }

    /// The host a partition folder names: `NAME` of `.../host=NAME/`, else the folder's own name.
    public static func host(forFolder path: String) -> String {
        let last = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
        return last.hasPrefix("host=") ? String(last.dropFirst(5)) : last
    }

    /// The registry's columns: the header of every partition.
    public static var columns: [String] { FeatureColumn.all.map(\.name) }

    /// The id of the table layout for a window: the schema id of every registry column.
    public static func tableSchemaID(windowNs: Int64) -> String { FeatureSchema.id(columns: columns, windowNs: windowNs) }

    public func csv() -> String {
        let all = Self.columns
        let index = all.map { table.schema.columns.firstIndex(of: $0) }
        var out = "host,vm,start_ns,end_ns,schema," + all.joined(separator: ",") + ",workload,interference,culprit,teaches_classifier\n"
        let id = table.schema.id, hostField = CSV.quote(host)
        for row in table.rows {
            out += "\(hostField),\(CSV.quote(row.vm)),\(row.startNs),\(row.endNs),\(id)"
            for i in index { out += "," + (i.map { FeatureTable.number(row.values[$0]) } ?? "") }
            if let l = row.label {
                let teaches = !leftOut.contains("\(row.vm)@\(row.startNs)")
                out += ",\(l.workload.rawValue),\(l.interference.rawValue),\(CSV.quote(l.culprit)),\(teaches ? 1 : 0)\n"
            } else {
                out += ",,,,\n"
            }
        }
        return out
    }

    /// What `table.json` holds.
    public struct Description: Codable, Equatable, Sendable {
        /// One column of the table: its registry group, unit and role.
        public struct Column: Codable, Equatable, Sendable {
            public var name: String
            public var group: String
            public var unit: String
            public var role: String
            /// Whether the unit stays linear (shares, counts); every other column is log(1 + x).
            public var linear: Bool
        }
        public var tableFormat: Int
        public var tableSchemaID: String
        public var host: String
        public var schemaID: String
        public var windowNs: Int64
        public var groups: [String]
        public var absentGroups: [String]
        public var rows: Int
        public var labeledRows: Int
        public var leftOutRows: Int
        public var columns: [Column]

        enum CodingKeys: String, CodingKey {
            case tableFormat = "table_format", tableSchemaID = "table_schema_id", host, schemaID = "schema_id"
            case windowNs = "window_ns", groups, absentGroups = "absent_groups", rows, labeledRows = "labeled_rows"
            case leftOutRows = "left_out_rows", columns
        }
    }

    public var description: Description {
        let labeled = table.rows.filter { $0.label != nil }
        return Description(
            tableFormat: Self.format, tableSchemaID: Self.tableSchemaID(windowNs: table.schema.windowNs), host: host,
            schemaID: table.schema.id, windowNs: table.schema.windowNs, groups: table.schema.groups.map(\.rawValue),
            absentGroups: FeatureGroup.allCases.filter { !table.schema.groups.contains($0) }.map(\.rawValue),
            rows: table.rows.count, labeledRows: labeled.count,
            leftOutRows: labeled.filter { leftOut.contains("\($0.vm)@\($0.startNs)") }.count,
            columns: FeatureColumn.all.map {
                .init(name: $0.name, group: $0.group.rawValue, unit: $0.unit.rawValue, role: $0.role.rawValue, linear: $0.unit.staysLinear)
            })
    }

    public func descriptionJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(description) + Data("\n".utf8)
    }

    /// Writes the folder at `path` under a temporary name and renames it, replacing an earlier
    /// partition of the same host (a reader never sees half of one; Spark skips the temporary,
    /// whose name starts with a dot). The lake folder above it is created when missing.
    public func write(to path: String) throws {
        let folder = URL(fileURLWithPath: path).standardizedFileURL
        let parent = folder.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw AtomicOutput.Failure(path: path, reason: "cannot create the folder \(parent.path)")
        }
        let data = Data(csv().utf8), json = try descriptionJSON()
        try AtomicOutput.stage(folder.path, replacing: true) { temporary in
            do {
                try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
            } catch {
                throw AtomicOutput.Failure(path: path, reason: "the folder \(parent.path) is not writable")
            }
            for (name, content) in [(Self.dataFile, data), (Self.descriptionFile, json)] {
                guard FileManager.default.createFile(atPath: temporary.appendingPathComponent(name).path, contents: content) else {
                    throw AtomicOutput.Failure(path: path, reason: "cannot write \(name)")
                }
            }
        }
    }
}
