import Features
import Learning

/// A model variant's preprocessing as one fitted object, as scikit-learn's `Pipeline`: the log
/// transform of every column whose unit is not linear (`FeatureTransform`) → the standard scaler
/// → the workload (demand) columns → PCA. Fitted once by the trainer, saved in the model file as
/// the variant's `featureNames`, `scaler`, `clusterFeatures` and `pca`, and applied as a whole by
/// the scorer, so training and scoring can never assemble the steps differently.
public struct FeaturePipeline: Sendable {
    /// The input columns, in order.
    public let columns: [String]
    /// The columns the workload components are made from (a subset of `columns`).
    public let workloadColumns: [String]
    public private(set) var scaler: StandardScaler
    public private(set) var pca: PCA
    private let workloadIndex: [Int]

    /// The output of the pipeline for some rows.
    public struct Output {
        /// Transformed and scaled features, all columns: the classifier's input.
        public var scaled: Matrix
        /// The workload columns' principal components: the clusters' space.
        public var components: Matrix
    }

    /// An unfitted pipeline over `columns`, with at most `components` principal components.
    public init(columns: [String], components: Int = 8) {
        let workload = Trainer.workloadColumns(columns)
        self.init(columns: columns, workloadColumns: workload, scaler: StandardScaler(),
                  pca: PCA(componentCount: min(components, workload.count)))
    }

    /// A fitted pipeline from its stored parts.
    public init(columns: [String], workloadColumns: [String], scaler: StandardScaler, pca: PCA) {
        self.columns = columns
        self.workloadColumns = workloadColumns
        self.scaler = scaler
        self.pca = pca
        workloadIndex = workloadColumns.map { columns.firstIndex(of: $0)! }
    }

    /// Fits the scaler and the PCA on `raw` (rows × `columns`, in the features' own units) and
    /// returns the training rows' output.
    public mutating func fit(_ raw: Matrix) throws -> Output {
        let scaled = scaler.fitTransform(FeatureTransform.apply(raw, columns: columns))
        let workload = select(scaled)
        try pca.fit(workload)
        return Output(scaled: scaled, components: pca.transform(workload))
    }

    /// Scaled features only (the classifier's input).
    public func scaled(_ raw: Matrix) -> Matrix {
        scaler.transform(FeatureTransform.apply(raw, columns: columns))
    }

    /// Applies every step to `raw` (rows × `columns`).
    public func transform(_ raw: Matrix) -> Output {
        let scaled = scaled(raw)
        return Output(scaled: scaled, components: pca.transform(select(scaled)))
    }

    private func select(_ x: Matrix) -> Matrix {
        Matrix(rows: x.rows, columns: workloadIndex.count, data: (0..<x.rows).flatMap { i in workloadIndex.map { x[i, $0] } })
    }
}

extension ModelVariant {
    /// The variant's fitted preprocessing.
    public var pipeline: FeaturePipeline {
        FeaturePipeline(columns: featureNames, workloadColumns: clusterFeatures ?? featureNames, scaler: scaler, pca: pca)
    }
}
