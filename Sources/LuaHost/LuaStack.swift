import CLua

/// Converting between `LuaValue` and the Lua stack. Only API calls that cannot raise are used
/// (raw access, no metamethods), with the memory cap off, so no longjmp reaches Swift.
extension LuaEngine {
    static let maxDepth = 100

    func push(_ value: LuaValue?, depth: Int = 0) throws(LuaError) {
        guard depth < LuaEngine.maxDepth, lua_checkstack(L, 3) != 0 else {
            throw LuaError(kind: .conversion, message: "value nested too deeply to pass to Lua")
        }
        guard let value else { lua_pushnil(L); return }
        switch value {
        case .null: rpt_push_null(L)
        case .bool(let b): lua_pushboolean(L, b ? 1 : 0)
        case .int(let i): lua_pushinteger(L, i)
        case .double(let d): lua_pushnumber(L, d)
        case .string(let s): pushString(s)
        case .array(let items):
            lua_createtable(L, Int32(items.count), 0)
            for (i, item) in items.enumerated() {
                try push(item, depth: depth + 1)
                lua_rawseti(L, -2, Int64(i + 1))
            }
            rpt_getref(L, arrayMetaRef.id)
            lua_setmetatable(L, -2)
        case .object(let fields):
            lua_createtable(L, 0, Int32(fields.count))
            for (k, v) in fields {
                pushString(k)
                try push(v, depth: depth + 1)
                lua_rawset(L, -3)
            }
        }
    }

    func pushString(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }

    /// The value at `index` as Swift; `nil` for Lua's nil. Paid for with a fresh meter.
    func pull(at index: Int32) throws(LuaError) -> LuaValue? {
        var meter = HostMeter(self)
        defer { try? meter.flush() }
        return try pull(at: index, meter: &meter)
    }

    /// Every exit, thrown or not, leaves the stack as it found it: an element left behind would
    /// make the caller's next `lua_next` raise outside any protected call (and Lua abort).
    func pull(at index: Int32, meter: inout HostMeter, depth: Int = 0) throws(LuaError) -> LuaValue? {
        let top = lua_gettop(L)
        defer { assert(lua_gettop(L) == top, "value conversion changed the Lua stack") }
        let idx = lua_absindex(L, index)
        switch lua_type(L, idx) {
        case LUA_TNIL, LUA_TNONE: return nil
        case LUA_TBOOLEAN:
            try meter.count()
            return .bool(lua_toboolean(L, idx) != 0)
        case LUA_TNUMBER:
            try meter.count()
            if lua_isinteger(L, idx) != 0 { return .int(lua_tointegerx(L, idx, nil)) }
            return .double(lua_tonumberx(L, idx, nil))
        case LUA_TSTRING:
            try meter.count(bytes: Int(lua_rawlen(L, idx)))
            return .string(string(at: idx) ?? "")
        case LUA_TLIGHTUSERDATA where rpt_is_null(L, idx) != 0:
            try meter.count()
            return .null
        case LUA_TTABLE:
            try meter.count()
            return try pullTable(at: idx, meter: &meter, depth: depth)
        default:
            let name = String(cString: lua_typename(L, lua_type(L, idx)))
            throw LuaError(kind: .conversion, message: "a \(name) value is not data (only nil, booleans, numbers, strings, tables and rpt.json.null can leave Lua)")
        }
    }

    private func pullTable(at idx: Int32, meter: inout HostMeter, depth: Int) throws(LuaError) -> LuaValue {
        guard depth < LuaEngine.maxDepth, lua_checkstack(L, 4) != 0 else {
            throw LuaError(kind: .conversion, message: "table nested too deeply (or a table that contains itself)")
        }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let length = Int(lua_rawlen(L, idx))
        if isMarkedArray(idx) || length > 0 {
            var items: [LuaValue] = []
            items.reserveCapacity(min(length, meter.valuesLeft))
            for i in 0..<length {
                lua_rawgeti(L, idx, Int64(i + 1))
                do { items.append(try pull(at: -1, meter: &meter, depth: depth + 1) ?? .null) } catch {
                    throw error.at("index \(i + 1)")
                }
                rpt_pop(L, 1)
            }
            if isMarkedArray(idx) || countKeys(idx) == length { return .array(items) }
        }
        var fields: [String: LuaValue] = [:]
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            let key: String
            switch lua_type(L, -2) {
            case LUA_TSTRING: key = string(at: -2) ?? ""
            case LUA_TNUMBER:
                key = lua_isinteger(L, -2) != 0 ? String(lua_tointegerx(L, -2, nil)) : String(lua_tonumberx(L, -2, nil))
            default:
                throw LuaError(kind: .conversion, message: "table keys must be strings or numbers to leave Lua")
            }
            do { fields[key] = try pull(at: -1, meter: &meter, depth: depth + 1) } catch {
                throw error.at("key '\(key)'")
            }
            rpt_pop(L, 1)
        }
        return .object(fields)
    }

    private func isMarkedArray(_ idx: Int32) -> Bool {
        guard lua_getmetatable(L, idx) != 0 else { return false }
        rpt_getref(L, arrayMetaRef.id)
        let same = lua_rawequal(L, -1, -2) != 0
        rpt_pop(L, 2)
        return same
    }

    private func countKeys(_ idx: Int32) -> Int {
        var n = 0
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            n += 1
            rpt_pop(L, 1)
        }
        return n
    }
}

extension LuaError {
    /// A conversion error names where in the value it happened (the innermost place only).
    func at(_ place: String) -> LuaError {
        guard kind == .conversion, !message.contains(" (at ") else { return self }
        return LuaError(kind: kind, message: "\(message) (at \(place))")
    }
}

/// One field of a Lua table as the host sees it: data, a function kept in the registry, or a
/// value that cannot cross (named by its Lua type).
public enum LuaEntry {
    case value(LuaValue)
    case function(LuaRef)
    case other(String)
}

extension LuaEngine {
    /// The string-keyed fields of a table (raw access: metatables are not consulted).
    /// Returns nil if the value is not a table.
    public func entries(of ref: LuaRef) -> [String: LuaEntry]? {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        rpt_getref(L, ref.id)
        guard lua_type(L, -1) == LUA_TTABLE else { return nil }
        let table = lua_gettop(L)
        var out: [String: LuaEntry] = [:]
        var meter = HostMeter(self)
        lua_pushnil(L)
        while lua_next(L, table) != 0 {
            assert(lua_gettop(L) == table + 2, "entries(of:) lost track of the Lua stack")
            if lua_type(L, -2) == LUA_TSTRING, let key = string(at: -2) {
                switch lua_type(L, -1) {
                case LUA_TFUNCTION:
                    lua_pushvalue(L, -1)
                    out[key] = .function(LuaRef(id: rpt_ref(L)))
                default:
                    if let v = try? pull(at: -1, meter: &meter) { out[key] = .value(v) }
                    else { out[key] = .other(String(cString: lua_typename(L, lua_type(L, -1)))) }
                }
            }
            rpt_pop(L, 1)
        }
        return out
    }

    /// The fields of the table at `key` of the table `ref`, or nil when either is not a table:
    /// a nested table that holds a function (a judge's `reference`) does not convert to a value.
    public func entries(of ref: LuaRef, field key: String) -> [String: LuaEntry]? {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        rpt_getref(L, ref.id)
        guard lua_type(L, -1) == LUA_TTABLE else { return nil }
        pushString(key)
        lua_rawget(L, -2)
        guard lua_type(L, -1) == LUA_TTABLE else { return nil }
        let nested = LuaRef(id: rpt_ref(L))
        defer { release(nested) }
        return entries(of: nested)
    }

    /// Where a function was defined, as `file.lua:LINE`.
    public func definition(of ref: LuaRef) -> String? {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        rpt_getref(L, ref.id)
        var ar = lua_Debug()
        guard lua_getinfo(L, ">S", &ar) != 0, ar.linedefined > 0 else { return nil }
        let source = withUnsafeBytes(of: ar.short_src) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        return "\(source):\(ar.linedefined)"
    }
}
