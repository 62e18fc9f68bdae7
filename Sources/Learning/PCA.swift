/// Principal component analysis: the eigenvectors of the covariance matrix (`dsyrk` then
/// `LAPACKE_dsyevd`), largest first, with the explained variance of each.
public struct PCA: Sendable, Codable, Equatable {
    /// Components to keep; nil keeps all.
    public var componentCount: Int?
    public private(set) var means: [Double] = []
    /// One component per row.
    public private(set) var components = Matrix(rows: 0, columns: 0)
    public private(set) var explainedVariance: [Double] = []
    public private(set) var explainedVarianceRatio: [Double] = []

    public init(componentCount: Int? = nil) { self.componentCount = componentCount }

    public mutating func fit(_ x: Matrix) throws {
        guard x.rows > 1 else { throw LearningError.badInput("PCA needs at least 2 rows, got \(x.rows)") }
        means = (0..<x.columns).map { j in (0..<x.rows).reduce(0.0) { $0 + x[$1, j] } / Double(x.rows) }
        var centred = x
        for i in 0..<x.rows { for j in 0..<x.columns { centred[i, j] -= means[j] } }
        var covariance = centred.gram()
        for i in 0..<covariance.data.count { covariance.data[i] /= Double(x.rows - 1) }
        let (values, vectors) = try covariance.symmetricEigen()
        let order = Array((0..<x.columns).reversed())
        let keep = min(componentCount ?? x.columns, x.columns)
        let total = values.reduce(0) { $0 + max(0, $1) }
        var rowsData: [Double] = []
        explainedVariance = []
        for c in order.prefix(keep) {
            explainedVariance.append(max(0, values[c]))
            // Sign convention (as scikit-learn's svd_flip): the largest |loading| is positive.
            var column = (0..<x.columns).map { vectors[$0, c] }
            if let big = column.indices.max(by: { abs(column[$0]) < abs(column[$1]) }), column[big] < 0 {
                column = column.map { -$0 }
            }
            rowsData.append(contentsOf: column)
        }
        components = Matrix(rows: keep, columns: x.columns, data: rowsData)
        explainedVarianceRatio = explainedVariance.map { total > 0 ? $0 / total : 0 }
    }

    public func transform(_ x: Matrix) -> Matrix {
        var centred = x
        for i in 0..<x.rows { for j in 0..<x.columns { centred[i, j] -= means[j] } }
        return centred.multiplied(by: components, transposeOther: true)
    }
}
