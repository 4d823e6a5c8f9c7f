import Foundation

/// A file replaced in one rename, so a reader sees the old or the new one, never a mix.
enum AtomicFile {
    static func write(_ data: Data, to file: URL) throws {
        let tmp = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: tmp)
            guard rename(tmp.path, file.path) == 0 else { throw PackStoreError(String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    /// A copy of `source` (streamed, not read whole) that appears in one rename.
    static func copy(_ source: URL, to file: URL) throws {
        let tmp = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.copyItem(at: source, to: tmp)
            guard rename(tmp.path, file.path) == 0 else { throw PackStoreError(String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }
}
