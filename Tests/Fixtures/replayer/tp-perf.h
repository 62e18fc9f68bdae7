/* The events whose perf spelling differs in type from LTTng's: block `rwbs` as the kernel's
 * letters, packets with perf's `common_flags` (where the event ran). */
#undef TRACEPOINT_PROVIDER
#define TRACEPOINT_PROVIDER interfere_replay_perf
#undef TRACEPOINT_INCLUDE
#define TRACEPOINT_INCLUDE "./tp-perf.h"
#if !defined(TP_PERF_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define TP_PERF_H
#include <lttng/tracepoint.h>
#include "replay-event.h"
#include "tp-common.h"
#define I(n, k) ctf_integer(int64_t, n, e->v[k])
#define S(n, k) ctf_string(n, e->s[k])
REPLAY_EVENT(interfere_replay_perf, block_rq_insert, I(dev, 0) I(sector, 1) I(nr_sector, 2) I(bytes, 3) S(rwbs, 1) S(comm, 0))
REPLAY_EVENT(interfere_replay_perf, block_rq_issue, I(dev, 0) I(sector, 1) I(nr_sector, 2) I(bytes, 3) S(rwbs, 1) S(comm, 0))
REPLAY_EVENT(interfere_replay_perf, block_rq_complete, I(dev, 0) I(sector, 1) I(nr_sector, 2) S(rwbs, 1))
REPLAY_EVENT(interfere_replay_perf, net_dev_queue, I(skbaddr, 0) I(len, 1) I(common_flags, 5) S(name, 0))
REPLAY_EVENT(interfere_replay_perf, net_dev_xmit, I(skbaddr, 0) I(len, 1) I(common_flags, 5) S(name, 0))
REPLAY_EVENT(interfere_replay_perf, netif_receive_skb, I(skbaddr, 0) I(len, 1) I(common_flags, 5) S(name, 0))
#undef I
#undef S
#endif
#include <lttng/tracepoint-event.h>
