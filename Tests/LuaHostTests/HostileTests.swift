import Foundation
import Testing
@testable import LuaHost

/// Hostile pack code (issue 10): each test is one class of attack, and each must end quickly
/// with a clear error and a state that still works.
@Suite struct HostileTests {
    @Test func aListHoldingAFunctionIsAnErrorNotAnAbort() throws {
        let engine = try LuaEngine(limits: testLimits)
        let (env, _) = try engine.newEnvironment()
        let table = try engine.run("return { a = 1, helpers = { function() end }, z = { 1, { print } } }",
                                   chunkName: "task.lua", env: env)
        for _ in 0..<50 {                                      // a lost stack slot would abort here
            let entries = try #require(engine.entries(of: table))
            guard case .value(.int(1))? = entries["a"], case .other("table")? = entries["helpers"] else {
                Issue.record("unexpected entries \(entries)"); return
            }
        }
        let e = try #require(caught { _ = try engine.value(of: table) })
        #expect(e.kind == .conversion)
        #expect(e.message.contains("a function value is not data"))
        #expect(try runLua("return { { 1, 2 }, 3 }") == [[1, 2], 3])
    }

    @Test func finalizersAreRefused() throws {
        let e = try #require(luaError("setmetatable({}, { __gc = function() while true do end end })"))
        #expect(e.message.contains("__gc (finalizers) is not available"))
        #expect(e.location == "t.lua:1")
        // The metatable the library shares with every JSON array is locked.
        let shared = try #require(luaError(#"getmetatable(require("rpt").json.array{}).__gc = function() while true do end end"#))
        #expect(shared.kind == .runtime)
        #expect(try runLua(#"local rpt = require "rpt"; return rpt.json.encode(rpt.json.array(rpt.json.array{}))"#) == "[]")
    }

    @Test func aLoopingXpcallHandlerIsStoppedByTheLimit() throws {
        let e = try #require(luaError("""
            return xpcall(function() while true do end end, function(err) while true do end end)
            """))
        #expect(e.kind == .instructionLimit)
        let handled = try runLua(#"return select(2, xpcall(function() error("boom") end, function(e) return "handled: " .. e end))"#)
        #expect(handled == "handled: t.lua:1: boom")
        #expect(try runLua("return select('#', xpcall(function(a, b) return a, b, 3 end, print, 1, 2))") == .int(4))
    }

    @Test func aLoopingCloseHandlerIsStoppedByTheLimit() throws {
        let e = try #require(luaError("""
            local x <close> = setmetatable({}, { __close = function() while true do end end })
            while true do end
            """))
        #expect(e.kind == .instructionLimit)
        let onExit = try #require(luaError("do local x <close> = setmetatable({}, { __close = function() while true do end end }) end"))
        #expect(onExit.kind == .instructionLimit)
    }

    @Test func aTableThatRefersToOneTableManyTimesIsStopped() throws {
        let dag = "local t = {1}; for i = 1, 40 do t = { t, t } end\n"
        let encode = try #require(luaError(dag + #"return require("rpt").json.encode(t)"#))
        #expect(encode.kind == .memoryLimit || encode.kind == .instructionLimit, "\(encode)")
        let swallowed = try #require(luaError(dag + #"for i = 1, 1e6 do pcall(require("rpt").json.encode, t) end"#))
        #expect(swallowed.kind == .memoryLimit || swallowed.kind == .instructionLimit, "\(swallowed)")
        let result = try #require(luaError(dag + "return t"))
        #expect(result.message.contains("value too large to leave Lua") || result.message.contains("while rpt converted a value"), "\(result)")
    }

    @Test func theLibraryIsLinearOnLongRuns() throws {
        let spaces = #"local s = "a" .. string.rep(" ", 200000) .. "b""#
        #expect(try runLua(spaces + #"; return #require("rpt.text").trim("  " .. s .. "\n")"#) == .int(200_002))
        #expect(try runLua(#"return select(2, require("rpt.json").extract(string.rep("{", 200000)))"#) == "no JSON object found in the reply")
        // Every opener starts a long parse: bounded by the nesting limit and paid for by the call.
        #expect(try runLua(#"return select(2, require("rpt.json").extract(string.rep("[", 300) .. string.rep("1,", 100000)))"#) == "no JSON object found in the reply")
        #expect(try runLua(#"return require("rpt.json").extract(string.rep("{ ", 50000) .. '{"a": [1]}').a[1]"#) == .int(1))
        #expect(try runLua(spaces + #"; return require("rpt.num").parse("1" .. s .. "1")"#) == nil)
        #expect(try runLua(#"return #require("rpt.num").all("1" .. string.rep(",", 200000) .. "1")"#) == .int(2))
        #expect(try runLua(#"return require("rpt.text").trim("  \t ")"#) == "")
    }

    @Test func hugeJSONIsRefusedWithinTheLimit() throws {
        let err = try runLua(#"local s = "[" .. string.rep("1,", 2000000) .. "1]"; return select(2, require("rpt.json").decode(s))"#)
        #expect(err?.string?.contains("JSON too large") == true, "\(String(describing: err))")
        let small = try runLua(#"local s = "[" .. string.rep("1,", 999) .. "1]"; return #require("rpt.json").decode(s)"#)
        #expect(small == .int(1000))
    }

    @Test func memoryOfKilledCallsDoesNotRaiseTheCap() throws {
        let limits = LuaLimits(instructions: 1_000_000_000, memoryBytes: 8 << 20, seconds: 60)
        let engine = try LuaEngine(limits: limits)
        let (env, _) = try engine.newEnvironment()
        let hog = try engine.load("local t = {} for i = 1, 1e9 do t[i] = { i } end", chunkName: "hog.lua", env: env)
        let fits = try engine.load(#"return #string.rep("x", 3 << 20)"#, chunkName: "fits.lua", env: env)
        for _ in 0..<20 {
            #expect(caught { _ = try engine.call(hog, []) }?.kind == .memoryLimit)
            #expect(engine.memoryUsed <= engine.totalCap(limits), "the state holds \(engine.memoryUsed >> 20) MB")
        }
        #expect(try engine.call(fits, [])[0] == .int(3 << 20))
    }

    @Test func theLibraryCannotBeChangedForLaterCalls() throws {
        let engine = try LuaEngine(limits: testLimits)
        let (env, _) = try engine.newEnvironment()
        let attacks = [
            #"local _, t = pairs(require("rpt").text); t.trim = function() return "x" end"#,
            #"for k, v in pairs(require("rpt").text) do rawset(require("rpt").text, k, print) end"#,
            #"local _, t = pairs(string); t.upper = function() return "x" end"#,
            #"getmetatable(require("rpt").json.array{}).__index = function() return 1 end"#,
            #"require("rpt").text.trim = print"#,
        ]
        for code in attacks {
            let fn = try engine.load(code, chunkName: "evil.lua", env: env)
            #expect(caught { _ = try engine.call(fn, []) } != nil, "\(code) should fail")
        }
        let check = try engine.load(#"""
            local rpt = require "rpt"
            local n = 0
            for k, v in pairs(rpt.text) do n = n + 1 end
            return rpt.text.trim("  a ") .. string.upper("b") .. n .. tostring(rpt.json.array{}[1])
            """#, chunkName: "t.lua", env: env)
        #expect(try engine.call(check, [])[0] == "aB5nil")
        // math.random starts over in every call: a hook's result does not depend on the calls before it.
        let random = try engine.load("return math.random(1e9)", chunkName: "r.lua", env: env)
        let first = try engine.call(random, [])[0]
        #expect(try engine.call(random, [])[0] == first)
    }
}
