import Foundation
import HostModel
import TraceIngest
import Recording

/// Plain-text renderings of the library's values (the JSON output carries the same data).
enum TextRender {
    static func inventory(_ inv: TraceInventory) -> String {
        var out = ""
        out += "trace      \(inv.path)\n"
        out += "host       \(inv.hostname ?? "-")\n"
        out += "tracer     \(inv.tracer ?? "-")\n"
        if let first = inv.firstTimeNs, let last = inv.lastTimeNs {
            out += "first      \(first) ns\nlast       \(last) ns\n"
            out += "duration   \(seconds(last - first)) s\n"
        }
        out += "events     \(inv.totalEvents)\n"
        out += "discarded  \(inv.discardedEvents) events, \(inv.discardedPackets) packets\n"
        if let far = inv.farFutureEvents { out += "far-future events left out: \(far) (more than an hour after the rest)\n" }
        out += "\nevents by name\n"
        let width = max(10, inv.eventsByName.map(\.name.count).max() ?? 0)
        for row in inv.eventsByName { out += "  \(pad(row.name, width))  \(row.count)\n" }
        out += "\nevents by cpu\n"
        for row in inv.eventsByCPU { out += "  cpu \(row.cpu < 0 ? "?" : String(row.cpu))  \(row.count)\n" }
        return out
    }

    static func summary(_ s: TraceSummary) -> String {
        var out = inventory(s.inventory)
        out += "\nVMs: \(s.vms.count)\n"
        for vm in s.vms {
            out += "  \(vm.name)  pid \(vm.pid)\n"
            for v in vm.vcpus { out += "    vcpu \(v.vcpu)  tid \(v.tid)  \(v.name)\n" }
            for t in vm.vhostThreads { out += "    vhost   tid \(t.tid)  \(t.name)\n" }
            for t in vm.ioThreads { out += "    io      tid \(t.tid)  \(t.name)\n" }
        }
        return out
    }

    /// `events` of a folder holding several machines: one line per machine, then each one's
    /// inventory and, on hosts, its VMs.
    static func machines(_ machines: [MachineSummary]) -> String {
        var out = "machines: \(machines.count)\n"
        let width = max(8, machines.map { ($0.hostname ?? "-").count }.max() ?? 0)
        for m in machines {
            let inv = m.summary.inventory
            out += "  \(pad(m.hostname ?? "-", width))  \(pad(m.role, 7))  \(inv.tracer ?? "-"), "
            if let d = inv.durationNs { out += "\(seconds(d)) s, " }
            out += "\(inv.totalEvents) events, \(inv.traceDirectories.count) traces"
            if m.role == "host" { out += ", \(m.summary.vms.count) VMs" }
            out += "\n"
            if let link = m.guestOf {
                out += "  \(pad("", width))  guest of VM \(link.vm) (pid \(link.vmPID)) on \(link.host), matched by "
                switch link.method {
                case .syncEvents: out += "vmsync events (\(link.syncMessages) messages)"
                case .hostname: out += "hostname = VM name"
                case .option: out += "--guest"
                }
                if let offset = link.clockOffsetNs {
                    out += link.clockPings == nil ? "; clock aligned" : "; clock aligned by \(link.clockEvidence)"
                    out += ": host time = guest time \(offset < 0 ? "-" : "+") \(abs(offset)) ns\(link.clockToleranceText)\(drift(link))\n"
                } else {
                    out += "; no vmsync events: same clock assumed\n"
                }
            } else if m.role == "machine" {
                out += "  \(pad("", width))  not a host (no QEMU process, no kvm events) and not matched to a VM: no vmsync events, no VM named \(m.hostname ?? "-") (a guest: --guest \(m.hostname ?? "HOSTNAME")=VMNAME)\n"
            }
        }
        for m in machines {
            out += "\n== \(m.role) \(m.hostname ?? "-")\n"
            out += m.role == "host" ? summary(m.summary) : inventory(m.summary.inventory)
        }
        return out
    }

    /// The drift of a guest's clock, when the sync events show one (else nothing).
    static func drift(_ l: GuestLink) -> String {
        guard let ppb = l.clockDriftPPB, let reference = l.clockReferenceNs else { return "" }
        return String(format: " at guest time %lld ns, drifting %+.1f ppb", reference, ppb)
    }

    /// `stats --guest-threads`: one guest's threads, seen from the guest and its host.
    static func guestThreads(_ r: GuestThreadReport) -> String {
        let l = r.link
        var out = "guest \(l.guest): VM \(l.vm) (pid \(l.vmPID)) on \(l.host); "
        out += l.clockOffsetNs.map { "clock aligned by \(l.clockEvidence) (host = guest \($0 < 0 ? "-" : "+") \(abs($0)) ns\(l.clockToleranceText)\(drift(l)))\n" }
            ?? "no vmsync events: the guest and host clocks are taken as one\n"
        let columns = ["guest", "hypervisor", "preempted", "waiting", "blocked"]
        out += "  \(pad("tid", 8)) \(pad("comm", 16))" + columns.map { " \(lpad($0 + " s", 13))" }.joined() + "  preempted by\n"
        for t in r.threads {
            let values = [t.guestNs, t.hypervisorNs, t.vcpuPreemptedNs, t.waitingNs, t.blockedNs]
            let by = t.preemptedBy.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key) \(seconds($0.value)) s" }.joined(separator: ", ")
            out += "  \(pad("\(t.tid)", 8)) \(pad(t.comm, 16))" + values.map { " \(lpad(seconds($0), 13))" }.joined() + "  \(by.isEmpty ? "-" : by)\n"
        }
        return out
    }

    /// `stats --guest-processes` on a CTF host trace: per VM its guest processes (CR3) and threads (stacks).
    static func guestProcesses(_ r: GuestProcessReport) -> String {
        var out = "host \(r.host): \(r.enterGuestEvents) addons_vcpu_enter_guest events"
        guard r.enterGuestEvents > 0 else {
            return out + ": guest processes need the VM addon that writes the guest's CR3 and SP at each VM entry\n"
        }
        out += r.statedumps.isEmpty ? "; no guest statedump: user stacks as 8 MiB blocks\n"
            : "; user stacks from the statedump of \(r.statedumps.joined(separator: ", "))\n"
        var vm: String?
        for p in r.processes {
            if p.vm != vm { vm = p.vm; out += "VM \(p.vm)\n  \(pad("process", 24)) \(lpad("guest s", 13)) \(lpad("entries", 9))  threads\n" }
            out += "  \(pad(p.name, 24)) \(lpad(seconds(p.guestNs), 13)) \(lpad("\(p.entries)", 9))  \(p.threads.count)\n"
            for t in p.threads {
                let range = "0x" + String(t.start, radix: 16) + "-0x" + String(t.end, radix: 16)
                out += "    \(pad("\(t.mode) stack", 22)) \(lpad(seconds(t.guestNs), 13)) \(lpad("\(t.entries)", 9))  \(range)\n"
            }
        }
        return out
    }

    static func statistics(_ s: TraceStatistics) -> String {
        var out = ""
        let inv = s.inventory
        out += "trace \(inv.path): host \(inv.hostname ?? "-"), \(inv.tracer ?? "-"), \(inv.totalEvents) events"
        if let d = inv.durationNs { out += ", \(seconds(d)) s" }
        out += "\n"
        if !s.hasKVMEvents {
            out += "no kvm entry/exit events in this trace: guest and hypervisor time cannot be split (shown as running), and there is no exit table.\n"
        }
        if s.vms.isEmpty { out += "no VM found in this trace\n\n" + inventory(inv) }
        for vm in s.vms {
            out += "\nVM \(vm.name) (pid \(vm.pid))\n"
            if s.hasKVMEvents {
                out += "  \(pad("exit reason", 22)) \(lpad("samples", 9)) \(lpad("samples%", 9)) \(lpad("time%", 7)) \(lpad("min us", 9)) \(lpad("mean us", 9)) \(lpad("max us", 10)) \(lpad("p50 us", 9)) \(lpad("p99 us", 9))\n"
                for r in vm.exits {
                    out += "  \(pad(r.reason, 22)) \(lpad("\(r.samples)", 9)) \(lpad(fmt(r.samplesPercent), 9)) \(lpad(fmt(r.timePercent), 7)) \(lpad(fmt(r.minUs), 9)) \(lpad(fmt(r.meanUs), 9)) \(lpad(fmt(r.maxUs), 10)) \(lpad(fmt(r.p50Us), 9)) \(lpad(fmt(r.p99Us), 9))\n"
                }
                out += "  total exits \(vm.totalExits)\n"
            }
            let states = s.hasKVMEvents ? ["guest", "hypervisor", "preempted", "waiting", "idle"] : ["running", "preempted", "waiting", "idle"]
            out += "  \(pad("vcpu", 6)) \(pad("tid", 8))" + states.map { " \(lpad($0 + " s", 12)) \(lpad("%", 6))" }.joined() + "\n"
            for v in vm.vcpus {
                out += "  \(pad("\(v.vcpu)", 6)) \(pad("\(v.tid)", 8))"
                for state in states {
                    out += " \(lpad(seconds(v.ns[state] ?? 0), 12)) \(lpad(fmt(100 * (v.share[state] ?? 0)), 6))"
                }
                out += "\n"
            }
            if !vm.stolenBy.isEmpty {
                out += "  CPU held by others while its vCPUs were preempted or waiting:\n"
                for s in vm.stolenBy.prefix(8) { out += "    \(pad(s.name, 24)) \(seconds(s.ns)) s\n" }
            }
            if vm.selfContentionNs > 0 {
                out += "  CPU held by its own threads while its vCPUs were preempted or waiting (self-contention): \(seconds(vm.selfContentionNs)) s\n"
            }
        }
        if !s.links.isEmpty {
            out += "\nnetwork devices (bytes sent, counted where queued; unattributed: no owner found)\n"
            for link in s.links {
                out += "  \(link.device)\n"
                for sender in link.senders.prefix(8) {
                    out += "    \(pad(sender.name, 24)) \(lpad("\(sender.bytes)", 12)) bytes \(lpad("\(sender.packets)", 8)) packets\n"
                }
                let u = link.unattributed
                if u.txPackets + u.rxPackets > 0 {
                    out += "    \(pad("unattributed sent", 24)) \(lpad("\(u.txBytes)", 12)) bytes \(lpad("\(u.txPackets)", 8)) packets\n"
                    out += "    \(pad("unattributed received", 24)) \(lpad("\(u.rxBytes)", 12)) bytes \(lpad("\(u.rxPackets)", 8)) packets\n"
                }
            }
        }
        return out
    }

    static func seconds(_ ns: Int64) -> String { String(format: "%.3f", Double(ns) / 1e9) }
    static func fmt(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}
