import Foundation
import LuaHost

/// What the judge model said of one reply, once rpt has checked it: a score in the judge's range,
/// the same as a share of that range, and why (per criterion for a criteria judge).
public struct Verdict: Sendable, Equatable {
    public struct Criterion: Sendable, Equatable {
        public var text: String
        public var met: Bool
        public var reason: String
    }

    public var score: Double
    /// 0 for the worst score, 1 for the best.
    public var normalized: Double
    public var reason: String
    /// For a criteria judge, each criterion in the pack's order.
    public var criteria: [Criterion] = []

    /// As `score(answer, ex, verdict)` and `classify` receive it, and as results files keep it.
    public var lua: LuaValue {
        var o: [String: LuaValue] = ["score": Verdict.number(score), "normalized": .double(normalized), "reason": .string(reason)]
        if !criteria.isEmpty {
            o["criteria"] = .array(criteria.map { ["criterion": .string($0.text), "met": .bool($0.met), "reason": .string($0.reason)] })
        }
        return .object(o)
    }

    /// One line for reports: "judge 2, normalized 0.25: ..." or "judge 3 of 5 criteria met: ...".
    public var summary: String {
        criteria.isEmpty ? "judge \(Verdict.number(score)), normalized \(String(format: "%.2f", normalized)): \(reason)"
            : "judge \(Verdict.number(score)) of \(criteria.count) criteria met: \(reason)"
    }

    /// A score as Lua and JSON show it: 4, not 4.0.
    public static func number(_ x: Double) -> LuaValue { x == x.rounded() && abs(x) < 1e15 ? .int(Int64(x)) : .double(x) }
}

/// A judge's reply rpt cannot use (it is an API error, never the target's mistake).
public struct VerdictError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension JudgeSpec {
    /// The longest reason rpt takes (per criterion, too): a judge that writes more is not answering.
    public static let reasonChars = 2000

    /// The verdict in a judge's reply (its tool call's arguments, or the JSON object it wrote).
    /// Everything in it is untrusted: a score outside the range, NaN, a missing reason or a
    /// flood of text makes it unusable, with the reason why.
    public func verdict(from args: LuaValue) -> Result<Verdict, VerdictError> {
        func fail(_ m: String) -> Result<Verdict, VerdictError> { .failure(VerdictError(message: m)) }
        guard let o = args.object else { return fail("the verdict is \(args.typeName), not an object") }
        var reason: String?
        switch JudgeSpec.text(o["reason"]) {
        case .failure(let e): return fail("reason: \(e.message)")
        case .success(let r): reason = r
        }
        switch grading {
        case .scale(let low, let high):
            guard let given = o["score"], given != .null else { return fail("the verdict has no score") }
            guard let score = JudgeSpec.number(given) else { return fail("the score \(JudgeSpec.clip(given)) is not a number") }
            guard range.contains(score) else { return fail("the score \(JudgeSpec.clip(given)) is outside the scale \(low) to \(high)") }
            guard let reason else { return fail("the verdict gives no reason") }
            return .success(Verdict(score: score, normalized: normalized(score), reason: reason))
        case .criteria(let texts):
            guard let items = o["criteria"]?.array else { return fail("the verdict has no list of criteria") }
            guard items.count == texts.count else { return fail("the verdict answers \(items.count) criteria, not \(texts.count)") }
            var out: [Verdict.Criterion] = []
            for (i, item) in items.enumerated() {
                let met: Bool?, why: String?
                switch item {
                case .object(let c):
                    met = JudgeSpec.yes(c["met"])
                    switch JudgeSpec.text(c["reason"]) {
                    case .failure(let e): return fail("criterion \(i + 1): reason: \(e.message)")
                    case .success(let r): why = r
                    }
                default: (met, why) = (JudgeSpec.yes(item), nil)
                }
                guard let met else { return fail("criterion \(i + 1): 'met' must be true or false") }
                out.append(Verdict.Criterion(text: texts[i], met: met, reason: why ?? ""))
            }
            let missed = out.enumerated().filter { !$0.element.met && !$0.element.reason.isEmpty }
            let said = reason ?? (missed.isEmpty ? out.map(\.reason).filter { !$0.isEmpty }.joined(separator: "; ")
                                  : missed.map { "no to \($0.offset + 1) (\(JudgeSpec.clip($0.element.text, 60))): \($0.element.reason)" }.joined(separator: "; "))
            guard !said.isEmpty else { return fail("the verdict gives no reason") }
            let score = Double(out.filter(\.met).count)
            return .success(Verdict(score: score, normalized: normalized(score), reason: said, criteria: out))
        }
    }

    /// A reason: nil when absent or blank; too long or not text is a failure.
    static func text(_ v: LuaValue?) -> Result<String?, VerdictError> {
        guard let v, v != .null else { return .success(nil) }
        guard let s = v.string else { return .failure(VerdictError(message: "must be text, not \(v.typeName)")) }
        guard s.count <= reasonChars else { return .failure(VerdictError(message: "\(s.count) characters, more than \(reasonChars)")) }
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        return .success(t.isEmpty ? nil : t)
    }

    /// A finite number, given as one or as text ("4").
    static func number(_ v: LuaValue) -> Double? {
        let n: Double? = switch v {
        case .int, .double: v.number
        case .string(let s) where s.count <= 40: Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
        guard let n, n.isFinite else { return nil }
        return n
    }

    static func yes(_ v: LuaValue?) -> Bool? {
        switch v {
        case .bool(let b)?: return b
        case .string(let s)?:
            switch s.lowercased().trimmingCharacters(in: .whitespaces) {
            case "yes", "true", "y", "met": return true
            case "no", "false", "n", "not met": return false
            default: return nil
            }
        default: return nil
        }
    }

    static func clip(_ v: LuaValue) -> String { clip(JSON.encode(v), 40) }
    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n)) + "…" }
}
