/// What one row of classifier probabilities says about interference: P(interfered) =
/// 1 − P(`none`), and the kind = the most probable of the interference classes (cpu, disk, net,
/// memory; any class other than `none` that the classifier has), with its probability.
public struct InterferenceReading: Sendable, Equatable, Codable {
    public var interferedProbability: Double
    public var kind: String
    public var kindProbability: Double

    public init(interferedProbability: Double, kind: String, kindProbability: Double) {
        self.interferedProbability = interferedProbability
        self.kind = kind
        self.kindProbability = kindProbability
    }

    /// One reading per row of `probabilities` (columns in the order of `classes`). Without a
    /// `none` class P(interfered) is 1. Ties between kinds go to the earlier class.
    public static func readings(_ probabilities: Matrix, classes: [String]) throws -> [InterferenceReading] {
        guard probabilities.columns == classes.count else {
            throw LearningError.badInput("interference reading: \(probabilities.columns) probability columns for \(classes.count) classes")
        }
        let none = classes.firstIndex(of: "none")
        let kinds = classes.indices.filter { $0 != none }
        guard !kinds.isEmpty else { throw LearningError.badInput("interference reading: no class besides `none` in \(classes)") }
        return (0..<probabilities.rows).map { i in
            var best = kinds[0]
            for c in kinds.dropFirst() where probabilities[i, c] > probabilities[i, best] { best = c }
            let interfered = none.map { 1 - probabilities[i, $0] } ?? 1
            return InterferenceReading(interferedProbability: interfered, kind: classes[best], kindProbability: probabilities[i, best])
        }
    }
}
