import Foundation
import Testing
@testable import LuaHost

@Suite struct SandboxTests {
    /// Stopped by the instruction count, which does not depend on how busy the machine is: the
    /// time limit is set far out so that a slow machine cannot make it the one that fires.
    @Test func endlessLoopIsStoppedByTheInstructionLimit() throws {
        let e = try #require(luaError("while true do end", limits: testLimits))
        #expect(e.kind == .instructionLimit)
        #expect(e.description.contains("t.lua:1"))
        #expect(e.description.contains("instruction limit"))
    }

    @Test func pcallCannotSwallowTheInstructionLimit() throws {
        let e = try #require(luaError("""
            local n = 0
            while true do
              pcall(function() while true do end end)
              n = n + 1
            end
            """))
        #expect(e.kind == .instructionLimit)
        let e2 = try #require(luaError("return pcall(function() while true do end end)"))
        #expect(e2.kind == .instructionLimit)
    }

    @Test func hugeStringHitsTheMemoryLimitAndTheStateLivesOn() throws {
        let engine = try LuaEngine(limits: testLimits)
        let (env, _) = try engine.newEnvironment()
        let bad = try engine.load(#"return string.rep("x", 1e9)"#, chunkName: "m.lua", env: env)
        #expect(caught { _ = try engine.call(bad, []) }?.kind == .memoryLimit)
        let swallowed = try engine.load(#"local ok = pcall(string.rep, "x", 1e9); return ok"#, chunkName: "m.lua", env: env)
        #expect(caught { _ = try engine.call(swallowed, []) }?.kind == .memoryLimit)
        let good = try engine.load("return 1 + 1", chunkName: "ok.lua", env: env)
        #expect(try engine.call(good, [])[0] == .int(2))
    }

    @Test func growingTableHitsTheMemoryLimit() throws {
        let e = try #require(luaError("local t = {} for i = 1, 1e9 do t[i] = {i} end",
                                      limits: LuaLimits(instructions: 1_000_000_000, memoryBytes: 8 << 20, seconds: 60)))
        #expect(e.kind == .memoryLimit)
    }

    @Test func timeLimit() throws {
        let e = try #require(luaError("while true do end", limits: LuaLimits(instructions: .max, memoryBytes: 1 << 20, seconds: 0.2)))
        #expect(e.kind == .timeLimit)
    }

    @Test func forbiddenLibrariesSayWhy() throws {
        for code in [#"os.execute("ls")"#, #"io.open("/etc/passwd")"#, "debug.getinfo(1)", #"dofile("x")"#,
                     "collectgarbage()", "package.loadlib('x', 'y')"] {
            let e = try #require(luaError(code), "\(code) should fail")
            #expect(e.message.contains("not available in a task pack"), "\(code): \(e.message)")
            #expect(e.location == "t.lua:1")
        }
    }

    @Test func requireReachesOnlyPackFilesAndRpt() throws {
        let e = try #require(luaError(#"require "socket""#))
        #expect(e.message.contains("module 'socket' not found"))
        let v = try runLua(#"local u = require "lib.util"; return u.twice(21)"#,
                           modules: ["lib/util.lua": "return { twice = function(x) return 2 * x end }"])
        #expect(v == .int(42))
        let e2 = try #require(luaError(#"require "../secrets""#))
        #expect(e2.message.contains("not found"))
        #expect(try runLua(#"return require("rpt.text").trim("  a ")"#) == "a")
    }

    @Test func binaryChunksAndDumpAreRefused() throws {
        let e = try #require(luaError("local f = function() end; return load(string.dump(f))"))
        #expect(e.message.contains("dump"))
        let e2 = try #require(luaError(#"return load("\27Lua", "x", "b")"#))
        #expect(e2.message.contains("only text chunks"))
        #expect(try runLua(#"local f, err = load("\27Lua junk"); return err"#)?.string?.contains("binary") == true)
    }

    @Test func metatableTricksAreRefused() throws {
        let e = try #require(luaError("setmetatable(_G, { __index = function() return 1 end })"))
        #expect(e.message.contains("protected metatable"))
        let e2 = try #require(luaError("string.upper = function() return 'x' end"))
        #expect(e2.message.contains("read-only"))
        let e3 = try #require(luaError("rawset(string, 'upper', 1)"))
        #expect(e3.message.contains("read-only"))
        #expect(try runLua("return getmetatable('')") == "locked")
        #expect(try runLua("return getmetatable(_G)") == "locked")
    }

    @Test func syntaxErrorsNameFileAndLine() throws {
        let e = try #require(luaError("local x = 1\nlocal y = = 2"))
        #expect(e.kind == .load)
        #expect(e.location == "t.lua:2")
    }

    @Test func runtimeErrorsKeepLineAndTraceback() throws {
        let e = try #require(luaError("""
            local function inner(t) local v = t.x.y; return v end
            local function outer() local v = inner({}); return v end
            local v = outer(); return v
            """))
        #expect(e.kind == .runtime)
        #expect(e.location == "t.lua:1")
        #expect(e.traceback.contains { $0.hasPrefix("t.lua:2") })
    }

    @Test func globalsFreezeAfterLoad() throws {
        let engine = try LuaEngine(limits: testLimits)
        let (env, freeze) = try engine.newEnvironment()
        let chunk = try engine.load("helper = 1; return function() counter = 1 end", chunkName: "task.lua", env: env)
        let hook = try engine.callKeepingResult(chunk, [])
        _ = try engine.call(freeze, [])
        let e = try #require(caught { _ = try engine.call(hook, []) })
        #expect(e.message.contains("may not set the global 'counter'"))
    }

    @Test func nonDataResultsAreConversionErrors() throws {
        let e = try #require(luaError("return { f = function() end }"))
        #expect(e.kind == .conversion)
        #expect(e.message.contains("'f'"))
    }
}
