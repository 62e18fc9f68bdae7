import Features
import Foundation
import Learning

/// The fixed transform applied to feature values before scaling, in training and in scoring:
/// rates, byte counts and latencies are heavy-tailed, so every column whose unit does not stay
/// linear (`FeatureUnit.staysLinear`: shares and counts) becomes log(1 + x). Absent values stay NaN.
enum FeatureTransform {
    static func keepsLinear(_ column: String) -> Bool {
        FeatureColumn.named(column)?.unit.staysLinear ?? false
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
