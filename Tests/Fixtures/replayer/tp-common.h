/* The fields every replayed event carries first: the recorded clock value and CPU (which
 * `interfere watch` honours over the UST clock and buffer CPU), and the recorded thread and process
 * as perf's payload names them (no `lttng add-context`: the context would be the replayer's). */
#define REPLAY_COMMON_FIELDS \
    ctf_integer(int64_t, replay_time_ns, e->time_ns) \
    ctf_integer(int32_t, replay_cpu, e->cpu) \
    ctf_integer(int32_t, perf_tid, e->tid) \
    ctf_integer(int32_t, perf_pid, e->pid)
#define REPLAY_EVENT(provider, name, fields) \
    TRACEPOINT_EVENT(provider, name, TP_ARGS(const struct replay_event *, e), TP_FIELDS(REPLAY_COMMON_FIELDS fields))
