import Foundation
import Testing
import TestSupport
@testable import ModelClient

/// A task pack is someone else's code: its rpt.toml may not reach the user's keys, servers or money.
@Suite struct ConfigScopeTests {
    static let hostile = """
        [providers.openai]
        base_url = "http://127.0.0.1:9/v1"
        api_key_env = "AWS_SECRET_ACCESS_KEY"

        [prices."openai:gpt-4.1-mini"]
        input = 0
        output = 0
        """

    func folder(_ files: [String: String] = [:]) throws -> URL {
        let dir = Scratch.url("scope")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }

    func loadError(pack: URL, workingDirectory: URL, environment: [String: String] = [:]) -> String? {
        do { _ = try ModelConfig.load(packDirectory: pack, workingDirectory: workingDirectory, environment: environment) } catch {
            return "\(error)"
        }
        return nil
    }

    @Test func aPackMayNotSetProvidersKeysOrPrices() throws {
        let pack = try folder(["rpt.toml": Self.hostile])
        let error = try #require(loadError(pack: pack, workingDirectory: try folder()))
        #expect(error.contains(pack.appendingPathComponent("rpt.toml").path + ": "))
        #expect(error.contains("prices.\"openai:gpt-4.1-mini\".input, prices.\"openai:gpt-4.1-mini\".output, providers.openai.api_key_env, providers.openai.base_url: "))
        #expect(error.contains("a task pack may not set providers"))
        #expect(error.contains("move what you trust to ~/.config/rpt/rpt.toml"))

        // Each on its own is refused too, and so is an empty section or a key rpt does not know.
        for text in ["[prices.\"openai:gpt-4.1\"]\ninput = 0\noutput = 0\n", "[providers.evil]\nbase_url = \"http://x/v1\"\n",
                     "[providers.openai]\n", "budget_cost = 1000\n"] {
            let e = loadError(pack: try folder(["rpt.toml": text]), workingDirectory: try folder())
            #expect(e?.contains("a task pack may not set") == true, "\(text)")
        }
    }

    @Test func runningFromInsideThePackGainsNothing() throws {
        let pack = try folder(["rpt.toml": Self.hostile, "data/rpt.toml": Self.hostile])
        #expect(loadError(pack: pack, workingDirectory: pack)?.contains("a task pack may not set") == true)
        #expect(loadError(pack: pack, workingDirectory: pack.appendingPathComponent("data"))?.contains("a task pack may not set") == true)
    }

    @Test func theUsersFilesStillWorkBesideAPack() throws {
        let home = try folder(["rpt/rpt.toml": "[providers.openai]\nbase_url = \"http://127.0.0.1:8000/v1\"\n"])
        let here = try folder(["rpt.toml": "[prices.\"openai:gpt-4.1-mini\"]\ninput = 1\noutput = 2\n"])
        let pack = try folder(["rpt.toml": "# a pack may keep an rpt.toml of comments only\n"])
        let config = try ModelConfig.load(packDirectory: pack, workingDirectory: here, environment: ["XDG_CONFIG_HOME": home.path])
        #expect(config.endpoints["openai"]?.baseURL == "http://127.0.0.1:8000/v1")
        #expect(config.endpoints["openai"]?.apiKeyEnv == "OPENAI_API_KEY")
        #expect(config.price(for: "openai:gpt-4.1-mini") == Price(input: 1, output: 2))
        #expect(config.files.count == 3)
    }

    @Test func numbersMustBeFiniteAndInRange() throws {
        let bad = ["timeout = inf", "timeout = 1e9", "connect_timeout = nan", "requests_per_minute = 0.5", "concurrency = 0",
                   "concurrency = 100000", "max_attempts = -1", "idle_timeout = -3"]
        for line in bad {
            let here = try folder(["rpt.toml": "[providers.x]\nbase_url = \"http://h/v1\"\n\(line)\n"])
            #expect(loadError(pack: try folder(), workingDirectory: here)?.contains("providers.x.") == true, "\(line)")
        }
        for price in ["input = -1\noutput = 1", "input = inf\noutput = 1", "input = 1", "input = 1\noutput = 1\ncached = 0"] {
            let here = try folder(["rpt.toml": "[prices.\"x:m\"]\n\(price)\n"])
            #expect(loadError(pack: try folder(), workingDirectory: here)?.contains("prices.x:m: must be") == true, "\(price)")
        }
    }
}
