import Foundation
import TestSupport
import Testing

/// Runs the built `interfere` binary as a user would.
struct CLI {
    static var binary: URL {
        let debug = Fixtures.projectRoot.appendingPathComponent(".build/debug/interfere")
        if FileManager.default.isExecutableFile(atPath: debug.path) { return debug }
        return Fixtures.projectRoot.appendingPathComponent(".build/release/interfere")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try run(executable: binary, arguments, environment: environment)
    }

    /// Runs `executable` (the binary, or a shell that starts it) with `arguments`.
    static func run(executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

@Suite struct CLITests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-cli-\(UUID().uuidString)")

    /// `features --labels` says what it accepted silently before: rows for a VM the trace does not
    /// have, and rows of one VM that overlap (one warning line each); the table is still written.
    @Test func labelsForAnUnknownVMAndOverlappingRowsAreWarned() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo")
        var text = try String(contentsOf: demo.appendingPathComponent("labels.csv"), encoding: .utf8)
        text += "ghost,1700000001000000000,1700000002000000000,idle,none,\n"
        text += "web,1700000001200000000,1700000001700000000,cpu,none,\n"
        let labels = scratch.appendingPathComponent("labels.csv")
        try Data(text.utf8).write(to: labels)
        let out = scratch.appendingPathComponent("f.csv")
        let r = try CLI.run(["features", demo.path, "--labels", labels.path, "-o", out.path])
        #expect(r.status == 0)
        let warnings = r.stderr.split(separator: "\n").filter { $0.hasPrefix("interfere: warning: \(labels.path): ") }
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.contains("`ghost`") })
        #expect(warnings.contains { $0.contains("overlap") })
        #expect(FileManager.default.fileExists(atPath: out.path))
    }

    @Test func eventsJSONCarriesTheTotalAndTheVMs() throws {
        let r = try CLI.run(["events", Fixtures.hostReal("cpu-neighbour").path, "--json"])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let inventory = json["inventory"] as! [String: Any]
        #expect(inventory["total_events"] as? Int == 75357)
        let vms = json["vms"] as! [[String: Any]]
        #expect(vms.map { $0["name"] as! String } == ["victim", "noisy"])
        let victim = vms[0]
        #expect(victim["pid"] as? Int == 1213)
        #expect((victim["vcpus"] as! [[String: Any]]).map { $0["tid"] as! Int } == [1215])
    }

    @Test func vmsAndThreadsMatchEachRecordingsSideFiles() throws {
        for name in ["cpu-neighbour", "disk-contention", "net-contention", "busy-alone"] {
            let folder = Fixtures.hostReal(name)
            let r = try CLI.run(["events", folder.path, "--json"])
            #expect(r.status == 0)
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            let vms = json["vms"] as! [[String: Any]]
            let threads = try String(contentsOf: folder.appendingPathComponent("vm-threads.csv"), encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",", maxSplits: 4).map(String.init) }
            for vm in vms {
                let vmName = vm["name"] as! String
                let expected = threads.filter { $0[0] == vmName }
                #expect(!expected.isEmpty, "VM \(vmName) of \(name) not in vm-threads.csv")
                let vcpuTids = expected.filter { $0[3].contains("/TCG") || $0[3].contains("/KVM") }.map { Int($0[2])! }
                #expect((vm["vcpus"] as! [[String: Any]]).map { $0["tid"] as! Int } == vcpuTids, "\(name) \(vmName)")
                #expect(vm["pid"] as? Int == Int(expected[0][1]))
            }
            #expect(Set(vms.map { $0["name"] as! String }) == Set(threads.map { $0[0] }))
        }
    }

    @Test func statsWithoutKVMEventsSaysSoInOneLine() throws {
        let r = try CLI.run(["stats", Fixtures.hostReal("busy-alone").path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("no kvm entry/exit events in this trace"))
        #expect(r.stdout.contains("VM solo (pid 1276)"))
    }

    @Test(arguments: [
        ["events", "/no/such/trace"],
        ["stats", "/no/such/trace"],
        ["features", "/no/such/trace"],
        ["features", "SHARED/traces/host-real/busy-alone", "--window", "0ms"],
        ["features", "SHARED/traces/host-real/busy-alone", "-o", "/no/such/folder/f.csv"],
        ["stats", "SHARED/traces/host-real/busy-alone", "--vm", "nobody"],
    ])
    func badInputIsOneLineAndExitTwo(_ arguments: [String]) throws {
        let args = arguments.map { $0.replacingOccurrences(of: "SHARED", with: Fixtures.shared.path) }
        let r = try CLI.run(args)
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("interfere: "))
    }

    /// The line says what is wrong, in words: not a Foundation error's description.
    @Test func anOutputInAMissingFolderSaysSo() throws {
        let r = try CLI.run(["features", Fixtures.hostReal("busy-alone").path, "-o", "/no/such/folder/f.csv"])
        #expect(r.status == 2)
        #expect(r.stderr == "interfere: /no/such/folder/f.csv: cannot write: the folder /no/such/folder does not exist\n")
    }

    @Test func aFailedFeaturesRunLeavesNoFile() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let labels = scratch.appendingPathComponent("labels.csv")
        try "vm,start_ns,end_ns,workload,interference,culprit\nsolo,1,oops,cpu,none,\n".write(to: labels, atomically: true, encoding: .utf8)
        let out = scratch.appendingPathComponent("f.csv")
        let r = try CLI.run(["features", Fixtures.hostReal("busy-alone").path, "--labels", labels.path, "-o", out.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("labels.csv:2:"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["labels.csv"])
    }

    @Test func anUnknownPidInTheNameMapIsAWarning() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let names = scratch.appendingPathComponent("names.csv")
        try "pid,name\n1276,solo\n4242,ghost\n".write(to: names, atomically: true, encoding: .utf8)
        let r = try CLI.run(["events", Fixtures.hostReal("busy-alone").path, "--vm-names", names.path])
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning"))
        #expect(r.stderr.contains("4242"))
    }

    /// `train` and `evaluate` say what `features --labels` says of a dataset's labels: a row for a
    /// VM the trace does not have is a warning naming the labels file, and the run goes on.
    @Test func trainAndEvaluateWarnOfLabelsForVMsTheTraceLacks() throws {
        let dataset = scratch.appendingPathComponent("busy-alone")
        try FileManager.default.createDirectory(at: dataset, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: dataset.appendingPathComponent("trace"),
                                                   withDestinationURL: Fixtures.hostReal("busy-alone").appendingPathComponent("trace"))
        for side in ["vm-names.csv", "threads.csv"] {
            try FileManager.default.copyItem(at: Fixtures.hostReal("busy-alone").appendingPathComponent(side),
                                             to: dataset.appendingPathComponent(side))
        }
        let labels = try String(contentsOf: Fixtures.hostReal("busy-alone").appendingPathComponent("labels.csv"), encoding: .utf8)
        try (labels + "ghost,7049316440080,7059648679996,cpu,none,\n")
            .write(to: dataset.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
        let line = "interfere: warning: \(dataset.appendingPathComponent("labels.csv").path): labels for VM `ghost`, not in this trace (its VMs: solo)"
        let evaluate = try CLI.run(["evaluate", dataset.path])
        #expect(evaluate.status == 0)
        #expect(evaluate.stderr.split(separator: "\n").contains { $0 == line })
        let model = scratch.appendingPathComponent("m.json")
        let train = try CLI.run(["train", dataset.path, "-o", model.path])
        #expect(train.status == 0)
        #expect(train.stderr.split(separator: "\n").contains { $0 == line })
    }

    @Test func featuresWritesTheFileAndSaysTheSchema() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let out = scratch.appendingPathComponent("f.csv")
        let r = try CLI.run(["features", Fixtures.hostReal("busy-alone").path, "-o", out.path,
                             "--labels", Fixtures.hostReal("busy-alone").appendingPathComponent("labels.csv").path])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("schema "))
        #expect(r.stdout.contains("absent kvm, qemu, net, pt"))
        let csv = try String(contentsOf: out, encoding: .utf8)
        #expect(csv.hasPrefix("vm,start_ns,end_ns,schema,sched_vcpus,"))
        #expect(csv.split(separator: "\n")[0].hasSuffix(",workload,interference,culprit"))
    }
}

@Suite struct PTCLITests {
    @Test func statsReadsAnIntelPTCaptureAndBadCapturesFailCleanly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-pt-\(UUID().uuidString)").path
        let made = try CLI.run(["simulate", "--preset", "demo", "--duration", "2", "-o", folder])
        #expect(made.status == 0, "\(made.stderr)")
        let stats = try CLI.run(["stats", folder + "/pt", "--guest-processes"])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("web"))
        #expect(stats.stdout.contains("backup"))
        let json = try CLI.run(["events", folder + "/pt", "--json"])
        #expect(json.status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil)
        // A capture whose stream is bytes with no PSB in them: one clear line naming the stream, exit 2.
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 7) }).write(to: URL(fileURLWithPath: folder + "/pt/cpu0.pt"))
        let random = try CLI.run(["stats", folder + "/pt"])
        #expect(random.status == 2)
        #expect(random.stderr.split(separator: "\n").count == 1)
        #expect(random.stderr.contains("cpu0.pt: no PSB packet found"), "\(random.stderr)")
        try FileManager.default.removeItem(atPath: folder + "/pt/pt-sidecar.json")
        let noSidecar = try CLI.run(["stats", folder + "/pt"])
        #expect(noSidecar.status == 2)
    }
}

@Suite struct PTSimulationOptionsTests {
    /// `--pt-timing cyc` (MTC and CYC between PSB+) and `--pt-overflow-every`: the capture decodes with
    /// its OVFs reported as gaps, and guest time stays within 1 % of the exact TSC-timed capture.
    @Test func cycTimingAndOverflowsDecodeWithReportedGaps() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("cli-ptopt-\(UUID().uuidString)").path
        let exact = try CLI.run(["simulate", "--preset", "demo", "--duration", "2", "-o", base + "-tsc"])
        let cyc = try CLI.run(["simulate", "--preset", "demo", "--duration", "2", "--pt-timing", "cyc", "-o", base + "-cyc"])
        let ovf = try CLI.run(["simulate", "--preset", "demo", "--duration", "2", "--pt-overflow-every", "5000", "-o", base + "-ovf"])
        #expect(exact.status == 0 && cyc.status == 0 && ovf.status == 0, "\(cyc.stderr) \(ovf.stderr)")
        func stats(_ folder: String) throws -> [String: Any] {
            let r = try CLI.run(["stats", folder + "/pt", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        }
        func total(_ s: [String: Any], _ key: String) -> Int { (s["cpus"] as! [[String: Any]]).reduce(0) { $0 + ($1[key] as! Int) } }
        let a = try stats(base + "-tsc"), b = try stats(base + "-cyc"), c = try stats(base + "-ovf")
        #expect(total(a, "gaps") == 0 && total(b, "gaps") == 0)
        #expect(total(c, "gaps") > 0)
        #expect(total(a, "entries") == total(b, "entries"))
        #expect(abs(Double(total(a, "guest_ns") - total(b, "guest_ns"))) <= 0.01 * Double(total(a, "guest_ns")))
        let bad = try CLI.run(["simulate", "--preset", "demo", "--pt-timing", "sometimes", "-o", base + "-bad"])
        #expect(bad.status == 2 && bad.stderr.contains("--pt-timing"))
        #expect(!FileManager.default.fileExists(atPath: base + "-bad"))
    }
}

@Suite struct PTFeaturesTests {
    @Test func featuresOfTheBundledCaptureAreThePTGroupOnTheTraceClock() throws {
        let r = try CLI.run(["features", Fixtures.projectRoot.appendingPathComponent("datasets/demo/pt").path,
                             "--labels", Fixtures.projectRoot.appendingPathComponent("datasets/demo/labels.csv").path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines[0] == "vm,start_ns,end_ns,schema,pt_guest_share,pt_hypervisor_share,pt_entries_per_s,pt_guest_run_mean_us,pt_guest_switches_per_s,pt_host_preemption_share,workload,interference,culprit")
        #expect(lines.count > 100)
        #expect(lines.dropFirst().allSatisfy { !$0.hasSuffix(",,,") })   // every window found its label
    }
}

/// Several machines in one folder, as a user would run them.
@Suite struct MachinesCLITests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-machines-\(UUID().uuidString)")

    @Test func aHostWithItsGuestGivesTheHostTraceAlonesOutputsByteForByte() throws {
        let folder = scratch.appendingPathComponent("hg").path
        let sim = try CLI.run(["simulate", "--preset", "demo", "--duration", "2", "--no-pt", "--guest-trace", "db",
                               "--guest-sync", "--guest-clock-skew-ns", "2500", "-o", folder])
        #expect(sim.status == 0, "\(sim.stderr)")
        for command in [["stats"], ["stats", "--json"], ["features"], ["score", "--json"], ["events", "--json"]] {
            let both = try CLI.run(command + [folder])
            let alone = try CLI.run(command + [folder + "/trace"])
            #expect(both.status == 0 && alone.status == 0)
            if command != ["events", "--json"] {
                #expect(both.stdout == alone.stdout, "\(command)")
            }
        }
        let reports = ["both", "alone", "threads"].map { scratch.appendingPathComponent("\($0).html").path }
        #expect(try CLI.run(["report", folder, "-o", reports[0]]).status == 0)
        #expect(try CLI.run(["report", folder + "/trace", "-o", reports[1]]).status == 0)
        #expect(FileManager.default.contents(atPath: reports[0]) == FileManager.default.contents(atPath: reports[1]))
        #expect(try CLI.run(["report", "--guest-threads", folder, "-o", reports[2]]).status == 0)
        let withThreads = try String(contentsOfFile: reports[2], encoding: .utf8)
        #expect(withThreads.contains("<h3>Guest threads (guest db)</h3>"))
        // The guest threads' lanes, under the VM's process flow: one per thread of the table.
        let lanes = withThreads.components(separatedBy: "<div class=\"guest-lanes\" data-guest=\"db\">")
        #expect(lanes.count == 2)
        let chart = lanes.last!.components(separatedBy: "</div>")[0]
        let rows = lanes.last!.components(separatedBy: "<tr><td>").dropFirst().map { $0.components(separatedBy: "</td>")[0] }
        #expect(!rows.isEmpty && rows.allSatisfy { chart.contains(">\($0) app</text>") })
        #expect(chart.contains(": guest (guest "))
        let events = try CLI.run(["events", folder])
        #expect(events.stdout.hasPrefix("machines: 2\n  db  "))
        #expect(events.stdout.contains("guest of VM db (pid 2201) on kvm-host-1, matched by vmsync events"))
        #expect(events.stdout.contains("clock aligned: host time = guest time - 2500 ns"))
        let threads = try CLI.run(["stats", "--guest-threads", folder])
        #expect(threads.status == 0)
        #expect(threads.stdout.hasPrefix("guest db: VM db (pid 2201) on kvm-host-1; clock aligned by "))
    }

    /// The real host + guest recording (datasets/real/host-guest-hog, when unpacked): two machines,
    /// the guest matched by hostname with its clock from its pings, the host's results those of its
    /// trace alone, the guest's loops preempted by hog.
    @Test(.enabled(if: Fixtures.hasDatasetsReal("host-guest-hog")))
    func theRealHostAndGuestRecording() throws {
        let folder = Fixtures.datasetsReal("host-guest-hog").path
        let names = try String(contentsOfFile: folder + "/vm-names.csv", encoding: .utf8)
        let pid = try #require(names.split(separator: "\n").first { $0.hasSuffix(",victim") }?.split(separator: ",").first)
        let events = try CLI.run(["events", folder])
        #expect(events.status == 0, "\(events.stderr)")
        #expect(events.stdout.hasPrefix("machines: 2\n  victim    guest    perf, "), "\(events.stdout.prefix(300))")
        #expect(events.stdout.contains("\n  vm        host     perf, "))
        #expect(events.stdout.contains("guest of VM victim (pid \(pid)) on vm, matched by hostname = VM name; clock aligned by 200 clock pings (clock-pings.csv): host time = guest time + "))
        for command in [["stats"], ["stats", "--json"], ["features"]] {
            let both = try CLI.run(command + [folder]), alone = try CLI.run(command + [folder + "/trace"])
            #expect(both.status == 0 && alone.status == 0, "\(command): \(both.stderr)")
            #expect(both.stdout == alone.stdout, "\(command)")
        }
        let threads = try CLI.run(["stats", "--guest-threads", folder])
        #expect(threads.status == 0, "\(threads.stderr)")
        #expect(threads.stdout.hasPrefix("guest victim: VM victim (pid \(pid)) on vm; clock aligned by 200 clock pings (clock-pings.csv) (host = guest + "))
        // Each loop's row: its first culprit (the largest) is hog.
        for comm in ["loop-a", "loop-b"] {
            let row = try #require(threads.stdout.split(separator: "\n").first { $0.contains(" \(comm) ") }, "\(comm)")
            #expect(row.components(separatedBy: "  ").last?.hasPrefix("hog ") == true, "\(row)")
        }
    }

    @Test func guestProcessesFromTheHostTraceAlone() throws {
        let folder = scratch.appendingPathComponent("enter-guest").path
        let sim = try CLI.run(["simulate", "--preset", "demo", "--duration", "1", "--no-pt", "--enter-guest", "web", "-o", folder])
        #expect(sim.status == 0, "\(sim.stderr)")
        let text = try CLI.run(["stats", "--guest-processes", folder])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("addons_vcpu_enter_guest events; no guest statedump: user stacks as 8 MiB blocks\nVM web\n"))
        #expect(text.stdout.contains("  cr3-200000000 ") && text.stdout.contains("  cr3-200004000 "))
        let json = try CLI.run(["stats", "--guest-processes", "--json", folder])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let processes = report["processes"] as! [[String: Any]]
        #expect(processes.map { $0["name"] as! String } == ["cr3-200000000", "cr3-200004000"])
        #expect(processes.map { ($0["threads"] as! [Any]).count } == [4, 2])
        // --vm keeps one VM's guest processes; a VM without the addon's events is an error naming those with them.
        let web = try CLI.run(["stats", "--guest-processes", "--vm", "web", "--json", folder])
        #expect(web.status == 0)
        #expect(web.stdout == json.stdout)   // web is the one VM with the addon's events
        let db = try CLI.run(["stats", "--guest-processes", "--vm", "db", folder])
        #expect(db.status == 2)
        #expect(db.stderr.hasSuffix("no guest processes of a VM named `db` (VMs with addons_vcpu_enter_guest events: web)\n"), "\(db.stderr)")
        // The rows are those of the truth file, ns for ns.
        let truth = try String(contentsOfFile: folder + "/guest-processes.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let ns = truth.map { Int($0.split(separator: ",")[6])! }
        #expect(processes.flatMap { ($0["threads"] as! [[String: Any]]).map { $0["guest_ns"] as! Int } } == ns)
        // Stats without the flag are those of the same host without the addon's events.
        let plain = scratch.appendingPathComponent("enter-guest-plain").path
        #expect(try CLI.run(["simulate", "--preset", "demo", "--duration", "1", "--no-pt", "-o", plain]).status == 0)
        #expect(try CLI.run(["stats", "--json", folder]).stdout.replacingOccurrences(of: folder, with: "X")
                .components(separatedBy: "\"vms\"")[1] == CLI.run(["stats", "--json", plain]).stdout.components(separatedBy: "\"vms\"")[1])
        let none = try CLI.run(["stats", "--guest-processes", plain])
        #expect(none.stdout.hasSuffix(": 0 addons_vcpu_enter_guest events: guest processes need the VM addon that writes the guest's CR3 and SP at each VM entry\n"))
    }

    @Test func aGuestStatedumpGivesTheUserStacksOfTheTruth() throws {
        let folder = scratch.appendingPathComponent("statedump").path
        let sim = try CLI.run(["simulate", "--preset", "demo", "--duration", "1", "--no-pt", "--enter-guest", "web", "--guest-trace", "web", "--guest-statedump", "-o", folder])
        #expect(sim.status == 0, "\(sim.stderr)")
        let text = try CLI.run(["stats", "--guest-processes", folder])
        #expect(text.stdout.contains(" addons_vcpu_enter_guest events; user stacks from the statedump of web\nVM web\n  process "), "\(text.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(try CLI.run(["stats", "--guest-processes", "--json", folder]).stdout.utf8)) as! [String: Any]
        let processes = json["processes"] as! [[String: Any]]
        let decoded = processes.flatMap { p in (p["threads"] as! [[String: Any]]).map { "\(p["name"]!),\($0["mode"]!),\($0["guest_ns"]!)" } }
        let truth = try String(contentsOfFile: folder + "/guest-processes.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",") }.map { "\($0[1]),\($0[3]),\($0[6])" }
        #expect(decoded == truth)
        let refused = try CLI.run(["simulate", "--preset", "demo", "--duration", "1", "--no-pt", "--enter-guest", "web", "--guest-statedump",
                                   "-o", scratch.appendingPathComponent("statedump-refused").path])
        #expect(refused.status == 2)
        #expect(refused.stderr == "interfere: --guest-statedump needs a VM given to both --enter-guest and --guest-trace\n")
    }

    @Test func twoHostsGiveEachItsVMsByNameAndOneOutputCommandsAskWhichHost() throws {
        let a = scratch.appendingPathComponent("two/a").path, b = scratch.appendingPathComponent("two/b").path
        #expect(try CLI.run(["simulate", "--preset", "demo", "--duration", "1", "--no-pt", "-o", a]).status == 0)
        #expect(try CLI.run(["simulate", "--preset", "demo", "--seed", "2", "--duration", "1", "--no-pt", "-o", b]).status == 0)
        let two = scratch.appendingPathComponent("two").path
        let stats = try CLI.run(["stats", "--json", two])
        let hosts = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as! [[String: Any]]
        #expect(hosts.map { ($0["vms"] as! [[String: Any]]).map { $0["name"] as! String } } == [
            ["kvm-host-1/web", "kvm-host-1/db", "kvm-host-1/batch", "kvm-host-1/stream"],
            ["kvm-host-2/web", "kvm-host-2/db", "kvm-host-2/batch", "kvm-host-2/stream"]])
        let report = try CLI.run(["report", two, "-o", scratch.appendingPathComponent("r.html").path])
        #expect(report.status == 2)
        #expect(report.stderr.contains("holds 2 hosts (kvm-host-1, kvm-host-2): choose one with --host"))
        let one = try CLI.run(["features", two, "--host", "kvm-host-2"])
        #expect(one.status == 0)
        #expect(one.stdout.contains("kvm-host-2/web") && !one.stdout.contains("kvm-host-1/"))
    }
}
