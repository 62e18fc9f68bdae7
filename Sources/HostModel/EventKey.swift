/// A countable event key for root-cause ranking (issue #6): a kvm exit by reason, a preemption of
/// or wait by the VM's vCPU by who held the CPU, block requests by device and direction, network
/// packets by device and direction, and interrupts taken while the VM's vCPU was on the CPU.
public struct EventKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Category: Int, Sendable, Codable {
        case exit, preemptedBy, waitedFor, block, net, irq, softirq
    }

    public var category: Category
    /// The key's text after the category: `EPT_VIOLATION`, `noisy`, `8:0 R`, `lo tx`, `NET_RX`.
    public var detail: String

    public init(_ category: Category, _ detail: String) {
        self.category = category
        self.detail = detail
    }

    public var description: String {
        switch category {
        case .exit: return "kvm_exit \(detail)"
        case .preemptedBy: return "preempted_by \(detail)"
        case .waitedFor: return "waited_for \(detail)"
        case .block: return "block \(detail)"
        case .net: return "net \(detail)"
        case .irq: return "irq \(detail)"
        case .softirq: return "softirq \(detail)"
        }
    }

    /// The holder named in `preempted_by` when it is one of the VM's own threads (self-contention).
    public static let ownThreads = "own threads"

    public static func < (lhs: EventKey, rhs: EventKey) -> Bool {
        lhs.category.rawValue != rhs.category.rawValue ? lhs.category.rawValue < rhs.category.rawValue : lhs.detail < rhs.detail
    }

    /// Softirq vector names (EVENTS.md §5).
    public static func softirqName(_ vector: Int64) -> String {
        let names = ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"]
        return vector >= 0 && vector < names.count ? names[Int(vector)] : "VEC_\(vector)"
    }

    /// `major:minor` of a kernel `dev_t` (major = dev >> 20, minor = dev & 0xfffff).
    public static func deviceName(_ dev: Int64) -> String {
        "\(dev >> 20):\(dev & 0xfffff)"
    }
}
