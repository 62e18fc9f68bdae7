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
        switch self {
        case .svmINTR, .svmNMI, .externalInterrupt: return .externalInterrupt
        case .svmHLT, .hlt: return .hlt
        case .svmIOIO, .ioInstruction: return .io
        case .svmNPF, .eptViolation: return .eptViolation
        case .eptMisconfig: return .eptMisconfig
        case .svmMSR, .msrRead, .msrWrite: return .msr
        case .preemptionTimer: return .preemptionTimer
        default: return .other
        }
    }

    static let vmxNames: [Int64: String] = Dictionary(uniqueKeysWithValues: [
        (exceptionNMI, "EXCEPTION_NMI"),
        (externalInterrupt, "EXTERNAL_INTERRUPT"),
        (tripleFault, "TRIPLE_FAULT"),
        (initSignal, "INIT_SIGNAL"),
        (sipiSignal, "SIPI_SIGNAL"),
        (interruptWindow, "INTERRUPT_WINDOW"),
        (nmiWindow, "NMI_WINDOW"),
        (taskSwitch, "TASK_SWITCH"),
        (cpuid, "CPUID"),
        (hlt, "HLT"),
        (invd, "INVD"),
        (invlpg, "INVLPG"),
        (rdpmc, "RDPMC"),
        (rdtsc, "RDTSC"),
        (vmcall, "VMCALL"),
        (vmclear, "VMCLEAR"),
        (vmlaunch, "VMLAUNCH"),
        (vmptrld, "VMPTRLD"),
        (vmptrst, "VMPTRST"),
        (vmread, "VMREAD"),
        (vmresume, "VMRESUME"),
        (vmwrite, "VMWRITE"),
        (vmoff, "VMOFF"),
        (vmon, "VMON"),
        (crAccess, "CR_ACCESS"),
        (drAccess, "DR_ACCESS"),
        (ioInstruction, "IO_INSTRUCTION"),
        (msrRead, "MSR_READ"),
        (msrWrite, "MSR_WRITE"),
        (invalidState, "INVALID_STATE"),
        (msrLoadFail, "MSR_LOAD_FAIL"),
        (mwaitInstruction, "MWAIT_INSTRUCTION"),
        (monitorTrapFlag, "MONITOR_TRAP_FLAG"),
        (monitorInstruction, "MONITOR_INSTRUCTION"),
        (pauseInstruction, "PAUSE_INSTRUCTION"),
        (mceDuringVMEntry, "MCE_DURING_VMENTRY"),
        (tprBelowThreshold, "TPR_BELOW_THRESHOLD"),
        (apicAccess, "APIC_ACCESS"),
        (eoiInduced, "EOI_INDUCED"),
        (gdtrIDTR, "GDTR_IDTR"),
        (ldtrTR, "LDTR_TR"),
        (eptViolation, "EPT_VIOLATION"),
        (eptMisconfig, "EPT_MISCONFIG"),
        (invEPT, "INVEPT"),
        (rdtscp, "RDTSCP"),
        (preemptionTimer, "PREEMPTION_TIMER"),
        (invVPID, "INVVPID"),
        (wbinvd, "WBINVD"),
        (xsetbv, "XSETBV"),
        (apicWrite, "APIC_WRITE"),
        (rdrand, "RDRAND"),
        (invpcid, "INVPCID"),
        (vmfunc, "VMFUNC"),
        (encls, "ENCLS"),
        (rdseed, "RDSEED"),
        (pmlFull, "PML_FULL"),
        (xsaves, "XSAVES"),
        (xrstors, "XRSTORS"),
        (umwait, "UMWAIT"),
        (tpause, "TPAUSE"),
        (busLock, "BUS_LOCK"),
        (notify, "NOTIFY"),
    ].map { ($0.0.rawValue, $0.1) })

    static let svmNames: [Int64: String] = Dictionary(uniqueKeysWithValues: [
        (svmINTR, "INTR"),
        (svmNMI, "NMI"),
        (svmVINTR, "VINTR"),
        (svmCPUID, "CPUID"),
        (svmPAUSE, "PAUSE"),
        (svmHLT, "HLT"),
        (svmIOIO, "IOIO"),
        (svmMSR, "MSR"),
        (svmSHUTDOWN, "SHUTDOWN"),
        (svmVMMCALL, "VMMCALL"),
        (svmNPF, "NPF"),
        (svmAVICIncompleteIPI, "AVIC_INCOMPLETE_IPI"),
    ].map { ($0.0.rawValue, $0.1) })
}

/// Named members: the reader, the host model and the simulator use these, never the numbers.
extension ExitReason {
    /// The VMX basic exit reasons by name (`uapi/asm/vmx.h`).
    public static let exceptionNMI = ExitReason(rawValue: 0)
    public static let externalInterrupt = ExitReason(rawValue: 1)
    public static let tripleFault = ExitReason(rawValue: 2)
    public static let initSignal = ExitReason(rawValue: 3)
    public static let sipiSignal = ExitReason(rawValue: 4)
    public static let interruptWindow = ExitReason(rawValue: 7)
    public static let nmiWindow = ExitReason(rawValue: 8)
    public static let taskSwitch = ExitReason(rawValue: 9)
    public static let cpuid = ExitReason(rawValue: 10)
    public static let hlt = ExitReason(rawValue: 12)
    public static let invd = ExitReason(rawValue: 13)
    public static let invlpg = ExitReason(rawValue: 14)
    public static let rdpmc = ExitReason(rawValue: 15)
    public static let rdtsc = ExitReason(rawValue: 16)
    public static let vmcall = ExitReason(rawValue: 18)
    public static let vmclear = ExitReason(rawValue: 19)
    public static let vmlaunch = ExitReason(rawValue: 20)
    public static let vmptrld = ExitReason(rawValue: 21)
    public static let vmptrst = ExitReason(rawValue: 22)
    public static let vmread = ExitReason(rawValue: 23)
    public static let vmresume = ExitReason(rawValue: 24)
    public static let vmwrite = ExitReason(rawValue: 25)
    public static let vmoff = ExitReason(rawValue: 26)
    public static let vmon = ExitReason(rawValue: 27)
    public static let crAccess = ExitReason(rawValue: 28)
    public static let drAccess = ExitReason(rawValue: 29)
    public static let ioInstruction = ExitReason(rawValue: 30)
    public static let msrRead = ExitReason(rawValue: 31)
    public static let msrWrite = ExitReason(rawValue: 32)
    public static let invalidState = ExitReason(rawValue: 33)
    public static let msrLoadFail = ExitReason(rawValue: 34)
    public static let mwaitInstruction = ExitReason(rawValue: 36)
    public static let monitorTrapFlag = ExitReason(rawValue: 37)
    public static let monitorInstruction = ExitReason(rawValue: 39)
    public static let pauseInstruction = ExitReason(rawValue: 40)
    public static let mceDuringVMEntry = ExitReason(rawValue: 41)
    public static let tprBelowThreshold = ExitReason(rawValue: 43)
    public static let apicAccess = ExitReason(rawValue: 44)
    public static let eoiInduced = ExitReason(rawValue: 45)
    public static let gdtrIDTR = ExitReason(rawValue: 46)
    public static let ldtrTR = ExitReason(rawValue: 47)
    public static let eptViolation = ExitReason(rawValue: 48)
    public static let eptMisconfig = ExitReason(rawValue: 49)
    public static let invEPT = ExitReason(rawValue: 50)
    public static let rdtscp = ExitReason(rawValue: 51)
    public static let preemptionTimer = ExitReason(rawValue: 52)
    public static let invVPID = ExitReason(rawValue: 53)
    public static let wbinvd = ExitReason(rawValue: 54)
    public static let xsetbv = ExitReason(rawValue: 55)
    public static let apicWrite = ExitReason(rawValue: 56)
    public static let rdrand = ExitReason(rawValue: 57)
    public static let invpcid = ExitReason(rawValue: 58)
    public static let vmfunc = ExitReason(rawValue: 59)
    public static let encls = ExitReason(rawValue: 60)
    public static let rdseed = ExitReason(rawValue: 61)
    public static let pmlFull = ExitReason(rawValue: 62)
    public static let xsaves = ExitReason(rawValue: 63)
    public static let xrstors = ExitReason(rawValue: 64)
    public static let umwait = ExitReason(rawValue: 67)
    public static let tpause = ExitReason(rawValue: 68)
    public static let busLock = ExitReason(rawValue: 74)
    public static let notify = ExitReason(rawValue: 75)

    /// The common SVM exit codes (`uapi/asm/svm.h`).
    public static let svmINTR = ExitReason(rawValue: 0x060, isa: 2)
    public static let svmNMI = ExitReason(rawValue: 0x061, isa: 2)
    public static let svmVINTR = ExitReason(rawValue: 0x064, isa: 2)
    public static let svmCPUID = ExitReason(rawValue: 0x072, isa: 2)
    public static let svmPAUSE = ExitReason(rawValue: 0x077, isa: 2)
    public static let svmHLT = ExitReason(rawValue: 0x078, isa: 2)
    public static let svmIOIO = ExitReason(rawValue: 0x07b, isa: 2)
    public static let svmMSR = ExitReason(rawValue: 0x07c, isa: 2)
    public static let svmSHUTDOWN = ExitReason(rawValue: 0x07f, isa: 2)
    public static let svmVMMCALL = ExitReason(rawValue: 0x081, isa: 2)
    public static let svmNPF = ExitReason(rawValue: 0x400, isa: 2)
    public static let svmAVICIncompleteIPI = ExitReason(rawValue: 0x401, isa: 2)
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
