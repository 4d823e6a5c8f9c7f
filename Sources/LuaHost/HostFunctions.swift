import CLua

/// A Swift function callable from Lua. It gets its arguments through `HostArgs` and returns its
/// results; a thrown `HostFunctionError` becomes a Lua error at the caller's line.
public typealias HostFunction = (inout HostArgs) throws(HostFunctionError) -> [LuaValue?]

public struct HostFunctionError: Error {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// What `require` finds for a module name.
public enum ModuleLookup {
    /// `path` names the file in messages; `owner` is the pack whose environment runs it ("" the
    /// pack itself, else a dependency's name, passed back as the requester of its own requires).
    case found(source: String, path: String, owner: String = "")
    /// No such file (`path` is the one tried).
    case missing(path: String)
    /// The file exists but may not be read (outside the pack, not a regular file, too big).
    case refused(String)
}

/// The arguments of one host call, read straight off the Lua stack. Converting them is paid
/// for from the running call's budget (`meter`).
public struct HostArgs {
    let engine: LuaEngine
    public let count: Int
    var meter: HostMeter

    public mutating func value(_ i: Int) throws(HostFunctionError) -> LuaValue? {
        guard i < count else { return nil }
        do { return try engine.pull(at: Int32(i + 1), meter: &meter) } catch { throw HostFunctionError(error.message) }
    }

    public func string(_ i: Int) -> String? {
        i < count ? engine.string(at: Int32(i + 1)) : nil
    }

    /// The bytes of a string argument without copying them, or nil if it is not a string.
    public func withBytes<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard i < count else { return nil }
        var len = 0
        guard let p = rpt_tostring(engine.L, Int32(i + 1), &len) else { return nil }
        return p.withMemoryRebound(to: UInt8.self, capacity: len) { body(UnsafeBufferPointer(start: $0, count: len)) }
    }

    public func typeName(_ i: Int) -> String {
        String(cString: lua_typename(engine.L, lua_type(engine.L, Int32(i + 1))))
    }
}

final class HostBox {
    let fn: HostFunction
    unowned let engine: LuaEngine

    init(_ fn: @escaping HostFunction, engine: LuaEngine) {
        self.fn = fn
        self.engine = engine
    }

    /// Called by the C trampoline with the memory cap off.
    func invoke() -> Int32 {
        let L = engine.L
        var args = HostArgs(engine: engine, count: Int(lua_gettop(L)), meter: HostMeter(engine))
        defer { try? args.meter.flush() }          // a limit hit here is raised by the trampoline
        do throws(HostFunctionError) {
            let results = try fn(&args)
            guard lua_checkstack(L, Int32(results.count + 2)) != 0 else {
                throw HostFunctionError("too many results")
            }
            for r in results {
                do { try engine.push(r) } catch { throw HostFunctionError(error.message) }
            }
            return Int32(results.count)
        } catch {
            engine.pushString(error.message)
            return -1
        }
    }
}

extension LuaEngine {
    /// Pushes a Lua function that calls `fn`. The engine keeps the closure alive.
    func pushHostFunction(_ fn: @escaping HostFunction) {
        let box = HostBox(fn, engine: self)
        hostBoxes.append(box)
        rpt_push_host_function(L, { _, ctx in
            Unmanaged<HostBox>.fromOpaque(ctx!).takeUnretainedValue().invoke()
        }, Unmanaged.passUnretained(box).toOpaque())
    }

    /// The host half of the `rpt` library and the sandbox: JSON, logging, module lookup.
    func registerHostFunctions(intoTableAt table: Int32) {
        let functions: [(String, HostFunction)] = [
            ("json_decode", { args throws(HostFunctionError) in
                let maxValues = args.meter.valuesLeft
                let decoded = args.withBytes(0) { bytes in
                    Result { () throws(JSON.ParseError) in try JSON.decode(bytes, maxValues: maxValues) }
                }
                guard let decoded else { return [nil, .string("rpt.json.decode expects a string, got \(args.typeName(0))")] }
                do throws(LuaError) {
                    switch decoded {
                    case .success(let (value, values)):
                        try args.meter.charge(units: values * HostMeter.unitsPerValue)
                        return [value]
                    case .failure(let error):
                        try args.meter.charge(units: error.offset)
                        return [nil, .string("invalid JSON: \(error)")]
                    }
                } catch { throw HostFunctionError(error.message) }
            }),
            ("json_encode", { args throws(HostFunctionError) in
                guard args.count > 0 else { throw HostFunctionError("rpt.json.encode expects a value") }
                return [.string(JSON.encode(try args.value(0) ?? .null))]
            }),
            ("json_extract", { args throws(HostFunctionError) in
                guard let text = args.string(0) else {
                    return [nil, .string("rpt.json.extract expects a string, got \(args.typeName(0))")]
                }
                do throws(LuaError) {
                    if let v = try JSON.extract(text, pay: { values throws(LuaError) in
                        try args.meter.charge(units: values * HostMeter.unitsPerValue)
                    }) {
                        return [v]
                    }
                } catch { throw HostFunctionError(error.message) }
                return [nil, .string("no JSON object found in the reply")]
            }),
            ("log", { [unowned self] args throws(HostFunctionError) in
                logSink(args.string(0) ?? "info", args.string(1) ?? "")
                return []
            }),
            ("parameters", { [unowned self] args throws(HostFunctionError) in
                [try declare(\.parameters, &args, "rpt.parameters declares a pack's parameters while task.lua loads, once; "
                                                    + "afterwards read the values from rpt.params")]
            }),
            ("dependencies", { [unowned self] args throws(HostFunctionError) in
                [try declare(\.dependencies, &args, "rpt.dependencies declares the packs this one uses while task.lua loads, once, "
                                                      + "before it requires their modules")]
            }),
            ("prompt_file", { [unowned self] args throws(HostFunctionError) in
                guard let read = promptFile else {
                    throw HostFunctionError("rpt.prompt_file reads the pack's prompt while task.lua loads (prompt = rpt.prompt_file(\"prompt.md\")), not from a hook")
                }
                guard let path = args.string(0), !path.isEmpty else {
                    throw HostFunctionError("rpt.prompt_file expects the path of a file in the pack, e.g. \"prompt.md\", got \(args.typeName(0))")
                }
                return [try read(path)]
            }),
            ("module_source", { [unowned self] args throws(HostFunctionError) in
                let name = args.string(0) ?? "", requester = args.string(1) ?? ""
                let allowed = name.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
                }
                guard allowed, !name.isEmpty, !name.contains(".."), !name.hasPrefix(".") else {
                    return [nil, .string("module '\(name)' not found: module names are letters, digits, '_', '-' and '.'")]
                }
                switch moduleSource(name, requester) {
                case .found(let source, let path, let owner): return [.string(source), .string(path), .string(owner)]
                case .missing(let path):
                    return [nil, .string("module '\(name)' not found: a task pack may require only its own files (\(path)), "
                                           + "the modules of the packs it declares with rpt.dependencies, and the rpt modules")]
                case .refused(let why): return [nil, .string("module '\(name)': \(why)")]
                }
            }),
        ]
        for (name, fn) in functions {
            pushHostFunction(fn)
            lua_setfield(L, table, name)
        }
    }

    /// A declaration task.lua makes once while it loads (parameters, dependencies): answered by
    /// the engine's handler, which is then dropped, so a second one (or one from a hook) is refused.
    private func declare(_ handler: ReferenceWritableKeyPath<LuaEngine, ((LuaValue?) throws(HostFunctionError) -> LuaValue)?>,
                         _ args: inout HostArgs, _ refusal: String) throws(HostFunctionError) -> LuaValue {
        guard let answer = self[keyPath: handler] else { throw HostFunctionError(refusal) }
        self[keyPath: handler] = nil        // once: a second declaration could contradict the first
        return try answer(try args.value(0))
    }
}
