import LuaHost

/// A hook failed on one example: a bug in the pack, never counted as a model mistake. The
/// fields say which hook, where in the pack, on which example and why, so a caller can tell a
/// pack that hits its limits from one that raises errors or returns nonsense.
public struct HookError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Cause: String, Sendable {
        /// The hook raised an error (including a syntax error in code it loaded).
        case error
        case instructionLimit = "instruction limit"
        case memoryLimit = "memory limit"
        case timeLimit = "time limit"
        /// It returned something that cannot leave Lua (a function, a table holding one...).
        case notData = "not data"
        /// It returned a value of the wrong kind or out of range (a score of 1.5, no message...).
        case badResult = "bad result"
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
    public var hitLimit: Bool { cause == .instructionLimit || cause == .memoryLimit || cause == .timeLimit }

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
        let cause: Cause = switch error.kind {
        case .load, .runtime: .error
        case .instructionLimit: .instructionLimit
        case .memoryLimit: .memoryLimit
        case .timeLimit: .timeLimit
        case .conversion: .notData
        }
        self.init(hook: hook, example: example, message: error.description, traceback: error.traceback,
                  cause: cause, location: error.location)
    }
}
