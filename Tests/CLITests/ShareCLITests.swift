import Foundation
import Testing
import TestSupport

/// Sharing packs as a user does it: pack, publish to a folder index, install by name and range
/// into a store of the test's own, use by name, pin, reproduce from the pin, remove.
@Suite struct ShareCLITests {
    /// A store and a lock file of the test's own (never the user's).
    struct Place {
        let store = Scratch.path("store")
        let lock = Scratch.path("lock") + ".json"
        var env: [String: String] { ["RPT_PACK_DIR": store] }

        func rpt(_ args: String...) async throws -> (status: Int32, out: String, err: String) { try await rpt(args) }

        func rpt(_ args: [String]) async throws -> (status: Int32, out: String, err: String) {
            let withLock = ["install"].contains(args.first) ? args + ["--lock", lock] : args
            return try await CLI.run(withLock, environment: env)
        }
    }

    /// A new pack (rpt new) at `version`.
    func makePack(_ name: String, version: String) async throws -> URL {
        let dir = Scratch.url("src").appendingPathComponent(name)
        let made = try await CLI.run("new", dir.path)
        #expect(made.status == 0, "\(made.err)")
        let task = dir.appendingPathComponent("task.lua")
        let text = try String(contentsOf: task, encoding: .utf8).replacingOccurrences(of: "version = \"0.1.0\"", with: "version = \"\(version)\"")
        try text.write(to: task, atomically: true, encoding: .utf8)
        return dir
    }

    @Test func packingAShippedPackTwiceGivesTheSameBytes() async throws {
        let a = Scratch.path("a"), b = Scratch.path("b")
        let first = try await CLI.run("pack", "tasks/banking77", "-o", a)
        #expect(first.status == 0, "\(first.out)\(first.err)")
        #expect(first.out.hasPrefix("packed banking77 1.0.0: "))
        let second = try await CLI.run("pack", "tasks/banking77", "-o", b)
        #expect(second.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
    }

    @Test func aPackThatFailsCheckIsNotPacked() async throws {
        let dir = try Scratch.folder("broken")
        try "return { api = 1, name = 'x' }".write(to: dir.appendingPathComponent("task.lua"), atomically: true, encoding: .utf8)
        let out = Scratch.path("out")
        let r = try await CLI.run("pack", dir.path, "-o", out)
        #expect(r.status == 1)
        #expect(r.err.contains("does not pass rpt check, so it is not packed"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func installUseByNameAndRemove() async throws {
        let p = Place()
        let src = try await makePack("triage", version: "1.0.0")
        let installed = try await p.rpt("install", src.path)
        #expect(installed.status == 0, "\(installed.out)\(installed.err)")
        #expect(installed.out.hasPrefix("installed triage 1.0.0\n"))
        #expect(try await p.rpt("list").out.contains("triage 1.0.0"))
        let checked = try await p.rpt("check", "triage")
        #expect(checked.status == 0, "\(checked.out)\(checked.err)")
        #expect(checked.out.hasSuffix("passed\n"))
        let tried = try await p.rpt("try", "triage@1.0.0", "--reply", "{\"urgency\": \"urgent\", \"confidence\": 0.9}")
        #expect(tried.status == 0, "\(tried.out)\(tried.err)")
        #expect(tried.out.contains("score"))
        let shown = try await p.rpt("show", "triage")
        #expect(shown.out.contains("triage 1.0.0") && shown.out.contains("sha256 "))
        let unknown = try await p.rpt("check", "nosuchpack")
        #expect(unknown.status != 0 && unknown.err.contains("no pack nosuchpack is installed"))
        #expect(try await p.rpt("remove", "triage@1.0.0").status == 0)
        #expect(try await p.rpt("list").out.hasPrefix("no packs installed"))
    }

    @Test func publishSearchInstallARangeAndReproduceTheLock() async throws {
        let index = Scratch.path("index")
        for version in ["1.2.0", "1.4.1", "2.0.0"] {
            let src = try await makePack("routing", version: version)
            let file = Scratch.path("routing-\(version)") + ".rptpack"
            #expect(try await CLI.run("pack", src.path, "-o", file).status == 0)
            let published = try await CLI.run("publish", file, "--to", index)
            #expect(published.status == 0, "\(published.err)")
        }
        let found = try await CLI.run("search", "rout", "--from", index)
        #expect(found.out.contains("routing 1.2.0") && found.out.contains("routing 2.0.0"))

        let p = Place()
        let installed = try await p.rpt("install", "routing@^1.2", "--from", index)
        #expect(installed.status == 0, "\(installed.err)")
        #expect(installed.out.hasPrefix("installed routing 1.4.1\n"))
        let lock = try String(contentsOfFile: p.lock, encoding: .utf8)
        #expect(lock.contains("\"version\" : \"1.4.1\""))

        // With --from, a bare name is the index's pack, even where a folder has that name.
        let project = try Scratch.folder("project")
        try FileManager.default.copyItem(at: try await makePack("routing", version: "9.9.9"), to: project.appendingPathComponent("routing"))
        let q = Place()
        let byName = try await CLI.run(["install", "routing", "--from", index, "--lock", q.lock], environment: q.env, directory: project)
        #expect(byName.out.hasPrefix("installed routing 2.0.0\n"), "\(byName.out)\(byName.err)")

        // A clean store gets exactly the pinned version back.
        var ci = Place()
        try lock.write(toFile: ci.lock, atomically: true, encoding: .utf8)
        let locked = try await ci.rpt("install", "--locked", "--from", index)
        #expect(locked.status == 0, "\(locked.err)")
        #expect(try await ci.rpt("list").out.contains("routing 1.4.1"))

        // A pin the index cannot give (another sha256) fails, naming the pack.
        ci = Place()
        let sha = String(try #require(lock.split(separator: Character("\"")).first { $0.count == 64 }))
        try lock.replacingOccurrences(of: sha, with: String(repeating: "0", count: 64)).write(toFile: ci.lock, atomically: true, encoding: .utf8)
        let differs = try await ci.rpt("install", "--locked", "--from", index)
        #expect(differs.status == 1)
        #expect(differs.err.contains("routing 1.4.1 in \(index) has sha256 \(sha)"))
        #expect(try await ci.rpt("list").out.hasPrefix("no packs installed"))
    }

    /// A project with an rpt.lock runs the version it pins, not the highest installed; a pin the
    /// store cannot honour is explained with what to run.
    @Test func aProjectRunsTheVersionItsLockPins() async throws {
        let p = Place()
        let src = try await makePack("routing", version: "1.1.0")
        #expect(try await p.rpt("install", src.path).status == 0)
        let old = try await makePack("routing", version: "1.0.0")
        #expect(try await p.rpt("install", old.path).status == 0)
        let project = try Scratch.folder("project")
        let lock = try String(contentsOfFile: p.lock, encoding: .utf8)
        #expect(lock.contains("\"version\" : \"1.0.0\""))
        try lock.write(to: project.appendingPathComponent("rpt.lock"), atomically: true, encoding: .utf8)

        let outside = try await CLI.run(["check", "routing"], environment: p.env, directory: try Scratch.folder("elsewhere"))
        #expect(outside.out.contains("routing 1.1.0 (api 1)"), "\(outside.out)")
        let inside = try await CLI.run(["check", "routing"], environment: p.env, directory: project)
        #expect(inside.status == 0 && inside.out.contains("routing 1.0.0 (api 1)"), "\(inside.out)\(inside.err)")
        let range = try await CLI.run(["check", "routing@^1.1"], environment: p.env, directory: project)
        #expect(range.status != 0 && range.err.contains("rpt.lock pins routing 1.0.0, which ^1.1 does not match"), "\(range.err)")

        // The installed 1.0.0 is not the archive pinned (another sha256): refused, with the fix.
        let sha = String(try #require(lock.split(separator: Character("\"")).first { $0.count == 64 }))
        try lock.replacingOccurrences(of: sha, with: String(repeating: "0", count: 64))
            .write(to: project.appendingPathComponent("rpt.lock"), atomically: true, encoding: .utf8)
        let other = try await CLI.run(["check", "routing"], environment: p.env, directory: project)
        #expect(other.status != 0 && other.err.contains("is not the archive rpt.lock pins"), "\(other.err)")
        #expect(other.err.contains("rpt install --locked"))
    }

    @Test func aHostileArchiveIsRefusedWithNothingLeft() async throws {
        let p = Place()
        let evil = Scratch.url("evil")
        try FileManager.default.createDirectory(at: evil, withIntermediateDirectories: true)
        // A tar made by the system's tar with a symbolic link in it.
        try FileManager.default.createSymbolicLink(atPath: evil.appendingPathComponent("task.lua").path, withDestinationPath: "/etc/passwd")
        let file = Scratch.path("evil") + ".rptpack"
        let tar = try await Child(URL(fileURLWithPath: "/bin/tar"), ["--format=ustar", "-cf", file, "-C", evil.path, "task.lua"],
                                  environment: [:], directory: evil).run()
        #expect(tar.status == 0)
        let r = try await p.rpt("install", file)
        #expect(r.status == 1)
        #expect(r.err.contains("task.lua is a symbolic link: a pack holds regular files only"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: p.store)) ?? []).isEmpty)
    }
}
