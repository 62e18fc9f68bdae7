#!/usr/bin/python3
"""Writes the two small perf-style CTF traces the CPU tests read, through libbabeltrace2's own
`sink.ctf.fs` (a Python bt2 source component; no hand-written CTF):

  perf-cpu-field/  no `cpu_id` in the packet context; the CPU in each event's `perf_cpu`
                   (older perf conversions, e.g. perf 4.x on an ARM board: EVENTS.md section 1)
  no-cpu/          the same events with no CPU at all (every event on the unknown CPU)

Run with Debian's /usr/bin/python3 (python3-bt2):  /usr/bin/python3 Tests/Fixtures/make-cpu-traces.py
"""
import os
import shutil
import sys

import bt2

HERE = os.path.dirname(os.path.abspath(__file__))

# (time ns, cpu, event, fields): a vCPU thread 101 of QEMU process 100 (`CPU 0/KVM`) preempted
# on CPU 2 by `backup` (200), then back; `web` noise on CPU 0.
EVENTS = [
    (1000, 0, "sched:sched_switch", dict(prev_comm="swapper/0", prev_pid=0, prev_prio=120, prev_state=0,
                                         next_comm="CPU 0/KVM", next_pid=101, next_prio=120), 0, 0),
    (2000, 2, "sched:sched_switch", dict(prev_comm="swapper/2", prev_pid=0, prev_prio=120, prev_state=0,
                                         next_comm="backup", next_pid=200, next_prio=120), 0, 0),
    (3000, 0, "kvm:kvm_entry", dict(vcpu_id=0), 101, 100),
    (5000, 0, "kvm:kvm_exit", dict(exit_reason=1, isa=1), 101, 100),
    (6000, 0, "sched:sched_switch", dict(prev_comm="CPU 0/KVM", prev_pid=101, prev_prio=120, prev_state=0,
                                         next_comm="backup", next_pid=200, next_prio=120), 101, 100),
    (9000, 0, "sched:sched_switch", dict(prev_comm="backup", prev_pid=200, prev_prio=120, prev_state=1,
                                         next_comm="CPU 0/KVM", next_pid=101, next_prio=120), 200, 200),
    (9500, 2, "sched:sched_switch", dict(prev_comm="backup", prev_pid=200, prev_prio=120, prev_state=1,
                                         next_comm="swapper/2", next_pid=0, next_prio=120), 200, 200),
    (10000, 0, "kvm:kvm_entry", dict(vcpu_id=0), 101, 100),
]


def build(with_cpu_field):
    class Iterator(bt2._UserMessageIterator):
        def __init__(self, config, port):
            comp = self._component
            tc = comp._create_trace_class()
            cc = comp._create_clock_class(frequency=1_000_000_000, name="perf_clock", offset=bt2.ClockClassOffset(0, 0))
            sc = tc.create_stream_class(default_clock_class=cc)
            classes = {}
            for _, _, name, fields, _, _ in EVENTS:
                if name in classes:
                    continue
                payload = tc.create_structure_field_class()
                for key, value in fields.items():
                    if isinstance(value, str):
                        payload.append_member(key, tc.create_string_field_class())
                    else:
                        payload.append_member(key, tc.create_signed_integer_field_class(64))
                for key in ["perf_tid", "perf_pid"] + (["perf_cpu"] if with_cpu_field else []):
                    payload.append_member(key, tc.create_signed_integer_field_class(32))
                classes[name] = sc.create_event_class(name=name, payload_field_class=payload)
            trace = tc()
            trace.environment["tracer_name"] = "perf"
            trace.environment["domain"] = "kernel"
            trace.environment["host"] = "arm-board"
            stream = trace.create_stream(sc)
            msgs = [self._create_stream_beginning_message(stream, 0)]
            for t, cpu, name, fields, tid, pid in EVENTS:
                msg = self._create_event_message(classes[name], stream, default_clock_snapshot=t)
                for key, value in fields.items():
                    msg.event.payload_field[key] = value
                msg.event.payload_field["perf_tid"] = tid
                msg.event.payload_field["perf_pid"] = pid
                if with_cpu_field:
                    msg.event.payload_field["perf_cpu"] = cpu
                msgs.append(msg)
            msgs.append(self._create_stream_end_message(stream, 11000))
            self._msgs = iter(msgs)

        def __next__(self):
            return next(self._msgs)

    class Source(bt2._UserSourceComponent, message_iterator_class=Iterator):
        def __init__(self, config, params, obj):
            self._add_output_port("out")

    return Source


def write(name, with_cpu_field):
    out = os.path.join(HERE, name)
    shutil.rmtree(out, ignore_errors=True)
    graph = bt2.Graph()
    src = graph.add_component(build(with_cpu_field), "src")
    sink = graph.add_component(bt2.find_plugin("ctf").sink_component_classes["fs"], "sink",
                               params={"path": out, "assume-single-trace": True})
    graph.connect_ports(src.output_ports["out"], sink.input_ports["in"])
    graph.run()


write("perf-cpu-field", True)
write("no-cpu", False)
print("wrote", os.path.join(HERE, "perf-cpu-field"), "and", os.path.join(HERE, "no-cpu"), file=sys.stderr)
