import CLua

/// Host work done for a pack counts against the pack's limits. Converting a value out of Lua
/// (a hook's result, the argument of `rpt.json.encode`) or decoding JSON into Lua is paid per
/// value: each one counts as `unitsPerValue` instructions of the call it serves (a converted
/// value costs about as much as that many VM instructions), and the value as a whole may not take
/// more than the call's memory limit (`bytesPerValue` a value plus its string bytes, roughly what
/// Swift holds for it). So a table that refers to one table 2^40 times is stopped after a bounded
/// amount of work, instead of being expanded in Swift outside every limit.
struct HostMeter {
    static let unitsPerValue = 16
    static let bytesPerValue = 64
    private static let flushEvery = 4096

    let L: OpaquePointer
    let limitBytes: Int
    private(set) var bytesLeft: Int
    private var pending = 0

    init(_ engine: LuaEngine) {
        L = engine.L
        limitBytes = engine.limits.memoryBytes
        bytesLeft = limitBytes
    }

    /// How many more values this conversion may produce.
    var valuesLeft: Int { max(0, bytesLeft / HostMeter.bytesPerValue) }

    /// Pays for one value holding `bytes` bytes of string.
    mutating func count(bytes: Int = 0) throws(LuaError) {
        bytesLeft -= HostMeter.bytesPerValue + bytes
        if bytesLeft < 0 {
            rpt_kill(L, Int32(RPT_KILLED_MEMORY))
            throw LuaError(kind: .memoryLimit, message: "value too large to leave Lua: more than the "
                + "\(limitBytes >> 20) MB memory limit (a table that refers to one table many times counts each time)")
        }
        pending += HostMeter.unitsPerValue
        if pending >= HostMeter.flushEvery { try flush() }
    }

    /// Pays for work measured elsewhere, in instructions (e.g. values the JSON parser made).
    mutating func charge(units: Int) throws(LuaError) {
        pending += units
        if pending >= HostMeter.flushEvery { try flush() }
    }

    /// Charges what is pending to the call and stops if a limit is hit.
    mutating func flush() throws(LuaError) {
        guard pending > 0 else { return }
        let why = rpt_charge(L, Int64(pending))
        pending = 0
        if let error = LuaError.limit(why) {
            throw LuaError(kind: error.kind, message: error.message + " while rpt converted a value "
                + "(a table that refers to one table many times counts each time)")
        }
    }
}
