import LuaHost

/// One row of a dataset: its id, its fields as the pack's hooks see them, and where it came from.
public struct Example: Sendable, Hashable {
    public let id: String
    public let fields: [String: LuaValue]
    /// `file:line` of the row, for error messages.
    public let source: String

    public init(id: String, fields: [String: LuaValue], source: String) {
        self.id = id
        self.fields = fields
        self.source = source
    }

    public var value: LuaValue { .object(fields) }
}

public enum Split: String, Sendable, CaseIterable, Codable {
    case train, dev, test
}

/// An error in a pack's files, naming the file (and line) and what to do.
public struct PackError: Error, Sendable, CustomStringConvertible, Equatable {
    public let location: String
    public let message: String

    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
