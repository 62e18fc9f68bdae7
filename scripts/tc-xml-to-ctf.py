#!/usr/bin/python3
"""Writes a Trace Compass XML stub trace (`<trace><event timestamp= name=><field name= value=
type=/>`) as an LTTng-style kernel CTF trace through libbabeltrace2's own graph (python3-bt2: a
source component here, `sink.ctf.fs` writes the files). One stream per CPU (the events' `cpu`
field) with `cpu_id` in the packet context; every other field is a payload member of the type the
XML names (int/long: signed 64-bit, string, long array: a dynamic array of signed 64-bit).
Timestamps are nanoseconds on a 1 GHz monotonic clock whose UUID stands for the machine's boot
id. The trace's environment is LTTng's, with the hostname given.

Used to read Trace Compass's public VM test experiments (EPL-2.0, see datasets/tracecompass-vm/)
with Interfere:

    /usr/bin/python3 scripts/tc-xml-to-ctf.py host.xml OUT/host/kernel --hostname host
"""
import argparse
import os
import uuid
import xml.etree.ElementTree as ET

import bt2


def parse(path):
    events = []
    for e in ET.parse(path).getroot().iter("event"):
        fields = [(f.get("name"), f.get("type"), f.get("value")) for f in e.findall("field")]
        events.append((int(e.get("timestamp")), e.get("name"), fields))
    events.sort(key=lambda x: x[0])  # stable: the file's order for equal timestamps
    return events


class Iterator(bt2._UserMessageIterator):
    def __init__(self, config, port):
        self._messages = port.user_data

    def __next__(self):
        if not self._messages:
            raise StopIteration
        return self._messages.pop(0)(self)


class Source(bt2._UserSourceComponent, message_iterator_class=Iterator):
    def __init__(self, config, params, obj):
        events, hostname, clock_uuid = obj
        tc = self._create_trace_class()
        clock = self._create_clock_class(name="monotonic", frequency=1_000_000_000,
                                         description="Monotonic Clock",
                                         uuid=clock_uuid)
        packet_context = tc.create_structure_field_class()
        packet_context.append_member("cpu_id", tc.create_unsigned_integer_field_class(32))
        sc = tc.create_stream_class(default_clock_class=clock, supports_packets=True,
                                    packets_have_beginning_default_clock_snapshot=True,
                                    packets_have_end_default_clock_snapshot=True,
                                    packet_context_field_class=packet_context)
        classes = {}
        for _, name, fields in events:
            if name in classes:
                continue
            payload = tc.create_structure_field_class()
            for fname, ftype, value in fields:
                if fname == "cpu":
                    continue
                if ftype == "string":
                    payload.append_member(fname, tc.create_string_field_class())
                elif ftype.lower().endswith("array"):
                    payload.append_member(fname, tc.create_dynamic_array_field_class(
                        tc.create_signed_integer_field_class(64)))
                else:
                    payload.append_member(fname, tc.create_signed_integer_field_class(64))
            classes[name] = sc.create_event_class(name=name, payload_field_class=payload)
        trace = tc(environment={"hostname": hostname, "domain": "kernel", "sysname": "Linux",
                                "tracer_name": "lttng-modules", "tracer_major": 2,
                                "tracer_minor": 13})
        cpus = sorted({int(v) for _, _, fs in events for n, _, v in fs if n == "cpu"} or {0})
        streams = {c: trace.create_stream(sc) for c in cpus}
        packets = {c: streams[c].create_packet() for c in cpus}
        for c in cpus:
            packets[c].context_field["cpu_id"] = c
        first = events[0][0] if events else 0
        last = events[-1][0] if events else 0
        msgs = []
        for c in cpus:
            msgs.append(lambda it, c=c: it._create_stream_beginning_message(streams[c]))
            msgs.append(lambda it, c=c: it._create_packet_beginning_message(packets[c], first))
        for ts, name, fields in events:
            cpu = next((int(v) for n, _, v in fields if n == "cpu"), cpus[0])

            def make(it, ts=ts, name=name, fields=fields, cpu=cpu):
                m = it._create_event_message(classes[name], packets[cpu], ts)
                for fname, ftype, value in fields:
                    if fname == "cpu":
                        continue
                    if ftype == "string":
                        m.event.payload_field[fname] = value
                    elif ftype.lower().endswith("array"):
                        m.event.payload_field[fname] = [int(x) for x in value.split(",")]
                    else:
                        m.event.payload_field[fname] = int(value)
                return m
            msgs.append(make)
        for c in cpus:
            msgs.append(lambda it, c=c: it._create_packet_end_message(packets[c], last))
            msgs.append(lambda it, c=c: it._create_stream_end_message(streams[c]))
        self._add_output_port("out", msgs)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("xml")
    p.add_argument("out", help="the trace folder to write (created)")
    p.add_argument("--hostname", required=True)
    p.add_argument("--clock-uuid", help="the clock's UUID (LTTng: the machine's boot id); by "
                   "default one derived from the hostname and the XML file's name")
    a = p.parse_args()
    clock_uuid = uuid.UUID(a.clock_uuid) if a.clock_uuid else \
        uuid.uuid5(uuid.NAMESPACE_OID, a.hostname + "/" + os.path.basename(a.xml))
    graph = bt2.Graph()
    src = graph.add_component(Source, "tc-xml", obj=(parse(a.xml), a.hostname, clock_uuid))
    sink = graph.add_component(bt2.find_plugin("ctf").sink_component_classes["fs"], "sink",
                               params={"path": a.out, "assume-single-trace": True})
    graph.connect_ports(src.output_ports["out"], sink.input_ports["in"])
    graph.run()


if __name__ == "__main__":
    main()
