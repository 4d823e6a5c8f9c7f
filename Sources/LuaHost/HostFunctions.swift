import CLua

/// A Swift function callable from Lua. It gets its arguments through `HostArgs` and returns its
/// results; a thrown `HostFunctionError` becomes a Lua error at the caller's line.
public typealias HostFunction = (HostArgs) throws(HostFunctionError) -> [LuaValue?]

public struct HostFunctionError: Error {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// The arguments of one host call, read straight off the Lua stack.
public struct HostArgs {
    let engine: LuaEngine
    public let count: Int

    public func value(_ i: Int) throws(HostFunctionError) -> LuaValue? {
        guard i < count else { return nil }
        do { return try engine.pull(at: Int32(i + 1)) } catch { throw HostFunctionError(error.message) }
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
        let args = HostArgs(engine: engine, count: Int(lua_gettop(L)))
        do throws(HostFunctionError) {
            let results = try fn(args)
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
                let result = args.withBytes(0) { bytes -> [LuaValue?] in
                    do { return [try JSON.decode(bytes)] } catch { return [nil, .string("invalid JSON: \(error)")] }
                }
                return result ?? [nil, .string("rpt.json.decode expects a string, got \(args.typeName(0))")]
            }),
            ("json_encode", { args throws(HostFunctionError) in
                guard args.count > 0 else { throw HostFunctionError("rpt.json.encode expects a value") }
                return [.string(JSON.encode(try args.value(0) ?? .null))]
            }),
            ("json_extract", { args throws(HostFunctionError) in
                guard let text = args.string(0) else {
                    return [nil, .string("rpt.json.extract expects a string, got \(args.typeName(0))")]
                }
                if let v = JSON.extract(text) { return [v] }
                return [nil, .string("no JSON object found in the reply")]
            }),
            ("log", { [unowned self] args throws(HostFunctionError) in
                logSink(args.string(0) ?? "info", args.string(1) ?? "")
                return []
            }),
            ("module_source", { [unowned self] args throws(HostFunctionError) in
                let name = args.string(0) ?? ""
                let allowed = name.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
                }
                guard allowed, !name.isEmpty, !name.contains(".."), !name.hasPrefix(".") else {
                    return [nil, .string("module names are letters, digits, '_', '-' and '.'")]
                }
                let (source, path) = moduleSource(name)
                return [source.map(LuaValue.string), .string(path)]
            }),
        ]
        for (name, fn) in functions {
            pushHostFunction(fn)
            lua_setfield(L, table, name)
        }
    }
}
