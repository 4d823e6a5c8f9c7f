/// A value that crosses between Swift and Lua, and between threads. JSON maps onto it one to
/// one: `.null` is JSON's null (`rpt.json.null` in Lua), distinct from Lua's `nil`, which is
/// Swift's `Optional.none`.
public enum LuaValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([LuaValue])
    case object([String: LuaValue])

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Numbers of either kind as a Double.
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var object: [String: LuaValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var array: [LuaValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public subscript(key: String) -> LuaValue? {
        object?[key]
    }

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

extension LuaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: LuaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, LuaValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension LuaValue: CustomStringConvertible {
    /// Compact JSON, keys sorted: stable for logs, cache keys and messages.
    public var description: String { JSON.encode(self) }
}
