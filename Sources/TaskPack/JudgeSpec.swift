import LuaHost

/// A pack's judge: how a model grades open-ended replies. The pack writes the rubric and either a
/// scale or yes/no criteria, and may give a reference reply per example. Which model judges is
/// the user's choice (`--judge`, `judge_model` in rpt.toml), never the pack's: a pack naming one
/// would choose where the user's key and the replies go.
public struct JudgeSpec: Sendable, Equatable {
    public enum Grading: Sendable, Equatable {
        /// A score from `low` (worst) to `high` (best).
        case scale(low: Int, high: Int)
        /// Yes/no criteria; the score is how many are met.
        case criteria([String])
    }

    public var rubric: String
    public var grading: Grading
    public var hasReference: Bool

    /// The scores a verdict may have: the scale, or 0 to the number of criteria.
    public var range: ClosedRange<Double> {
        switch grading {
        case .scale(let low, let high): Double(low)...Double(high)
        case .criteria(let items): 0...Double(items.count)
        }
    }

    /// A verdict's score as a share of its range: 0 the worst, 1 the best.
    public func normalized(_ score: Double) -> Double {
        (score - range.lowerBound) / (range.upperBound - range.lowerBound)
    }

    /// The best verdict: what `rpt check` gives `score` with a gold reply (it calls no model).
    public var perfect: Verdict {
        let reason = "a perfect verdict: rpt check calls no judge"
        switch grading {
        case .scale(_, let high):
            return Verdict(score: Double(high), normalized: 1, reason: reason)
        case .criteria(let items):
            return Verdict(score: Double(items.count), normalized: 1, reason: reason,
                           criteria: items.map { Verdict.Criterion(text: $0, met: true, reason: reason) })
        }
    }

    static let rubricChars = 8000
    static let criterionChars = 500
    static let maxCriteria = 20

    static let keys: [String: String] = [
        "rubric": "what a good reply does, for the judge model (a string)",
        "scale": "the score range, e.g. { 1, 5 }: whole numbers, low first",
        "criteria": "yes/no questions about a reply, e.g. { \"It answers the question\", ... }: the score is how many hold",
        "reference": "function(example) returning a reference reply the judge compares with (or nil)",
    ]

    /// Keys that would let the pack pick the judge's model or server.
    static let userOnly: Set<String> = ["model", "models", "provider", "endpoint", "base_url", "base_urls", "url", "server",
                                        "api_key", "api_key_env", "key", "judge_model"]

    /// Reads the `judge` table of task.lua (`fields`: its entries, which may hold a function).
    static func validate(_ entry: LuaEntry?, fields: [String: LuaEntry]?, problem: (String) -> Void) -> (JudgeSpec, LuaRef?)? {
        guard entry != nil else { return nil }
        guard let fields else {
            problem("'judge' must be a table { rubric = \"...\", scale = { 1, 5 }, reference = function(ex) ... end } "
                    + "or { criteria = { \"...\", ... } }, found \(TaskValidation.kindName(entry))")
            return nil
        }
        var ok = true
        func bad(_ message: String) { problem(message); ok = false }
        let chosen = fields.keys.filter { userOnly.contains($0) }.sorted()
        if !chosen.isEmpty {
            bad("'judge.\(chosen.joined(separator: "', 'judge."))': a pack may not choose the judge model or its server: the user "
                + "gives it (rpt eval --judge MODEL, or judge_model = \"provider:model\" in their rpt.toml)")
        }
        for key in fields.keys.sorted() where keys[key] == nil && !userOnly.contains(key) {
            bad("unknown key 'judge.\(key)'" + TaskValidation.suggestion(for: key, among: Array(keys.keys)))
        }
        var rubric = ""
        switch fields["rubric"] {
        case nil: break
        case .value(.string(let s))? where !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && s.count <= rubricChars: rubric = s
        default: bad("'judge.rubric' must be a non-empty string of at most \(rubricChars) characters: \(keys["rubric"]!)")
        }
        var grading: Grading?
        switch (fields["scale"], fields["criteria"]) {
        case (.some, .some): bad("'judge' has both 'scale' and 'criteria': give one")
        case (let s?, nil):
            if rubric.isEmpty { bad("'judge.scale' needs a 'judge.rubric' saying what each score means") }
            if case .value(.array(let ends)) = s, ends.count == 2, let low = whole(ends[0]), let high = whole(ends[1]),
               low >= 0, low < high, high <= 100 {
                grading = .scale(low: low, high: high)
            } else {
                bad("'judge.scale' must be { low, high }: whole numbers from 0 to 100, low below high, e.g. { 1, 5 }")
            }
        case (nil, let c?):
            var texts: [String] = []
            if case .value(.array(let items)) = c, items.allSatisfy({ $0.string != nil }) { texts = items.compactMap(\.string) }
            if (1...maxCriteria).contains(texts.count), texts.allSatisfy({ !$0.isEmpty && $0.count <= criterionChars }) {
                grading = .criteria(texts)
            } else {
                bad("'judge.criteria' must be a list of 1 to \(maxCriteria) yes/no questions (strings of at most \(criterionChars) characters)")
            }
        case (nil, nil): bad("'judge' needs a 'scale' (with a 'rubric') or a list of 'criteria'")
        }
        var reference: LuaRef?
        switch fields["reference"] {
        case nil: break
        case .function(let f)?: reference = f
        default: bad("'judge.reference' must be a \(keys["reference"]!)")
        }
        guard ok, let grading else { return nil }
        return (JudgeSpec(rubric: rubric, grading: grading, hasReference: reference != nil), reference)
    }

    static func whole(_ v: LuaValue) -> Int? {
        guard let n = v.number, n == n.rounded(), abs(n) <= 1e6 else { return nil }
        return Int(n)
    }
}
