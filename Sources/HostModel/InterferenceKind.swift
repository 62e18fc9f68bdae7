/// What a VM suffers from over an interval: the `interference` column of `labels.csv`, the
/// classifier's classes (in this order), a window's and a period's kind, a simulated episode's.
///
/// The raw values are the strings every file and output uses. Write `InterferenceKind.none` in
/// full where an optional is near: `.none` alone on an `InterferenceKind?` means `nil`.
public enum InterferenceKind: String, CaseIterable, Sendable, Codable {
    case none
    case cpu
    case disk
    case net
    case memory
}
