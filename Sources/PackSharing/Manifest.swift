import Foundation

/// Why a pack cannot be packed, installed, published or found: a message that names the file
/// or the pack and, where there is one, the fix.
public struct PackStoreError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What an archive says it holds, first entry of every `.rptpack` (`rpt-manifest.json`). Every
/// field is untrusted until `validate` passed: names and versions end up in store paths.
public struct Manifest: Codable, Sendable, Equatable {
    public static let fileName = "rpt-manifest.json"
    /// The most a manifest may weigh: it is read whole.
    static let maxBytes = 4 << 20

    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int
        public var sha256: String
    }

    /// A data licence the pack ships (data/LICENSE, data/SOURCE.md): its file and first line.
    public struct Licence: Codable, Sendable, Equatable {
        public var file: String
        public var summary: String
    }

    public var format = 1
    public var name: String
    public var version: String
    public var api: Int
    public var minRpt: String
    public var description: String
    public var licences: [Licence]
    public var dependencies: [String: String]
    public var files: [File]
    /// The pack's tuning history (history.json), when it has one; absent otherwise.
    public var history: ManifestHistory? = nil
    /// true for a library pack (modules other packs require, no task); absent for a task pack.
    public var library: Bool? = nil
    public var isLibrary: Bool { library == true }

    enum CodingKeys: String, CodingKey {
        case format, name, version, api, description, licences, dependencies, files, history, library
        case minRpt = "min_rpt"
    }

    public var totalBytes: Int { files.reduce(0) { $0 + $1.size } }

    /// Sorted keys and a fixed layout: the manifest's bytes depend only on the pack.
    func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(self) + Data("\n".utf8)
    }

    static func decode(_ data: Data) throws(PackStoreError) -> Manifest {
        var m: Manifest
        do { m = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw PackStoreError("the archive's \(fileName) is not a manifest rpt reads: \(error)")
        }
        // Shown by rpt list and show: no control characters that could drive the terminal.
        m.description = Ustar.shown(m.description)
        for i in m.licences.indices { m.licences[i].summary = Ustar.shown(m.licences[i].summary) }
        return m
    }

    /// Every rule an archive from another team must meet before any of it is written.
    func validate(limits: ArchiveLimits) throws(PackStoreError) {
        guard format == 1 else { throw PackStoreError("manifest format \(format) is not one this rpt reads (1)") }
        guard PackName.isSafe(name) else { throw PackStoreError("the manifest's name '\(Ustar.shown(name))' is not a safe pack name (\(PackName.rule))") }
        guard SemVer(version) != nil else { throw PackStoreError("the manifest's version '\(Ustar.shown(version))' is not a version like 1.2.0") }
        guard SemVer(minRpt) != nil else { throw PackStoreError("the manifest's min_rpt '\(Ustar.shown(minRpt))' is not a version like 0.1.0") }
        try Self.checkDependencies(dependencies, of: "the manifest")
        guard files.count <= limits.maxFiles else { throw PackStoreError("the archive lists \(files.count) files, more than the \(limits.maxFiles) a pack may have") }
        var seen = Set<String>()
        var total = 0
        for f in files {
            try PackPath.check(f.path)
            guard seen.insert(f.path).inserted else { throw PackStoreError("the manifest lists \(Ustar.shown(f.path)) twice") }
            guard f.size >= 0, f.size <= limits.maxFileBytes else {
                throw PackStoreError("\(Ustar.shown(f.path)) is \(f.size) bytes, more than the \(limits.maxFileBytes) a pack file may have")
            }
            total += f.size
            guard total <= limits.maxTotalBytes else {
                throw PackStoreError("the archive unpacks to more than the \(limits.maxTotalBytes) bytes a pack may have")
            }
            guard Self.isSHA256(f.sha256) else {
                throw PackStoreError("\(Ustar.shown(f.path)): the manifest's sha256 is not 64 lowercase hex digits")
            }
        }
    }
}

extension Manifest {
    static func isSHA256(_ s: String) -> Bool { s.utf8.count == 64 && s.allSatisfy { $0.isHexDigit && !$0.isUppercase } }

    /// Dependencies as a manifest or an index entry gives them: safe names, ranges rpt reads.
    static func checkDependencies(_ dependencies: [String: String], of whose: String) throws(PackStoreError) {
        guard dependencies.count <= 64 else { throw PackStoreError("\(whose) lists \(dependencies.count) dependencies, more than the 64 a pack may have") }
        for (dep, range) in dependencies.sorted(by: { $0.key < $1.key }) {
            guard PackName.isSafe(dep), VersionRange(range) != nil else {
                throw PackStoreError("\(whose): the dependency '\(Ustar.shown(dep))' = '\(Ustar.shown(range))' is not a pack name and version range")
            }
        }
    }
}

/// The caps an archive is held to on install (per file, in all, and how many files).
public struct ArchiveLimits: Sendable {
    public var maxFileBytes: Int
    public var maxTotalBytes: Int
    public var maxFiles: Int
    public init(maxFileBytes: Int = 512 << 20, maxTotalBytes: Int = 2 << 30, maxFiles: Int = 10_000) {
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxFiles = maxFiles
    }
    public static let standard = ArchiveLimits()

    /// The most an archive within these caps can weigh: the manifest, every file with its header
    /// and padding, the end blocks. A download is cut off past it.
    public var maxArchiveBytes: Int {
        let block = Ustar.block
        return Manifest.maxBytes + 2 * block + maxTotalBytes + maxFiles * 2 * block + 2 * block
    }
}

/// Pack names become folder names in the store and index: a short lowercase word.
public enum PackName {
    static let rule = "lowercase letters, digits, '-', '_' and '.', starting with a letter or digit, at most 64"

    public static func isSafe(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), let first = name.utf8.first, name != "." , !name.contains("..") else { return false }
        let ok = { (b: UInt8) in (0x61...0x7a).contains(b) || (0x30...0x39).contains(b) }
        return ok(first) && name.utf8.allSatisfy { ok($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
    }
}

/// A path inside a pack: relative, no `..`, no hidden or empty parts, no control characters.
enum PackPath {
    static func check(_ path: String) throws(PackStoreError) {
        let shown = Ustar.shown(path)
        guard !path.isEmpty, path.utf8.count <= 255 else { throw PackStoreError("'\(shown)': a pack path must be 1 to 255 bytes") }
        guard !path.hasPrefix("/") else { throw PackStoreError("\(shown) is an absolute path: a pack holds only paths inside it") }
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\\" }) else {
            throw PackStoreError("'\(shown)' has a control character or backslash in its path")
        }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == ".." { throw PackStoreError("\(shown) leads outside the pack (..): a pack holds only paths inside it") }
            if part.isEmpty || part.hasPrefix(".") { throw PackStoreError("\(shown): empty or hidden path parts are not allowed in a pack") }
        }
        guard path != Manifest.fileName else { throw PackStoreError("\(Manifest.fileName) is rpt's own file: a pack cannot ship one") }
    }
}
