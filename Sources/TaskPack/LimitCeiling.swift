import DidYouMean
import Foundation
import LuaHost

/// The most a pack may ask for in its `limits`. A pack cannot raise it: the host passes it in,
/// and the user raises it with `RPT_MAX_HOOK_LIMITS` (read only in `environment()`), e.g.
/// `RPT_MAX_HOOK_LIMITS=instructions=2e9,memory_mb=2048,seconds=120`.
public struct LimitCeiling: Sendable, Equatable {
    public var instructions: Double
    public var memoryMB: Double
    public var seconds: Double

    public static let variable = "RPT_MAX_HOOK_LIMITS"
    public static let `default` = LimitCeiling(instructions: 1e9, memoryMB: 1024, seconds: 60)
    /// Even the user cannot go past these: they keep the conversions to integers exact.
    static let hard = LimitCeiling(instructions: 1e15, memoryMB: 1_048_576, seconds: 86_400)
    static let fields = ["instructions", "memory_mb", "seconds"]

    public init(instructions: Double, memoryMB: Double, seconds: Double) {
        self.instructions = instructions
        self.memoryMB = memoryMB
        self.seconds = seconds
    }

    /// The ceiling the user set in the environment, or the default.
    public static func environment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(PackError) -> LimitCeiling {
        guard let text = env[variable], !text.isEmpty else { return .default }
        return try parse(text)
    }

    /// `instructions=2e9,memory_mb=2048,seconds=120`; fields left out keep their default.
    public static func parse(_ text: String) throws(PackError) -> LimitCeiling {
        var ceiling = LimitCeiling.default
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let n = Double(kv[1]) else {
                throw PackError(variable, "'\(part)' is not name=number (e.g. instructions=2e9,memory_mb=2048,seconds=120)")
            }
            let hard = LimitCeiling.hard[kv[0]]
            guard let hard else {
                throw PackError(variable, "unknown limit '\(kv[0])'" + Spelling.suggestion(for: kv[0], among: fields))
            }
            guard n.isFinite, n > 0, n <= hard else {
                throw PackError(variable, "\(kv[0]) must be a number above 0 and at most \(hard.formatted)")
            }
            ceiling[kv[0]] = n
        }
        return ceiling
    }

    subscript(field: String) -> Double? {
        get {
            switch field {
            case "instructions": instructions
            case "memory_mb": memoryMB
            case "seconds": seconds
            default: nil
            }
        }
        set {
            guard let newValue else { return }
            switch field {
            case "instructions": instructions = newValue
            case "memory_mb": memoryMB = newValue
            default: seconds = newValue
            }
        }
    }
}

extension TaskValidation {
    /// The pack's `limits`, each a number above 0 and at most the ceiling; missing ones are the
    /// defaults (lowered to the ceiling if the user set it below them).
    static func validateLimits(_ entry: LuaEntry?, ceiling: LimitCeiling, problem: (String) -> Void) -> LuaLimits {
        let defaults = LuaLimits()
        var asked = LimitCeiling(instructions: Double(defaults.instructions), memoryMB: Double(defaults.memoryBytes >> 20),
                                 seconds: defaults.seconds)
        for field in LimitCeiling.fields { asked[field] = min(asked[field]!, ceiling[field]!) }
        if let entry {
            guard case .value(.object(let t)) = entry else {
                problem("'limits' must be a table { instructions = ..., memory_mb = ..., seconds = ... }")
                return LuaLimits()
            }
            for (key, v) in t.sorted(by: { $0.key < $1.key }) {
                guard let most = ceiling[key] else {
                    problem("unknown key 'limits.\(key)'" + suggestion(for: key, among: LimitCeiling.fields)); continue
                }
                guard let n = v.number, n.isFinite, n > 0 else {
                    problem("'limits.\(key)' must be a finite number above 0, found \(v.number?.formatted ?? "a \(v.typeName)")")
                    continue
                }
                guard n <= most else {
                    problem("'limits.\(key)' = \(n.formatted) is above the most a pack may ask for (\(most.formatted)); "
                        + "the user can raise it with \(LimitCeiling.variable)=\(key)=\(n.formatted)")
                    continue
                }
                asked[key] = n
            }
        }
        return LuaLimits(instructions: Int(asked.instructions.rounded(.up)),
                         memoryBytes: Int((asked.memoryMB * 1_048_576).rounded(.up)), seconds: asked.seconds)
    }
}

private extension Double {
    /// 1e9 as "1e+09", 64 as "64": short and exact enough for a message.
    var formatted: String { isNaN ? "nan" : String(format: "%g", self) }
}
