import CLua

/// A reference to a Lua value kept alive in the registry of one engine.
public struct LuaRef: Sendable, Hashable {
    let id: Int32
}

/// An argument to a Lua call: a Swift value converted on the way, a value already in Lua, or a
/// fresh deep copy of one (what the callee changes, nobody else sees).
public enum LuaArg {
    case value(LuaValue?)
    case ref(LuaRef)
    case copy(LuaRef)
}

/// One sandboxed Lua 5.4 state. Not thread-safe: use one engine per worker thread and hand
/// values across as `LuaValue`.
public final class LuaEngine {
    let L: OpaquePointer
    private let limitsStorage: UnsafeMutablePointer<rpt_limits>
    public var limits: LuaLimits
    var hostBoxes: [HostBox] = []
    private var newEnvRef: LuaRef!
    var arrayMetaRef: LuaRef!
    /// Receives `rpt.log` and `print` output: (level, message).
    public var logSink: @Sendable (String, String) -> Void
    /// Finds a pack module for `require`: (module name, the requiring pack: "" or a dependency's name).
    let moduleSource: (String, String) -> ModuleLookup
    /// Answers `rpt.parameters(declaration)` with the values to use; nil once the pack has
    /// loaded (parameters are declared while task.lua runs, never from a hook).
    public var parameters: ((LuaValue?) throws(HostFunctionError) -> LuaValue)?
    /// Answers `rpt.dependencies(declaration)` with the versions chosen; nil once the pack has
    /// loaded, like `parameters`.
    public var dependencies: ((LuaValue?) throws(HostFunctionError) -> LuaValue)?
    /// Answers `rpt.prompt_file(path)` with the prompt table the file holds; nil once the pack has
    /// loaded (a prompt is read while task.lua runs, never from a hook).
    public var promptFile: ((String) throws(HostFunctionError) -> LuaValue)?
    /// Bytes the state held when it was last settled (after the pack loaded): with the memory
    /// limit it bounds the whole state, see `totalCap`.
    private var baseline = 0

    public init(limits: LuaLimits = LuaLimits(),
                logSink: @escaping @Sendable (String, String) -> Void = { _, _ in },
                moduleSource: @escaping (String, String) -> ModuleLookup = { name, _ in .missing(path: "\(name).lua") }) throws(LuaError) {
        self.limits = limits
        self.logSink = logSink
        self.moduleSource = moduleSource
        limitsStorage = .allocate(capacity: 1)
        guard let state = rpt_newstate(limitsStorage) else {
            limitsStorage.deallocate()
            throw LuaError(kind: .memoryLimit, message: "could not create a Lua state")
        }
        L = state
        Watchdog.shared.watch(limitsStorage)
        guard rpt_openlibs(L) == LUA_OK else {
            throw LuaError(kind: .runtime, message: "could not open the Lua libraries")
        }
        try installSandbox()
        settle()
    }

    deinit {
        Watchdog.shared.forget(limitsStorage)
        lua_close(L)
        limitsStorage.deallocate()
    }

    /// Bytes the state holds now.
    public var memoryUsed: Int { Int(rpt_memory_used(L)) }

    /// Collects all garbage and takes what the state holds now as its baseline. Call it once the
    /// pack has loaded.
    public func settle() {
        _ = rpt_collect(L)
        baseline = memoryUsed
    }

    /// The most the whole state may hold during a call: the baseline plus twice the per-call
    /// limit (room for one call's growth and the garbage earlier calls left). Without it the cap,
    /// growth over what the state held when the call began, would rise with each call's garbage.
    public func totalCap(_ limits: LuaLimits) -> Int { baseline + 2 * limits.memoryBytes }

    // MARK: environments and chunks

    /// A fresh pack environment and the function that freezes it (no new globals after load).
    public func newEnvironment() throws(LuaError) -> (env: LuaRef, freeze: LuaRef) {
        let results = try callRaw(newEnvRef, [], results: 2, limits: .loading)
        return (results[0], results[1])
    }

    /// Compiles text (never binary) into a function whose globals are `env`.
    public func load(_ source: String, chunkName: String, env: LuaRef?) throws(LuaError) -> LuaRef {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let status = source.utf8.withContiguousStorageIfAvailable { buf in
            buf.withMemoryRebound(to: CChar.self) { rpt_loadtext(L, $0.baseAddress, buf.count, "@" + chunkName) }
        } ?? Array(source.utf8CString.dropLast()).withUnsafeBufferPointer {
            rpt_loadtext(L, $0.baseAddress, $0.count, "@" + chunkName)
        }
        guard status == LUA_OK else {
            let msg = string(at: -1) ?? "could not load \(chunkName)"
            throw LuaError(kind: .load, message: msg)
        }
        if let env {
            rpt_getref(L, env.id)
            _ = lua_setupvalue(L, -2, 1)
        }
        return LuaRef(id: rpt_ref(L))
    }

    /// Calls a function under the engine's limits. Results that are not data (functions,
    /// userdata) are a `.conversion` error; use `callKeepingResult` to keep them in Lua.
    public func call(_ fn: LuaRef, _ args: [LuaArg], results: Int = 1) throws(LuaError) -> [LuaValue?] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try pushCall(fn, args, results: results, limits: limits)
        var meter = HostMeter(self)            // the results are paid from the call's budget
        var out: [LuaValue?] = []
        out.reserveCapacity(results)
        for i in 0..<results {
            out.append(try pull(at: top + 1 + Int32(i), meter: &meter))
        }
        try meter.flush()
        return out
    }

    /// Calls a function and keeps its first result in the registry (e.g. a table of functions).
    public func callKeepingResult(_ fn: LuaRef, _ args: [LuaArg], limits: LuaLimits? = nil) throws(LuaError) -> LuaRef {
        try callRaw(fn, args, results: 1, limits: limits ?? self.limits)[0]
    }

    func callRaw(_ fn: LuaRef, _ args: [LuaArg], results: Int, limits: LuaLimits) throws(LuaError) -> [LuaRef] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try pushCall(fn, args, results: results, limits: limits)
        var refs: [LuaRef] = []
        for i in 0..<results {
            lua_pushvalue(L, top + 1 + Int32(i))
            refs.append(LuaRef(id: rpt_ref(L)))
        }
        return refs
    }

    private func pushCall(_ fn: LuaRef, _ args: [LuaArg], results: Int, limits: LuaLimits) throws(LuaError) {
        guard lua_checkstack(L, Int32(args.count + results + 4)) != 0 else {
            throw LuaError(kind: .runtime, message: "Lua stack overflow")
        }
        rpt_getref(L, fn.id)
        for arg in args {
            switch arg {
            case .value(let v): try push(v)
            case .ref(let r): rpt_getref(L, r.id)
            case .copy(let r): rpt_getref(L, r.id); rpt_copy_top(L)
            }
        }
        if memoryUsed > baseline + limits.memoryBytes { _ = rpt_collect(L) }   // garbage of earlier calls
        let status = rpt_pcall(L, Int32(args.count), Int32(results), Int64(limits.instructions),
                               limits.seconds, limits.memoryBytes, totalCap(limits))
        guard status == LUA_OK else {
            let raw = string(at: -1) ?? "error object is not a string"
            let killed = rpt_killed(L)
            let kind = LuaError.limit(killed)?.kind ?? (status == LUA_ERRMEM ? .memoryLimit : .runtime)
            if killed != 0 || status == LUA_ERRMEM { _ = rpt_collect(L) }  // what it built is garbage now
            throw LuaError.fromHandler(raw, kind: kind)
        }
    }

    /// Loads and runs a chunk in `env`, returning its first result kept in the registry.
    public func run(_ source: String, chunkName: String, env: LuaRef?, limits: LuaLimits = .loading) throws(LuaError) -> LuaRef {
        let fn = try load(source, chunkName: chunkName, env: env)
        defer { release(fn) }
        return try callKeepingResult(fn, [], limits: limits)
    }

    /// Keeps a Swift value in Lua, to pass to many calls without converting it each time.
    public func pin(_ value: LuaValue?) throws(LuaError) -> LuaRef {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try push(value)
        return LuaRef(id: rpt_ref(L))
    }

    public func release(_ ref: LuaRef) {
        rpt_unref(L, ref.id)
    }

    /// The value behind a reference, converted to Swift.
    public func value(of ref: LuaRef) throws(LuaError) -> LuaValue? {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        rpt_getref(L, ref.id)
        return try pull(at: -1)
    }

    // MARK: setup

    private func installSandbox() throws(LuaError) {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        // The marker metatable for JSON arrays, so `[]` survives a round trip. Every array shares
        // it, so it is locked (__metatable): a pack cannot edit it for later calls.
        lua_createtable(L, 0, 2)
        lua_pushstring(L, "json.array")
        lua_setfield(L, -2, "__name")
        lua_pushstring(L, "json.array")
        lua_setfield(L, -2, "__metatable")
        arrayMetaRef = LuaRef(id: rpt_ref(L))

        let host = try pin(.object([:]))
        rpt_getref(L, host.id)
        registerHostFunctions(intoTableAt: lua_gettop(L))
        rpt_push_null(L)
        lua_setfield(L, -2, "null")
        rpt_getref(L, arrayMetaRef.id)
        lua_setfield(L, -2, "array_mt")
        lua_pushstring(L, "json.array")
        lua_setfield(L, -2, "array_mt_name")
        rpt_push_call_number(L)
        lua_setfield(L, -2, "call_number")
        lua_settop(L, top)

        let library = try load(RptLibrarySource.source, chunkName: "rpt.lua", env: nil)
        let rpt = try callRaw(library, [.ref(host)], results: 1, limits: .loading)[0]
        rpt_getref(L, host.id)
        rpt_getref(L, rpt.id)
        lua_setfield(L, -2, "rpt")
        lua_settop(L, top)

        let prelude = try load(SandboxPrelude.source, chunkName: "sandbox.lua", env: nil)
        newEnvRef = try callRaw(prelude, [.ref(host)], results: 1, limits: .loading)[0]
        release(prelude)
        release(library)
    }

    // MARK: small stack helpers

    func string(at index: Int32) -> String? {
        var len = 0
        guard let p = rpt_tostring(L, index, &len) else { return nil }
        return p.withMemoryRebound(to: UInt8.self, capacity: len) {
            String(decoding: UnsafeBufferPointer(start: $0, count: len), as: UTF8.self)
        }
    }
}
