/// A window length written as a number and a unit: `100ms`, `1s`, `500us`, `250000ns`.
public enum WindowLength {
    /// Why a window length was refused.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var text: String
        public init(text: String) { self.text = text }
        public var description: String {
            "window `\(text)`: give a length from 100us to 3600s with a unit (ns, us, ms, s), e.g. 100ms"
        }
    }

    public static func parse(_ text: String) throws -> Int64 {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard let value = Double(number), value.isFinite, value > 0 else { throw Invalid(text: text) }
            let ns = (value * scale).rounded()
            // 100 µs to 1 h, as a model's window (`ModelVariant.windowRange`)
            guard ns >= 1e5, ns <= 3.6e12 else { throw Invalid(text: text) }
            return Int64(ns)
        }
        throw Invalid(text: text)
    }
}
