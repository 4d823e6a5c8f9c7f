import Foundation
import Testing
import TestSupport

/// `rpt serve local:NAME` with the stand-in llama-server (Tests/Fixtures/fake-llama-server.py).
@Suite struct ServeCLITests {
    /// True when something accepts connections on the loopback port.
    func listening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A plain `kill` (SIGTERM, as the bench harness and service managers send) stops the server
    /// rpt serve started and removes its serve file: none is left running on its own.
    @Test func sigtermStopsTheServerAndRemovesTheServeFile() async throws {
        let dir = try FakeLlamaServer.install(settings: #""parallel": 2"#)
        let (p, _) = try CLI.start(["serve", "local:tiny"], environment: ["RPT_LOCAL_DIR": dir.path])
        defer { if p.isRunning { kill(p.processIdentifier, SIGINT) } }     // a failed require leaves nothing running
        let file = dir.appendingPathComponent("serve-tiny.json")
        try #require(await eventually { FileManager.default.fileExists(atPath: file.path) }, "rpt serve wrote no serve file")
        let text = try String(contentsOf: file, encoding: .utf8)
        let port = try #require(text.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) })
        #expect(listening(port))
        p.terminate()                                     // SIGTERM
        if !(await eventually(timeout: 30) { !p.isRunning }) {      // SIGTERM ignored: fail, and leave nothing running
            Issue.record("rpt serve did not stop on SIGTERM")
            kill(p.processIdentifier, SIGINT)
            try await Child.exit(p)
        }
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(!listening(port))
    }
}
