/* One recorded event as the replayer re-emits it: its recorded time and CPU, the thread and
 * process it ran in, and up to six integers and two strings of its payload (named per event in
 * the tracepoint headers). */
#ifndef REPLAY_EVENT_H
#define REPLAY_EVENT_H
#include <stdint.h>
struct replay_event {
    int64_t time_ns;
    int64_t cpu;
    int64_t tid, pid;
    int64_t v[6];
    const char *s[2];
};
#endif
