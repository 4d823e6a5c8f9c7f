import Foundation
import Testing
import LuaHost
import MockModels
import StableHash
import TaskPack
import TestSupport

/// `rpt export` as a user runs it: a tune of the shipped support-triage pack (its prompt inline in
/// task.lua; its data cut short) through the mock server, exported as the next version, packed, installed into a
/// clean store, shown with its history, scored by name, and tuned again from its history.
@Suite(.serialized) struct ExportCLITests {
    static let guidance = ScriptedWorld.magic

    /// The shipped support-triage pack with its data cut to a few hundred rows (its task.lua,
    /// modules and tests as shipped): the same export, at a fraction of the load on a busy machine.
    static func pack() throws -> URL {
        let dir = Scratch.url("support-triage")
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("tasks/support-triage"), to: dir)
        for (split, rows) in [("train", 200), ("dev", 120), ("test", 120)] {
            let file = dir.appendingPathComponent("data/\(split).jsonl")
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").prefix(rows)
            try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// The optimizer adds a guidance section in round 1, then stops; the target (support-triage's
    /// records) is right on 6 messages in 10, and on 9 in 10 once the prompt holds the guidance.
    static func world(_ pack: String, stopAtOnce: Bool = false) throws -> MockServer {
        let gold = try goldReplies(pack)
        let optimizer = ScriptedWorld(labels: [:]) { round, step in
            if stopAtOnce || round > 1 || step > 0 { return [("stop", ["reason": "done"])] }
            return [("edit_section", ["section": "guidance", "text": .string(guidance), "modes": ["wrong_intent", "missed_urgent"]])]
        }
        return try MockServer { req in req.json?["tools"] != nil ? optimizer.reply(req) : target(req, gold: gold) }
    }

    static func target(_ req: MockRequest, gold: [String: String]) -> MockReply {
        let messages = req.json?["messages"]?.array ?? []
        let prompt = messages.compactMap { $0["content"]?.string }.joined(separator: "\n")
        let text = (messages.last?["content"]?.string ?? "").components(separatedBy: "Customer message: ").last ?? ""
        let right = Int(FNV1a.hash(text) % 10) < (prompt.contains(guidance) ? 9 : 6)
        return .chat(right ? gold[text] ?? "{}" : #"{"intent": "card_arrival", "category": "card", "urgency": "low", "needs_human": false}"#)
    }

    /// support-triage's gold reply for each message, as its own `gold` writes it.
    static func goldReplies(_ pack: String) throws -> [String: String] {
        let runtime = try PackRuntime(directory: URL(fileURLWithPath: pack))
        let data = try PackData.load(spec: runtime.spec, directory: runtime.directory)
        var out: [String: String] = [:]
        for ex in Split.allCases.flatMap({ data[$0] }) { out[ex.fields["text"]?.string ?? ""] = try runtime.gold(ex) }
        return out
    }

    static func tune(_ pack: String, _ server: MockServer, run: String, _ extra: [String] = [], place: ShareCLITests.Place? = nil) async throws
        -> (status: Int32, out: String, err: String) {
        let args = ["tune", pack, "--target", "openai:t", "--optimizer", "openai:o", "--base-url", server.baseURL, "--train-sample", "20",
                    "--dev-limit", "60", "--test-limit", "60", "--rounds", "1", "--run", run] + extra
        return try await CLI.run(args, environment: ["OPENAI_API_KEY": "k"].merging(place?.env ?? [:]) { $1 })
    }

    /// A tune of `pack` through `server`, then `rpt export` of the run into a new folder.
    static func tuneAndExport(_ pack: String, _ server: MockServer, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> (run: String, out: String, exported: (status: Int32, out: String, err: String)) {
        let run = Scratch.path("run"), out = Scratch.path("exported")
        let tuned = try await tune(pack, server, run: run)
        #expect(tuned.status == 0, "\(tuned.err)", sourceLocation: sourceLocation)
        let exported = try await CLI.run("export", run, "-o", out)
        #expect(exported.status == 0, "\(exported.out)\(exported.err)", sourceLocation: sourceLocation)
        return (run, out, exported)
    }

    static func score(_ r: (status: Int32, out: String, err: String)) throws -> Double? {
        try JSON.decode(r.out.trimmingCharacters(in: .whitespacesAndNewlines))["score"]?.number
    }

    @Test func aTunedRunBecomesTheNextVersionWithItsHistoryThroughPackInstallShowEvalAndTune() async throws {
        let pack = try Self.pack().path
        let server = try Self.world(pack)
        defer { server.stop() }
        // Export: the pack's task.lua kept as task_base.lua, the best prompt in prompt.md, a history entry.
        let (run, out, exported) = try await Self.tuneAndExport(pack, server)
        #expect(exported.out.hasPrefix("exported support-triage 1.2.0 (from 1.1.0) to \(out)\n"))
        #expect(exported.out.contains("test gain +"))
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        for f in ["task.lua", "task_base.lua", "prompt.md", "history.json", "triage.lua", "labels.lua", "data", "tests"] { #expect(files.contains(f), "\(f)") }
        #expect(try String(contentsOfFile: out + "/task_base.lua", encoding: .utf8) == String(contentsOfFile: "tasks/support-triage/task.lua", encoding: .utf8))
        #expect(try String(contentsOfFile: out + "/prompt.md", encoding: .utf8) == String(contentsOfFile: run + "/best_prompt.md", encoding: .utf8))
        let history = try JSON.decode(String(contentsOfFile: out + "/history.json", encoding: .utf8))
        let entry = try #require(history["entries"]?.array?.first)
        #expect(entry["version"] == "1.2.0" && entry["from_version"] == "1.1.0")
        #expect(entry["models"] == ["target": "openai:t", "optimizer": "openai:o"])      // names only: no base URL
        #expect(!JSON.encode(history).contains("127.0.0.1"))
        #expect(entry["test"]?["gain"]?["ci95"]?.array?.count == 2 && entry["test"]?["best"]?["ci95"]?.array?.count == 2)
        let modes = try #require(entry["modes"]?.array)
        let intent = try #require(modes.first { $0["mode"] == "wrong_intent" })
        #expect((intent["test"]?["fixed"]?.number ?? 0) > 0)
        #expect(intent["edited_by"] == ["round 1 section guidance"])
        #expect(entry["prompt_diff"]?.array?.first?["change"] == "added")

        // The new version checks, packs with its history in the manifest, installs into a clean store.
        let checked = try await CLI.run("check", out)
        #expect(checked.status == 0 && checked.out.hasSuffix("passed\n"), "\(checked.out)")
        let archive = Scratch.path("archive") + ".rptpack"
        let packed = try await CLI.run("pack", out, "-o", archive)
        #expect(packed.status == 0, "\(packed.err)")
        #expect(packed.out.hasPrefix("packed support-triage 1.2.0: "))
        let place = ShareCLITests.Place()
        let installed = try await place.rpt("install", archive)
        #expect(installed.status == 0, "\(installed.err)")
        #expect(installed.out.hasPrefix("installed support-triage 1.2.0\n"))
        let manifest = try JSON.decode(String(contentsOfFile: place.store + "/support-triage/1.2.0/rpt-manifest.json", encoding: .utf8))
        #expect(manifest["history"]?["entries"]?.array?.count == 1)

        // rpt show prints the history: the version, the gain with its interval, the modes that changed.
        let shown = try await place.rpt("show", "support-triage")
        #expect(shown.status == 0, "\(shown.err)")
        #expect(shown.out.contains("tuning history (1 export, newest last):"))
        #expect(shown.out.contains("1.2.0 from 1.1.0, exported "))
        #expect(shown.out.contains("models: target openai:t, optimizer openai:o"))
        #expect(shown.out.contains("gain +") && shown.out.contains("(95% CI "))
        #expect(shown.out.contains("wrong_intent") && shown.out.contains("by round 1 section guidance"))
        #expect(shown.out.contains("sections added guidance"))
        let folderShown = try await CLI.run("show", out)
        #expect(folderShown.status == 0 && folderShown.out.contains("tuning history (1 export"), "\(folderShown.err)")

        // rpt eval by name scores the tuned prompt: what eval --prompt RUN/best_prompt.md and the run's test gave.
        let evalArgs = ["--target", "openai:t", "--base-url", server.baseURL, "--split", "test", "--limit", "60", "--json", "--no-cache"]
        let byName = try await CLI.run(["eval", "support-triage@1.2.0"] + evalArgs + ["--out", Scratch.path("e1")],
                                       environment: ["OPENAI_API_KEY": "k"].merging(place.env) { $1 })
        #expect(byName.status == 0, "\(byName.err)")
        let byFile = try await CLI.run(["eval", pack, "--prompt", run + "/best_prompt.md"] + evalArgs + ["--out", Scratch.path("e2")],
                                       environment: ["OPENAI_API_KEY": "k"])
        let final = try JSON.decode(String(contentsOfFile: run + "/final.json", encoding: .utf8))
        #expect(try Self.score(byName) == Self.score(byFile))
        #expect(try Self.score(byName) == final["best_score"]?.number)

        // A second tune of the exported version starts the optimizer from the history.
        let before = server.requests.count
        let again = try await Self.tune("support-triage@1.2.0", server, run: Scratch.path("run2"), place: place)
        #expect(again.status == 0, "\(again.err)")
        let first = try #require(server.requests.dropFirst(before).first { $0.json?["tools"] != nil })
        let context = first.json?["messages"]?.array?.first { $0["role"] == "user" }?["content"]?.string ?? ""
        #expect(context.contains("## Earlier tuning of this pack\n"))
        #expect(context.contains(#"- version "1.2.0" from "1.1.0""#))
        #expect(context.contains(#"kept: round 1 section "guidance" for "wrong_intent", "missed_urgent""#))
        #expect(context.contains("\"" + Self.guidance + "\""))

        // --no-history leaves it out, says so in config.json, and a resume may not change it.
        let bare = Scratch.path("run3")
        let mark = server.requests.count
        let without = try await Self.tune("support-triage@1.2.0", server, run: bare, ["--no-history"], place: place)
        #expect(without.status == 0, "\(without.err)")
        let plain = try #require(server.requests.dropFirst(mark).first { $0.json?["tools"] != nil })
        #expect(!(plain.json.map(JSON.encode) ?? "").contains("Earlier tuning"))
        #expect(try JSON.decode(String(contentsOfFile: bare + "/config.json", encoding: .utf8))["history"] == false)
        let resumed = try await CLI.run(["tune", "--resume", bare, "--no-history"], environment: ["OPENAI_API_KEY": "k"])
        #expect(resumed.status != 0 && resumed.err.contains("--no-history would be ignored"), "\(resumed.err)")
    }

    static func expect(_ err: String, _ says: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(err.contains(says), "\(err)", sourceLocation: sourceLocation)
    }

    /// A copy of a run folder, changed by `edit`, for a refusal.
    static func copy(_ run: String, _ edit: (String) throws -> Void) throws -> String {
        let to = Scratch.path("copy")
        try FileManager.default.copyItem(atPath: run, toPath: to)
        try edit(to)
        return to
    }

    static func rewrite(_ file: String, _ change: (inout [String: LuaValue]) -> Void) throws {
        var o = try JSON.decode(String(contentsOfFile: file, encoding: .utf8)).object ?? [:]
        change(&o)
        try JSON.encode(.object(o)).write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func runsThatCannotBecomeAVersionAreRefusedWithWhatToDo() async throws {
        let pack = try Self.pack().path
        let server = try Self.world(pack)
        defer { server.stop() }
        let run = Scratch.path("run")
        #expect(try await Self.tune(pack, server, run: run).status == 0)
        func refused(_ args: String...) async throws -> String {
            let out = Scratch.path("out")
            let r = try await CLI.run(["export"] + args + ["-o", out], environment: [:])
            #expect(r.status == 1, "\(r.out)")
            #expect(!FileManager.default.fileExists(atPath: out), "a refused export writes nothing")
            return r.err
        }
        // Not finished: still running or killed (its lock file), or stopped before the test split.
        let killed = try Self.copy(run) { try "".write(toFile: $0 + "/lock", atomically: true, encoding: .utf8) }
        Self.expect(try await refused(killed), "is not finished (it is running, or was killed): let it end, or finish it with rpt tune --resume")
        let noTest = try Self.copy(run) { try FileManager.default.removeItem(atPath: $0 + "/final.json") }
        Self.expect(try await refused(noTest), "has no test result (final.json): the run stopped before the test split")
        // The pack changed since the run (here: its record of task.lua says otherwise).
        let changed = try Self.copy(run) { dir in
            try Self.rewrite(dir + "/config.json") { o in
                var files = o["pack_files"]?.object ?? [:]
                files["task.lua"] = .string(String(repeating: "0", count: 64))
                o["pack_files"] = .object(files)
            }
        }
        Self.expect(try await refused(changed), "the pack \(pack) changed since the run (task.lua changed): its best prompt was chosen for the files as they were")
        // A pack with parameters: its one prompt cannot stand for every value.
        let withParameters = try Self.copy(run) { try Self.rewrite($0 + "/config.json") { $0["parameters"] = ["subtask": "navigate"] } }
        Self.expect(try await refused(withParameters), "takes parameters (this run: subtask=navigate)")
        // Not a run folder; a version that is not above the pack's; a folder that is not empty.
        Self.expect(try await refused(pack), "is not a tuning run folder (no readable config.json)")
        Self.expect(try await refused(run, "--new-version", "1.1.0"), "--new-version 1.1.0 must be above the pack's version 1.1.0")
        let full = try Scratch.folder("full")
        try "x".write(to: full.appendingPathComponent("keep.txt"), atomically: true, encoding: .utf8)
        let onFull = try await CLI.run("export", run, "-o", full.path)
        #expect(onFull.status == 1 && onFull.err.contains("exists and is not an empty folder"), "\(onFull.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: full.path) == ["keep.txt"])

        // A run whose best prompt is the initial one says so.
        let idle = try Self.world(pack, stopAtOnce: true)
        defer { idle.stop() }
        let flat = Scratch.path("flat")
        #expect(try await Self.tune(pack, idle, run: flat).status == 0)
        Self.expect(try await refused(flat), "is the pack's initial prompt (no candidate beat it on dev): there is nothing to export")
    }

    /// An exported pack exported again keeps the authors' task_base.lua and adds to the history.
    @Test func anExportedPackTunedAndExportedAgainKeepsItsBaseAndGrowsItsHistory() async throws {
        let pack = try Self.pack().path
        let server = try Self.world(pack)
        defer { server.stop() }
        let v12 = try await Self.tuneAndExport(pack, server).out
        // The second run's optimizer edits another section, which lifts nothing here: so no second
        // gain is needed, only a best prompt other than the initial one (same score, fewer tokens).
        let gold = try Self.goldReplies(pack)
        let shorter = try MockServer { req in
            if req.json?["tools"] != nil {
                let steps = req.json?["messages"]?.array?.filter { $0["role"] == "tool" }.count ?? 0
                return steps == 0 ? .chat(nil, toolCalls: [("edit_section", .string(#"{"section": "task", "text": "Read the message and fill in the triage record.", "modes": ["wrong_intent"]}"#))])
                    : .chat(nil, toolCalls: [("stop", .string(#"{"reason": "done"}"#))])
            }
            return Self.target(req, gold: gold)
        }
        defer { shorter.stop() }
        let (_, v13, exported) = try await Self.tuneAndExport(v12, shorter)
        #expect(exported.out.hasPrefix("exported support-triage 1.3.0 (from 1.2.0)"))
        #expect(try String(contentsOfFile: v13 + "/task_base.lua", encoding: .utf8) == String(contentsOfFile: "tasks/support-triage/task.lua", encoding: .utf8))
        let history = try JSON.decode(String(contentsOfFile: v13 + "/history.json", encoding: .utf8))
        #expect(history["entries"]?.array?.compactMap { $0["version"]?.string } == ["1.2.0", "1.3.0"])
        let shown = try await CLI.run("show", v13)
        #expect(shown.out.contains("tuning history (2 exports, newest last):") && shown.out.contains("sections changed task"), "\(shown.out)")
    }
}
