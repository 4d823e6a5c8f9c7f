import Foundation
import Testing
import ModelClient
import LuaHost
import TestSupport
@testable import Tuning

/// The run folder under kills, edits and disks that say no.
@Suite struct RunStoreTests {
    func folder() -> URL { Scratch.url("store") }

    func events(_ dir: URL) throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent("events.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func aTornLastLineKeepsEveryCompleteLine() throws {
        let dir = folder()
        do {
            let store = try RunStore(folder: dir)
            store.log("a", ["text": "café"])
            store.log("b", ["n": 1])
        }
        // A kill inside the next write, in the middle of a two-byte character.
        let torn = Data(#"{"seq":2,"type":"c","text":"caf"#.utf8) + Data([0xC3])
        let h = try FileHandle(forWritingTo: dir.appendingPathComponent("events.jsonl"))
        h.seekToEndOfFile()
        h.write(torn)
        try h.close()
        let store = try RunStore(folder: dir)
        #expect(store.loggedEvents.count == 2)
        store.log("a", ["text": "café"])
        store.log("b", ["n": 1])
        store.log("c", ["text": "café"])
        #expect(store.failure == nil)
        let lines = try events(dir)
        #expect(lines.count == 3 && lines[2].contains(#""type":"c""#))
    }

    @Test func aReplayThatDiffersStopsLoudly() throws {
        let dir = folder()
        do {
            let store = try RunStore(folder: dir)
            store.log("baseline", ["dev_score": .double(0.5), "settings": ["base_urls": ["openai": "http://old/v1"]]])
            store.log("best_changed", ["round": 1])
        }
        let store = try RunStore(folder: dir)
        var heard: String?
        store.onFailure = { heard = $0.description }
        // The same event at a new address (base URLs may move) and as JSON wrote it: not a difference.
        store.log("baseline", ["dev_score": .double(0.5), "settings": ["base_urls": ["openai": "http://new/v1"]]])
        #expect(store.failure == nil)
        store.log("best_changed", ["round": 2])
        #expect(heard?.contains("differs from the one that was killed at event 1 (best_changed)") == true)
        #expect(throws: RunStore.StoreFailure.self) { try store.write("best_prompt.json", "{}") }
        store.log("more")
        #expect(try events(dir).count == 2)                        // nothing written after the difference
    }

    @Test func aDamagedLineBeforeTheEndIsNotTakenForATornOne() throws {
        let dir = folder()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "{\"seq\":0,\"type\":\"a\"}\nnot json\n{\"seq\":2,\"type\":\"c\"}\n".write(to: dir.appendingPathComponent("events.jsonl"), atomically: true, encoding: .utf8)
        do { _ = try RunStore(folder: dir); Issue.record("opened") } catch {
            #expect("\(error)".contains("events.jsonl:2 is not an event"))
        }
    }

    @Test func aFolderThatCannotBeWrittenIsNotCalledBusy() throws {
        for path in ["/sys/kernel", "/sys/rpt-cannot-make-this"] {
            do { _ = try RunStore(folder: URL(fileURLWithPath: path)); Issue.record("opened \(path)") } catch {
                #expect("\(error)".contains("cannot write in \(path)"), "\(error)")
                #expect(!"\(error)".contains("in use"))
            }
        }
    }

    /// Issue 18: a finished run left its `lock` file. It still refuses a second run while held.
    @Test func theLockRefusesASecondRunAndIsGoneOnceReleased() throws {
        let dir = folder()
        let lock = dir.appendingPathComponent("lock").path
        let store = try RunStore(folder: dir)
        #expect(FileManager.default.fileExists(atPath: lock))
        #expect(throws: RunStore.Busy.self) { _ = try RunStore(folder: dir) }
        store.releaseLock()
        #expect(!FileManager.default.fileExists(atPath: lock))
        try withExtendedLifetime(RunStore(folder: dir)) {      // free again; let go when it goes away
            #expect(FileManager.default.fileExists(atPath: lock))
        }
        #expect(!FileManager.default.fileExists(atPath: lock))
        store.releaseLock()                                    // twice is harmless
    }

    @Test func runFoldersHaveOneNameFormat() {
        var parts = DateComponents()
        (parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second) = (2026, 11, 26, 0, 31, 39)
        let date = Calendar.current.date(from: parts)!
        #expect(RunStore.defaultFolder(["demo", "banking77"], at: date) == "runs/demo-banking77-20261126-003139")
        #expect(RunStore.defaultFolder(["eval", "banking77", "dev"], at: date) == "runs/eval-banking77-dev-20261126-003139")
    }

    @Test func settingsFromConfigJSONAreChecked() throws {
        var v = TuneSettings(pack: "p", target: "openai:t", optimizer: "openai:o").json
        #expect(try TuneSettings(json: v).rounds == 10)
        for (key, bad) in [("rounds", LuaValue.double(1e300)), ("seed", .int(-1)), ("dev_limit", .double(2.5)), ("train_sample", .string("9")),
                           ("seed", .string("18446744073709551616")), ("seed", .string("-1")), ("seed", .double(1.5)), ("seed", .bool(true)),
                           ("budget_tokens", .int(0)), ("budget_cost", .double(-1)), ("budget_seconds", .double(1e300))] {
            var o = v.object!
            o[key] = bad
            v = .object(o)
            do { _ = try TuneSettings(json: v); Issue.record("\(key) accepted") } catch {
                #expect("\(error)".contains("config.json: \(key) is"), "\(error)")
            }
            o[key] = TuneSettings(pack: "p", target: "openai:t", optimizer: "openai:o").json[key]
            v = .object(o)
        }
        var s = TuneSettings(pack: "p", target: "openai:t", optimizer: "openai:o")
        s.baseURLs["openai"] = "http://me:hunter2@127.0.0.1:9/v1"
        #expect(!JSON.encode(s.json).contains("hunter2"))
        // Typed: a value of the wrong type is named, not taken for the default.
        for (key, bad) in [("level", LuaValue.string("0.9")), ("also_targets", .string("openai:x")), ("parameters", ["n": 3]), ("pack", .null)] {
            var o = TuneSettings(pack: "p", target: "openai:t", optimizer: "openai:o").json.object!
            o[key] = bad
            let e = #expect(throws: ModelError.self) { _ = try TuneSettings(json: .object(o)) }
            #expect(e?.message.hasPrefix("config.json: \(key) is") == true || e?.message.contains("lacks \(key)") == true, "\(String(describing: e))")
        }
    }

    /// Every key is written, unset ones as null (a resumed run's run_started event must equal the
    /// logged one), and a config.json of an older rpt, without the keys added since, still reads.
    @Test func settingsKeepTheirJSONAndOlderRunsStillRead() throws {
        var s = TuneSettings(pack: "p", target: "openai:t", optimizer: "openai:o")
        s.critic = "openai:c"
        s.budget = Budget(maxCost: 2.5)
        let v = s.json
        #expect(v.object?.count == TuneSettings.CodingKeys.allCases.count)
        #expect(v["judge"] == .null && v["dev_limit"] == .null && v["budget_cost"] == .double(2.5) && v["seed"] == .int(1))
        #expect(try TuneSettings(json: v) == s)
        let older = try JSON.decode("""
            {"pack": "p", "target": "openai:t", "optimizer": "openai:o", "critic": null, "rounds": 4, "candidates_per_round": 2,
             "patience": 3, "train_sample": 40, "dev_limit": 200, "test_limit": null, "level": 0.95, "reports_kept": 3,
             "tool_calls_per_round": 12, "seed": 7, "target_max_tokens": null, "optimizer_temperature": 0.7,
             "budget_tokens": null, "budget_cost": null, "budget_seconds": 600, "base_urls": {}}
            """)
        let read = try TuneSettings(json: older)
        #expect(read.rounds == 4 && read.seed == 7 && read.devLimit == 200 && read.budget.maxSeconds == 600)
        #expect(read.optimizerMaxTokens == 2048 && read.alsoTargets.isEmpty && read.packFiles.isEmpty && read.parameters.isEmpty)
    }

    /// A seed is any UInt64. config.json writes it as a number while every JSON reader keeps it
    /// exact (2^53), as a string past that; a run written before (an integer) still resumes.
    @Test func seedsAreAnyUInt64AndOldIntegerSeedsStillRead() throws {
        for seed: UInt64 in [0, 1, 1 << 53, (1 << 53) + 1, UInt64(Int64.max) + 1, .max] {
            var s = TuneSettings(pack: "p", target: "openai:t", optimizer: "openai:o")
            s.seed = seed
            let text = JSON.encode(s.json)
            #expect(text.contains(seed <= 1 << 53 ? "\"seed\":\(seed)" : "\"seed\":\"\(seed)\""), "\(text)")
            #expect(try TuneSettings(json: JSON.decode(text)).seed == seed)
        }
        var old = TuneSettings(pack: "p", target: "openai:t", optimizer: "openai:o").json.object!
        old["seed"] = .int(7)                         // as every run before UInt64 seeds wrote it
        #expect(try TuneSettings(json: .object(old)).seed == 7)
        old["seed"] = nil
        #expect(try TuneSettings(json: .object(old)).seed == 1)
    }
}
