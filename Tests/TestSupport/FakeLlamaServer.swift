import Foundation

/// The stand-in for llama.cpp's server (Tests/Fixtures/fake-llama-server.py), installed the way
/// rpt looks for local models: a folder with a manifest.json, for RPT_LOCAL_DIR.
public enum FakeLlamaServer {
    public static let script = repoRoot.appendingPathComponent("Tests/Fixtures/fake-llama-server.py").path

    /// A fresh install of one model, `tiny`, at `weights`; `settings` are more manifest members
    /// as JSON text (`"parallel": 2`).
    public static func install(weights: String = "/models/tiny.gguf", settings: String) throws -> URL {
        let dir = try Scratch.folder("local")
        try #"{"server": "\#(script)", "models": {"tiny": "\#(weights)"}, \#(settings)}"#
            .write(to: dir.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        return dir
    }
}
