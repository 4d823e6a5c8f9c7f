import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport

/// `rpt tune`'s patch ablation as a user runs it, against the scripted world on a loopback mock server.
@Suite(.serialized) struct AblationCLITests {
    static func edit(_ section: String, _ text: String) -> ScriptedWorld.Step {
        ("edit_section", ["section": .string(section), "text": .string(text), "modes": ["wrong_intent"]])
    }

    /// Round 1 adds `partial` in "guidance", round 2 `magic` in "focus": the target ignores the first once the second is there.
    static let script: @Sendable (Int, Int) -> [ScriptedWorld.Step] = { round, step in
        switch (round, step) {
        case (1, 0): return [edit("guidance", ScriptedWorld.partial)]
        case (2, 0): return [edit("focus", ScriptedWorld.magic)]
        default: return [("stop", ["reason": "done"])]
        }
    }

    static func args(_ server: MockServer, _ folder: String) -> [String] {
        ["tune", "tasks/banking77", "--target", "openai:t", "--optimizer", "openai:o", "--base-url", server.baseURL,
         "--train-sample", "30", "--dev-limit", "120", "--test-limit", "120", "--rounds", "3", "--candidates", "1", "--run", folder]
    }

    /// The prompt of a target request (nil for the optimizer's).
    static func prompt(_ r: MockRequest) -> String? {
        guard let body = r.json, body["tools"] == nil else { return nil }
        return (body["messages"]?.array ?? []).compactMap { $0["content"]?.string }.joined(separator: "\n")
    }

    /// Killed halfway through the one dev run the ablation asks the server for (the prompt without
    /// "guidance"; the prompt without "focus" is round 1's best, in the cache), then resumed.
    @Test func aRunKilledDuringTheAblationResumesToTheSameResult() async throws {
        let (out, folder) = try await TuneCLITests().killAndResume(script: Self.script, args: Self.args) { requests in
            let start = requests.firstIndex { Self.prompt($0).map { $0.contains(ScriptedWorld.magic) && !$0.contains(ScriptedWorld.partial) } ?? false }
            #expect(start != nil && start! + 360 == requests.count)   // then the test split: 120 for each prompt
            return (start ?? 0) + 60
        }
        #expect(out.contains("  ablation       removed 'guidance' +0.000, kept 'focus' +0."), "\(out)")
        let md = try String(contentsOfFile: folder + "/best_prompt.md", encoding: .utf8)
        #expect(md.contains("## Section focus") && !md.contains("## Section guidance"))
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(html.contains("What each edit contributes") && html.contains("Removed: guidance."))
    }

    @Test func noAblationIsASettingOfTheRunThatAResumeKeeps() async throws {
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels(), script: Self.script)
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let folder = Scratch.path("no-ablation")
        let r = try await CLI.run(Self.args(server, folder) + ["--no-ablation"], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        #expect(try JSON.decode(try String(contentsOfFile: folder + "/config.json", encoding: .utf8))["ablation"] == .bool(false))
        let md = try String(contentsOfFile: folder + "/best_prompt.md", encoding: .utf8)
        #expect(md.contains("## Section focus") && md.contains("## Section guidance"))
        #expect(!r.out.contains("ablation "))
        let again = try await CLI.run(["tune", "--resume", folder, "--no-ablation"], environment: ["OPENAI_API_KEY": "k"])
        #expect(again.status != 0)
        #expect(again.err.contains("a resumed run keeps the settings in its config.json, so --no-ablation would be ignored"), "\(again.err)")
    }
}
