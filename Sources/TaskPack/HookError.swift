import LuaHost

/// A hook failed on one example: a bug in the pack, never counted as a model mistake. The
/// fields say which hook, where in the pack, on which example and why, so a caller can tell a
/// pack that hits its limits from one that raises errors or returns nonsense.
public struct HookError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Cause: Sendable, Equatable {
        /// What Lua reported: a runtime or syntax error, a limit, or a value that is not data.
        case lua(LuaError.Kind)
        /// The hook returned a value of the wrong kind or out of range (a score of 1.5, no message...).
        case badResult
    }

    public let hook: String
    public let exampleID: String
    public let exampleSource: String
    public let message: String
    public let traceback: [String]
    public let cause: Cause
    /// `file.lua:LINE` in the pack: where the error happened, or where the hook is defined.
    public let location: String?

    /// True when the pack ran out of instructions, memory or time (the example may be fine).
    public var hitLimit: Bool {
        if case .lua(let kind) = cause { return kind.isLimit }
        return false
    }

    /// The same failure, as far as stopping early goes: the same hook with the same message, or
    /// the same limit hit (which line a looping hook was stopped on varies with the example).
    public func isAlike(_ other: HookError) -> Bool {
        hook == other.hook && cause == other.cause && (hitLimit || message == other.message)
    }

    public var description: String {
        "\(hook) failed on example \(exampleID) (\(exampleSource)): \(message)"
    }

    init(hook: String, example: Example, message: String, traceback: [String] = [], cause: Cause, location: String?) {
        self.hook = hook
        exampleID = example.id
        exampleSource = example.source
        self.message = message
        self.traceback = traceback
        self.cause = cause
        self.location = location
    }

    init(hook: String, example: Example, _ error: LuaError) {
        self.init(hook: hook, example: example, message: error.description, traceback: error.traceback,
                  cause: .lua(error.kind), location: error.location)
    }
}
