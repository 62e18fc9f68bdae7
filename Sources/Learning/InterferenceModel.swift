import AtomicOutput
import Foundation

/// The model file: versioned, human-readable JSON holding, per variant, the schema it expects,
/// the scaler, the PCA, the workload centroids and their names, the interference classifier, and
/// what it was trained on with its metrics.
public struct InterferenceModel: Sendable, Codable, Equatable {
    public static let currentFormat = 1

    public var format: Int
    public var variants: [ModelVariant]
    public var training: TrainingDescription

    public init(variants: [ModelVariant], training: TrainingDescription) {
        self.format = Self.currentFormat
        self.variants = variants
        self.training = training
    }

    /// The variant for a trace with `columns`: the first, in the order full, portable, pt (then
    /// any other name, in file order), whose features are all present, counting only the features
    /// of the groups it requires (`requiredPrefixes`); its other features the trace lacks are taken
    /// at their training mean. Only variants trained on `windowNs` windows are considered.
    public func variant(forColumns columns: [String], windowNs: Int64) throws -> ModelVariant {
        let available = Set(columns)
        let rank = ["full": 0, "portable": 1, "pt": 2]
        let ordered = variants.enumerated().sorted { a, b in
            let ra = rank[a.element.name] ?? 3, rb = rank[b.element.name] ?? 3
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
        var firstMissing: (ModelVariant, [String])?
        for variant in ordered where variant.windowNs == windowNs {
            guard variant.requiredPrefixes.allSatisfy({ p in columns.contains { $0.hasPrefix(p) } }) else { continue }
            let missingRequired = variant.featureNames.filter { name in
                variant.requiredPrefixes.contains { name.hasPrefix($0) } && !available.contains(name)
            }
            if missingRequired.isEmpty { return variant }
            if firstMissing == nil { firstMissing = (variant, missingRequired) }
        }
        if let (variant, missing) = firstMissing {
            throw ModelError.missingFeatures(variant: variant.name, schema: variant.schemaID, missing: Array(missing.prefix(5)))
        }
        if let any = variants.first, !variants.contains(where: { $0.windowNs == windowNs }) {
            throw ModelError.windowMismatch(model: any.windowNs, trace: windowNs)
        }
        throw ModelError.noVariant(groups: Set(columns.compactMap { $0.split(separator: "_").first.map(String.init) }).sorted())
    }

    /// The variant named `name` checked against the schema id of the features it will be given:
    /// `ModelError.schemaMismatch` names both ids when they differ.
    public func variant(named name: String, schemaID found: String) throws -> ModelVariant {
        guard let variant = variants.first(where: { $0.name == name }) else {
            throw ModelError.noSuchVariant(name: name, available: variants.map(\.name))
        }
        try variant.requireSchema(found)
        return variant
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    public static func load(path: String) throws -> InterferenceModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError.unreadable(path: path) }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        struct Header: Decodable { var format: Int? }
        guard let header = try? decoder.decode(Header.self, from: data) else {
            throw ModelError.notAModel(path: path, reason: "not JSON")
        }
        guard header.format == currentFormat else {
            throw ModelError.notAModel(path: path, reason: "format \(header.format.map(String.init) ?? "missing"), this interfere reads format \(currentFormat)")
        }
        do {
            return try decoder.decode(InterferenceModel.self, from: data)
        } catch {
            throw ModelError.notAModel(path: path, reason: "\(error)".split(separator: "\n").first.map(String.init) ?? "bad content")
        }
    }

    /// Writes under a temporary name and renames.
    public func write(to path: String) throws {
        let data = try encoded()
        do { try AtomicOutput.write(data, to: path) } catch is AtomicOutput.Failure { throw ModelError.unwritable(path: path) }
    }
}

/// One model variant, for traces with a given set of feature groups.
public struct ModelVariant: Sendable, Codable, Equatable {
    /// `full` (all groups), `portable` (no kvm events needed), `pt`.
    public var name: String
    public var schemaID: String
    public var featureNames: [String]
    public var windowNs: Int64
    /// Feature-name prefixes a trace must have (`sched_`, `kvm_`, ...); other columns the trace
    /// lacks are taken at their training mean.
    public var requiredPrefixes: [String]
    public var scaler: StandardScaler
    public var pca: PCA
    /// Workload centroids in PCA space, and in the features' units (for naming).
    public var centroids: Matrix
    public var clusterNames: [String]
    public var classifier: LogisticRegression
    /// Class names of the classifier, `none` first.
    public var classes: [String]
    public var metrics: [String: Double]
    /// The features the workload clusters are made from (what the VM asks for, not what it
    /// suffers); the PCA and the centroids live in their space. Nil: all `featureNames`.
    public var clusterFeatures: [String]?

    public init(name: String, schemaID: String, featureNames: [String], windowNs: Int64, requiredPrefixes: [String], scaler: StandardScaler, pca: PCA, centroids: Matrix, clusterNames: [String], classifier: LogisticRegression, classes: [String], metrics: [String: Double], clusterFeatures: [String]? = nil) {
        self.clusterFeatures = clusterFeatures
        self.name = name
        self.schemaID = schemaID
        self.featureNames = featureNames
        self.windowNs = windowNs
        self.requiredPrefixes = requiredPrefixes
        self.scaler = scaler
        self.pca = pca
        self.centroids = centroids
        self.clusterNames = clusterNames
        self.classifier = classifier
        self.classes = classes
        self.metrics = metrics
    }

    /// Throws `ModelError.schemaMismatch` naming both schema ids unless `found` is this variant's.
    public func requireSchema(_ found: String) throws {
        guard found == schemaID else { throw ModelError.schemaMismatch(expected: schemaID, found: found, variant: name) }
    }
}

/// What a model was trained on.
public struct TrainingDescription: Sendable, Codable, Equatable {
    public var datasets: [String]
    public var rowsPerClass: [String: Int]
    public var windowNs: Int64
    public var seed: UInt64

    public init(datasets: [String], rowsPerClass: [String: Int], windowNs: Int64, seed: UInt64) {
        self.datasets = datasets
        self.rowsPerClass = rowsPerClass
        self.windowNs = windowNs
        self.seed = seed
    }
}

/// A model that cannot be used, and why.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String)
    case unwritable(path: String)
    case notAModel(path: String, reason: String)
    /// The features given were built with schema `found`, the variant expects `expected`.
    case schemaMismatch(expected: String, found: String, variant: String)
    /// The trace has the variant's feature groups but not all of their columns.
    case missingFeatures(variant: String, schema: String, missing: [String])
    case noSuchVariant(name: String, available: [String])
    case windowMismatch(model: Int64, trace: Int64)
    case noVariant(groups: [String])

    public var description: String {
        switch self {
        case .unreadable(let path): return "\(path): cannot read the model file"
        case .unwritable(let path): return "\(path): cannot write the model file"
        case .notAModel(let path, let reason): return "\(path): not an interfere model: \(reason)"
        case .schemaMismatch(let expected, let found, let variant):
            return "schema mismatch: model variant `\(variant)` expects feature schema \(expected), the features have schema \(found)"
        case .missingFeatures(let variant, let schema, let missing):
            return "the trace's features do not match model variant `\(variant)` (schema \(schema)): missing \(missing.joined(separator: ", "))"
        case .noSuchVariant(let name, let available):
            return "the model has no variant `\(name)` (it has \(available.joined(separator: ", ")))"
        case .windowMismatch(let model, let trace):
            return "the model was trained on \(model / 1_000_000) ms windows, the features use \(trace / 1_000_000) ms: pass --window \(model / 1_000_000)ms"
        case .noVariant(let groups):
            return "no model variant fits a trace with feature groups \(groups.joined(separator: ", "))"
        }
    }
}
