import ArgumentParser
import Features
import Simulator

/// A value the command line gives in text, parsed once, in one place per kind of value.
protocol OptionValue {
    /// The value `text` means; a refusal says what was wrong, in the words the user sees.
    static func parse(_ text: String) throws -> Self
}

/// An option's value, parsed as the command line is read (`ExpressibleByArgument`).
///
/// A refused value is kept, not reported by the argument parser: its own refusal is a usage
/// message over several lines with exit status 64, while every bad input of `interfere` is one
/// line and exit status 2, through `reportingFailures` — where the command reads `value`.
struct Parsed<Value: OptionValue>: ExpressibleByArgument {
    /// The text as given (shown as the default in `--help`).
    let text: String
    private let parsed: Result<Value, Error>

    init(argument: String) {
        text = argument
        parsed = Result { try Value.parse(argument) }
    }

    /// The value, or the refusal of the text.
    var value: Value { get throws { try parsed.get() } }

    var defaultValueDescription: String { text }
}

/// `--window`: a length with a unit (`WindowLength`), in ns.
struct WindowOption: OptionValue {
    var ns: Int64
    static func parse(_ text: String) throws -> WindowOption { WindowOption(ns: try WindowLength.parse(text)) }
}

/// `--k`: `auto` (nil: chosen by silhouette) or a number of workload clusters from 2 to 32.
struct ClusterCount: OptionValue {
    var k: Int?
    static func parse(_ text: String) throws -> ClusterCount {
        if text == "auto" { return ClusterCount(k: nil) }
        guard let n = Int(text), n >= 2, n <= 32 else { throw ValidationError("--k: give auto or a number from 2 to 32, not `\(text)`") }
        return ClusterCount(k: n)
    }
}

/// `--pt-timing`: how a simulated PT capture is timed.
extension Simulation.PTOptions.Timing: OptionValue {
    static func parse(_ text: String) throws -> Simulation.PTOptions.Timing {
        guard let timing = Self(rawValue: text) else { throw ValidationError("--pt-timing must be tsc, mtc or cyc, got `\(text)`") }
        return timing
    }
}
