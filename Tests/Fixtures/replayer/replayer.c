/* Re-emits a recorded kernel trace's events through LTTng-UST tracepoints, for testing
 * `interfere watch` on a live session on a machine without LTTng's kernel tracer.
 *
 * The recording is read with libbabeltrace2's own graph (src.ctf.fs per trace folder ->
 * flt.utils.muxer -> a simple sink here), in time order. Each event Interfere reads
 * (../shared/EVENTS.md) is emitted with its name and fields (LTTng's spelling; block `rwbs` and
 * packets keep perf's types in provider `interfere_replay_perf`; QEMU's under `qemu`), plus the
 * recorded time, CPU, thread and process (`replay_time_ns`, `replay_cpu`, `perf_tid`,
 * `perf_pid`). The replayer pins itself to CPU 0 so that all events land in one ring buffer in
 * recorded order. Without --speed it emits as fast as the (blocking) channel takes them; with
 * --speed S it keeps S times real time.
 *
 * usage: replayer [--speed S] TRACE_DIR...     prints "replayed N skipped M" on stderr */
#define _GNU_SOURCE
#include <babeltrace2/babeltrace.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tp-replay.h"
#include "tp-perf.h"
#include "tp-qemu.h"

static double speed = 0;
static long replayed = 0, skipped = 0;
static int64_t first_recorded = -1;
static struct timespec started;

static const bt_field *member(const bt_field *structure, const char *name) {
    if (!structure || bt_field_get_class_type(structure) != BT_FIELD_CLASS_TYPE_STRUCTURE) return NULL;
    return bt_field_structure_borrow_member_field_by_name_const(structure, name);
}

static int is_string(const bt_field *f) { return f && bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_STRING; }

static int integer(const bt_field *f, int64_t *out) {
    if (!f) return 0;
    bt_field_class_type t = bt_field_get_class_type(f);
    if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) { *out = bt_field_integer_signed_get_value(f); return 1; }
    if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) { *out = (int64_t)bt_field_integer_unsigned_get_value(f); return 1; }
    return 0;
}

/* The first of `names` (separated by '|') the payload has, as an integer; `fallback` if none. */
static int64_t get_int(const bt_field *payload, const char *names, int64_t fallback) {
    char buffer[128];
    strncpy(buffer, names, sizeof buffer - 1); buffer[sizeof buffer - 1] = 0;
    for (char *save = NULL, *n = strtok_r(buffer, "|", &save); n; n = strtok_r(NULL, "|", &save)) {
        int64_t v;
        if (integer(member(payload, n), &v)) return v;
    }
    return fallback;
}

static const char *get_string(const bt_field *payload, const char *name) {
    const bt_field *f = member(payload, name);
    return is_string(f) ? bt_field_string_get_value(f) : "";
}

/* The recorded thread (or process): a context member, else perf's payload member. */
static int64_t context_id(const bt_event *event, const bt_field *payload, const char *const *names, const char *perf) {
    const bt_field *contexts[2] = { bt_event_borrow_common_context_field_const(event),
                                    bt_event_borrow_specific_context_field_const(event) };
    for (int c = 0; c < 2; c++)
        for (int i = 0; names[i]; i++) {
            int64_t v;
            if (integer(member(contexts[c], names[i]), &v)) return v;
        }
    return get_int(payload, perf, -1);
}

static void pace(int64_t recorded) {
    if (speed <= 0) return;
    if (first_recorded < 0) { first_recorded = recorded; clock_gettime(CLOCK_MONOTONIC, &started); return; }
    double due = (double)(recorded - first_recorded) / speed;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed = (now.tv_sec - started.tv_sec) * 1e9 + (now.tv_nsec - started.tv_nsec);
    if (due > elapsed + 1e6) {
        struct timespec wait = { (time_t)((due - elapsed) / 1e9), (long)((long long)(due - elapsed) % 1000000000LL) };
        nanosleep(&wait, NULL);
    }
}

static void emit(const bt_message *message) {
    const bt_event *event = bt_message_event_borrow_event_const(message);
    const char *full = bt_event_class_get_name(bt_event_borrow_class_const(event));
    const char *colon = strrchr(full, ':');
    const char *name = colon ? colon + 1 : full;
    int qemu = colon && strncmp(full, "qemu:", 5) == 0;
    const bt_field *payload = bt_event_borrow_payload_field_const(event);
    static const char *const tids[] = { "tid", "_tid", "vtid", "_vtid", NULL };
    static const char *const pids[] = { "pid", "_pid", "vpid", "_vpid", NULL };
    struct replay_event e = { 0 };
    e.s[0] = e.s[1] = "";
    const bt_clock_snapshot *snapshot = bt_message_event_borrow_default_clock_snapshot_const(message);
    if (bt_clock_snapshot_get_ns_from_origin(snapshot, &e.time_ns) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) { skipped++; return; }
    e.cpu = -1;
    const bt_packet *packet = bt_event_borrow_packet_const(event);
    if (packet) integer(member(bt_packet_borrow_context_field_const(packet), "cpu_id"), &e.cpu);
    if (e.cpu < 0) e.cpu = get_int(payload, "perf_cpu", -1);
    e.tid = context_id(event, payload, tids, "perf_tid");
    e.pid = context_id(event, payload, pids, "perf_pid");
    pace(e.time_ns);
    int64_t *v = e.v;
#define IS(n) (strcmp(name, n) == 0)
    if (qemu && IS("thread_pool_submit")) {
        v[0] = get_int(payload, "req", 0); v[1] = get_int(payload, "pool", 0); tracepoint(qemu, thread_pool_submit, &e);
    } else if (qemu && IS("thread_pool_complete")) {
        v[0] = get_int(payload, "req", 0); v[1] = get_int(payload, "pool", 0); v[2] = get_int(payload, "ret", 0);
        tracepoint(qemu, thread_pool_complete, &e);
    } else if (qemu) {
        skipped++; return;
    } else if (IS("sched_switch")) {
        e.s[0] = get_string(payload, "prev_comm"); e.s[1] = get_string(payload, "next_comm");
        v[0] = get_int(payload, "prev_tid|prev_pid", 0); v[1] = get_int(payload, "prev_state", 0); v[2] = get_int(payload, "next_tid|next_pid", 0);
        tracepoint(interfere_replay, sched_switch, &e);
    } else if (IS("sched_wakeup") || IS("sched_waking") || IS("sched_wakeup_new")) {
        e.s[0] = get_string(payload, "comm"); v[0] = get_int(payload, "tid|pid", 0); v[1] = get_int(payload, "target_cpu", 0);
        if (IS("sched_wakeup")) tracepoint(interfere_replay, sched_wakeup, &e);
        else if (IS("sched_waking")) tracepoint(interfere_replay, sched_waking, &e);
        else tracepoint(interfere_replay, sched_wakeup_new, &e);
    } else if (IS("sched_migrate_task")) {
        e.s[0] = get_string(payload, "comm"); v[0] = get_int(payload, "tid|pid", 0);
        v[1] = get_int(payload, "orig_cpu", 0); v[2] = get_int(payload, "dest_cpu", 0);
        tracepoint(interfere_replay, sched_migrate_task, &e);
    } else if (IS("sched_process_fork")) {
        e.s[0] = get_string(payload, "parent_comm"); e.s[1] = get_string(payload, "child_comm");
        if (member(payload, "parent_tid")) {
            v[0] = get_int(payload, "parent_tid", 0); v[1] = get_int(payload, "child_tid", 0);
            v[2] = get_int(payload, "parent_pid", -1); v[3] = get_int(payload, "child_pid", -1);
        } else {   /* perf: *_pid are thread ids, the thread groups are unknown */
            v[0] = get_int(payload, "parent_pid", 0); v[1] = get_int(payload, "child_pid", 0); v[2] = v[3] = -1;
        }
        tracepoint(interfere_replay, sched_process_fork, &e);
    } else if (IS("sched_process_exec")) {
        e.s[0] = get_string(payload, "filename"); v[0] = get_int(payload, "tid|pid", 0); v[1] = get_int(payload, "old_tid|old_pid", 0);
        tracepoint(interfere_replay, sched_process_exec, &e);
    } else if (IS("sched_process_exit") || IS("sched_process_free")) {
        e.s[0] = get_string(payload, "comm"); v[0] = get_int(payload, "tid|pid", 0);
        if (IS("sched_process_exit")) tracepoint(interfere_replay, sched_process_exit, &e);
        else tracepoint(interfere_replay, sched_process_free, &e);
    } else if (IS("lttng_statedump_process_state")) {
        e.s[0] = get_string(payload, "name");
        v[0] = get_int(payload, "tid", 0); v[1] = get_int(payload, "pid", 0); v[2] = get_int(payload, "ppid", 0);
        tracepoint(interfere_replay, lttng_statedump_process_state, &e);
    } else if (IS("kvm_entry") || IS("kvm_x86_entry")) {
        v[0] = get_int(payload, "vcpu_id", -1); tracepoint(interfere_replay, kvm_entry, &e);
    } else if (IS("kvm_exit") || IS("kvm_x86_exit")) {
        v[0] = get_int(payload, "exit_reason", 0); v[1] = get_int(payload, "isa", 1); v[2] = get_int(payload, "vcpu_id", -1);
        tracepoint(interfere_replay, kvm_exit, &e);
    } else if (IS("block_rq_insert") || IS("block_rq_issue") || IS("block_rq_complete")) {
        v[0] = get_int(payload, "dev", 0); v[1] = get_int(payload, "sector", 0); v[2] = get_int(payload, "nr_sector", 0);
        v[3] = get_int(payload, "bytes", 0); v[5] = get_int(payload, "tid", e.tid);
        e.s[0] = get_string(payload, "comm");
        if (is_string(member(payload, "rwbs"))) {
            e.s[1] = get_string(payload, "rwbs");
            if (IS("block_rq_insert")) tracepoint(interfere_replay_perf, block_rq_insert, &e);
            else if (IS("block_rq_issue")) tracepoint(interfere_replay_perf, block_rq_issue, &e);
            else tracepoint(interfere_replay_perf, block_rq_complete, &e);
        } else {
            v[4] = get_int(payload, "rwbs", 0);
            if (IS("block_rq_insert")) tracepoint(interfere_replay, block_rq_insert, &e);
            else if (IS("block_rq_issue")) tracepoint(interfere_replay, block_rq_issue, &e);
            else tracepoint(interfere_replay, block_rq_complete, &e);
        }
    } else if (IS("net_dev_queue") || IS("net_dev_xmit") || IS("netif_receive_skb") || IS("net_if_receive_skb")) {
        v[0] = get_int(payload, "skbaddr", 0); v[1] = get_int(payload, "len", 0); e.s[0] = get_string(payload, "name");
        int receive = IS("netif_receive_skb") || IS("net_if_receive_skb");
        if (member(payload, "common_flags")) {
            v[5] = get_int(payload, "common_flags", 0);
            if (receive) tracepoint(interfere_replay_perf, netif_receive_skb, &e);
            else if (IS("net_dev_queue")) tracepoint(interfere_replay_perf, net_dev_queue, &e);
            else tracepoint(interfere_replay_perf, net_dev_xmit, &e);
        } else {
            if (receive) tracepoint(interfere_replay, netif_receive_skb, &e);
            else if (IS("net_dev_queue")) tracepoint(interfere_replay, net_dev_queue, &e);
            else tracepoint(interfere_replay, net_dev_xmit, &e);
        }
    } else if (IS("irq_handler_entry")) {
        v[0] = get_int(payload, "irq", 0); e.s[0] = get_string(payload, "name"); tracepoint(interfere_replay, irq_handler_entry, &e);
    } else if (IS("irq_handler_exit")) {
        v[0] = get_int(payload, "irq", 0); v[1] = get_int(payload, "ret", 0); tracepoint(interfere_replay, irq_handler_exit, &e);
    } else if (IS("softirq_entry") || IS("irq_softirq_entry")) {
        v[0] = get_int(payload, "vec", 0); tracepoint(interfere_replay, softirq_entry, &e);
    } else if (IS("softirq_exit") || IS("irq_softirq_exit")) {
        v[0] = get_int(payload, "vec", 0); tracepoint(interfere_replay, softirq_exit, &e);
    } else if (IS("softirq_raise") || IS("irq_softirq_raise")) {
        v[0] = get_int(payload, "vec", 0); tracepoint(interfere_replay, softirq_raise, &e);
    } else {
        skipped++; return;
    }
#undef IS
    replayed++;
}

static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *iterator, void *data) {
    (void)data;
    bt_message_array_const messages;
    uint64_t count;
    switch (bt_message_iterator_next(iterator, &messages, &count)) {
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK: break;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_END: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
    default: return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (bt_message_get_type(messages[i]) == BT_MESSAGE_TYPE_EVENT) emit(messages[i]);
        bt_message_put_ref(messages[i]);
    }
    return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

static void die(const char *what) { fprintf(stderr, "replayer: %s\n", what); exit(2); }

int main(int argc, char **argv) {
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--speed") == 0) { speed = atof(argv[2]); first = 3; }
    if (first >= argc) die("usage: replayer [--speed S] TRACE_DIR...");
    cpu_set_t one;
    CPU_ZERO(&one); CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) die("cannot pin to CPU 0");
    const bt_plugin *ctf, *utils;
    if (bt_plugin_find("ctf", 1, 1, 1, 1, 0, &ctf) != BT_PLUGIN_FIND_STATUS_OK) die("no ctf plugin");
    if (bt_plugin_find("utils", 1, 1, 1, 1, 0, &utils) != BT_PLUGIN_FIND_STATUS_OK) die("no utils plugin");
    bt_graph *graph = bt_graph_create(0);
    const bt_component_filter *muxer;
    if (bt_graph_add_filter_component(graph, bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer"),
                                      "muxer", NULL, BT_LOGGING_LEVEL_NONE, &muxer) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) die("no muxer");
    uint64_t port = 0;
    for (int a = first; a < argc; a++) {
        bt_value *params = bt_value_map_create(), *inputs = bt_value_array_create();
        bt_value_array_append_string_element(inputs, argv[a]);
        bt_value_map_insert_entry(params, "inputs", inputs);
        char name[32];
        snprintf(name, sizeof name, "source-%d", a);
        const bt_component_source *source;
        if (bt_graph_add_source_component(graph, bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"),
                                          name, params, BT_LOGGING_LEVEL_NONE, &source) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) die("cannot read a trace");
        for (uint64_t p = 0; p < bt_component_source_get_output_port_count(source); p++)
            bt_graph_connect_ports(graph, bt_component_source_borrow_output_port_by_index_const(source, p),
                                   bt_component_filter_borrow_input_port_by_index_const(muxer, port++), NULL);
        bt_value_put_ref(inputs); bt_value_put_ref(params);
    }
    const bt_component_sink *sink;
    if (bt_graph_add_simple_sink_component(graph, "replay", NULL, consume, NULL, NULL, &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) die("no sink");
    bt_graph_connect_ports(graph, bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
                           bt_component_sink_borrow_input_port_by_index_const(sink, 0), NULL);
    bt_graph_run_status status;
    while ((status = bt_graph_run(graph)) == BT_GRAPH_RUN_STATUS_AGAIN) {}
    if (status != BT_GRAPH_RUN_STATUS_OK) die("reading the trace failed");
    bt_graph_put_ref(graph);
    fprintf(stderr, "replayed %ld skipped %ld\n", replayed, skipped);
    return 0;
}
