import Foundation
import Testing
import LuaHost
import MockModels

/// `rpt try`: one example through a pack, as a pack author runs it.
@Suite struct TryCLITests {
    static let shipped: [(pack: String, example: String, reply: String, rendered: String, answer: String, mode: String)] = [
        ("tasks/banking77", "banking77-train-9342", #"{"intent": "card_arrival", "confidence": 0.8}"#,
         "Customer message: Why am I being charged extra when I withdrew money?", #"answer      "card_arrival""#, "mode        wrong_intent"),
        ("tasks/snips-slots", "snips-train-1067", #"{"artist": "sawai gandharva", "playlist": "Disco"}"#,
         "Request: my Disco Forever playlist needs an album by sawai gandharva.",
         #"answer      {"artist":"sawai gandharva","playlist":"Disco"}"#, "mode        missing_field"),
        ("tasks/gsm8k", "gsm8k-train-5574", "He practices 3 hours a day, 20 days.\nAnswer: 600", "Problem: Mike wants to be the best goalkeeper",
         "answer      600", "mode        scale: Off by a factor of 10"),
    ]

    @Test(arguments: shipped)
    func aReplyGoesThroughEachShippedPack(_ c: (pack: String, example: String, reply: String, rendered: String, answer: String, mode: String)) async throws {
        let r = try await CLI.run("try", c.pack, "--example", c.example, "--reply", c.reply)
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.hasPrefix("rpt try \(c.pack) · example \(c.example) · "))
        // The messages exactly as sent: the system text, then the instruction, a blank line, render's text.
        #expect(r.out.contains("\n--- system ("))
        #expect(r.out.contains("\n--- user ("))
        #expect(r.out.contains("\n\n" + c.rendered))
        #expect(r.out.contains("--- reply (--reply: no model called) ---\n" + c.reply + "\n"))
        #expect(r.out.contains("--- extract ---\n" + c.answer + "\n"), "\(r.out)")
        #expect(r.out.contains("--- score ---\nscore       "))
        #expect(r.out.contains("--- classify ---\n" + c.mode), "\(r.out)")
        #expect(r.out.contains("\n--- result ---\nscore "))
    }

    func firstID(_ file: String) throws -> String {
        let line = try String(contentsOfFile: CLI.root.appendingPathComponent(file).path, encoding: .utf8).prefix { $0 != "\n" }
        return try JSON.decode(String(line))["id"]!.string!
    }

    @Test func withoutAnExampleTheFirstOfTheSplitAndTheGoldReply() async throws {
        let r = try await CLI.run("try", "tasks/gsm8k", "--split", "test")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("note: no --example given: the first example of test\n"))
        #expect(r.out.contains("example \(try firstID("tasks/gsm8k/data/test.jsonl")) · test (data/test.jsonl:1)"))
        #expect(r.out.contains("--- reply (gold(example), as no --reply or --target was given) ---"))
        #expect(r.out.contains("--- classify ---\nnot run: a full score"))
        #expect(r.out.hasSuffix("--- result ---\nscore 1\n"))
    }

    @Test func anUnknownIdNamesCloseOnes() async throws {
        let r = try await CLI.run("try", "tasks/banking77", "--example", "banking77-trian-9342")
        #expect(r.status == 1)
        #expect(r.err.contains("no example 'banking77-trian-9342' in any split of tasks/banking77; close ids: banking77-train-9342"), "\(r.err)")
        let wrongSplit = try await CLI.run("try", "tasks/banking77", "--example", "banking77-train-9342", "--split", "test")
        #expect(wrongSplit.status == 1)
        #expect(wrongSplit.err.contains("example 'banking77-train-9342' is in dev, not test: give --split dev"))
        let both = try await CLI.run("try", "tasks/banking77", "--reply", "x", "--target", "openai:m")
        #expect(both.status != 0 && both.err.contains("give --reply TEXT (no model) or --target MODEL, not both"))
    }

    @Test func aTargetGetsExactlyThePrintedMessages() async throws {
        let server = try MockServer { _ in .chat(#"{"intent": "exchange_charge", "confidence": 0.6}"#, promptTokens: 700, completionTokens: 12) }
        defer { server.stop() }
        let r = try await CLI.run(["try", "tasks/banking77", "--example", "banking77-train-9342", "--target", "openai:m", "--base-url", server.baseURL,
                             "--no-cache"], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        #expect(server.requestCount == 1)
        let sent = try #require(server.requests.first?.json?["messages"]?.array)
        #expect(sent.count == 2)
        for m in sent {
            let role = m["role"]!.string!, text = m["content"]!.string!
            #expect(r.out.contains("--- \(role) (\(text.count) characters) ---\n\(text)\n"), "\(role)")
        }
        #expect(r.out.contains("--- reply (openai:m: 700 tokens in, 12 out) ---\n{\"intent\": \"exchange_charge\", \"confidence\": 0.6}\n"))
        #expect(r.out.contains("answer      \"exchange_charge\"\nconfidence  0.6"))
    }

    @Test func aFailingHookIsNamedWithItsLine() async throws {
        let pack = try HostilePack.make(dev: [HostilePack.row("d1", "a")], files: ["task.lua": Self.task(extract: "return reply.x.y")])
        let r = try await CLI.run("try", pack.path, "--reply", "a")
        #expect(r.status == 1)
        #expect(r.out.contains("\nextract FAILED at task.lua:7\n"), "\(r.out)")
        #expect(r.out.contains("traceback:"))
        #expect(r.err.contains("Error: extract failed on example d1 (data/dev.jsonl:1): task.lua:7: attempt to index a nil value"), "\(r.err)")
    }

    @Test func hookLogsShowUnderEachHook() async throws {
        let pack = try HostilePack.make(dev: [HostilePack.row("d1", "a")], files: ["task.lua": Self.task(extract: "print('extract saw', reply)\n  return reply")])
        let r = try await CLI.run("try", pack.path, "--reply", "b")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("--- render ---\nlog         info: rendering d1\n"), "\(r.out)")
        #expect(r.out.contains("--- extract ---\nlog         info: extract saw\tb\nanswer      \"b\""))
        #expect(r.out.contains("--- score ---\nlog         warn: scoring b\nscore       0"))
        // -v also writes them to stderr as they come, with the hook and the example.
        let v = try await CLI.run("try", pack.path, "--reply", "b", "-v")
        #expect(v.err.contains("[render d1] info: rendering d1\n[extract d1] info: extract saw\tb\n[score d1] warn: scoring b\n"), "\(v.err)")
    }

    @Test func aHookPrintingForeverIsCapped() async throws {
        let pack = try HostilePack.make(dev: [HostilePack.row("d1", "a")],
                                        files: ["task.lua": Self.task(extract: "while true do print(string.rep('x', 100)) end",
                                                                      // the instruction limit ends it, not 2 s on a busy machine
                                                                      limits: "limits = { seconds = 60 },")])
        let r = try await CLI.run("try", pack.path, "--reply", "a")
        #expect(r.status == 1)
        #expect(r.out.utf8.count < 300_000)
        #expect(r.out.components(separatedBy: "hook log truncated").count == 2)
        #expect(r.out.contains("extract FAILED at task.lua:7 (a limit was hit)"))
    }

    /// A small pack whose render and score log, with `extract`'s body given (it starts on line 7)
    /// and `limits` if any.
    static func task(extract: String, limits: String = "") -> String {
        """
        local rpt = require "rpt"
        return {
          api = 1, name = "logs", data = { train = "data/train.jsonl", dev = "data/dev.jsonl", test = "data/test.jsonl" },
          prompt = { system = "You label short texts.", instruction = "Reply with the label only." }, \(limits)
          render = function(ex) rpt.log.info("rendering %s", ex.id) return "Text: " .. ex.text end,
          extract = function(reply)
          \(extract)
          end,
          score = function(answer, ex) rpt.log.warn("scoring %s", answer) return answer == ex.label end,
        }
        """
    }
}
