import Foundation
import Testing
import MockModels
import TestSupport

/// Library packs (issue 15): modules other packs require, no task. Packed, published, installed
/// and used by a task pack through the store, as NetShareCLITests does with a task dependency.
@Suite struct LibraryPackCLITests {
    typealias Place = ShareCLITests.Place

    /// common 1.0.0: a library whose labels module requires its own util module.
    func library(_ extra: String = "", labels: String = "local util = require \"util\"\nreturn { valid = util.set { \"low\", \"normal\", \"urgent\" } }\n") throws -> URL {
        let dir = Scratch.path("common")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let files = [
            "task.lua": "return { api = 1, name = \"common\", version = \"1.0.0\", description = \"shared labels\", library = true\(extra) }\n",
            "labels.lua": labels,
            "util.lua": "local M = {}\nfunction M.set(list) local s = {} for _, v in ipairs(list) do s[v] = true end return s end\nreturn M\n",
        ]
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return URL(fileURLWithPath: dir)
    }

    @Test func aLibraryRequiredByATaskPackThroughTheStore() async throws {
        let common = try library()
        let dev = Place(), index = Scratch.path("index")
        let checked = try await dev.rpt("check", common.path)
        #expect(checked.status == 0, "\(checked.out)\(checked.err)")
        #expect(checked.out.contains("a library pack") && checked.out.contains("2 load: labels, util"), "\(checked.out)")
        let libFile = Scratch.path("common") + ".rptpack"
        let packedLib = try await dev.rpt("pack", common.path, "-o", libFile)
        #expect(packedLib.status == 0, "\(packedLib.out)\(packedLib.err)")
        #expect(try await dev.rpt("publish", libFile, "--to", index).status == 0)
        #expect(try await dev.rpt("install", "common", "--from", index).status == 0)
        #expect(try await dev.rpt("list").out.contains("common 1.0.0  (library) shared labels"))
        #expect(try await dev.rpt("show", "common").out.contains("library pack"))

        let app = try await NetShareCLITests.appUsingCommon()
        let appFile = Scratch.path("app") + ".rptpack"
        #expect(try await dev.rpt("pack", app.path, "-o", appFile).status == 0)
        #expect(try await dev.rpt("publish", appFile, "--to", index).status == 0)

        let clean = Place()
        let installed = try await clean.rpt("install", "app@^2", "--from", index)
        #expect(installed.status == 0, "\(installed.err)")
        #expect(installed.out.contains("installed app 2.0.0"), "\(installed.out)")
        let check = try await clean.rpt("check", "app")
        #expect(check.status == 0, "\(check.out)\(check.err)")
        let model = try MockServer { _ in .chat(#"{"urgency": "urgent", "confidence": 0.9}"#) }
        defer { model.stop() }
        let eval = try await CLI.run(["eval", "app", "--target", "openai:m", "--base-url", model.baseURL, "--split", "test", "--out", Scratch.path("eval")],
                                     environment: clean.env.merging(["OPENAI_API_KEY": "k"]) { $1 })
        #expect(eval.status == 0 && eval.out.contains("score"), "\(eval.out)\(eval.err)")
    }

    @Test func aBrokenModuleFailsTheCheckNamingItsFile() async throws {
        let common = try library(labels: "local x = require \"util\"\nerror(\"labels are broken\")\n")
        let r = try await Place().rpt("check", common.path)
        #expect(r.status != 0)
        #expect(r.out.contains("labels.lua") && r.out.contains("labels are broken"), "\(r.out)\(r.err)")
    }

    @Test func aModuleThatNeverEndsIsStoppedByThePackLimits() async throws {
        let common = try library(labels: "while true do end\n")
        let r = try await Place().rpt("check", common.path)
        #expect(r.status != 0)
        #expect(r.out.contains("labels.lua") && r.out.contains("limit"), "\(r.out)\(r.err)")
    }

    @Test func aLibraryIsNotATaskToRun() async throws {
        let common = try library()
        for command in [["eval", "--target", "openai:m"], ["try"]] {
            let r = try await Place().rpt([command[0], common.path] + command.dropFirst())
            #expect(r.status != 0)
            #expect((r.out + r.err).contains("\(common.path) is a library pack: it has no task to run; a pack uses it with rpt.dependencies"), "\(r.err)")
        }
    }

    @Test func aLibraryWithTaskKeysIsRefused() async throws {
        let common = try library(", prompt = { instruction = \"x\" }, renderr = 1")
        let r = try await Place().rpt("check", common.path)
        #expect(r.status != 0)
        #expect(r.out.contains("'prompt' is a task key: a library pack (library = true) holds modules only"), "\(r.out)")
        #expect(r.out.contains("unknown key 'renderr'"), "\(r.out)")
        #expect(try await Place().rpt("pack", common.path, "-o", Scratch.path("x.rptpack")).status != 0)
    }
}
