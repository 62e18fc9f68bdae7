import HostModel
import Learning

/// A preset that cannot be made.
public enum PresetError: Error, CustomStringConvertible, Equatable {
    case unknown(String)
    case badNumber(String)

    public var description: String {
        switch self {
        case .unknown(let name): return "unknown preset `\(name)` (presets: demo, bench, train-1 … train-99, test-1 … test-99)"
        case .badNumber(let what): return what
        }
    }
}

/// The scenarios `interfere simulate` knows: `demo` (4 VMs, 30 s, every workload (bursty too) and
/// every kind of interference once, plus a harmless load change), `train-N` and `test-N` (random families that
/// differ in seeds, VM and CPU counts, styles and workload mixes; test seeds never meet train
/// seeds), and `bench` (many busy VMs, for big traces).
public enum Presets {
    public static func scenario(_ name: String, seed: UInt64, duration: Double?, vms: Int?, pcpus: Int?) throws -> Scenario {
        if let duration, !(duration > 0 && duration <= 100_000) { throw PresetError.badNumber("--duration must be > 0 seconds, got \(duration)") }
        if let vms, !(1...64).contains(vms) { throw PresetError.badNumber("--vms must be 1 to 64, got \(vms)") }
        if let pcpus, !(1...256).contains(pcpus) { throw PresetError.badNumber("--pcpus must be 1 to 256, got \(pcpus)") }
        if name == "demo" { return demo(seed: seed, duration: duration ?? 30, pcpus: pcpus ?? 4) }
        if name == "bench" { return random(name: name, seed: seed, duration: duration ?? 60, vms: vms ?? 8, pcpus: pcpus ?? 4, heavy: true) }
        for family in ["train-", "test-"] where name.hasPrefix(family) {
            guard let n = UInt64(name.dropFirst(family.count)), n >= 1, n <= 99 else { break }
            let familySeed = (family == "train-" ? 1000 : 5000) + n * 7919 + seed
            var g = SeededGenerator(seed: familySeed)
            let count = vms ?? Int(3 + g.next() % 4)
            // One CPU per VM and at least one for the host: VMs share a CPU only in a CPU episode.
            let cpus = pcpus ?? count + 1 + Int(g.next() % 3)
            return random(name: name, seed: familySeed, duration: duration ?? 30, vms: count, pcpus: cpus, heavy: false)
        }
        throw PresetError.unknown(name)
    }

    static let origin: Int64 = 1_700_000_000_000_000_000

    static func base(_ name: String, seed: UInt64, duration: Double, pcpus: Int, style: Scenario.HostStyle) -> Scenario {
        Scenario(preset: name, seed: seed, duration: duration, pcpus: pcpus, style: style, hostname: "kvm-host-\(seed % 100)",
                 originNs: origin + Int64(seed % 1000) * 1_000_000_000, vms: [], hostTasks: [], episodes: [],
                 devices: [DevicePlan(dev: (8 << 20) | 0, name: "sda", bytesPerSecond: 60e6, baseLatencyNs: 120_000),
                           DevicePlan(dev: (8 << 20) | 16, name: "sdb", bytesPerSecond: 60e6, baseLatencyNs: 120_000)],
                 links: [LinkPlan(name: "br0", bytesPerSecond: 4e6), LinkPlan(name: "br1", bytesPerSecond: 4e6)])
    }

    static func demo(seed: UInt64, duration d: Double, pcpus: Int) -> Scenario {
        var s = base("demo", seed: seed, duration: d, pcpus: max(2, pcpus), style: .vmx)
        let c = max(2, pcpus)
        func t(_ x: Double) -> Double { x / 30 * d }
        s.vms = [
            VMPlan(name: "web", pid: 2101, vcpus: 1, cpus: [1 % c], device: 0, link: 0,
                   phases: [Phase(start: 0, end: t(24), workload: .cpu), Phase(start: t(24), end: d, workload: .mixed)]),
            VMPlan(name: "db", pid: 2201, vcpus: 1, cpus: [2 % c], device: 0, link: 1,
                   phases: [Phase(start: 0, end: d, workload: .disk)]),
            VMPlan(name: "batch", pid: 2301, vcpus: 2, cpus: [3 % c], device: 0, link: 0,
                   phases: [Phase(start: 0, end: t(12), workload: .idle), Phase(start: t(12), end: t(18), workload: .diskHeavy),
                            Phase(start: t(18), end: t(21), workload: .memory), Phase(start: t(22), end: t(27), workload: .netHeavy),
                            Phase(start: t(27), end: d, workload: .idle), Phase(start: t(21), end: t(22), workload: .idle)]
                       .sorted { $0.start < $1.start }),
            VMPlan(name: "stream", pid: 2401, vcpus: 1, cpus: [0], device: 1, link: 0,
                   phases: [Phase(start: 0, end: d, workload: .net)]),
        ]
        // batch is a bursty guest early on (alone on its CPU: a load change, not interference).
        var g = SeededGenerator(seed: seed)
        setBursty(&s.vms[2], t(0.5), t(4.5), &g)
        s.hostTasks = [HostTaskPlan(name: "backup", pid: 3001, cpus: [1 % c], start: t(5), end: t(10))]
        s.episodes = [
            Episode(victim: "web", kind: .cpu, culprit: "backup", start: t(5), end: t(10)),
            Episode(victim: "db", kind: .disk, culprit: "batch", start: t(12), end: t(18)),
            Episode(victim: "stream", kind: .net, culprit: "batch", start: t(22), end: t(27)),
        ]
        return s
    }

    /// A random scenario: each VM gets a base workload and pinning; a few episodes of each kind
    /// are placed without overlap per victim, plus harmless load changes of lone VMs.
    static func random(name: String, seed: UInt64, duration d: Double, vms count: Int, pcpus: Int, heavy: Bool) -> Scenario {
        var g = SeededGenerator(seed: seed)
        let style: Scenario.HostStyle = heavy || g.next() % 3 != 0 ? .vmx : .noExits
        var s = base(name, seed: seed, duration: d, pcpus: pcpus, style: style)
        let bases: [Workload] = [.cpu, .disk, .net, .idle, .memory, .mixed, .cpu, .disk, .net]
        // One pick in ten is a bursty guest: idle between busy bursts wherever it is not a culprit.
        var bursty = Set<Int>()
        for i in 0..<count {
            let pick = heavy ? i % 4 : Int(g.next() % UInt64(bases.count + 1))
            if !heavy && pick == bases.count { bursty.insert(i) }
            let w = heavy ? [.cpu, .disk, .net, .memory][pick] : (pick == bases.count ? .idle : bases[pick])
            let cpu = (1 + i) % pcpus
            s.vms.append(VMPlan(name: "vm\(i + 1)", pid: Int32(3000 + 100 * i), vcpus: 1 + Int(g.next() % 2), cpus: [cpu],
                                device: Int(g.next() % 2), link: Int(g.next() % 2), phases: [Phase(start: 0, end: d, workload: w)]))
        }
        guard !heavy else { return s }
        // Episodes: pick a victim and a culprit, a slot of 4–8 s, no overlap for either.
        var busy: [String: [(Double, Double)]] = [:]
        func free(_ vm: String, _ a: Double, _ b: Double) -> Bool { !(busy[vm] ?? []).contains { $0.0 < b + 1 && a < $0.1 + 1 } }
        // The episodes drawn in turn: a VM culprit of each kind, then a host process on the CPU.
        let kinds: [(kind: InterferenceKind, hostCulprit: Bool)] = [(.cpu, false), (.disk, false), (.net, false), (.cpu, true)]
        var culprits = Set<Int>()
        // One VM in two families starts a third into the trace (fork + exec of QEMU); no episode
        // touches it before.
        if count >= 4 && g.next() % 2 == 0 {
            let late = (d / 3).rounded()
            s.vms[count - 1].startsAt = late
            s.vms[count - 1].phases = s.vms[count - 1].phases.map { var p = $0; p.start = max(p.start, late); return p }
            busy[s.vms[count - 1].name] = [(-1, late)]
        }
        for attempt in 0..<(count * 6) {
            let (kind, hostCulprit) = kinds[attempt % kinds.count]
            let length = 4 + g.unit() * 4
            let start = 2 + g.unit() * max(0, d - length - 4)
            let end = start + length
            let victimIndex = Int(g.next() % UInt64(count))
            var victim = s.vms[victimIndex]
            guard free(victim.name, start, end) else { continue }
            let base = victim.phases[0].workload
            if hostCulprit {
                guard base == .cpu || base == .mixed || base == .memory else { continue }
                let pid = Int32(9000 + s.hostTasks.count)
                let hog = "hog\(s.hostTasks.count + 1)"
                s.hostTasks.append(HostTaskPlan(name: hog, pid: pid, cpus: victim.cpus, start: start, end: end))
                s.episodes.append(Episode(victim: victim.name, kind: .cpu, culprit: hog, start: start, end: end))
                busy[victim.name, default: []].append((start, end))
                continue
            }
            // The culprit: another VM, free then; its phase changes to the saturating workload.
            // A culprit whose own work does not already load that resource (else the contention
            // would last the whole trace, unlabeled), and that is not a culprit elsewhere.
            let loads: [InterferenceKind: Set<Workload>] = [.cpu: [.cpu, .memory, .mixed], .disk: [.disk, .mixed], .net: [.net]]
            let candidates = s.vms.indices.filter { c in
                c != victimIndex && free(s.vms[c].name, start, end) && !culprits.contains(c)
                    && !(kind == .cpu && bursty.contains(c))   // its bursts would share the victim's CPU unlabeled
                    && !(loads[kind] ?? []).contains(s.vms[c].phases[0].workload)
            }
            guard let culpritIndex = candidates.isEmpty ? nil : candidates[Int(g.next() % UInt64(candidates.count))] else { continue }
            var culprit = s.vms[culpritIndex]
            switch kind {
            case .cpu:
                guard base == .cpu || base == .mixed || base == .memory else { continue }
                culprit.cpus = victim.cpus
                setPhase(&culprit, start, end, .cpu)
            case .disk:
                guard base == .disk || base == .mixed else { continue }
                culprit.device = victim.device
                setPhase(&culprit, start, end, .diskHeavy)
            default:
                guard base == .net else { continue }
                culprit.link = victim.link
                setPhase(&culprit, start, end, .netHeavy)
            }
            s.vms[culpritIndex] = culprit
            culprits.insert(culpritIndex)
            s.episodes.append(Episode(victim: victim.name, kind: kind, culprit: culprit.name, start: start, end: end))
            if kind == .cpu {
                // Shared CPU: the culprit suffers the victim too (as in the real recordings).
                s.episodes.append(Episode(victim: culprit.name, kind: .cpu, culprit: victim.name, start: start, end: end))
            }
            busy[victim.name, default: []].append((start, end))
            busy[culprit.name, default: []].append((start, end))
            victim = s.vms[victimIndex]
            s.vms[victimIndex] = victim
        }
        // Harmless load changes: a lone idle VM gets busy on its own CPU, steadily or in bursts.
        for i in s.vms.indices where !bursty.contains(i) && s.vms[i].phases.count == 1 && s.vms[i].phases[0].workload == .idle {
            let start = 2 + g.unit() * max(0, d / 2), end = min(d, start + 3 + g.unit() * 4)
            guard free(s.vms[i].name, start, end) else { continue }
            switch g.next() % 3 {
            case 0: setPhase(&s.vms[i], start, end, .cpu)
            case 1: setPhase(&s.vms[i], start, end, .memory)
            default: setBursty(&s.vms[i], start, end, &g)
            }
        }
        for i in bursty.sorted() {
            for p in s.vms[i].phases where p.workload == .idle && p.end - p.start >= 1.5 {
                setBursty(&s.vms[i], p.start + 0.5, p.end - 0.5, &g)
            }
        }
        addBystanders(&s)
        return s
    }

    /// A saturated device or link hurts every VM that uses it, not only the victim an episode
    /// was drawn for: each other VM doing disk (or network) work on the culprit's device (or
    /// link) during a disk (or net) episode gets its own episode with the same culprit.
    static func addBystanders(_ s: inout Scenario) {
        func workload(_ vm: VMPlan, at t: Double) -> Workload? { vm.phases.first { t >= $0.start && t < $0.end }?.workload }
        for e in s.episodes where e.kind == .disk || e.kind == .net {
            guard let culprit = s.vms.first(where: { $0.name == e.culprit }) else { continue }
            for vm in s.vms where vm.name != e.victim && vm.name != e.culprit {
                let mid = (e.start + e.end) / 2
                let uses = e.kind == .disk
                    ? vm.device == culprit.device && [.disk, .mixed].contains(workload(vm, at: mid))
                    : vm.link == culprit.link && workload(vm, at: mid) == .net
                guard uses, vm.startsAt < e.start,
                      !s.episodes.contains(where: { $0.victim == vm.name && $0.start < e.end && e.start < $0.end }) else { continue }
                s.episodes.append(Episode(victim: vm.name, kind: e.kind, culprit: e.culprit, start: e.start, end: e.end))
            }
        }
    }

    /// A bursty guest over [a, b): busy bursts of 0.3–1 s (cpu) between idle gaps of 0.3–1.2 s,
    /// each its own phase (and so its own label row), marked `bursty`.
    static func setBursty(_ vm: inout VMPlan, _ a: Double, _ b: Double, _ g: inout SeededGenerator) {
        var t = a, on = true
        while b - t > 0.05 {
            let e = min(b, t + (on ? 0.3 + g.unit() * 0.7 : 0.3 + g.unit() * 0.9))
            setPhase(&vm, t, e, on ? .cpu : .idle, pattern: "bursty")
            t = e
            on.toggle()
        }
    }

    /// Replaces the workload over [a, b) of a VM whose phases cover [0, d).
    static func setPhase(_ vm: inout VMPlan, _ a: Double, _ b: Double, _ w: Workload, pattern: String? = nil) {
        var out: [Phase] = []
        for p in vm.phases {
            if p.end <= a || p.start >= b { out.append(p); continue }
            if p.start < a { out.append(Phase(start: p.start, end: a, workload: p.workload, pattern: p.pattern)) }
            if p.end > b { out.append(Phase(start: b, end: p.end, workload: p.workload, pattern: p.pattern)) }
        }
        out.append(Phase(start: a, end: b, workload: w, pattern: pattern))
        vm.phases = out.sorted { $0.start < $1.start }
    }
}
