import Features
import Foundation
import HostModel
import TestSupport
import Testing

/// The facts each `datasets/real/NAME/README.md` states (numbers measured by its analyze.py from
/// the trace), checked in the library's features. Only the labels' intervals split the windows; a
/// recording that is not on disk (the two kept out of git, or any not made yet) is skipped.
@Suite struct DatasetsRealTests {
    func recording(_ name: String) throws -> LabeledRecording { try LabeledRecording(folder: Fixtures.datasetsReal(name)) }

    @Test(.enabled(if: Fixtures.hasDatasetsReal("cpu-same-cpu")))
    func aNeighbourOnTheSameCPUHalvesTheVictim() throws {
        let r = try recording("cpu-same-cpu")
        #expect(r.mean("sched_running_share", vm: "victim", phase: 0) > 0.9)    // README: 97.2 %
        let during = r.mean("sched_running_share", vm: "victim", phase: 1)
        #expect(during > 0.4 && during < 0.6)                                    // 48.6 %
        #expect(r.mean("sched_running_share", vm: "victim", phase: 2) > 0.85)   // 93.7 %
        #expect(r.mean("sched_stolen_by_vm_share", vm: "victim", phase: 1) > 0.4)
        #expect(r.culprit(vm: "victim", phase: 1) == "noisy")
    }

    @Test(.enabled(if: Fixtures.hasDatasetsReal("cpu-other-cpu")))
    func aNeighbourOnTheOtherCPUTakesNothing() throws {
        let r = try recording("cpu-other-cpu")
        #expect(r.mean("sched_running_share", vm: "noisy", phase: 1) > 0.9)     // 97.8 %
        for phase in 0..<3 {
            #expect(r.mean("sched_running_share", vm: "victim", phase: phase) > 0.95)   // 97.6 / 98.2 / 97.8 %
            #expect(r.mean("sched_stolen_by_vm_share", vm: "victim", phase: phase) < 0.02)
        }
        #expect(r.labels.rows.allSatisfy { $0.interference == InterferenceKind.none })
    }

    @Test(.enabled(if: Fixtures.hasDatasetsReal("host-hog-cpu")))
    func aHostProcessHalvesTheVictim() throws {
        let r = try recording("host-hog-cpu")
        #expect(Set(r.table.rows.map(\.vm)) == ["victim"])
        let during = r.mean("sched_running_share", vm: "victim", phase: 1)
        #expect(during > 0.4 && during < 0.6)                                    // 49.3 %
        #expect(r.mean("sched_stolen_by_host_share", vm: "victim", phase: 1) > 0.4)   // hog 96.7 % of the wait
        #expect(r.mean("sched_stolen_by_vm_share", vm: "victim", phase: 1) < 0.02)
        #expect(r.mean("sched_running_share", vm: "victim", phase: 2) > 0.95)
        #expect(r.culprit(vm: "victim", phase: 1) == "hog")
    }

    /// The victim's reads on the shared device slow with the throttle; the saturator reads at it.
    @Test(.enabled(if: Fixtures.hasDatasetsReal("disk-4mib") && Fixtures.hasDatasetsReal("disk-16mib")))
    func theSharedDeviceSlowsTheVictimMoreAtTheLowerThrottle() throws {
        let slow = try recording("disk-4mib"), fast = try recording("disk-16mib")
        for r in [slow, fast] {
            #expect(r.mean("block_latency_mean_ms", vm: "victim", phase: 0) < 2)     // 0.61 / 0.39 ms
            #expect(r.mean("block_read_per_s", vm: "victim", phase: 0) > 45)         // 56.2 / 57.1 per s
            #expect(r.mean("sched_stolen_by_vm_share", vm: "victim", phase: 1) < 0.01)
            #expect(r.culprit(vm: "victim", phase: 1) == "noisy")
            // Held back, the victim moves a fraction of its best second (0.19 / 0.41 over the labeled windows).
            #expect(r.mean("block_requests_of_best_share", vm: "victim", phase: 0) > 0.8)
            #expect(r.mean("block_requests_of_best_share", vm: "victim", phase: 1) < 0.6)
        }
        // README: noisy 4.37 MB/s at 4 MiB/s and 17.13 MB/s at 16 MiB/s
        let noisySlow = slow.mean("block_read_bytes_per_s", vm: "noisy", phase: 1)
        let noisyFast = fast.mean("block_read_bytes_per_s", vm: "noisy", phase: 1)
        #expect(noisySlow > 3_000_000 && noisySlow < 5_500_000)
        #expect(noisyFast > 13_000_000 && noisyFast < 20_000_000)
        // victim reads 8.2/s at 106 ms mean at 4 MiB/s, 22.2/s at 28.4 ms at 16 MiB/s
        #expect(slow.mean("block_read_per_s", vm: "victim", phase: 1) < 15)
        #expect(fast.mean("block_read_per_s", vm: "victim", phase: 1) > slow.mean("block_read_per_s", vm: "victim", phase: 1))
        #expect(slow.mean("block_latency_mean_ms", vm: "victim", phase: 1) > fast.mean("block_latency_mean_ms", vm: "victim", phase: 1))
        #expect(fast.mean("block_latency_mean_ms", vm: "victim", phase: 1) > 10)
    }

    @Test(.enabled(if: Fixtures.hasDatasetsReal("disk-two-victims")))
    func bothVictimsSlowAtOnce() throws {
        let r = try recording("disk-two-victims")
        for vm in ["victim-a", "victim-b"] {
            #expect(r.mean("block_read_per_s", vm: vm, phase: 0) > 45)          // 58.0 / 58.6 per s
            #expect(r.mean("block_read_per_s", vm: vm, phase: 1) < 20)          // 12.0 / 13.3 per s
            #expect(r.mean("block_latency_mean_ms", vm: vm, phase: 1) > 20)     // 62.7 / 54.1 ms
            #expect(r.culprit(vm: vm, phase: 1) == "noisy")
        }
        #expect(r.mean("block_read_bytes_per_s", vm: "noisy", phase: 1) > 7_000_000)   // 8.56 MB/s
    }

    /// Negatives: one VM alone fills the device or the link; no other tenant, labels none.
    @Test(.enabled(if: Fixtures.hasDatasetsReal("disk-alone") && Fixtures.hasDatasetsReal("net-alone")))
    func aVMAloneFillsTheDeviceOrTheLink() throws {
        let disk = try recording("disk-alone"), net = try recording("net-alone")
        #expect(Set(disk.table.rows.map(\.vm)) == ["solo"] && Set(net.table.rows.map(\.vm)) == ["solo"])
        #expect(disk.mean("block_read_bytes_per_s", vm: "solo", phase: 1) > 7_000_000)   // 8.39 MB/s
        #expect(disk.mean("block_read_bytes_per_s", vm: "solo", phase: 0) < 100_000)
        #expect(net.table.schema.groups.contains(.net))
        #expect(net.mean("net_tx_bytes_per_s", vm: "solo", phase: 1) > 100_000)          // 366 kB/s ACKed
        #expect(net.mean("net_xmit_wait_mean_ms", vm: "solo", phase: 1) > 5)              // 37.3 ms mean queue → xmit
        #expect((disk.labels.rows + net.labels.rows).allSatisfy { $0.interference == InterferenceKind.none })
    }

    @Test(.enabled(if: Fixtures.hasDatasetsReal("net-2mbit")))
    func theSharedLinkDelaysTheVictimsTransmits() throws {
        let r = try recording("net-2mbit")
        #expect(r.mean("net_xmit_wait_mean_ms", vm: "victim", phase: 0) < 1)     // 0.005 ms
        #expect(r.mean("net_xmit_wait_mean_ms", vm: "victim", phase: 1) > 20)    // 164.5 ms
        #expect(r.mean("sched_stolen_by_vm_share", vm: "victim", phase: 1) < 0.02)
        #expect(r.culprit(vm: "victim", phase: 1) == "noisy")
        // The victim sends less of its best second while noisy fills the link (0.64 against 0.83).
        #expect(r.mean("net_tx_bytes_of_best_share", vm: "victim", phase: 1)
                < r.mean("net_tx_bytes_of_best_share", vm: "victim", phase: 0) - 0.1)
    }

    @Test(.enabled(if: Fixtures.hasDatasetsReal("quiet")))
    func theQuietControlStaysIdle() throws {
        let r = try recording("quiet")
        #expect(Set(r.table.rows.map(\.vm)) == ["vm-a", "vm-b"])
        for vm in ["vm-a", "vm-b"] {
            for phase in 0..<3 {
                #expect(r.mean("sched_running_share", vm: vm, phase: phase) < 0.02)     // 0.4-0.5 %
                #expect(r.mean("block_read_per_s", vm: vm, phase: phase) == 0)
            }
        }
    }

    /// Kept out of git (made by `scripts/record-real.sh all mixed-cpu-disk`): skipped when absent.
    @Test(.enabled(if: Fixtures.hasDatasetsReal("mixed-cpu-disk")))
    func theMixedVictimMeetsACPUNeighbourThenADiskReader() throws {
        let r = try recording("mixed-cpu-disk")
        #expect(r.mean("sched_running_share", vm: "victim", phase: 0) > 0.9)          // 96.4 %
        #expect(r.mean("sched_running_share", vm: "victim", phase: 1) < 0.6)          // 47.7 %
        #expect(r.mean("sched_running_share", vm: "victim", phase: 2) > 0.85)         // 93.4 %
        #expect(r.mean("block_latency_mean_ms", vm: "victim", phase: 0) < 2)          // 0.47 ms
        #expect(r.mean("block_latency_mean_ms", vm: "victim", phase: 2) > 10)         // 35.9 ms
        #expect(r.culprit(vm: "victim", phase: 1) == "hogvm")
        #expect(r.culprit(vm: "victim", phase: 2) == "reader")
    }

    /// Kept out of git (`scripts/record-real.sh all net-6mbit`): skipped when absent.
    @Test(.enabled(if: Fixtures.hasDatasetsReal("net-6mbit")))
    func theFasterLinkStillDelaysTheVictim() throws {
        let r = try recording("net-6mbit")
        #expect(r.mean("net_xmit_wait_mean_ms", vm: "victim", phase: 0) < 1)     // 0.004 ms
        #expect(r.mean("net_xmit_wait_mean_ms", vm: "victim", phase: 1) > 10)    // 49.4 ms
        #expect(r.culprit(vm: "victim", phase: 1) == "noisy")
    }
}
