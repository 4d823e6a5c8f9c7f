import LuaHost

/// The default instruction and memory limits with a time limit a busy machine cannot reach
/// first: a test of the other limits must not turn into a test of the machine's speed.
let testLimits = LuaLimits(seconds: 60)

/// Runs pack-like code in a fresh sandboxed environment and returns its converted result.
func runLua(_ source: String, name: String = "t.lua", limits: LuaLimits = testLimits,
            modules: [String: String] = [:]) throws -> LuaValue? {
    let engine = try LuaEngine(limits: limits, moduleSource: { name, _ in
        let path = name.replacingOccurrences(of: ".", with: "/") + ".lua"
        return modules[path].map { .found(source: $0, path: path) } ?? .missing(path: path)
    })
    let (env, _) = try engine.newEnvironment()
    let fn = try engine.load(source, chunkName: name, env: env)
    return try engine.call(fn, [])[0]
}

/// The error a chunk raises, or nil if it ran.
func luaError(_ source: String, limits: LuaLimits = testLimits) -> LuaError? {
    caught { _ = try runLua(source, limits: limits) }
}

/// The LuaError a body throws, or nil if it did not throw one.
func caught(_ body: () throws -> Void) -> LuaError? {
    do { try body() } catch { return error as? LuaError }
    return nil
}
