import DidYouMean
import LuaHost

/// A pack's parameters: what `rpt.parameters { ... }` declared in task.lua, and the values this
/// load uses (each the user's `--set NAME=VALUE`, else the declared default). Values are strings
/// from the declared list, so a pack can build file names from them; nothing else from the
/// command line reaches a pack.
public struct PackParameters: Sendable, Equatable {
    public struct Declared: Sendable, Equatable {
        public var name: String
        public var defaultValue: String
        public var values: [String]
        public var description: String
    }

    public var declared: [Declared] = []
    /// name -> value, for every declared parameter.
    public var values: [String: String] = [:]

    public init() {}

    /// `name=value` for each parameter, by name: what run folders and reports show.
    public var summary: String {
        declared.map { "\($0.name)=\(values[$0.name] ?? $0.defaultValue)" }.joined(separator: ", ")
    }

    /// The values the user set, by name, in name order (for a run folder's name).
    public static func folderParts(_ set: [String: String]) -> [String] {
        set.keys.sorted().map { set[$0]! }
    }

    /// Reads `--set NAME=VALUE` options. Malformed ones and a name set twice are refused here,
    /// before any pack loads; whether the pack declares NAME is checked when it loads.
    public static func parse(_ options: [String]) throws(PackParameterError) -> [String: String] {
        var out: [String: String] = [:]
        for option in options {
            guard let eq = option.firstIndex(of: "="), eq != option.startIndex else {
                throw PackParameterError("--set takes NAME=VALUE (e.g. --set subtask=navigate), found '\(option)'")
            }
            let name = String(option[..<eq]), value = String(option[option.index(after: eq)...])
            guard isName(name) else {
                throw PackParameterError("--set \(option): '\(name)' is not a parameter name (letters, digits and '_', starting with a letter)")
            }
            guard !value.isEmpty else { throw PackParameterError("--set \(option): give a value after '='") }
            if let before = out[name], before != value {
                throw PackParameterError("--set \(name) is given twice ('\(before)' and '\(value)'): give it once")
            }
            out[name] = value
        }
        return out
    }

    static func isName(_ s: String) -> Bool {
        guard let first = s.first, first.isASCII, first.isLetter, s.count <= 40 else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// A value: what may stand in a file name or a run folder's name.
    static func isValue(_ s: String) -> Bool {
        guard let first = s.first, first != ".", s.count <= 80 else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }

    /// Checks a declaration (the pack author's mistakes) and records it.
    mutating func declare(_ declaration: LuaValue?) throws(HostFunctionError) {
        guard case .object(let table)? = declaration, !table.isEmpty else {
            throw HostFunctionError("rpt.parameters expects a table { name = { default = \"...\", values = { ... }, description = \"...\" } }")
        }
        for name in table.keys.sorted() {
            guard PackParameters.isName(name) else {
                throw HostFunctionError("rpt.parameters: '\(name)' is not a parameter name (letters, digits and '_', starting with a letter)")
            }
            guard case .object(let p) = table[name]! else {
                throw HostFunctionError("rpt.parameters: '\(name)' must be a table { default = \"...\", values = { ... } }")
            }
            for key in p.keys.sorted() where !["default", "values", "description"].contains(key) {
                throw HostFunctionError("rpt.parameters: unknown key '\(name).\(key)'"
                                        + Spelling.suggestion(for: key, among: ["default", "values", "description"]))
            }
            guard case .array(let items)? = p["values"], !items.isEmpty, items.allSatisfy({ $0.string.map(PackParameters.isValue) == true }) else {
                throw HostFunctionError("rpt.parameters: '\(name).values' must be a non-empty list of strings of letters, digits, '_', '-' or '.'")
            }
            let values = items.compactMap(\.string)
            guard let def = p["default"]?.string, values.contains(def) else {
                throw HostFunctionError("rpt.parameters: '\(name).default' must be one of its values (\(values.joined(separator: ", ")))")
            }
            let description = p["description"]?.string ?? ""
            declared.append(Declared(name: name, defaultValue: def, values: values, description: description))
        }
    }

    /// Takes the user's `set` (checked against the declaration, naming the names or values that
    /// would do) over the defaults; nil and `values` filled, or what is wrong with `set`.
    mutating func apply(_ set: [String: String]) -> String? {
        let names = declared.map(\.name)
        for name in set.keys.sorted() where !names.contains(name) {
            return "\(name)=\(set[name]!): this pack has no parameter '\(name)'"
                + Spelling.suggestion(for: name, among: names) + " (its parameters: \(names.joined(separator: ", ")))"
        }
        for p in declared {
            let value = set[p.name] ?? p.defaultValue
            guard p.values.contains(value) else {
                return "\(p.name)=\(value): not a value of '\(p.name)'" + Spelling.suggestion(for: value, among: p.values)
                    + " (its values: \(p.values.joined(separator: ", ")))"
            }
            values[p.name] = value
        }
        return nil
    }
}

/// A malformed `--set`, or one the pack does not accept.
public struct PackParameterError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What `rpt.parameters` resolves while task.lua loads, and a `--set` it refused (the user's
/// mistake, reported as such rather than as an error in the pack).
final class ParameterBox {
    let set: [String: String]
    var parameters = PackParameters()
    var refusedSet: String?

    init(_ set: [String: String]) { self.set = set }

    func resolve(_ declaration: LuaValue?) throws(HostFunctionError) -> LuaValue {
        try parameters.declare(declaration)
        if let wrong = parameters.apply(set) {
            refusedSet = wrong
            throw HostFunctionError("--set " + wrong)
        }
        return .object(parameters.values.mapValues { .string($0) })
    }
}

extension ParameterBox {
    /// After task.lua loaded: a refused `--set` stays refused even if the pack caught the error,
    /// and a `--set` for a pack that declared no parameters (or never reached its `rpt.parameters`
    /// call) is refused too: a value silently ignored would mislabel a run.
    func refuseIgnoredSet() throws(PackLoadError) {
        if let refusedSet { throw PackLoadError(problems: [PackError("--set", refusedSet)]) }
        guard parameters.declared.isEmpty, let name = set.keys.sorted().first else { return }
        throw PackLoadError(problems: [PackError("--set", "\(name)=\(set[name]!): this pack declares no parameters "
                                                 + "(a pack declares them with rpt.parameters { ... } in task.lua)")])
    }
}
