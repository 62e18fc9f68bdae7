import Foundation
import Hummingbird
import Logging
import Prometheus

/// `--metrics HOST:PORT`: serves a Prometheus registry as text on `/metrics`, with Hummingbird,
/// on the concurrency runtime's threads while the command reads on its own. The exposition
/// format is swift-prometheus's (`emitToBuffer`); no HTTP is written here.
enum MetricsServer {
    /// Why the server could not listen.
    struct Failure: Error, CustomStringConvertible {
        var address: String
        var reason: String
        var description: String { "--metrics \(address): \(reason)" }
    }

    /// `HOST:PORT` split (the host may be a bracketed IPv6 address).
    static func parse(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// Starts serving `registry` at `address` and returns once the server listens, or throws why
    /// it could not (within `timeout` seconds). The server runs until the process ends.
    static func start(_ registry: PrometheusCollectorRegistry, at address: String, timeout: Double = 10) throws {
        guard let (host, port) = parse(address) else { throw Failure(address: address, reason: "expected HOST:PORT") }
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        var logger = Logger(label: "interfere.metrics")
        logger.logLevel = .critical
        let outcome = Outcome()
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)),
                              onServerRunning: { _ in outcome.set(nil) }, logger: logger)
        Task.detached {
            do {
                try await app.run()
                outcome.set("the server stopped")
            } catch {
                outcome.set(String(describing: error))
            }
        }
        if let reason = outcome.wait(timeout) { throw Failure(address: address, reason: reason) }
    }

    /// The first word from the server's task: nil (listening) or why not.
    private final class Outcome: @unchecked Sendable {
        private let condition = NSCondition()
        private var value: String??

        func set(_ reason: String?) {
            condition.lock()
            if value == nil { value = .some(reason) }
            condition.broadcast()
            condition.unlock()
        }

        func wait(_ seconds: Double) -> String? {
            let deadline = Date().addingTimeInterval(seconds)
            condition.lock()
            defer { condition.unlock() }
            while value == nil && condition.wait(until: deadline) {}
            return value ?? "not listening after \(Int(seconds)) s"
        }
    }
}
