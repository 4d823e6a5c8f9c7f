import CLua
import Foundation

/// An error from Lua code, keeping the `file:line` of where it happened and a short traceback.
/// Load (syntax) errors are told apart from runtime errors and from the limits.
public struct LuaError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        case load = "syntax error"
        case runtime = "runtime error"
        case instructionLimit = "instruction limit"
        case memoryLimit = "memory limit"
        case timeLimit = "time limit"
        case conversion = "value error"

        /// The call was stopped by one of its limits (rather than failing on its own).
        public var isLimit: Bool { self == .instructionLimit || self == .memoryLimit || self == .timeLimit }
    }

    public let kind: Kind
    /// The message as Lua gave it, usually starting with `file.lua:LINE:`.
    public let message: String
    /// Up to a few `file.lua:LINE: in function ...` frames, innermost first, C frames left out.
    public let traceback: [String]

    public init(kind: Kind, message: String, traceback: [String] = []) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
    }

    /// `file.lua:LINE` of the error: from the message, else the innermost Lua frame.
    public var location: String? {
        if let loc = LuaError.leadingLocation(message) { return loc }
        return traceback.lazy.compactMap(LuaError.leadingLocation).first
    }

    public var description: String {
        var text = message
        if LuaError.leadingLocation(message) == nil, let loc = location { text = "\(loc): \(text)" }
        if kind != .runtime && kind != .load { text += " [\(kind.rawValue)]" }
        return text
    }

    /// Splits what the message handler built (message, then "stack traceback:") into parts.
    static func fromHandler(_ raw: String, kind: Kind) -> LuaError {
        let parts = raw.components(separatedBy: "\nstack traceback:\n")
        let message = parts[0]
        var frames: [String] = []
        if parts.count > 1 {
            for line in parts[1].split(separator: "\n") {
                let frame = line.trimmingCharacters(in: .whitespaces)
                if frame.hasPrefix("[C]") || frame.hasPrefix("(...tail calls...)") { continue }
                frames.append(frame)
                if frames.count == 5 { break }
            }
        }
        return LuaError(kind: kind, message: message, traceback: frames)
    }

    /// The error for a call stopped by a limit (an `RPT_KILLED_*` reason), nil for 0.
    static func limit(_ why: Int32) -> LuaError? {
        let kind: Kind
        switch why {
        case Int32(RPT_KILLED_INSTRUCTIONS): kind = .instructionLimit
        case Int32(RPT_KILLED_MEMORY): kind = .memoryLimit
        case Int32(RPT_KILLED_TIME): kind = .timeLimit
        default: return nil
        }
        return LuaError(kind: kind, message: String(cString: rpt_killed_message(why)))
    }

    static func leadingLocation(_ text: String) -> String? {
        // "name.lua:12: ..." -> "name.lua:12"
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let file = text[..<colon]
        guard file.hasSuffix(".lua") || file.hasPrefix("[string") else { return nil }
        let rest = text[text.index(after: colon)...]
        let digits = rest.prefix(while: { $0.isNumber })
        guard !digits.isEmpty else { return nil }
        return "\(file):\(digits)"
    }
}

/// Per-call limits. A call past any of them is stopped, and a script cannot catch that.
public struct LuaLimits: Sendable, Equatable {
    public var instructions: Int
    public var memoryBytes: Int
    public var seconds: Double

    public init(instructions: Int = 10_000_000, memoryBytes: Int = 64 << 20, seconds: Double = 2) {
        self.instructions = instructions
        self.memoryBytes = memoryBytes
        self.seconds = seconds
    }

    /// Loading a pack runs its top-level code once: it gets more room than a single hook call.
    public static let loading = LuaLimits(instructions: 200_000_000, memoryBytes: 256 << 20, seconds: 10)
}
