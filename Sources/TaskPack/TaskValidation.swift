import DidYouMean
import LuaHost

/// Checks the table `task.lua` returns against the task pack API v1. Every problem is reported
/// (not just the first); unknown keys get a "did you mean" suggestion.
enum TaskValidation {
    /// The keys of API v1 and what each one is, for errors and for `rpt new`.
    static let keys: [String: String] = [
        "api": "the task pack API version, 1",
        "name": "the pack's name: lower case letters, digits, '-', '_' or '.'",
        "version": "the pack's version, e.g. \"1.0.0\"",
        "description": "one line saying what the task is",
        "data": "dataset files: { train = ..., dev = ..., test = ... } or one file to split; each a path, { file = ..., set = {...}, map = {...} } or a list of them",
        "split": "how missing splits are carved: { dev = 0.2, test = 0.2, seed = 1 }",
        "id": "the name of the field that holds each example's id (default \"id\")",
        "label": "the field holding each example's class, if any: samples (--limit) are stratified by it",
        "prompt": "the starting prompt: { system = ..., instruction = ... } or { system = ..., sections = { { id = ..., text = ..., frozen = true }, ... } }",
        "max_tokens": "the most tokens a target reply may have (default 512; --max-tokens overrides)",
        "output": "\"json\" or \"text\": the reply format the prompt asks for",
        "render": "function(example) returning the user message",
        "extract": "function(reply, example) returning answer, confidence (or nil, reason)",
        "score": "function(answer, example, verdict) returning a number in [0, 1] (verdict: the judge's, when the pack has a judge)",
        "failures": "the failure taxonomy: { mode = \"what it means\", ... }",
        "classify": "function(answer, example, reply) returning a failure mode and a detail",
        "gold": "function(example) returning the reply a perfect model would give",
        "limits": "per-hook limits: { instructions = ..., memory_mb = ..., seconds = ... }",
        "contract": "words every tuned prompt must keep, e.g. { \"JSON\", \"intent\" }",
        "regression": "must-pass examples, rows like the data's: \"data/regression.jsonl\" (a file or a list, as in data)",
        "protect": "failure modes tuning may not make more frequent, e.g. { \"format\" }",
        "metrics": "named metrics score returns as a table: { primary = \"total\", weights = { intent = 1, urgency = 1 } } (the primary is their weighted mean)",
        "judge": "a judge model grades the replies: { rubric = ..., scale = { 1, 5 }, reference = function(example) ... end } or { criteria = { ... } }",
        "parameters": "not a key of the table: declare parameters before it, local params = rpt.parameters { subtask = { default = ..., values = { ... } } }",
        "library": "true for a library pack: modules other packs require, no task; it may hold only api, name, version, description and library",
        "dependencies": "not a key of the table: declare them before it, rpt.dependencies { [\"support-common\"] = \"^1.0\" }",
    ]
    static let required = ["api", "name", "prompt", "data", "render", "extract", "score"]

    /// `judgeFields`: the entries of the `judge` table (it may hold a function, so it is read apart).
    static func validate(_ entries: [String: LuaEntry], file: String, judgeFields: [String: LuaEntry]? = nil,
                         ceiling: LimitCeiling = .default) -> Result<(TaskSpec, TaskHooks), PackLoadError> {
        var problems: [PackError] = []
        func problem(_ message: String) { problems.append(PackError(file, message)) }

        for key in entries.keys.sorted() where keys[key] == nil {
            problem("unknown key '\(key)'" + suggestion(for: key, among: Array(keys.keys)))
        }
        if entries["parameters"] != nil { problem("'parameters' \(keys["parameters"]!), so data and prompt can use the values") }
        if entries["dependencies"] != nil { problem("'dependencies' \(keys["dependencies"]!), so require can load their modules") }
        if let l = entries["library"], !l.isFalse { problem("'library' must be true (a library pack) or left out, found \(describe(l))") }
        for key in required where entries[key] == nil {
            problem("missing '\(key)': \(keys[key]!)")
        }

        func value(_ key: String) -> LuaValue? {
            if case .value(let v)? = entries[key] { return v }
            return nil
        }
        func function(_ key: String) -> LuaRef? {
            switch entries[key] {
            case .function(let f)?: return f
            case nil: return nil
            default: problem("'\(key)' must be a \(keys[key]!), found \(kindName(entries[key]))"); return nil
            }
        }
        func string(_ key: String, default def: String? = nil) -> String? {
            switch entries[key] {
            case nil: return def
            case .value(.string(let s))?: return s
            default: problem("'\(key)' must be a string (\(keys[key]!)), found \(kindName(entries[key]))"); return def
            }
        }

        if let api = entries["api"], case .value(.int(let n)) = api, n != 1 {
            problem("api = \(n) is not supported: this rpt reads task pack API 1")
        } else if let api = entries["api"], api.isNotInt {
            problem("'api' must be the number 1, found \(kindName(api))")
        }
        let name = string("name") ?? ""
        if !name.isEmpty, !name.allSatisfy({ $0.isLowercase || $0.isNumber || "-_.".contains($0) }) {
            problem("name '\(name)' must use lower case letters, digits, '-', '_' or '.'")
        }
        let version = string("version", default: "0.0.0") ?? "0.0.0"
        let description = string("description", default: "") ?? ""
        let idField = string("id", default: "id") ?? "id"
        let labelField = string("label")

        var output = TaskSpec.Output.text
        if let o = entries["output"] {
            if case .value(.string(let s)) = o, let parsed = TaskSpec.Output(rawValue: s) { output = parsed }
            else { problem("'output' must be \"json\" or \"text\", found \(describe(o))") }
        }

        let prompt = validatePrompt(entries["prompt"], problem: problem)
        let data = validateData(value("data"), split: entries["split"], present: entries["data"] != nil, problem: problem)
        let (failures, hasFailures) = validateFailures(entries["failures"], problem: problem)
        let limits = validateLimits(entries["limits"], ceiling: ceiling, problem: problem)
        var contract = output == .json ? ["JSON"] : []
        if let c = entries["contract"] {
            if case .value(.array(let items)) = c, items.allSatisfy({ $0.string?.isEmpty == false }) { contract = items.compactMap(\.string) }
            else if case .value(.object(let o)) = c, o.isEmpty { contract = [] }
            else { problem("'contract' must be a list of words, e.g. { \"JSON\", \"intent\" }") }
        }

        var maxTokens: Int?
        if let m = entries["max_tokens"] {
            if case .value(.int(let n)) = m, (1...65536).contains(n) { maxTokens = Int(n) }
            else { problem("'max_tokens' must be a whole number from 1 to 65536, found \(describe(m))") }
        }

        let render = function("render"), extract = function("extract"), score = function("score")
        let classify = function("classify"), gold = function("gold")
        let judge = JudgeSpec.validate(entries["judge"], fields: judgeFields, problem: problem)
        if classify != nil && !hasFailures {
            problem("'classify' needs a 'failures' table naming the modes it may return")
        }
        var allFailures = failures
        allFailures[TaskSpec.formatMode] = allFailures[TaskSpec.formatMode] ?? "The reply could not be parsed"
        if classify == nil { allFailures[TaskSpec.wrongMode] = allFailures[TaskSpec.wrongMode] ?? "The answer was wrong" }

        let regression = entries["regression"].flatMap { entry -> [DataFile]? in
            guard case .value(let v) = entry else { problem("'regression' must be \(keys["regression"]!)"); return nil }
            return DataFile.list(v, at: "regression", problem: problem)
        } ?? []
        var protected: [String] = []
        if let p = entries["protect"] {
            if case .value(.array(let items)) = p, items.allSatisfy({ $0.string != nil }) { protected = items.compactMap(\.string) }
            else if case .value(.object(let o)) = p, o.isEmpty { protected = [] }
            else { problem("'protect' must be a list of failure modes, e.g. { \"format\" }") }
            for mode in protected where allFailures[mode] == nil {
                problem("'protect' names '\(mode)', which is not a failure mode of this pack"
                        + suggestion(for: mode, among: Array(allFailures.keys)) + " (modes: \(allFailures.keys.sorted().joined(separator: ", ")))")
            }
        }

        let metrics = entries["metrics"].flatMap { validateMetrics($0, problem: problem) }

        guard problems.isEmpty, let render, let extract, let score, let prompt, let data else {
            return .failure(PackLoadError(problems: problems))
        }
        var spec = TaskSpec(api: 1, name: name, version: version, description: description, prompt: prompt,
                            output: output, data: data, failures: allFailures, idField: idField, contract: contract, limits: limits,
                            hasClassify: classify != nil, hasGold: gold != nil, labelField: labelField)
        spec.maxTokens = maxTokens
        spec.regression = regression
        spec.protected = protected
        spec.judge = judge?.0
        spec.metrics = metrics
        return .success((spec, TaskHooks(render: render, extract: extract, score: score, classify: classify, gold: gold, reference: judge?.1)))
    }

    /// `metrics`: a primary name and a weight per metric, names as section ids are, the primary
    /// not among them (it is computed, never returned).
    static func validateMetrics(_ entry: LuaEntry, problem: (String) -> Void) -> MetricSpec? {
        let shape = "'metrics' must be \(keys["metrics"]!)"
        guard case .value(.object(let o)) = entry else { problem(shape); return nil }
        var ok = true
        for key in o.keys.sorted() where !["primary", "weights"].contains(key) {
            problem("'metrics' has unknown key '\(key)'" + suggestion(for: key, among: ["primary", "weights"])); ok = false
        }
        guard case .string(let primary)? = o["primary"], PromptSection.isValidID(primary) else {
            problem("'metrics.primary' must name the primary metric (letters, digits, '_' or '-'), e.g. \"total\""); return nil
        }
        guard case .object(let w)? = o["weights"], !w.isEmpty else {
            problem("'metrics.weights' must give each metric a weight, e.g. { intent = 1, urgency = 1 }"); return nil
        }
        var weights: [String: Double] = [:]
        for (name, value) in w.sorted(by: { $0.key < $1.key }) {
            guard PromptSection.isValidID(name) else { problem("metric name '\(name)' must use letters, digits, '_' or '-'"); ok = false; continue }
            guard name != primary else { problem("metric '\(name)' is the primary, which is computed from the others: give it no weight"); ok = false; continue }
            guard let x = value.number, x.isFinite, x > 0, x <= 1e6 else {
                problem("'metrics.weights.\(name)' must be a positive number, found \(value)"); ok = false; continue
            }
            weights[name] = x
        }
        return ok ? MetricSpec(primary: primary, weights: weights) : nil
    }

    static func validatePrompt(_ entry: LuaEntry?, problem: (String) -> Void) -> TaskSpec.Prompt? {
        guard let entry else { return nil }
        guard case .value(.object(let p)) = entry else {
            problem("'prompt' must be a table { system = \"...\", instruction = \"...\" }, found \(describe(entry))")
            return nil
        }
        let known = ["system", "instruction", "sections"]
        for key in p.keys.sorted() where !known.contains(key) {
            problem("unknown key 'prompt.\(key)'" + suggestion(for: key, among: known))
        }
        let system = p["system"]?.string ?? ""
        if let s = p["system"], s.string == nil { problem("'prompt.system' must be a string") }
        switch (p["instruction"], p["sections"]) {
        case (.some, .some):
            problem("'prompt' has both 'instruction' and 'sections': give one (a plain instruction is one section)")
            return nil
        case (let i?, nil):
            guard let instruction = i.string else {
                problem("'prompt.instruction' must be a string: the task instruction the tuning starts from")
                return nil
            }
            return TaskSpec.Prompt(system: system, instruction: instruction)
        case (nil, let s?):
            return validateSections(s, problem: problem).map { TaskSpec.Prompt(system: system, sections: $0) }
        case (nil, nil):
            problem("'prompt' needs an 'instruction' string or a list of 'sections'")
            return nil
        }
    }

    static func validateSections(_ value: LuaValue, problem: (String) -> Void) -> [PromptSection]? {
        guard case .array(let items) = value, !items.isEmpty else {
            problem("'prompt.sections' must be a non-empty list { { id = \"task\", text = \"...\" }, { id = \"format\", text = \"...\", frozen = true } }")
            return nil
        }
        var out: [PromptSection] = [], seen = Set<String>(), ok = true
        for (i, item) in items.enumerated() {
            let at = "'prompt.sections[\(i + 1)]'"
            guard case .object(let o) = item else { problem("\(at) must be a table { id = ..., text = ..., frozen = ... }"); ok = false; continue }
            for key in o.keys.sorted() where !["id", "text", "frozen"].contains(key) {
                problem("unknown key \(at).\(key)" + suggestion(for: key, among: ["id", "text", "frozen"])); ok = false
            }
            guard let id = o["id"]?.string, PromptSection.isValidID(id) else {
                problem("\(at).id must be a name of letters, digits, '_' or '-' (at most 40), starting with a letter"); ok = false; continue
            }
            guard seen.insert(id).inserted else { problem("\(at): the id '\(id)' is used twice"); ok = false; continue }
            guard let text = o["text"]?.string else { problem("\(at).text must be a string"); ok = false; continue }
            var frozen = false
            if let f = o["frozen"] {
                guard case .bool(let b) = f else { problem("\(at).frozen must be true or false"); ok = false; continue }
                frozen = b
            }
            out.append(PromptSection(id: id, text: text, frozen: frozen))
        }
        if ok, out.allSatisfy(\.frozen) { problem("'prompt.sections': every section is frozen, so tuning could change nothing: leave one unfrozen"); ok = false }
        return ok ? out : nil
    }

    static func validateFailures(_ entry: LuaEntry?, problem: (String) -> Void) -> ([String: String], Bool) {
        guard let entry else { return ([:], false) }
        guard case .value(.object(let table)) = entry else {
            problem("'failures' must be a table { mode = \"what it means\", ... }, found \(describe(entry))")
            return ([:], false)
        }
        var out: [String: String] = [:]
        for (mode, text) in table {
            guard let first = mode.first, first.isLetter || first == "_",
                  mode.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                problem("failure mode '\(mode)' must be an identifier (letters, digits, '_')"); continue
            }
            guard let t = text.string, !t.isEmpty else {
                problem("failure mode '\(mode)' needs a description (a non-empty string)"); continue
            }
            out[mode] = t
        }
        return (out, true)
    }

    static func kindName(_ entry: LuaEntry?) -> String {
        switch entry {
        case nil: return "nothing"
        case .function?: return "a function"
        case .other(let t)?: return "a \(t)"
        case .value(let v)?: return "a \(v.typeName)"
        }
    }

    static func describe(_ entry: LuaEntry) -> String {
        if case .value(.string(let s)) = entry { return "\"\(s)\"" }
        return kindName(entry)
    }

    static func suggestion(for key: String, among candidates: [String]) -> String {
        Spelling.suggestion(for: key, among: candidates)
    }
}

private extension LuaEntry {
    var isNotInt: Bool {
        if case .value(.int) = self { return false }
        return true
    }
}

extension LuaEntry {
    var isFalse: Bool { if case .value(.bool(false)) = self { true } else { false } }
}
