/* Writes a synthetic PT capture (cpu0.pt + pt-sidecar.json) of about SIZE_MB with libipt's encoder,
   same packet pattern as IntelPT.PTCaptureWriter: PSB+ every 4 KiB, TSC+TMA+PIP per event. */
#include <intel-pt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: gen DIR SIZE_MB\n"); return 2; }
    char path[4096]; snprintf(path, sizeof path, "%s/cpu0.pt", argv[1]);
    FILE *f = fopen(path, "wb"); if (!f) { perror(path); return 2; }
    size_t want = (size_t)atol(argv[2]) << 20, cap = 1 << 20, written = 0;
    uint8_t *buf = malloc(cap);
    struct pt_config c; pt_config_init(&c); c.begin = buf; c.end = buf + cap;
    c.cpu.vendor = pcv_intel; c.cpu.family = 6; c.cpu.model = 0x55; c.cpu.stepping = 4;
    pt_cpu_errata(&c.errata, &c.cpu); c.mtc_freq = 3; c.nom_freq = 24; c.cpuid_0x15_eax = 1; c.cpuid_0x15_ebx = 100;
    struct pt_encoder *e = pt_alloc_encoder(&c);
    uint64_t t = 1000, n = 0, lastpsb = 0, off;
    int guest = 0;
    while (written < want) {
        pt_enc_get_offset(e, &off);
        if (off > cap - 128) { fwrite(buf, 1, off, f); written += off; pt_enc_sync_set(e, 0); lastpsb = 0; off = 0; }
        struct pt_packet p; memset(&p, 0, sizeof p);
        uint64_t tsc = (t * 12 + 4) / 5;
        if (n == 0 || off - lastpsb >= 4096) {
            p.type = ppt_psb; pt_enc_next(e, &p);
        }
        p.type = ppt_tsc; p.payload.tsc.tsc = tsc; pt_enc_next(e, &p);
        memset(&p, 0, sizeof p); p.type = ppt_tma; p.payload.tma.ctc = (uint16_t)(tsc / 100); p.payload.tma.fc = 0; pt_enc_next(e, &p);
        if (n == 0 || off - lastpsb >= 4096) {
            memset(&p, 0, sizeof p); p.type = ppt_psbend; pt_enc_next(e, &p);
            pt_enc_get_offset(e, &lastpsb);
        }
        memset(&p, 0, sizeof p); p.type = ppt_pip;
        guest = !guest; p.payload.pip.nr = guest; p.payload.pip.cr3 = guest ? 0xa000 + (n % 7) * 0x20 : 0x5000;
        if (guest && n % 3 == 0) { struct pt_packet v; memset(&v, 0, sizeof v); v.type = ppt_vmcs; v.payload.vmcs.base = 0x1000 * (1 + n % 4); pt_enc_next(e, &v); }
        pt_enc_next(e, &p);
        t += 1000 + n % 977; n++;
    }
    pt_enc_get_offset(e, &off); fwrite(buf, 1, off, f); written += off; fclose(f);
    snprintf(path, sizeof path, "%s/pt-sidecar.json", argv[1]);
    f = fopen(path, "w");
    fprintf(f, "{\"family\":6,\"model\":85,\"stepping\":4,\"mtcFreq\":3,\"nomFreq\":24,\"cpuid15Eax\":1,\"cpuid15Ebx\":100,"
               "\"tscToNsNum\":12,\"tscToNsDen\":5,\"tscZero\":0,\"cpuCount\":1,\"vmcs\":{},\"processes\":{}}\n");
    fclose(f);
    printf("%zu bytes, %llu events\n", written, (unsigned long long)n);
    return 0;
}
