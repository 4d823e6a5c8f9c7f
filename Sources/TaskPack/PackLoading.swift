import Foundation
import LuaHost

extension PackLoadError {
    /// A task was asked of a library pack (rpt eval, try, tune, compare).
    static func library(_ entries: [String: LuaEntry]) -> PackLoadError {
        let name = if case .value(.string(let s))? = entries["name"] { s } else { "this pack" }
        return PackLoadError(problems: [PackError("task.lua", "\(name) is a library pack: it has no task to run; a pack uses it with rpt.dependencies")],
                             library: name)
    }
}

/// What task.lua loads as: a task (hooks to call) or a library (modules other packs require).
public enum LoadedPack {
    case task(PackRuntime)
    case library(LibraryPack)

    public var name: String {
        switch self { case .task(let r): r.spec.name; case .library(let l): l.spec.name }
    }
    public var version: String {
        switch self { case .task(let r): r.spec.version; case .library(let l): l.spec.version }
    }
    public var api: Int {
        switch self { case .task(let r): r.spec.api; case .library(let l): l.spec.api }
    }
    public var description: String {
        switch self { case .task(let r): r.spec.description; case .library(let l): l.spec.description }
    }
    public var dependencies: PackDependencies {
        switch self { case .task(let r): r.dependencies; case .library(let l): l.dependencies }
    }
    public var isLibrary: Bool { if case .library = self { true } else { false } }
}

/// task.lua run in a fresh sandbox: the table it returned and the state it ran in, before the
/// table is read as a task (TaskValidation) or a library (LibraryValidation). One place for
/// both, so a library loads under exactly the rules, limits and dependencies a task does.
struct LoadedTable {
    let engine: LuaEngine
    let context: HookLogContext
    let dependencies: PackDependencies
    let parameters: PackParameters
    let promptFiles: [String]
    let entries: [String: LuaEntry]
    let judgeFields: [String: LuaEntry]?
    let ceiling: LimitCeiling

    /// `library = true`; any other value is TaskValidation's to refuse.
    var isLibrary: Bool { if case .value(.bool(true))? = entries["library"] { true } else { false } }

    static func load(directory: URL, ceiling asked: LimitCeiling?, log: HookLog?, set: [String: String],
                     resolver: (any DependencyResolver)?) throws(PackLoadError) -> LoadedTable {
        let context = HookLogContext(log)
        let source: String
        do { source = try PackFiles.source("task.lua", in: directory) } catch {
            let why = error == .missing ? "no task.lua here: a task pack is a folder with a task.lua (rpt new NAME writes one)"
                : "task.lua \(error.message)"
            throw PackLoadError(problems: [PackError(directory.appendingPathComponent("task.lua").path, why)])
        }
        let declared = ParameterBox(set)
        let ceiling: LimitCeiling
        if let asked { ceiling = asked } else {
            do { ceiling = try LimitCeiling.environment() } catch { throw PackLoadError(problems: [error]) }
        }
        do {
            let dependencies = PackDependencies(root: directory, resolver: resolver)
            let engine = try LuaEngine(logSink: { context.write(level: $0, message: $1) },
                                       moduleSource: { dependencies.module($0, requester: $1) })
            engine.parameters = declared.resolve
            engine.dependencies = dependencies.declare
            var promptFiles: [String] = []
            engine.promptFile = { path throws(HostFunctionError) in
                do throws(PackError) {
                    let prompt = try PromptFile.promptTable(path, in: directory)
                    promptFiles.append(path)
                    return prompt.luaTable
                } catch { throw HostFunctionError(error.description) }
            }
            let (env, freeze) = try engine.newEnvironment()
            let table = try engine.run(source, chunkName: "task.lua", env: env)
            _ = try engine.call(freeze, [], results: 0)
            (engine.parameters, engine.dependencies, engine.promptFile) = (nil, nil, nil)
            try declared.refuseIgnoredSet()
            guard let entries = engine.entries(of: table) else {
                throw PackLoadError(problems: [PackError("task.lua", "must return the task table (return { api = 1, name = ..., ... })")])
            }
            return LoadedTable(engine: engine, context: context, dependencies: dependencies, parameters: declared.parameters,
                               promptFiles: promptFiles, entries: entries, judgeFields: engine.entries(of: table, field: "judge"),
                               ceiling: ceiling)
        } catch let e as PackLoadError {
            throw e
        } catch let e as LuaError {
            if let wrong = declared.refusedSet { throw PackLoadError(problems: [PackError("--set", wrong)]) }
            throw PackLoadError(problems: [PackError(e.location ?? "task.lua", "\(e.kind.rawValue): \(PackRuntime.strip(e.message))")])
        } catch {
            throw PackLoadError(problems: [PackError("task.lua", "\(error)")])
        }
    }
}
