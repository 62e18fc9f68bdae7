@testable import HostModel
import TestSupport
import Testing
import TraceIngest

/// `GuestProcessDecoder`: guest processes by CR3 and threads by stack, from the host alone.
@Suite struct GuestProcessTests {
    let kernelA: UInt64 = 0xffff_c900_0001_0000    // a 16 KiB kernel stack of process A
    let userA: UInt64 = 0x7f00_0080_0000           // an 8 MiB user-stack block of process A
    let cr3A: UInt64 = 0x1_2340_4000, cr3B: UInt64 = 0x1_2341_0000

    @Test func guestTimeGoesToTheCR3AndStackOfTheLastEntry() {
        var d = GuestProcessDecoder()
        // Thread 7 (vCPU 0): A in kernel mode (PCID 3 in the low bits) 0–100, A in user mode with
        // PTI's user CR3 (bit 12) 150–250, B in kernel mode 300–330; an entry never run (no
        // guest state after it) counts an entry and no time.
        d.enter(thread: 7, cr3: cr3A | 3, sp: kernelA + 0x3f00, at: 0)
        d.state(thread: 7, .guest, at: 0)
        d.state(thread: 7, .hypervisor, at: 100)
        d.enter(thread: 7, cr3: cr3A | 0x1000 | 3, sp: userA + 0x7f_ff00, at: 150)
        d.state(thread: 7, .guest, at: 150)
        d.state(thread: 7, .preempted, at: 250)
        d.enter(thread: 7, cr3: cr3B, sp: kernelA + 0x4000 + 0x10, at: 300)   // the next 16 KiB block
        d.state(thread: 7, .guest, at: 300)
        d.state(thread: 7, .idle, at: 330)
        d.enter(thread: 7, cr3: cr3B, sp: kernelA + 0x4000 + 0x20, at: 340)
        // Thread 8 is no vCPU of a VM: dropped.
        d.enter(thread: 8, cr3: cr3B, sp: kernelA, at: 0)
        d.state(thread: 8, .guest, at: 0)
        let rows = d.finish(at: 400) { $0 == 7 ? "web" : nil }
        var a = GuestProcessTimes(vm: "web", cr3: cr3A, name: "cr3-123404000", pid: nil)
        a.threads = [GuestStackTimes(mode: "kernel", start: kernelA, end: kernelA + 0x4000, guestNs: 100, entries: 1),
                     GuestStackTimes(mode: "user", start: userA, end: userA + 0x80_0000, guestNs: 100, entries: 1)]
        a.guestNs = 200; a.entries = 2
        var b = GuestProcessTimes(vm: "web", cr3: cr3B, name: "cr3-123410000", pid: nil)
        b.threads = [GuestStackTimes(mode: "kernel", start: kernelA + 0x4000, end: kernelA + 0x8000, guestNs: 30, entries: 2)]
        b.guestNs = 30; b.entries = 2
        #expect(rows == [a, b])
    }

    @Test func aUserOnlyCR3WithoutAKernelTwinStaysItsOwnProcess() {
        var d = GuestProcessDecoder()
        d.enter(thread: 7, cr3: cr3A | 0x1000, sp: userA, at: 0)
        d.state(thread: 7, .guest, at: 0)
        let rows = d.finish(at: 10) { _ in "web" }
        #expect(rows.map(\.cr3) == [cr3A | 0x1000])
        #expect(rows[0].guestNs == 10)
    }

    @Test func aGuestStatedumpGivesUserStacksTheirMapsAndProcessesTheirNames() {
        // Process 300 (`db`) has its stack at [0x7f00_0010_0000, 0x7f00_0020_0000); process 301
        // a map over the same addresses in its own address space but fewer of the SPs.
        let dump = GuestStatedump(maps: [GuestMemoryMap(pid: 300, start: 0x7f00_0010_0000, end: 0x7f00_0020_0000),
                                         GuestMemoryMap(pid: 300, start: 0x7f00_0030_0000, end: 0x7f00_0031_0000),
                                         GuestMemoryMap(pid: 301, start: 0x7f00_0030_0000, end: 0x7f00_0031_0000)],
                                  names: [300: "db", 301: "other"])
        var d = GuestProcessDecoder(statedumps: ["web": dump])
        d.enter(thread: 7, cr3: cr3A, sp: 0x7f00_001f_0000, at: 0)
        d.state(thread: 7, .guest, at: 0)
        d.enter(thread: 7, cr3: cr3A, sp: 0x7f00_0010_0100, at: 10)   // its exit missing: 0–10 ends here
        d.state(thread: 7, .guest, at: 10)
        d.enter(thread: 7, cr3: cr3A, sp: 0x7f00_0030_8000, at: 25)
        d.state(thread: 7, .guest, at: 25)
        let rows = d.finish(at: 30) { _ in "web" }
        var a = GuestProcessTimes(vm: "web", cr3: cr3A, name: "db", pid: 300)
        a.threads = [GuestStackTimes(mode: "user", start: 0x7f00_0010_0000, end: 0x7f00_0020_0000, guestNs: 25, entries: 2),
                     GuestStackTimes(mode: "user", start: 0x7f00_0030_0000, end: 0x7f00_0031_0000, guestNs: 5, entries: 1)]
        a.guestNs = 30; a.entries = 3
        #expect(rows == [a])
    }

    @Test func theSinkReadsEntriesOnVCPUThreadsThroughTheHostModel() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.schedSwitch(1 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.enterGuest(2 * ms, cpu: 0, tid: 101, vcpu: 0, cr3: cr3A, sp: kernelA + 8)
        b.kvmEntry(2 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.kvmExit(5 * ms, cpu: 0, tid: 101, reason: 1, vcpu: 0)
        b.enterGuest(6 * ms, cpu: 0, tid: -1, vcpu: 0, cr3: cr3B, sp: userA + 8)   // no context: the CPU's current thread
        b.kvmEntry(6 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.kvmExit(10 * ms, cpu: 0, tid: 101, reason: 12, vcpu: 0)
        b.schedSwitch(11 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        let model = HostModel(strings: b.strings, configuration: .init(recordsStateChanges: true))
        let sink = GuestProcessSink()
        for e in b.sorted { model.consume(e); sink.consume(e, model: model) }
        model.finish()
        let rows = sink.finish(model: model)
        #expect(rows.map(\.vm) == ["qemu-system-x86-100", "qemu-system-x86-100"])
        #expect(rows.map(\.guestNs) == [3 * ms, 4 * ms])
        #expect(rows.map(\.cr3) == [cr3A, cr3B])
    }

    @Test func bothSpellingsNameTheEvent() {
        #expect(EventKind.named("addons_vcpu_enter_guest") == .vcpuEnterGuest)
        #expect(EventKind.named("addons:vcpu_enter_guest") == .vcpuEnterGuest)
        #expect(EventKind.named("kvm:vcpu_enter_guest") == .vcpuEnterGuest)
        #expect(EventKind.named("lttng_statedump_vm_map") == .statedumpVMMap)
    }
}
