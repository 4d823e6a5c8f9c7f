// LuaHost's API speaks JSON values (hook arguments and results, rpt.json), so whoever imports
// LuaHost gets the JSON module with it.
@_exported import JSONText

/// A value that crosses between Swift and Lua: the JSON value type, whose `.null` is
/// `rpt.json.null` in Lua, distinct from Lua's `nil` (Swift's `Optional.none`).
public typealias LuaValue = JSONValue

extension JSONValue {
    /// The Lua type name, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array, .object: return "table"
        }
    }
}
