import Foundation
import Testing
import LuaHost
import PackSharing
import TestSupport

/// A pack from another team with a history rpt cannot read: every command that would use it
/// (tune, pack, show) says which field is wrong and what to do, before any model call.
@Suite struct HistoryCLITests {
    /// The guide's pack (SNIPS intents), copied, with `history` as its history.json.
    static func pack(history: String) throws -> URL {
        let dir = Scratch.url("pack")
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("Tests/Fixtures/guide-pack"), to: dir)
        try history.write(to: dir.appendingPathComponent("history.json"), atomically: true, encoding: .utf8)
        return dir
    }

    static let wrongType = #"{"format": 1, "entries": [{"version": 3}]}"#

    @Test func tuneRefusesAHistoryItCannotReadBeforeAnyCallUnlessToldNotToUseIt() async throws {
        let dir = try Self.pack(history: Self.wrongType)
        let args = ["tune", dir.path, "--target", "openai:t", "--dry-run"]
        let r = try await CLI.run(args, environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 1)
        #expect(r.err.contains("history.json: 'entries[0].version' must be a version like 1.2.0, found the number 3"), "\(r.err)")
        #expect(r.err.contains("fix or remove history.json, or tune with --no-history"))
        let without = try await CLI.run(args + ["--no-history"], environment: ["OPENAI_API_KEY": "k"])
        #expect(without.status == 0, "\(without.err)")
    }

    @Test func packAndShowNameTheField() async throws {
        let dir = try Self.pack(history: #"{"format": 1, "entries": "\u001b[2J"}"#)
        let shown = try await CLI.run("show", dir.path)
        #expect(shown.status == 1)
        #expect(shown.err.contains(#"'entries' must be a list, found the text "\u{1b}[2J""#), "\(shown.err)")
        #expect(!shown.err.contains("\u{1b}"))
        let out = Scratch.path("out")
        let packed = try await CLI.run("pack", dir.path, "-o", out)
        #expect(packed.status == 1)
        #expect(packed.err.contains("fix or remove history.json first"), "\(packed.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let empty = try Self.pack(history: #"{"format": 1, "entries": []}"#)
        #expect(try await CLI.run("show", empty.path).out.contains("tuning history: none (history.json lists no export)"))
    }

    /// A history that is a link out of the pack (here to /dev/zero) is never read, even with --no-history.
    @Test func aHistoryLinkedOutOfThePackIsRefusedNotRead() async throws {
        let dir = try Self.pack(history: "")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("history.json"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("history.json").path, withDestinationPath: "/dev/zero")
        let tuned = try await CLI.run(["tune", dir.path, "--target", "openai:t", "--dry-run", "--no-history"], environment: ["OPENAI_API_KEY": "k"])
        #expect(tuned.status == 1 && tuned.err.contains("history.json: leads outside the pack"), "\(tuned.err)")
        let shown = try await CLI.run("show", dir.path)
        #expect(shown.status == 1 && shown.err.contains("history.json leads outside the pack"), "\(shown.err)")
    }

    /// An archive whose manifest shows another history than the pack's history.json is refused.
    @Test func installRefusesAManifestWhoseHistoryIsNotThePacks() async throws {
        let dir = try Self.pack(history: #"{"format": 1, "entries": []}"#)
        let claimed = ManifestHistory(try JSON.decode(PackHistoryFixture.oneEntry))
        let manifest = try PackArchive.manifest(of: dir, info: PackInfo(name: "snips-intents", version: "0.1.0", api: 1,
                                                                        description: "x", history: claimed), minRpt: "0.1.0")
        let file = Scratch.path("forged") + ".rptpack"
        try PackArchive.write(manifest, from: dir, to: URL(fileURLWithPath: file))
        let place = ShareCLITests.Place()
        let r = try await place.rpt("install", file)
        #expect(r.status == 1)
        #expect(r.err.contains("the manifest's history is not the pack's history.json"), "\(r.err)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: place.store)) ?? []).filter { !$0.hasPrefix(".") }.isEmpty)
    }
}

enum PackHistoryFixture {
    static let oneEntry = #"""
        {"format": 1, "entries": [{"version": "1.1.0", "from_version": "1.0.0", "date": "2026-01-31T12:00:00Z", "run": "r",
          "models": {"target": "openai:t", "optimizer": "openai:o"}, "stop_reason": "done", "dev": {"initial": 0.5, "best": 0.6},
          "test": {"examples": 10, "initial": {"score": 0.5}, "best": {"score": 0.6}, "gain": {"score": 0.1}},
          "modes": [], "edits": [], "prompt_diff": []}]}
        """#
}
