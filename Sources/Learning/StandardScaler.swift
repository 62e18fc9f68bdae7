/// Centres each column on its mean and divides by its standard deviation (population), learnt by
/// `fit`. Absent values (NaN) are ignored when fitting and become 0 (the mean) when transforming;
/// a constant column keeps scale 1.
public struct StandardScaler: Sendable, Codable, Equatable {
    public private(set) var means: [Double] = []
    public private(set) var scales: [Double] = []

    public init() {}

    public mutating func fit(_ x: Matrix) {
        var sums = [Double](repeating: 0, count: x.columns)
        var squares = [Double](repeating: 0, count: x.columns)
        var counts = [Double](repeating: 0, count: x.columns)
        for i in 0..<x.rows {
            for j in 0..<x.columns {
                let v = x[i, j]
                guard v.isFinite else { continue }
                sums[j] += v
                squares[j] += v * v
                counts[j] += 1
            }
        }
        means = zip(sums, counts).map { $1 > 0 ? $0 / $1 : 0 }
        scales = (0..<x.columns).map { j in
            guard counts[j] > 0 else { return 1 }
            let variance = max(0, squares[j] / counts[j] - means[j] * means[j])
            let sd = variance.squareRoot()
            return sd > 1e-12 * max(1, abs(means[j])) ? sd : 1
        }
    }

    public func transform(_ x: Matrix) -> Matrix {
        var out = x
        for i in 0..<x.rows {
            for j in 0..<x.columns {
                let v = x[i, j]
                out[i, j] = v.isFinite ? (v - means[j]) / scales[j] : 0
            }
        }
        return out
    }

    public mutating func fitTransform(_ x: Matrix) -> Matrix {
        fit(x)
        return transform(x)
    }

    /// Back to the original units.
    public func inverseTransform(_ x: Matrix) -> Matrix {
        var out = x
        for i in 0..<x.rows { for j in 0..<x.columns { out[i, j] = x[i, j] * scales[j] + means[j] } }
        return out
    }
}
