import Foundation

/// A feature table's rows parked on disk (`RowSpool`) instead of held in memory, so that memory
/// does not grow with the trace's length: the rows of every group wait in the spool, and each is
/// narrowed to the schema's columns (and labelled) as it is read back, in the order the windows
/// closed. `forEach` can be called again (each call reads the file from its start).
public final class SpooledRows {
    public let schema: FeatureSchema
    /// How many rows.
    public var count: Int { spool.count }
    private let spool: RowSpool
    private let keep: [Int]
    private let names: [String]
    private let labels: Labels?

    init(spool: RowSpool, schema: FeatureSchema, allColumns: [String], vmNames: [String], labels: Labels?) {
        self.spool = spool
        self.schema = schema
        keep = schema.columns.map { allColumns.firstIndex(of: $0)! }
        names = vmNames
        self.labels = labels
    }

    /// Every row, narrowed to the schema's columns, in order.
    public func forEach(_ body: (FeatureRow) throws -> Void) throws {
        try spool.forEach { row in
            let name = names[row.vm]
            try body(FeatureRow(vm: name, startNs: row.start, endNs: row.end, values: keep.map { row.values[$0] },
                                label: labels?.label(vm: name, startNs: row.start, endNs: row.end)))
        }
    }
}
