import Foundation
import Learning

/// libFuzzer target: a model file loaded and validated (`InterferenceModel.load`); a model that
/// passes must then transform and classify a row without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = FuzzScratch.write(data, size, as: "model.json")
    guard let model = try? InterferenceModel.load(path: url.path) else { return 0 }
    for variant in model.variants {
        let row = Matrix(rows: 1, columns: variant.featureNames.count)
        let scaled = variant.scaler.transform(row)
        _ = variant.classifier.predictProbabilities(scaled)
    }
    return 0
}
