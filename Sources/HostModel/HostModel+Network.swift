import TraceIngest

/// Packets and bytes on one network device (sent by one owner, or that no owner could be found for).
public struct LinkTraffic: Sendable, Equatable, Codable {
    public var txPackets = 0
    public var txBytes: Int64 = 0
    public var rxPackets = 0
    public var rxBytes: Int64 = 0

    public init(txPackets: Int = 0, txBytes: Int64 = 0, rxPackets: Int = 0, rxBytes: Int64 = 0) {
        self.txPackets = txPackets
        self.txBytes = txBytes
        self.rxPackets = rxPackets
        self.rxBytes = rxBytes
    }
}

/// A queued packet (`net_dev_queue`) waiting for its `net_dev_xmit`: its owner (-1 when not known
/// at queue time) and when it was queued.
struct QueuedPacket {
    var owner: Int32
    var time: Int64
}

/// A packet sent or received with no owner known yet, waiting for the `tcp_probe` of the socket
/// that receives it (loopback and veth deliver the same `skbaddr` on the host).
struct UnownedPacket {
    var length: Int64
    var device: Int32
    var time: Int64
    /// Its bytes still have to be counted as link use (they were not at `net_dev_queue`).
    var countsLinkUse: Bool
}

/// What ties packets to their owners (EVENTS.md §5): sockets to the task that wrote into them in
/// process context, flows (ports) to sockets, queued and unowned packets by `skbaddr`; and the
/// whole-trace link use by owner and unattributed.
struct NetworkAttribution {
    /// An unowned packet waits this long for its socket, then is counted as unattributed.
    static let ownerHorizonNs: Int64 = 50_000_000
    /// A `tcp_probe` in a softirq names the owner of data queued on that CPU this soon after.
    static let probeReachNs: Int64 = 1_000_000

    var queued: [Int64: QueuedPacket] = [:]
    /// `sk` / `skaddr` → the task that sent on it (`sock_send_length`) or received on it (`tcp_probe`),
    /// both in process context.
    var socketOwner: [Int64: Int32] = [:]
    /// A flow's ports as its socket sees them (sport << 16 | dport) → that socket (`tcp_probe`).
    var flowSocket: [Int64: Int64] = [:]
    var awaitingSender: [Int64: UnownedPacket] = [:]
    var awaitingReceiver: [Int64: UnownedPacket] = [:]
    /// The trace has `net_dev_queue`: link use is counted there rather than at transmit.
    var sawNetDevQueue = false
    /// The trace has socket events (`sock_send_length`, `tcp_probe`): an unowned packet may
    /// still find its socket (without them it is unattributed at once).
    var sawSocketEvents = false
    var sentTotals: [String: [String: LinkTraffic]] = [:]
    var unattributedTotals: [String: LinkTraffic] = [:]

    mutating func addTotals(_ w: HostWindow) {
        for (device, senders) in w.netBytes {
            for (sender, bytes) in senders {
                sentTotals[device, default: [:]][sender, default: LinkTraffic()].txBytes += bytes
                sentTotals[device, default: [:]][sender, default: LinkTraffic()].txPackets += w.netPackets[device]?[sender] ?? 0
            }
        }
        for (device, traffic) in w.netUnattributed {
            var total = unattributedTotals[device] ?? LinkTraffic()
            total.txPackets += traffic.txPackets
            total.txBytes += traffic.txBytes
            total.rxPackets += traffic.rxPackets
            total.rxBytes += traffic.rxBytes
            unattributedTotals[device] = total
        }
    }

    /// Drops queued packets older than `t` whose transmit was lost.
    mutating func purge(before t: Int64) {
        if queued.count > 10_000 { queued = queued.filter { $0.value.time >= t } }
    }
}

extension HostModel {
    /// Whole-trace bytes and packets each sender put on each network device.
    public var linkTotals: [String: [String: LinkTraffic]] { network.sentTotals }
    /// Whole-trace traffic on each network device that no owner could be found for.
    public var unattributedLinkTotals: [String: LinkTraffic] { network.unattributedTotals }

    /// The event ran in an interrupt, where the current task is unrelated: perf's `common_flags`
    /// when the trace has them, else between `irq_softirq_entry` and `_exit` on that CPU.
    func inInterrupt(_ e: Event, cpu: Int) -> Bool {
        if e.context.contains(.known) { return e.context.isInterrupt }
        return cpus[cpu].inSoftirq(at: e.time)
    }

    /// `tid` as a packet's owner: a VM's thread or a host process; never the idle task or a
    /// kernel thread (-1: not an owner).
    func packetOwner(_ tid: Int32) -> Int32 {
        guard tid > 0 else { return -1 }
        switch registry.role(of: tid) {
        case .kernel, .idle: return -1
        default: return tid
        }
    }

    // MARK: - Sockets

    func socketSend(_ e: Event, cpu: Int, thread: Int32) {
        network.sawSocketEvents = true
        guard !inInterrupt(e, cpu: cpu) else { return }
        let owner = packetOwner(thread)
        if owner > 0 { network.socketOwner[e.socket] = owner }
    }

    /// `tcp_probe`: socket `skaddr` received segment `skbaddr`. In process context the current
    /// task owns the socket; in a softirq the socket is remembered for the data its ACK releases
    /// on this CPU. A packet waiting for an owner is resolved: received → this socket's owner,
    /// sent → the owner of the flow's other end (its ports reversed).
    func tcpProbe(_ e: Event, cpu: Int, thread: Int32) {
        network.sawSocketEvents = true
        let socket = e.probeSocket
        network.flowSocket[e.c] = socket
        if inInterrupt(e, cpu: cpu) {
            cpus[cpu].probeSocket = socket
            cpus[cpu].probeTime = e.time
        } else {
            let owner = packetOwner(thread)
            if owner > 0 { network.socketOwner[socket] = owner }
        }
        if !network.awaitingReceiver.isEmpty, let p = network.awaitingReceiver.removeValue(forKey: e.skbaddr) {
            let owner = network.socketOwner[socket] ?? -1
            if owner > 0 { creditReceive(owner, length: p.length, device: strings[p.device]) } else { unattributed(p, sent: false) }
        }
        if !network.awaitingSender.isEmpty, let p = network.awaitingSender.removeValue(forKey: e.skbaddr) {
            let reversed = e.destinationPort << 16 | e.sourcePort
            let owner = network.flowSocket[reversed].flatMap { network.socketOwner[$0] } ?? -1
            if owner > 0 {
                creditSend(owner, length: p.length, device: strings[p.device], delay: nil, countsLinkUse: p.countsLinkUse)
            } else {
                unattributed(p, sent: true)
            }
        }
    }

    // MARK: - Packets

    /// `net_dev_queue`: in process context the sender is the current task; in a softirq, the owner
    /// of the socket whose incoming segment released it (the last `tcp_probe` there), else not yet
    /// known.
    func netQueue(_ e: Event, cpu: Int, thread: Int32) {
        network.sawNetDevQueue = true
        var owner: Int32 = -1
        if !inInterrupt(e, cpu: cpu) {
            owner = packetOwner(thread)
        } else if cpus[cpu].probeSocket != 0, e.time - cpus[cpu].probeTime <= NetworkAttribution.probeReachNs {
            owner = network.socketOwner[cpus[cpu].probeSocket] ?? -1
        }
        network.queued[e.skbaddr] = QueuedPacket(owner: owner, time: e.time)
        // Who uses a link is counted where the sender queues: a qdisc may split or send packets
        // later from any task.
        if owner > 0 { countLinkUse(owner, length: Self.size(e.length), device: strings[e.deviceName]) }
    }

    /// `net_dev_xmit`: the packet is its queuer's (same `skbaddr`); without a queue event, the
    /// current task's in process context. A qdisc sends held packets from softirq in any task.
    func netXmit(_ e: Event, cpu: Int, thread: Int32) {
        if let queued = network.queued.removeValue(forKey: e.skbaddr) {
            if queued.owner > 0 {
                creditSend(queued.owner, length: Self.size(e.length), device: strings[e.deviceName], delay: e.time - queued.time, countsLinkUse: false)
            } else {
                awaitOwner(e, sent: true, countsLinkUse: true)
            }
            return
        }
        let owner = inInterrupt(e, cpu: cpu) ? -1 : packetOwner(thread)
        if owner > 0 {
            creditSend(owner, length: Self.size(e.length), device: strings[e.deviceName], delay: nil, countsLinkUse: !network.sawNetDevQueue)
        } else {
            awaitOwner(e, sent: true, countsLinkUse: !network.sawNetDevQueue)
        }
    }

    /// `netif_receive_skb`: the current task's in process context (vhost, a tap writer); in a
    /// softirq, the owner of the socket that takes it (its `tcp_probe`), else unattributed.
    func netReceive(_ e: Event, cpu: Int, thread: Int32) {
        let owner = inInterrupt(e, cpu: cpu) ? -1 : packetOwner(thread)
        if owner > 0 {
            creditReceive(owner, length: Self.size(e.length), device: strings[e.deviceName])
        } else {
            awaitOwner(e, sent: false, countsLinkUse: false)
        }
    }

    private func awaitOwner(_ e: Event, sent: Bool, countsLinkUse: Bool) {
        let p = UnownedPacket(length: Self.size(e.length), device: e.deviceName, time: e.time, countsLinkUse: countsLinkUse)
        guard network.sawSocketEvents else { unattributed(p, sent: sent); return }
        if sent { network.awaitingSender[e.skbaddr] = p } else { network.awaitingReceiver[e.skbaddr] = p }
    }

    private func countLinkUse(_ owner: Int32, length: Int64, device: String) {
        let vm = vmOf(owner)
        let sender = vm >= 0 ? registry.vms[vm].name : registry.culpritName(of: owner)
        hostWindow.netBytes[device, default: [:]][sender, default: 0] += length
        hostWindow.netPackets[device, default: [:]][sender, default: 0] += 1
    }

    private func creditSend(_ owner: Int32, length: Int64, device: String, delay: Int64?, countsLinkUse: Bool) {
        if countsLinkUse { countLinkUse(owner, length: length, device: device) }
        let vm = vmOf(owner)
        guard vm >= 0 else { return }
        vmWindows[vm].netTxPackets += 1
        vmWindows[vm].netTxBytes += length
        if let delay { vmWindows[vm].xmitDelays.append(delay) }
        vmWindows[vm].keys[EventKey(.net, "\(device) tx"), default: 0] += 1
    }

    private func creditReceive(_ owner: Int32, length: Int64, device: String) {
        let vm = vmOf(owner)
        guard vm >= 0 else { return }
        vmWindows[vm].netRxPackets += 1
        vmWindows[vm].netRxBytes += length
        vmWindows[vm].keys[EventKey(.net, "\(device) rx"), default: 0] += 1
    }

    private func unattributed(_ p: UnownedPacket, sent: Bool) {
        let device = strings[p.device]
        var traffic = hostWindow.netUnattributed[device] ?? LinkTraffic()
        if sent {
            traffic.txPackets += 1
            traffic.txBytes += p.length
        } else {
            traffic.rxPackets += 1
            traffic.rxBytes += p.length
        }
        hostWindow.netUnattributed[device] = traffic
    }

    /// Per VM, how long its packets still queued at `t` (queued within `HostModel.inFlightHorizonNs`, not yet
    /// transmitted) have waited so far.
    func pendingWaits(at t: Int64) -> [Int: DelaySum] {
        var waits: [Int: DelaySum] = [:]
        guard !network.queued.isEmpty else { return waits }
        for p in network.queued.values where p.owner > 0 && p.time <= t && t - p.time <= HostModel.inFlightHorizonNs {
            guard let info = registry.info(p.owner), info.vm >= 0 else { continue }
            waits[info.vm, default: DelaySum()] = waits[info.vm, default: DelaySum()] + DelaySum(totalNs: t - p.time, count: 1)
        }
        return waits
    }

    /// Counts as unattributed the packets that waited for an owner since before `t`.
    func expireUnownedPackets(before t: Int64) {
        if !network.awaitingSender.isEmpty {
            for (skb, p) in network.awaitingSender where p.time < t {
                network.awaitingSender[skb] = nil
                unattributed(p, sent: true)
            }
        }
        if !network.awaitingReceiver.isEmpty {
            for (skb, p) in network.awaitingReceiver where p.time < t {
                network.awaitingReceiver[skb] = nil
                unattributed(p, sent: false)
            }
        }
    }
}
