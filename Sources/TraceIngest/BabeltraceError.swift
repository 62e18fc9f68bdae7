/// The error libbabeltrace2 left on the current thread, as one readable line (most specific cause
/// first, debug fields dropped); taking it clears it. For every graph the project builds: the
/// reader's and the simulator's writer.
public enum BabeltraceError {
    public static func takeMessage() -> String? { GraphBuilder.takeErrorMessage() }
}
