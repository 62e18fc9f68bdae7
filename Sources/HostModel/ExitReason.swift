/// A VM exit reason as the kernel reports it: VMX basic exit reasons (`exit_reason & 0xffff`,
/// Linux `uapi/asm/vmx.h`) or SVM exit codes (`isa` = 2, `uapi/asm/svm.h`).
///
/// A struct over the raw value, not a closed enum (as swift-system's `Errno`): reasons grow with
/// every kernel, and an unknown code is kept and printed as `UNKNOWN_<n>`, never dropped.
public struct ExitReason: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    /// 1 for VMX (Intel), 2 for SVM (AMD).
    public let isa: Int64

    public init(rawValue: Int64, isa: Int64 = 1) {
        self.rawValue = isa == 2 ? rawValue : rawValue & 0xffff
        self.isa = isa
    }

    /// The kernel's name (`EPT_VIOLATION`, `HLT`, ...), or `UNKNOWN_<n>`.
    public var name: String {
        if isa == 2 { return Self.svmNames[rawValue] ?? "UNKNOWN_SVM_\(rawValue)" }
        return Self.vmxNames[rawValue] ?? "UNKNOWN_\(rawValue)"
    }

    public var description: String { name }

    /// The feature group of DESIGN.md this reason counts in.
    public var group: ExitGroup {
        switch (isa, rawValue) {
        case (2, 0x060), (2, 0x061): return .externalInterrupt
        case (2, 0x078): return .hlt
        case (2, 0x07b): return .io
        case (2, 0x400): return .eptViolation
        case (2, 0x07c): return .msr
        case (2, _): return .other
        case (_, 1): return .externalInterrupt
        case (_, 12): return .hlt
        case (_, 30): return .io
        case (_, 48): return .eptViolation
        case (_, 49): return .eptMisconfig
        case (_, 31), (_, 32): return .msr
        case (_, 52): return .preemptionTimer
        default: return .other
        }
    }

    static let vmxNames: [Int64: String] = [
        0: "EXCEPTION_NMI", 1: "EXTERNAL_INTERRUPT", 2: "TRIPLE_FAULT", 3: "INIT_SIGNAL", 4: "SIPI_SIGNAL",
        7: "INTERRUPT_WINDOW", 8: "NMI_WINDOW", 9: "TASK_SWITCH", 10: "CPUID", 12: "HLT", 13: "INVD",
        14: "INVLPG", 15: "RDPMC", 16: "RDTSC", 18: "VMCALL", 19: "VMCLEAR", 20: "VMLAUNCH",
        21: "VMPTRLD", 22: "VMPTRST", 23: "VMREAD", 24: "VMRESUME", 25: "VMWRITE", 26: "VMOFF",
        27: "VMON", 28: "CR_ACCESS", 29: "DR_ACCESS", 30: "IO_INSTRUCTION", 31: "MSR_READ",
        32: "MSR_WRITE", 33: "INVALID_STATE", 34: "MSR_LOAD_FAIL", 36: "MWAIT_INSTRUCTION",
        37: "MONITOR_TRAP_FLAG", 39: "MONITOR_INSTRUCTION", 40: "PAUSE_INSTRUCTION",
        41: "MCE_DURING_VMENTRY", 43: "TPR_BELOW_THRESHOLD", 44: "APIC_ACCESS", 45: "EOI_INDUCED",
        46: "GDTR_IDTR", 47: "LDTR_TR", 48: "EPT_VIOLATION", 49: "EPT_MISCONFIG", 50: "INVEPT",
        51: "RDTSCP", 52: "PREEMPTION_TIMER", 53: "INVVPID", 54: "WBINVD", 55: "XSETBV",
        56: "APIC_WRITE", 57: "RDRAND", 58: "INVPCID", 59: "VMFUNC", 60: "ENCLS", 61: "RDSEED",
        62: "PML_FULL", 63: "XSAVES", 64: "XRSTORS", 67: "UMWAIT", 68: "TPAUSE", 74: "BUS_LOCK",
        75: "NOTIFY",
    ]

    static let svmNames: [Int64: String] = [
        0x060: "INTR", 0x061: "NMI", 0x064: "VINTR", 0x072: "CPUID", 0x077: "PAUSE", 0x078: "HLT",
        0x07b: "IOIO", 0x07c: "MSR", 0x07f: "SHUTDOWN", 0x081: "VMMCALL", 0x400: "NPF",
        0x401: "AVIC_INCOMPLETE_IPI",
    ]
}

/// The exit-reason groups that get their own `kvm_exits_<group>_per_s` feature.
public enum ExitGroup: String, CaseIterable, Sendable, Codable {
    case externalInterrupt = "extint"
    case hlt
    case io
    case eptViolation = "ept_violation"
    case eptMisconfig = "ept_misconfig"
    case msr
    case preemptionTimer = "preemption_timer"
    case other
}
