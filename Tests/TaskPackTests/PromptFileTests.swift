import Foundation
import Testing
@testable import TaskPack

/// `prompt = rpt.prompt_file("prompt.md")`: the prompt as a file of the pack, in best_prompt.md's
/// format, read while task.lua loads and held to the pack's file rules.
@Suite struct PromptFileTests {
    static let file = """
        ## System

        You sort messages.

        ## Section task

        Say the label.
        ## Not a heading, part of the text

        ## Section format (frozen)

        One word.
        """

    func pack(_ prompt: String = #"prompt = rpt.prompt_file("prompt.md"),"#, files: [String: String] = ["prompt.md": file]) throws -> PackFixture {
        var all = files
        all["data/all.jsonl"] = PackFixture.rows(10)
        return try PackFixture(task: "local rpt = require \"rpt\"\n" + PackFixture.task(replacing: ["prompt": prompt]), files: all)
    }

    @Test func aPromptFileLoadsAsTheInlineTableWould() throws {
        let spec = try pack().load().spec
        #expect(spec.prompt.system == "You sort messages.")
        #expect(spec.prompt.sections == [PromptSection(id: "task", text: "Say the label.\n## Not a heading, part of the text"),
                                         PromptSection(id: "format", text: "One word.", frozen: true)])
        #expect(spec.promptFiles == ["prompt.md"])
        // A plain file is the instruction, with no system text.
        let plain = try pack(files: ["prompt.md": "Say the label.\n"]).load().spec
        #expect(plain.prompt == TaskSpec.Prompt(system: "", instruction: "Say the label."))
    }

    @Test func whatWritesAPromptFileReadsItBack() throws {
        let sections = [PromptSection(id: "task", text: "Say it."), PromptSection(id: "labels", text: "a, b", frozen: true)]
        let text = PromptFile.markdown(system: "sys", sections: sections)
        #expect(try PromptFile.parse(text) == .sectioned(system: "sys", sections: sections))
    }

    @Test func aBadPromptFileIsAnErrorNamingItsLine() throws {
        let cases: [([String: String], String)] = [
            (["prompt.md": "stray text\n## Section task\nx"], "prompt.md:2: text before the first '## System' or '## Section NAME' heading"),
            (["prompt.md": "## Section a\nx\n## Section a\ny"], "prompt.md:3: the section name 'a' is used twice"),
            (["prompt.md": "## System\nx\n## System\ny\n## Section a\nz"], "prompt.md:3: a second '## System' heading"),
            (["prompt.md": "## System\nonly a system text"], "prompt.md: no '## Section NAME' (or '## Instruction') heading"),
            ([:], "prompt.md: no such prompt file in the pack"),
            (["prompt.md": "## Section a (frozen)\nx"], "every section is frozen, so tuning could change nothing"),
        ]
        for (files, says) in cases {
            let problems = try pack(files: files).loadProblems().map(\.description).joined(separator: "\n")
            #expect(problems.contains(says), "\(problems)")
            #expect(problems.contains("task.lua"), "the error points at the call: \(problems)")
        }
    }

    @Test func aPromptFileOutsideThePackIsNeverRead() throws {
        let p = try pack(files: [:])
        try FileManager.default.createSymbolicLink(atPath: p.dir.appendingPathComponent("prompt.md").path, withDestinationPath: "/etc/passwd")
        let problems = p.loadProblems().map(\.description).joined()
        #expect(problems.contains("prompt.md: leads outside the pack"), "\(problems)")
        let up = try pack(#"prompt = rpt.prompt_file("../prompt.md"),"#).loadProblems().map(\.description).joined()
        #expect(up.contains("../prompt.md"), "\(up)")
    }

    @Test func aHookCannotReadAPromptFile() throws {
        let p = try pack(#"prompt = rpt.prompt_file("prompt.md"), max_tokens = 8,"#)
        try p.write("task.lua", "local rpt = require \"rpt\"\n" + PackFixture.task(replacing: [
            "prompt": #"prompt = rpt.prompt_file("prompt.md"),"#,
            "render": #"render = function(ex) return rpt.prompt_file("prompt.md").system end,"#,
        ]))
        let runtime = try p.load()
        let ex = try #require(try PackData.load(spec: runtime.spec, directory: p.dir)[.train].first)
        #expect(throws: HookError.self) { try runtime.render(ex) }
        do { _ = try runtime.render(ex) } catch {
            #expect(error.description.contains("rpt.prompt_file reads the pack's prompt while task.lua loads"), "\(error)")
        }
    }
}
