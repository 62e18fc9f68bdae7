import Foundation
import TestSupport
import Testing

/// Headless Chromium (Debian's `chromium`) loading a report: its DOM after load, console lines, a screenshot.
struct Browser {
    static var binary: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ arguments: [String]) throws -> (out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// The DOM after load and the console messages (chromium logs them as `CONSOLE` lines).
    static func load(_ file: URL) throws -> (dom: String, console: [String]) {
        let (dom, log) = try run(["--dump-dom", file.absoluteString])
        return (dom, log.split(separator: "\n").map(String.init).filter { $0.contains("CONSOLE") })
    }

    static func screenshot(_ file: URL, to png: URL, height: Int = 2400) throws {
        _ = try run(["--window-size=1300,\(height)", "--screenshot=\(png.path)", file.absoluteString])
    }
}

@Suite(.serialized) struct ReportCLITests {
    let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-report-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Labeled interference rows: (vm, kind, start, end).
    func labeledPeriods(_ folder: URL) throws -> [(vm: String, kind: String, start: Int64, end: Int64)] {
        try String(contentsOf: folder.appendingPathComponent("labels.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0[4] != "none" }.map { ($0[0], $0[4], Int64($0[1])!, Int64($0[2])!) }
    }

    /// Periods in the DOM: (vm, kind, start, end) from each `div.period`'s data attributes.
    func domPeriods(_ dom: String) throws -> [(vm: String, kind: String, start: Int64, end: Int64)] {
        let regex = try NSRegularExpression(pattern: #"<div class="period" data-vm="([^"]*)" data-kind="([^"]*)" data-start-ns="(\d+)" data-end-ns="(\d+)""#)
        return regex.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)).map { m in
            let g = { (i: Int) in String(dom[Range(m.range(at: i), in: dom)!]) }
            return (g(1), g(2), Int64(g(3))!, Int64(g(4))!)
        }
    }

    @Test(arguments: [("demo", Fixtures.projectRoot.appendingPathComponent("datasets/demo")),
                      ("cpu-neighbour", Fixtures.hostReal("cpu-neighbour"))])
    func aBrowserShowsOneSectionPerVMAndTheLabeledPeriods(name: String, folder: URL) throws {
        #expect(Browser.binary != nil, "headless Chromium is needed (scripts/install-deps.sh installs Debian's chromium)")
        guard Browser.binary != nil else { return }
        let html = scratch.appendingPathComponent("\(name).html")
        let r = try CLI.run(["report", folder.path, "-o", html.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let written = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let vms = written["vms"] as! [String]
        let (dom, console) = try Browser.load(html)
        #expect(console.isEmpty, "console: \(console)")
        #expect(dom.contains("<section id=\"summary\">") && dom.contains("<section id=\"resources\">"))
        for vm in vms { #expect(dom.contains("<section class=\"vm\" id=\"vm-\(vm)\" data-vm=\"\(vm)\">")) }
        #expect(dom.components(separatedBy: "<section class=\"vm\"").count - 1 == vms.count)
        let shown = try domPeriods(dom)
        let labeled = try labeledPeriods(folder)
        #expect(!labeled.isEmpty)
        for l in labeled {
            #expect(shown.contains { $0.vm == l.vm && $0.kind == l.kind && $0.start < l.end && $0.end > l.start },
                    "no \(l.kind) period of \(l.vm) over \(l.start)–\(l.end) in the report")
        }
        // A recording without kvm entry/exit says so, and draws running instead of guest + hypervisor.
        if name == "cpu-neighbour" {
            #expect(dom.contains("No kvm entry/exit events in this trace"))
            #expect(!dom.contains("<path class=\"guest\""))
        }
        let png = scratch.appendingPathComponent("\(name).png")
        try Browser.screenshot(html, to: png)
        let bytes = try Data(contentsOf: png)
        #expect(bytes.count > 10_000 && bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }

    @Test func aTraceWithoutVMsSaysSo() throws {
        let html = scratch.appendingPathComponent("novm.html")
        let r = try CLI.run(["report", Fixtures.lttng("many-threads").path, "-o", html.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("No virtual machine in this trace"))
        #expect(text.contains("<section id=\"resources\">"))
    }

    @Test func aPTCaptureSaysWhatItCannotShow() throws {
        let html = scratch.appendingPathComponent("pt.html")
        let r = try CLI.run(["report", Fixtures.projectRoot.appendingPathComponent("datasets/demo/pt").path, "-o", html.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("This is an Intel PT capture"))
        #expect(text.contains("<section class=\"vm\" id=\"vm-web\""))
        // Scored by the pt variant: web's CPU episode is a period of the report.
        #expect(text.contains("<td>pt</td>"))
        #expect(text.contains("<div class=\"period\" data-vm=\"web\" data-kind=\"cpu\""))
    }

    @Test func badInputGivesOneLineExit2AndNoFile() throws {
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo").path
        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let out = scratch.appendingPathComponent("bad.html")
        let cases: [([String], String)] = [
            (["report", demo, "-o", "/nonexistent-folder/r.html"], "/nonexistent-folder/r.html"),
            (["report", demo, "-m", scratch.appendingPathComponent("no-model.json").path, "-o", out.path], "no-model.json"),
            (["report", empty.path, "-o", out.path], empty.path),
        ]
        for (arguments, named) in cases {
            let r = try CLI.run(arguments)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(named), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty)
        }
    }
}
