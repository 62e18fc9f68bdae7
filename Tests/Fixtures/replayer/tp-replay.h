/* Tracepoints with the kernel events' names and fields (../shared/EVENTS.md, LTTng's spelling). */
#undef TRACEPOINT_PROVIDER
#define TRACEPOINT_PROVIDER interfere_replay
#undef TRACEPOINT_INCLUDE
#define TRACEPOINT_INCLUDE "./tp-replay.h"
#if !defined(TP_REPLAY_H) || defined(TRACEPOINT_HEADER_MULTI_READ)
#define TP_REPLAY_H
#include <lttng/tracepoint.h>
#include "replay-event.h"
#include "tp-common.h"
#define I(n, k) ctf_integer(int64_t, n, e->v[k])
#define S(n, k) ctf_string(n, e->s[k])
REPLAY_EVENT(interfere_replay, sched_switch, S(prev_comm, 0) I(prev_tid, 0) I(prev_state, 1) S(next_comm, 1) I(next_tid, 2))
REPLAY_EVENT(interfere_replay, sched_wakeup, S(comm, 0) I(tid, 0) I(target_cpu, 1))
REPLAY_EVENT(interfere_replay, sched_waking, S(comm, 0) I(tid, 0) I(target_cpu, 1))
REPLAY_EVENT(interfere_replay, sched_wakeup_new, S(comm, 0) I(tid, 0) I(target_cpu, 1))
REPLAY_EVENT(interfere_replay, sched_migrate_task, S(comm, 0) I(tid, 0) I(orig_cpu, 1) I(dest_cpu, 2))
REPLAY_EVENT(interfere_replay, sched_process_fork, S(parent_comm, 0) I(parent_tid, 0) I(child_tid, 1) I(parent_pid, 2) I(child_pid, 3) S(child_comm, 1))
REPLAY_EVENT(interfere_replay, sched_process_exec, S(filename, 0) I(tid, 0) I(old_tid, 1))
REPLAY_EVENT(interfere_replay, sched_process_exit, S(comm, 0) I(tid, 0))
REPLAY_EVENT(interfere_replay, sched_process_free, S(comm, 0) I(tid, 0))
REPLAY_EVENT(interfere_replay, lttng_statedump_process_state, I(tid, 0) I(pid, 1) I(ppid, 2) S(name, 0))
REPLAY_EVENT(interfere_replay, kvm_entry, I(vcpu_id, 0))
REPLAY_EVENT(interfere_replay, kvm_exit, I(exit_reason, 0) I(isa, 1) I(vcpu_id, 2))
REPLAY_EVENT(interfere_replay, block_rq_insert, I(dev, 0) I(sector, 1) I(nr_sector, 2) I(bytes, 3) I(rwbs, 4) I(tid, 5) S(comm, 0))
REPLAY_EVENT(interfere_replay, block_rq_issue, I(dev, 0) I(sector, 1) I(nr_sector, 2) I(bytes, 3) I(rwbs, 4) I(tid, 5) S(comm, 0))
REPLAY_EVENT(interfere_replay, block_rq_complete, I(dev, 0) I(sector, 1) I(nr_sector, 2) I(rwbs, 4))
REPLAY_EVENT(interfere_replay, net_dev_queue, I(skbaddr, 0) I(len, 1) S(name, 0))
REPLAY_EVENT(interfere_replay, net_dev_xmit, I(skbaddr, 0) I(len, 1) S(name, 0))
REPLAY_EVENT(interfere_replay, netif_receive_skb, I(skbaddr, 0) I(len, 1) S(name, 0))
REPLAY_EVENT(interfere_replay, irq_handler_entry, I(irq, 0) S(name, 0))
REPLAY_EVENT(interfere_replay, irq_handler_exit, I(irq, 0) I(ret, 1))
REPLAY_EVENT(interfere_replay, softirq_entry, I(vec, 0))
REPLAY_EVENT(interfere_replay, softirq_exit, I(vec, 0))
REPLAY_EVENT(interfere_replay, softirq_raise, I(vec, 0))
#undef I
#undef S
#endif
#include <lttng/tracepoint-event.h>
