import CIPT
import Foundation

/// Fills a libipt configuration for a buffer (the caller keeps the buffer alive).
func makeConfig(_ v: pt_config_values, begin: UnsafeMutablePointer<UInt8>, count: Int, path: String) throws -> pt_config {
    var c = pt_config()
    pt_config_init(&c)
    c.begin = begin
    c.end = begin + count
    c.cpu.vendor = pcv_intel
    c.cpu.family = UInt16(v.family)
    c.cpu.model = UInt8(v.model)
    c.cpu.stepping = UInt8(v.stepping)
    let rc = pt_cpu_errata(&c.errata, &c.cpu)
    if rc < 0 { throw PTError.unknownCPU(path, "family \(v.family) model \(v.model): \(String(cString: pt_errstr(pt_errcode(rc))))") }
    c.mtc_freq = UInt8(v.mtcFreq)
    c.nom_freq = UInt8(v.nomFreq)
    c.cpuid_0x15_eax = v.eax
    c.cpuid_0x15_ebx = v.ebx
    return c
}
