import AtomicOutput
import ArgumentParser
import Diagnosis
import Foundation
import IntelPT
import Report

/// `interfere report TRACE -o report.html`: one offline HTML file of views.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "One self-contained HTML file: host summary, who ran on each CPU, per VM its states, P(interfered), periods and process flow.")

    @OptionGroup var options: TraceOptions
    @OptionGroup var model: ModelOptions

    @Option(name: .shortAndLong, help: "The HTML file to write.")
    var output: String

    @Flag(help: "With guest traces beside the host's: under each such VM, its guest threads' times (as `stats --guest-threads`).")
    var guestThreads = false

    func run() throws {
        try reportingFailures {
            try AtomicOutput.checkWritable(output)
            let m = try model.load()
            let set = try options.machineSet()
            let recording = try options.hostRecording()
            Progress.say("\(recording.source == .ptCapture ? "decoding" : "reading") \(options.trace)")
            var builder = ReportBuilder()
            builder.spool = FileManager.default.temporaryDirectory
            var document = try builder.build(recording, reading: TraceOptions.reading, model: m,
                                                     diagnoser: Diagnoser(detector: model.detector))
            // Guest traces beside the host: each VM's guest threads under it, when asked (without
            // it the report is the host trace's alone, byte for byte).
            for link in guestThreads ? set.guestLinks(named: try options.guestNames()) : [] where link.host == (recording.machine?.name ?? "-") {
                guard document.vms.contains(where: { $0.name == link.vm }) else { continue }
                document.attachGuestThreads(try set.guestThreads(link, reading: TraceOptions.reading, axis: document.guestAxis))
            }
            let html = Data(HTMLRenderer().render(document).utf8)
            Supervisor.temporary(for: output)
            try AtomicOutput.write(html, to: output)
            let periods = document.periods.count
            if options.json {
                try printJSON(ReportWritten(output: output, bytes: html.count, vms: document.vms.map(\.name),
                                            periods: periods, missing: document.missing))
            } else {
                print("wrote \(output) (\(html.count / 1024) KB): \(document.vms.count) VMs, \(periods) interference periods")
                for note in document.missing { print("  note: \(note)") }
            }
        }
    }
}

/// What `report --json` prints about the file it wrote.
struct ReportWritten: Encodable {
    var output: String
    var bytes: Int
    var vms: [String]
    var periods: Int
    var missing: [String]
}
