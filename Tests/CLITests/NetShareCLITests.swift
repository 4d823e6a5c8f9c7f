import Foundation
import Testing
import MockModels
import TestSupport

/// Sharing over HTTP with dependencies, as teams do it: publish to a folder, serve it as a plain
/// web location (loopback), install by name from the URL into a clean store (the dependency
/// comes along), and the installed pack checks and evaluates as the folder does.
@Suite struct NetShareCLITests {
    typealias Place = ShareCLITests.Place

    /// common 1.0.0 (a labels module) and app 2.0.0, which declares common ^1.0 and requires its
    /// labels; both packed and published to a folder index. `dev` has common installed (the author's).
    func published() async throws -> (index: String, app: URL, dev: Place) {
        let common = try await ShareCLITests().makePack("common", version: "1.0.0")
        try "return { valid = { low = true, normal = true, urgent = true } }\n".write(to: common.appendingPathComponent("labels.lua"), atomically: true, encoding: .utf8)
        let app = try await Self.appUsingCommon()
        let dev = Place(), index = Scratch.path("index")
        #expect(try await dev.rpt("install", common.path).status == 0)
        for dir in [common, app] {
            let file = Scratch.path(dir.lastPathComponent) + ".rptpack"
            let packed = try await dev.rpt("pack", dir.path, "-o", file)
            #expect(packed.status == 0, "\(packed.out)\(packed.err)")
            #expect(try await dev.rpt("publish", file, "--to", index).status == 0)
        }
        return (index, app, dev)
    }

    /// app 2.0.0, a task pack that declares common ^1.0 and checks its labels with common's labels module.
    static func appUsingCommon() async throws -> URL {
        let app = try await ShareCLITests().makePack("app", version: "2.0.0")
        let task = app.appendingPathComponent("task.lua")
        try String(contentsOf: task, encoding: .utf8)
            .replacingOccurrences(of: "local rpt = require \"rpt\"\n", with: "local rpt = require \"rpt\"\nrpt.dependencies { common = \"^1.0\" }\nlocal labels = require \"common.labels\"\n")
            .replacingOccurrences(of: "if not valid[answer] then", with: "if not labels.valid[answer] then")
            .write(to: task, atomically: true, encoding: .utf8)
        return app
    }

    /// rpt eval's summary without the lines that name its folders.
    func eval(_ place: Place, _ pack: String, _ server: MockServer) async throws -> String {
        let r = try await CLI.run(["eval", pack, "--target", "openai:m", "--base-url", server.baseURL, "--split", "test", "--out", Scratch.path("eval")],
                                  environment: place.env.merging(["OPENAI_API_KEY": "k"]) { $1 })
        #expect(r.status == 0, "\(r.err)")
        return r.out.split(separator: "\n").filter { !$0.contains(Scratch.root.path) }.joined(separator: "\n")
    }

    @Test func installByNameFromAWebIndexAndRunAsFromTheFolder() async throws {
        let (index, app, dev) = try await published()
        let web = try MockServer.files(URL(fileURLWithPath: index))
        defer { web.stop() }
        let found = try await CLI.run("search", "", "--from", web.rootURL)
        #expect(found.out.contains("app 2.0.0") && found.out.contains("common 1.0.0"), "\(found.err)")

        let clean = Place()
        let installed = try await clean.rpt("install", "app@^2", "--from", web.rootURL + "/")
        #expect(installed.status == 0, "\(installed.err)")
        #expect(installed.out.hasPrefix("using common 1.0.0 (a dependency)\ninstalled app 2.0.0\n"))
        #expect(try String(contentsOfFile: clean.lock, encoding: .utf8).contains("\"name\" : \"common\""))
        #expect(try await clean.rpt("show", "app").out.contains("depends on common ^1.0"))

        let byName = try await clean.rpt("check", "app")
        let fromFolder = try await dev.rpt("check", app.path)
        #expect(byName.status == 0 && fromFolder.status == 0, "\(byName.out)\(byName.err)")
        #expect(byName.out.split(separator: "\n").dropFirst() == fromFolder.out.split(separator: "\n").dropFirst())

        let model = try MockServer { _ in .chat(#"{"urgency": "urgent", "confidence": 0.9}"#) }
        defer { model.stop() }
        let a = try await eval(clean, "app", model), b = try await eval(dev, app.path, model)
        #expect(a == b && a.contains("score"), "\(a)\n---\n\(b)")

        // CI: the lock reproduced from the URL into another clean store, dependency first.
        let ci = Place()
        try FileManager.default.copyItem(atPath: clean.lock, toPath: ci.lock)
        let locked = try await ci.rpt("install", "--locked", "--from", web.rootURL)
        #expect(locked.status == 0, "\(locked.err)")
        #expect(locked.out.hasPrefix("installed common 1.0.0\ninstalled app 2.0.0\n"))
    }

    @Test func whatAWebServerGetsWrongLeavesNothingInTheStore() async throws {
        let (index, _, _) = try await published()
        let archive = try Data(contentsOf: URL(fileURLWithPath: index).appendingPathComponent("common-1.0.0.rptpack"))
        let web = try MockServer.files(URL(fileURLWithPath: index)) { r in
            r.path == "/cut/common-1.0.0.rptpack" ? .truncatedBytes(Array(archive)) : nil
        }
        defer { web.stop() }
        let url = web.rootURL + "/common-1.0.0.rptpack"
        let cases: [([String], String)] = [
            (["install", url, "--sha256", String(repeating: "ab", count: 32)], "has sha256 "),
            (["install", web.rootURL + "/nothing-1.0.0.rptpack"], "the server answered HTTP 404 (not found: is the URL right?), not 200"),
            (["install", web.rootURL + "/cut/common-1.0.0.rptpack"], "cannot download the archive: \(web.rootURL)/cut/common-1.0.0.rptpack: "),
            (["install", "app", "--from", web.rootURL + "/nothere"], "cannot read the index: \(web.rootURL)/nothere/index.json: the server answered HTTP 404"),
            (["install", "app", "--from", "https://user:pw@example.invalid/x"], "rpt sends no credentials"),
        ]
        for (args, why) in cases {
            let p = Place()
            let r = try await p.rpt(args)
            #expect(r.status != 0 && r.err.contains(why), "\(args): \(r.err)")
            #expect(!r.err.contains(":pw@"))
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: p.store)) ?? []).isEmpty, "\(args)")
        }
    }
}
