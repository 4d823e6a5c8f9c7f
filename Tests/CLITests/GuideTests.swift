import Foundation
import Testing
import LuaHost
import MockModels
import Synchronization
import TestSupport
@testable import TaskPack

/// docs/writing-task-packs.md: every example in it runs, and a pack written from it alone works.
@Suite struct GuideTests {
    @Test func everyBlockIsOneTheTestsRun() throws {
        let blocks = try GuideBlock.all()
        for b in blocks { if case .unknown(let info) = b.kind { Issue.record("line \(b.line): a block this test does not run: ```\(info)") } }
        #expect(blocks.filter { $0.kind == .walkthrough }.count >= 5)
        #expect(blocks.filter { $0.kind == .library }.count >= 5)
    }

    /// A model for the walk-through: the target rates every ticket urgent, the optimizer stops.
    static func server() throws -> MockServer {
        try MockServer { req in
            req.json?["tools"] != nil ? .chat(nil, toolCalls: [("stop", .string(#"{"reason": "done"}"#))])
                : .chat(#"Here you go: {"urgency": "urgent", "confidence": 0.7}"#)
        }
    }

    /// The walk-through as a user follows it: `rpt new`, then the guide's files, then each command.
    @Test func theWalkThroughRuns() async throws {
        let dir = try Scratch.folder("guide")
        let store = try Scratch.folder("guide-store")          // rpt install writes here, never the user's store
        let server = try Self.server()
        defer { server.stop() }
        let blocks = try GuideBlock.all()
        var wroteFiles = false
        for block in blocks where block.kind == .walkthrough {
            for line in block.body.components(separatedBy: "\n") where line.hasPrefix("rpt ") {
                var args = Array(GuideBlock.words(line).dropFirst())
                if args.contains("--target") { args += ["--base-url", server.baseURL] }
                var env = ProcessInfo.processInfo.environment
                for k in ["OPENAI_BASE_URL", "ANTHROPIC_API_KEY"] { env[k] = nil }
                env = env.merging(CLI.isolated(["OPENAI_API_KEY": "k", "RPT_PACK_DIR": store.path])) { $1 }
                let r = try await Child(CLI.binary, args, environment: env, directory: dir).run()
                #expect(r.status == 0, "guide line \(block.line): \(line)\n\(r.out)\(r.err)")
                if args.first == "check" { #expect(r.out.hasSuffix("passed\n"), "\(line)\n\(r.out)") }
                if args.first == "new", !wroteFiles {       // the guide's files replace what rpt new wrote
                    for case (.file(let pack, let path), let body) in blocks.map({ ($0.kind, $0.body) }) {
                        let url = dir.appendingPathComponent(pack).appendingPathComponent(path)
                        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                        try (body + "\n").write(to: url, atomically: true, encoding: .utf8)
                    }
                    wroteFiles = true
                }
            }
        }
        #expect(wroteFiles)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/runs/urgency/report.html"))
    }

    /// Each `EXPR --> RESULT` line of the library reference, evaluated in the sandbox.
    @Test func libraryExamplesGiveWhatTheGuideSays() throws {
        let examples = try GuideBlock.all().filter { $0.kind == .library }.flatMap(\.examples)
        let runtime = try PackRuntime(directory: repoRoot.appendingPathComponent("tasks/gsm8k"))
        let chunk = #"""
            local rpt = require "rpt"
            local function one(v)
              if v == nil then return "nil" end
              if type(v) == "number" then return math.tointeger(v) and string.format("%d", v) or string.format("%.14g", v) end
              if type(v) == "boolean" then return tostring(v) end
              return rpt.json.encode(v)
            end
            local function show(...)
              local parts = {}
              for i = 1, math.max(select("#", ...), 1) do parts[i] = one((select(i, ...))) end
              return table.concat(parts, ", ")
            end
            return {
            """# + examples.map { "  show(\($0.expression)),\n" }.joined() + "}\n"
        let got = try #require(try runtime.runDataFile(chunk, chunkName: "guide-library.lua")?.array)
        #expect(got.count == examples.count)
        for (example, result) in zip(examples, got) {
            #expect(result.string == example.expected, "\(example.expression)")
        }
    }

    @Test func everyLibraryFunctionAndTaskKeyIsInTheGuide() throws {
        let guide = try String(contentsOf: GuideBlock.path, encoding: .utf8)
        let library = try GuideBlock.all().filter { $0.kind == .library }.map(\.body).joined(separator: "\n")
        let runtime = try PackRuntime(directory: repoRoot.appendingPathComponent("tasks/gsm8k"))
        let names = try #require(try runtime.runDataFile(#"""
            local rpt, out = require "rpt", {}
            for m, t in pairs(rpt) do
              if type(t) == "table" then for f, v in pairs(t) do if type(v) == "function" then out[#out + 1] = "rpt." .. m .. "." .. f end end end
            end
            return out
            """#, chunkName: "names.lua")?.array).compactMap(\.string)
        #expect(names.count > 15)
        for name in names { #expect(library.contains(name + "("), "no example of \(name) in the guide's library reference") }
        #expect(guide.contains("rpt.parameters {"))
        for key in TaskValidation.keys.keys { #expect(guide.contains("| `\(key)` |"), "the guide's task table lacks `\(key)`") }
    }

    /// The pack written from the guide alone (SNIPS intents, which rpt does not ship as a task).
    @Test func aPackWrittenFromTheGuidePassesCheckAndEval() async throws {
        let pack = repoRoot.appendingPathComponent("Tests/Fixtures/guide-pack").path
        let check = try await CLI.run("check", pack)
        #expect(check.status == 0, "\(check.out)")
        // The target is right on the first of every two requests, and picks PlayMusic otherwise.
        let count = Counter()
        let server = try MockServer { req in
            let user = req.json?["messages"]?.array?.last?["content"]?.string ?? ""
            return count.next() % 2 == 0 ? .chat(#"{"intent": "\#(Self.intent(of: user))", "confidence": 0.9}"#)
                : .chat("Sure! ```json\n{\"intent\": \"play_music\", \"confidence\": 0.4}\n```")
        }
        defer { server.stop() }
        let out = Scratch.path("guide-eval")
        let r = try await CLI.run(["eval", pack, "--target", "openai:t", "--base-url", server.baseURL, "--split", "test", "--json", "--out", out],
                                  environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        let summary = try JSON.decode(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
        let score = try #require(summary["score"]?.number)
        #expect(score > 0.4 && score < 0.8, "\(r.out)")
        #expect(summary["format_error_rate"]?.number == 0)
        let rows = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8)
        #expect(rows.contains("music_confusion") || rows.contains("wrong_intent"))
    }

    /// The fixture's answer key, by the request's text.
    static func intent(of user: String) -> String {
        let text = user.components(separatedBy: "Request: ").last ?? ""
        let data = (try? String(contentsOf: repoRoot.appendingPathComponent("Tests/Fixtures/guide-pack/data/test.jsonl"), encoding: .utf8)) ?? ""
        for line in data.split(separator: "\n") {
            if let v = try? JSON.decode(String(line)), v["text"]?.string == text { return v["intent"]?.string ?? "" }
        }
        return "GetWeather"
    }
}

/// Requests counted across the mock server's threads.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { n in defer { n += 1 }; return n } }
}
