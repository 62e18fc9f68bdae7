/* Guest helper for the host+guest recording (host-guest-hog), linked statically into the guest
 * initramfs by mkinitramfs.sh and called by the name it is run as (argv[0]):
 *
 *   clockecho   answers clock pings on its stdin/stdout (the serial console): for every byte
 *               `p` it reads, it writes `g <ns>` and a newline, <ns> its CLOCK_MONOTONIC read
 *               right after the byte arrived; a byte `q` ends it. While it runs the console is
 *               raw (no echo, no line buffering: a read returns each byte) at 115200 baud: the
 *               emulated 16550's FIFO holds a byte below its trigger level for 4 character
 *               times before it interrupts, ~4.2 ms at the console's 9600 baud, ~0.35 ms at
 *               115200. It says `CLOCKECHO` once ready. The host times each ping before sending
 *               `p` and when the answer's first byte arrives, so host - guest lies in
 *               [sent - g, received - g].
 *   loop-a, loop-b   a busy loop (two guest processes with their own comm, which is the name
 *               they were run as).
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static long long mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int clockecho(void) {
    struct termios old, raw;
    int tty = tcgetattr(0, &old) == 0;
    if (tty) {
        raw = old;
        raw.c_lflag &= ~(ECHO | ECHONL | ICANON);
        raw.c_iflag &= ~(ICRNL | INLCR | IXON);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        cfsetispeed(&raw, B115200);
        cfsetospeed(&raw, B115200);
        tcsetattr(0, TCSANOW, &raw);
    }
    if (write(1, "CLOCKECHO\n", 10) != 10) return 1;
    char c;
    for (;;) {
        ssize_t r = read(0, &c, 1);
        if (r <= 0 || c == 'q') break;
        if (c != 'p') continue;
        long long g = mono_ns();
        char out[48];
        int k = snprintf(out, sizeof out, "g %lld\n", g);
        if (write(1, out, k) != k) break;
    }
    if (tty) tcsetattr(0, TCSANOW, &old);
    return 0;
}

int main(int argc, char **argv) {
    (void)argc;
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    if (strcmp(name, "clockecho") == 0) return clockecho();
    if (strncmp(name, "loop-", 5) == 0) {
        volatile unsigned long x = 0;
        for (;;) x++;
    }
    fprintf(stderr, "guest-helper: run as clockecho, loop-a or loop-b (not %s)\n", name);
    return 2;
}
