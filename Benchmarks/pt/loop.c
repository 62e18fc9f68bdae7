/* The reference: a plain libipt packet loop (pt_pkt_sync_forward + pt_pkt_next) over a raw stream. */
#include <intel-pt.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: loop FILE\n"); return 2; }
    FILE *f = fopen(argv[1], "rb"); if (!f) { perror(argv[1]); return 2; }
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n); if (fread(buf, 1, n, f) != (size_t)n) return 2; fclose(f);
    struct pt_config c; pt_config_init(&c); c.begin = buf; c.end = buf + n;
    c.cpu.vendor = pcv_intel; c.cpu.family = 6; c.cpu.model = 0x55; c.cpu.stepping = 4;
    pt_cpu_errata(&c.errata, &c.cpu); c.mtc_freq = 3; c.nom_freq = 24; c.cpuid_0x15_eax = 1; c.cpuid_0x15_ebx = 100;
    struct pt_packet_decoder *d = pt_pkt_alloc_decoder(&c);
    unsigned long long pips = 0, pkts = 0;
    if (pt_pkt_sync_forward(d) < 0) { fprintf(stderr, "no sync\n"); return 2; }
    for (;;) {
        struct pt_packet p; int rc = pt_pkt_next(d, &p, sizeof p);
        if (rc < 0) { if (rc == -pte_eos) break; if (pt_pkt_sync_forward(d) < 0) break; continue; }
        pkts++; if (p.type == ppt_pip) pips++;
    }
    printf("%ld bytes, %llu packets, %llu pip\n", n, pkts, pips);
    return 0;
}
