import Foundation
import Learning

/// The fixed transform applied to feature values before scaling, in training and in scoring:
/// rates, byte counts and latencies are heavy-tailed, so every column that is not a share (in
/// [0, 1]) or a count of vCPUs becomes log(1 + x); shares stay as they are. Absent values stay NaN.
enum FeatureTransform {
    static func keepsLinear(_ column: String) -> Bool {
        column.hasSuffix("_share") || column == "sched_vcpus"
    }

    static func apply(_ m: Matrix, columns: [String]) -> Matrix {
        var out = m
        let logColumns = columns.enumerated().filter { !keepsLinear($0.element) }.map(\.offset)
        for i in 0..<m.rows {
            for j in logColumns {
                let v = m[i, j]
                if v.isFinite { out[i, j] = v >= 0 ? (1 + v).logValue : -(1 - v).logValue }
            }
        }
        return out
    }
}

extension Double {
    var logValue: Double { Foundation.log(self) }
}
