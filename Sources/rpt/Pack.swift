import ArgumentParser
import Foundation
import PackSharing
import TaskPack
import Tuning

struct Pack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a task pack folder as one archive, NAME-VERSION.rptpack, to share with other teams.",
        discussion: """
            The pack is checked first (rpt check). The archive holds a manifest (name, version, API, \
            minimum rpt, description, data licences, dependencies, every file with its size and sha256) and the pack's \
            regular files; the same folder always gives the same bytes.
            """)

    @Argument(help: "The task pack folder.") var dir: String
    @Option(name: .shortAndLong, help: "The archive to write, or a folder to write NAME-VERSION.rptpack in (default: the current folder).")
    var out: String?

    func validate() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("'\(dir)' is not a folder: give the task pack folder, e.g. tasks/banking77")
        }
    }

    func run() throws {
        let made = try Packer.pack(URL(fileURLWithPath: dir), out: out.map { URL(fileURLWithPath: $0) })
        print("packed \(made.manifest.name) \(made.manifest.version): \(made.manifest.files.count) files, \(made.manifest.totalBytes) bytes")
        print("  \(made.file.path)")
        print("  sha256 \(made.sha256)")
    }
}

/// Packing as `rpt pack` and `rpt install DIR` do it: rpt check first, then the archive.
enum Packer {
    static var rptVersion: String { Rpt.configuration.version }

    static func pack(_ dir: URL, out: URL?) throws -> (manifest: Manifest, file: URL, sha256: String) {
        let check = PackCheck.run(directory: dir)
        guard check.passed else {
            throw Refusal("\(dir.path) does not pass rpt check, so it is not packed:\n" + check.render(pack: dir.path))
        }
        let spec: LoadedPack
        do { spec = try PackRuntime.load(directory: dir) } catch { throw Refusal("\(dir.path) does not load:\n\(error)") }
        guard PackName.isSafe(spec.name) else {
            throw Refusal("the pack's name '\(spec.name)' cannot be shared: use lowercase letters, digits, '-', '_' and '.' (at most 64)")
        }
        guard SemVer(spec.version) != nil else {
            throw Refusal("the pack's version '\(spec.version)' cannot be shared: give task.lua a version like \"1.0.0\"")
        }
        let info = PackInfo(name: spec.name, version: spec.version, api: spec.api, description: spec.description,
                            dependencies: spec.dependencies.declared, history: try HistoryInManifest.field(of: dir),
                            library: spec.isLibrary)
        let manifest = try PackArchive.manifest(of: dir, info: info, minRpt: rptVersion)
        let fileName = "\(spec.name)-\(spec.version).rptpack"
        var target = out ?? URL(fileURLWithPath: fileName)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDir), isDir.boolValue { target.appendPathComponent(fileName) }
        try PackArchive.write(manifest, from: dir, to: target)
        let (_, sha) = try ArchiveReader.digest(target)
        return (manifest, target, sha)
    }
}
