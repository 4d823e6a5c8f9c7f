import DidYouMean
import Foundation
import LuaHost

/// Loading a pack failed: every problem found, each naming its file (and line).
public struct PackLoadError: Error, Sendable, CustomStringConvertible {
    public let problems: [PackError]
    /// The pack's name when it is a library pack asked to run as a task.
    public var library: String? = nil
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A loaded task pack in one Lua engine: the hooks, callable from Swift. One per worker thread.
public final class PackRuntime {
    public let spec: TaskSpec
    public let directory: URL
    /// What `rpt.parameters` declared and the values this load uses (PackParameters).
    public let parameters: PackParameters
    /// What `rpt.dependencies` declared and the installed packs chosen for it.
    public let dependencies: PackDependencies
    let engine: LuaEngine
    let hooks: TaskHooks
    private let logContext: HookLogContext

    /// Where the hooks' `print` and `rpt.log` lines go (nil: nowhere).
    public var hookLog: HookLog? {
        get { logContext.log }
        set { logContext.log = newValue }
    }

    /// Loads `task.lua` from the pack folder and validates its table. `ceiling` bounds the limits
    /// the pack may set for itself (nil: the user's `RPT_MAX_HOOK_LIMITS`, else the default).
    /// `log` receives what the pack logs, from loading on. `set` holds the user's `--set` values.
    /// `resolver` finds the packs `rpt.dependencies` names (by default the pack store rpt set).
    /// A library pack is refused: it has no hooks to call (`load` takes either kind).
    public convenience init(directory: URL, ceiling: LimitCeiling? = nil, log: HookLog? = nil,
                            set: [String: String] = [:], resolver: (any DependencyResolver)? = Dependencies.resolver) throws(PackLoadError) {
        let loaded = try LoadedTable.load(directory: directory, ceiling: ceiling, log: log, set: set, resolver: resolver)
        if loaded.isLibrary { throw PackLoadError.library(loaded.entries) }
        try self.init(loaded, directory: directory)
    }

    /// A task pack or a library pack, whichever task.lua returns (`rpt check`, `pack`, `install`, `show`).
    public static func load(directory: URL, log: HookLog? = nil, set: [String: String] = [:],
                            resolver: (any DependencyResolver)? = Dependencies.resolver) throws(PackLoadError) -> LoadedPack {
        let loaded = try LoadedTable.load(directory: directory, ceiling: nil, log: log, set: set, resolver: resolver)
        return loaded.isLibrary ? .library(try LibraryPack(loaded, directory: directory))
            : .task(try PackRuntime(loaded, directory: directory))
    }

    init(_ loaded: LoadedTable, directory: URL) throws(PackLoadError) {
        (self.directory, logContext, dependencies, engine, parameters) =
            (directory, loaded.context, loaded.dependencies, loaded.engine, loaded.parameters)
        switch TaskValidation.validate(loaded.entries, file: "task.lua", judgeFields: loaded.judgeFields, ceiling: loaded.ceiling) {
        case .success(let (spec, hooks)):
            try dependencies.refuseCycle(through: spec.name)
            var spec = spec
            if spec.hasClassify { spec.failures["other"] = spec.failures["other"] ?? "Not covered by the taxonomy" }
            spec.promptFiles = loaded.promptFiles
            self.spec = spec
            self.hooks = hooks
            engine.limits = spec.limits
            engine.settle()
        case .failure(let problems):
            throw problems
        }
    }

    /// The user message for an example.
    public func render(_ example: Example) throws(HookError) -> String {
        let v = try call("render", hooks.render, [.value(example.value)], example)[0]
        guard let text = v?.string, !text.isEmpty else {
            throw hookError("render", example, "must return the user message (a non-empty string), returned \(v?.typeName ?? "nil")")
        }
        return text
    }

    /// The reply a perfect model would give, if the pack has `gold`.
    public func gold(_ example: Example) throws(HookError) -> String? {
        guard let fn = hooks.gold else { return nil }
        let v = try call("gold", fn, [.value(example.value)], example)[0]
        guard let text = v?.string else {
            throw hookError("gold", example, "must return a reply (a string), returned \(v?.typeName ?? "nil")")
        }
        return text
    }

    /// extract, then score, then (below a full score) classify: one reply to one example. Each
    /// hook gets its own copy of the example, so one cannot edit what the next one sees: extract a
    /// copy of the pinned example, score the pinned one itself, classify one made afresh.
    /// `verdict` is the judge's, for a pack with a judge: score and classify receive it.
    /// `onStep` sees what each hook returned as soon as it returns (`rpt try` shows them even
    /// when a later hook fails).
    public func evaluate(reply: String, example: Example, verdict: Verdict? = nil,
                         onStep: (HookStep) -> Void = { _ in }) throws(HookError) -> Outcome {
        let pinned = try pin(example, for: "extract")
        defer { engine.release(pinned) }
        let extraction = try extract(reply, example, pinned, onStep)
        return try score(extraction, reply, example, verdict, pinned, onStep)
    }

    /// extract alone: a judged reply goes to the judge between extract and score.
    public func extract(reply: String, example: Example, onStep: (HookStep) -> Void = { _ in }) throws(HookError) -> Extraction {
        let pinned = try pin(example, for: "extract")
        defer { engine.release(pinned) }
        return try extract(reply, example, pinned, onStep)
    }

    /// score, then (below a full score) classify, of what extract made of `reply`, with the judge's verdict.
    public func score(_ extraction: Extraction, reply: String, example: Example, verdict: Verdict?,
                      onStep: (HookStep) -> Void = { _ in }) throws(HookError) -> Outcome {
        let pinned = try pin(example, for: "score")
        defer { engine.release(pinned) }
        return try score(extraction, reply, example, verdict, pinned, onStep)
    }

    private func pin(_ example: Example, for hook: String) throws(HookError) -> LuaRef {
        do { return try engine.pin(example.value) } catch { throw HookError(hook: hook, example: example, error) }
    }

    private func extract(_ reply: String, _ example: Example, _ pinned: LuaRef, _ onStep: (HookStep) -> Void) throws(HookError) -> Extraction {
        let extracted = try call("extract", hooks.extract, [.value(.string(reply)), .copy(pinned)], example, results: 2)
        guard let answer = extracted[0] else {
            let why = extracted[1]?.string ?? "extract returned nil"
            onStep(.extracted(answer: nil, confidence: nil, reason: why))
            return .unreadable(why)
        }
        var confidence: Double?
        if let c = extracted[1] {
            guard let n = c.number, n >= 0, n <= 1 else {    // NaN fails both
                throw hookError("extract", example, "returned confidence \(c); a confidence must be a number in [0, 1] or nil")
            }
            confidence = n
        }
        onStep(.extracted(answer: answer, confidence: confidence, reason: nil))
        return .answer(answer, confidence: confidence)
    }

    private func score(_ extraction: Extraction, _ reply: String, _ example: Example, _ verdict: Verdict?, _ pinned: LuaRef,
                       _ onStep: (HookStep) -> Void) throws(HookError) -> Outcome {
        guard case .answer(let answer, let confidence) = extraction else {
            let why = if case .unreadable(let w) = extraction { w } else { "" }
            return Outcome(answer: nil, confidence: nil, score: 0, failure: TaskSpec.formatMode, detail: why,
                           metrics: spec.metrics.map { Dictionary(uniqueKeysWithValues: $0.names.map { ($0, 0.0) }) })
        }
        let judged: [LuaArg] = verdict.map { [.value($0.lua)] } ?? []
        let s = try call("score", hooks.score, [.value(answer), .ref(pinned)] + judged, example)[0]
        let score: Double
        var metrics: [String: Double]? = nil
        if let declared = spec.metrics {
            let m = try metricTable(s, declared, example)
            metrics = m
            score = declared.primary(of: m)
            onStep(.metrics(m))
        } else {
            switch s {
            case .bool(let b)?: score = b ? 1 : 0
            case let v? where v.number != nil && v.number! >= 0 && v.number! <= 1: score = v.number!
            default: throw hookError("score", example, "returned \(s.map { "\($0)" } ?? "nil"); a score must be a number in [0, 1]")
            }
        }
        onStep(.scored(score))
        var outcome = Outcome(answer: answer, confidence: confidence, score: score, failure: nil, detail: nil, verdict: verdict, metrics: metrics)
        if score < 1 {
            let (modes, detail) = try classify(answer: answer, reply: reply, example: example, verdict: verdict)
            (outcome.failure, outcome.moreModes, outcome.detail) = (modes[0], Array(modes.dropFirst()), detail)
            onStep(.classified(mode: modes[0], detail: detail))
            if modes.count > 1 { onStep(.moreModes(Array(modes.dropFirst()))) }
        }
        return outcome
    }

    /// score's table in a pack with `metrics`: exactly the declared names (the primary is rpt's
    /// to compute, so it may not be returned), each a finite number in [0, 1] or a boolean.
    private func metricTable(_ v: LuaValue?, _ declared: MetricSpec, _ example: Example) throws(HookError) -> [String: Double] {
        let expected = "a table of the metrics declared in 'metrics' (\(declared.names.joined(separator: ", "))), each a number in [0, 1]"
        let entries: [String: LuaValue]
        switch v {
        case .object(let o)?: entries = o
        case .array(let a)? where a.isEmpty: entries = [:]
        default: throw hookError("score", example, "returned \(v.map { "\($0)" } ?? "nil"); this pack declares metrics, so score returns \(expected)")
        }
        var out: [String: Double] = [:]
        for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
            guard declared.weights[name] != nil else {
                let why = name == declared.primary ? "is the primary, which rpt computes from the weights: leave it out"
                    : "is not declared in metrics.weights" + Spelling.suggestion(for: name, among: declared.names)
                throw hookError("score", example, "returned metric '\(name)', which \(why) (metrics: \(declared.names.joined(separator: ", ")))")
            }
            let x: Double
            switch value {
            case .bool(let b): x = b ? 1 : 0
            case let n where n.number != nil: x = n.number!
            default: throw hookError("score", example, "returned metric '\(name)' = \(value.typeName); each metric must be a number in [0, 1]")
            }
            guard x.isFinite, x >= 0, x <= 1 else {
                throw hookError("score", example, "returned metric '\(name)' = \(x.isNaN ? "NaN" : "\(x)"); each metric must be a finite number in [0, 1]")
            }
            out[name] = x
        }
        let missing = declared.names.filter { out[$0] == nil }
        guard missing.isEmpty else {
            throw hookError("score", example, "left out metric\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", ")); score returns \(expected)")
        }
        return out
    }

    /// The judge's reference reply for an example: nil when the pack gives none.
    public func reference(_ example: Example) throws(HookError) -> String? {
        guard let fn = hooks.reference else { return nil }
        let v = try call("reference", fn, [.value(example.value)], example)[0]
        switch v {
        case nil: return nil
        case .string(let s)?: return s
        case let v?: throw hookError("reference", example, "must return a reference reply (a string) or nil, returned \(v.typeName)")
        }
    }

    /// The modes classify gives (at least one) and its detail: one mode, or a list of them (an
    /// example wrong in several ways), each in `failures`.
    private func classify(answer: LuaValue, reply: String, example: Example, verdict: Verdict?) throws(HookError) -> ([String], String?) {
        guard let fn = hooks.classify else { return ([TaskSpec.wrongMode], nil) }
        let judged: [LuaArg] = verdict.map { [.value($0.lua)] } ?? []
        let r = try call("classify", fn, [.value(answer), .value(example.value), .value(.string(reply))] + judged, example, results: 2)
        let wanted = "return one mode from 'failures' (\(spec.failureModes.joined(separator: ", "))) or a list of them, and a detail, or nil"
        var modes: [String]
        switch r[0] {
        case nil: modes = ["other"]
        case .string(let s)?: modes = [s]
        case .array(let items)? where !items.isEmpty:
            modes = []
            for item in items {
                guard case .string(let s) = item else {
                    throw hookError("classify", example, "returned a list holding a \(item.typeName) (\(String(describing: item).prefix(80))); \(wanted)")
                }
                if !modes.contains(s) { modes.append(s) }   // a mode named twice counts once
            }
        case let v?:          // a number, a table with keys, an empty list: never silently `other`
            throw hookError("classify", example, "returned a \(v.typeName) (\(String(describing: v).prefix(80))) as the mode; \(wanted)")
        }
        for mode in modes where spec.failures[mode] == nil {
            throw hookError("classify", example, "returned '\(mode)', which is not in 'failures' (\(spec.failureModes.joined(separator: ", ")))")
        }
        let detail: String? = switch r[1] {
        case nil: nil
        case .string(let s)?: s
        case let v?: "\(v)"
        }
        return (modes, detail)
    }

    private func call(_ hook: String, _ fn: LuaRef, _ args: [LuaArg], _ example: Example, results: Int = 1) throws(HookError) -> [LuaValue?] {
        logContext.enter(hook, example.id)
        do { return try engine.call(fn, args, results: results) } catch {
            throw HookError(hook: hook, example: example, error)
        }
    }

    private func hookError(_ hook: String, _ example: Example, _ message: String) -> HookError {
        let fn: LuaRef? = switch hook {
        case "render": hooks.render
        case "extract": hooks.extract
        case "score": hooks.score
        case "classify": hooks.classify
        case "reference": hooks.reference
        default: hooks.gold
        }
        let at = fn.flatMap { engine.definition(of: $0) }
        return HookError(hook: hook, example: example, message: at.map { "\($0): \(hook) \(message)" } ?? "\(hook) \(message)",
                         cause: .badResult, location: at)
    }

    /// "task.lua:3: msg" -> "msg" (the location is reported apart).
    static func strip(_ message: String) -> String {
        guard let loc = LuaError(kind: .runtime, message: message).location, message.hasPrefix(loc + ": ") else { return message }
        return String(message.dropFirst(loc.count + 2))
    }
}

extension PackRuntime {
    /// Runs a data file of the pack (e.g. tests/cases.lua) in a fresh environment and returns
    /// what it returns, as data.
    func runDataFile(_ source: String, chunkName: String) throws(LuaError) -> LuaValue? {
        logContext.enter("load", chunkName)
        let (env, _) = try engine.newEnvironment()
        let ref = try engine.run(source, chunkName: chunkName, env: env)
        defer { engine.release(ref) }
        return try engine.value(of: ref)
    }
}
