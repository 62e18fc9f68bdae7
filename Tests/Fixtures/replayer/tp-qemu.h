/* QEMU's own UST events (provider `qemu`), as QEMU's trace-events name them. */
#undef TRACEPOINT_PROVIDER
#define TRACEPOINT_PROVIDER qemu
#undef TRACEPOINT_INCLUDE
#define TRACEPOINT_INCLUDE "./tp-qemu.h"
#if !defined(TP_QEMU_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define TP_QEMU_H
#include <lttng/tracepoint.h>
#include "replay-event.h"
#include "tp-common.h"
REPLAY_EVENT(qemu, thread_pool_submit, ctf_integer(int64_t, req, e->v[0]) ctf_integer(int64_t, pool, e->v[1]))
REPLAY_EVENT(qemu, thread_pool_complete, ctf_integer(int64_t, req, e->v[0]) ctf_integer(int64_t, pool, e->v[1]) ctf_integer(int64_t, ret, e->v[2]))
#endif
#include <lttng/tracepoint-event.h>
