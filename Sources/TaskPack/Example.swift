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

    /// The group of the example by a field (its label, for samples and order checks): the
    /// field's text; rows without the field form a group of their own.
    public func group(_ field: String) -> String {
        switch fields[field] {
        case nil: return "\u{0}missing"
        case .string(let s)?: return s
        case let v?: return JSON.encode(v)
        }
    }
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
