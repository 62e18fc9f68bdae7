#!/usr/bin/env python3
"""Mutation campaign against `interfere` (run through scripts/fuzz.sh).

Each input is one mutation of one file of a good input: a CTF data stream or its metadata (the
shared traces, datasets/demo), an Intel PT stream or its sidecar (datasets/demo/pt), the model
file (models/default.json), or a labels file (the shared labels.csv files, datasets/demo). The
input is run through one command with a time limit and classified:

  ok          exit 0
  clean       exit 2 and exactly one error line on stderr (`interfere: ...`; warnings allowed)
  clean-bt2-abort     the same, the line saying libbabeltrace2 aborted (its assertion or precondition)
  clean-native-crash  the same, the line saying the child crashed in native code with no message
  clean-memory-bound  the same, the line saying the child reached its memory bound
                      (INTERFERE_MEMORY_LIMIT, 4 GiB by default) or its resident bound
                      (INTERFERE_RESIDENT_LIMIT, 512 MiB for the commands that stream a trace)
  trap        exit 2, the line naming a Swift fatal error (our own trap, caught by the parent)
  noisy       exit 2 but not one error line
  exit-N      any other exit status
  signal      killed by a signal (SIGABRT, SIGILL, SIGTRAP, SIGSEGV, ...)
  hang        still running after the limit (killed)
  files-left  a file appeared that the run should not leave (any file in the output folder or
              the private temp folder on failure; anything but the output on success)

Every input that is not ok/clean is kept in OUT/failures/<n>/ with its command (command.txt),
its stderr and the mutated file. A summary table is printed and written to OUT/summary.md.
Deterministic: the same N and SEED give the same inputs.
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
BIN = os.environ.get("INTERFERE", os.path.join(ROOT, ".build", "release", "interfere"))
LIMIT = float(os.environ.get("FUZZ_LIMIT", "20"))
MODEL = os.path.join(ROOT, "models", "default.json")

EXTREMES32 = [0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE]
EXTREMES64 = [0, 1, 2**64 - 1, 2**63 - 1, 2**63, 2**62, 2**32, 2**40]


def traces():
    """(name, recording folder, trace folder holding `metadata`) of every CTF input."""
    out = []
    for group in ("host-real", "lttng"):
        base = os.path.join(SHARED, "traces", group)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            rec = os.path.join(base, name)
            for dirpath, _, files in os.walk(os.path.join(rec, "trace")):
                if "metadata" in files:
                    out.append((name, rec, dirpath))
    demo = os.path.join(ROOT, "datasets", "demo")
    for dirpath, _, files in os.walk(os.path.join(demo, "trace")):
        if "metadata" in files:
            out.append(("demo", demo, dirpath))
    return out


def labels_files():
    out = []
    base = os.path.join(SHARED, "traces", "host-real")
    if os.path.isdir(base):
        for name in sorted(os.listdir(base)):
            p = os.path.join(base, name, "labels.csv")
            if os.path.exists(p):
                out.append((name, os.path.join(base, name), p))
    out.append(("demo", os.path.join(ROOT, "datasets", "demo"), os.path.join(ROOT, "datasets", "demo", "labels.csv")))
    return out


# ---------------------------------------------------------------- byte mutations

def mutate_bytes(data, rng, kinds):
    data = bytearray(data)
    kind = rng.choice(kinds)
    n = len(data)
    if n == 0:
        return bytes(data), "empty"
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(n)
            data[i] ^= 1 << rng.randrange(8)
        return bytes(data), "flip bits"
    if kind == "overwrite":
        i = rng.randrange(n)
        k = rng.choice([1, 2, 4, 8, 16, 64, 256])
        fill = rng.choice(["random", "ff", "00"])
        for j in range(i, min(n, i + k)):
            data[j] = rng.randrange(256) if fill == "random" else (0xFF if fill == "ff" else 0)
        return bytes(data), f"overwrite {k} bytes at {i} with {fill}"
    if kind == "word":
        width = rng.choice([4, 8])
        i = rng.randrange(max(1, n // width)) * width
        v = rng.choice(EXTREMES32 if width == 4 else EXTREMES64)
        order = rng.choice(["little", "big"])
        data[i:i + width] = v.to_bytes(width, order)[:max(0, n - i)]
        return bytes(data[:n]), f"{width}-byte word at {i} = {v:#x} ({order})"
    if kind == "truncate":
        i = rng.randrange(n)
        return bytes(data[:i]), f"truncate at {i}"
    if kind == "duplicate":
        a = rng.randrange(n)
        k = rng.randint(1, min(4096, n - a))
        b = rng.randrange(n)
        chunk = data[a:a + k]
        if rng.random() < 0.5:
            data[b:b + k] = chunk
            return bytes(data[:n]), f"copy {k} bytes from {a} over {b}"
        return bytes(data[:b] + chunk + data[b:]), f"insert a copy of {k} bytes from {a} at {b}"
    if kind == "swap-packets":
        magic = bytes.fromhex("c11ffcc1")
        starts = [m.start() for m in re.finditer(re.escape(magic), bytes(data))]
        if len(starts) < 2:
            magic = bytes.fromhex("c1fc1fc1")
            starts = [m.start() for m in re.finditer(re.escape(magic), bytes(data))]
        if len(starts) < 2:
            return mutate_bytes(bytes(data), rng, ["overwrite"])
        ends = starts[1:] + [n]
        i, j = sorted(rng.sample(range(len(starts)), 2))
        pi = data[starts[i]:ends[i]]
        pj = data[starts[j]:ends[j]]
        out = data[:starts[i]] + pj + data[ends[i]:starts[j]] + pi + data[ends[j]:]
        return bytes(out), f"swap packets {i} and {j}"
    if kind == "packet-field":
        magic = bytes.fromhex("c11ffcc1")
        starts = [m.start() for m in re.finditer(re.escape(magic), bytes(data))]
        if not starts:
            return mutate_bytes(bytes(data), rng, ["word"])
        s = rng.choice(starts)
        off = rng.choice([20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64])
        width = rng.choice([4, 8])
        v = rng.choice(EXTREMES32 if width == 4 else EXTREMES64)
        data[s + off:s + off + width] = v.to_bytes(width, "little")
        return bytes(data[:n]), f"packet at {s}: {width} bytes at +{off} = {v:#x}"
    raise ValueError(kind)


# ---------------------------------------------------------------- text mutations

NUMBER = re.compile(r"(?<![A-Za-z_0-9])(0x[0-9A-Fa-f]+|\d+)(?![A-Za-z_0-9])")


def mutate_metadata_text(text, rng):
    lines = text.split("\n")
    kind = rng.choice(["number", "number", "dupline", "delline", "truncate", "align", "size", "array", "field-dup", "clock"])
    if kind == "number":
        spots = list(NUMBER.finditer(text))
        if spots:
            m = rng.choice(spots)
            v = rng.choice(["0", "1", "-1", "4294967295", "18446744073709551615", "9223372036854775808", "4294967296", "100000000", "65"])
            return text[:m.start()] + v + text[m.end():], f"metadata number {m.group(0)} at {m.start()} -> {v}"
    if kind == "dupline" and lines:
        i = rng.randrange(len(lines))
        return "\n".join(lines[:i + 1] + [lines[i]] + lines[i + 1:]), f"metadata line {i + 1} duplicated"
    if kind == "delline" and lines:
        i = rng.randrange(len(lines))
        return "\n".join(lines[:i] + lines[i + 1:]), f"metadata line {i + 1} deleted"
    if kind == "truncate":
        i = rng.randrange(max(1, len(text)))
        return text[:i], f"metadata truncated at {i}"
    if kind == "align":
        spots = list(re.finditer(r"align\s*=\s*\d+|align\(\d+\)", text))
        if spots:
            m = rng.choice(spots)
            v = rng.choice(["0", "3", "4294967296", "1099511627776"])
            rep = re.sub(r"\d+", v, m.group(0))
            return text[:m.start()] + rep + text[m.end():], f"metadata {m.group(0)} -> {rep}"
    if kind == "size":
        spots = list(re.finditer(r"size\s*=\s*\d+", text))
        if spots:
            m = rng.choice(spots)
            v = rng.choice(["0", "65", "128", "4294967295"])
            return text[:m.start()] + f"size = {v}" + text[m.end():], f"metadata {m.group(0)} -> size = {v}"
    if kind == "array":
        spots = list(re.finditer(r"\[\s*\d+\s*\]", text))
        if spots:
            m = rng.choice(spots)
            v = rng.choice(["100000000", "4294967295", "0"])
            return text[:m.start()] + f"[{v}]" + text[m.end():], f"metadata array {m.group(0)} -> [{v}]"
        # no fixed array: make a field an array
        spots = list(re.finditer(r"(integer[^;]*\}\s*)([A-Za-z_]+)\s*;", text))
        if spots:
            m = rng.choice(spots)
            v = rng.choice(["100000000", "4294967295"])
            rep = f"{m.group(1)}{m.group(2)}[{v}];"
            return text[:m.start()] + rep + text[m.end():], f"metadata field {m.group(2)} -> array [{v}]"
    if kind == "field-dup":
        spots = list(re.finditer(r"\n(\s*[^\n;{}]+\s+([A-Za-z_][A-Za-z_0-9]*)\s*;)", text))
        if spots:
            m = rng.choice(spots)
            return text[:m.end()] + "\n" + m.group(1) + text[m.end():], f"metadata field `{m.group(2)}` duplicated"
    if kind == "clock":
        spots = list(re.finditer(r"(freq|offset|offset_s)\s*=\s*-?\d+", text))
        if spots:
            m = rng.choice(spots)
            v = rng.choice(["0", "1", "-9223372036854775808", "9223372036854775807", "18446744073709551615"])
            return text[:m.start()] + f"{m.group(1)} = {v}" + text[m.end():], f"metadata {m.group(0)} -> {m.group(1)} = {v}"
    return mutate_metadata_text(text, rng) if rng.random() < 0.9 else (text[: len(text) // 2], "metadata halved")


def metadata_text(trace_dir, cache):
    """The trace's metadata as text (packetized metadata printed by babeltrace2)."""
    if trace_dir in cache:
        return cache[trace_dir]
    with open(os.path.join(trace_dir, "metadata"), "rb") as f:
        raw = f.read()
    text = None
    if raw.startswith(b"/* CTF"):
        text = raw.decode("utf-8", "replace")
    else:
        try:
            out = subprocess.run(["babeltrace2", "-o", "ctf-metadata", trace_dir], capture_output=True, timeout=30)
            if out.returncode == 0:
                text = out.stdout.decode("utf-8", "replace")
        except Exception:
            text = None
    cache[trace_dir] = text
    return text


def mutate_json(text, rng, numbers):
    kind = rng.choice(["value", "value", "value", "array", "remove", "trailing-comma", "truncate", "type"])
    try:
        doc = json.loads(text)
    except Exception:
        doc = None
    if kind == "trailing-comma":
        i = text.rfind("}")
        j = text.rfind("]")
        k = rng.choice([x for x in (i, j) if x > 0] or [len(text) - 1])
        return text[:k] + "," + text[k:], "trailing comma"
    if kind == "truncate" or doc is None:
        i = rng.randrange(max(1, len(text)))
        return text[:i], f"JSON truncated at {i}"
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((path + [key], value))
                walk(value, path + [key])
        elif isinstance(node, list):
            for i, value in enumerate(node[:50]):
                paths.append((path + [i], value))
                walk(value, path + [i])
    walk(doc, [])
    if not paths:
        return text[: len(text) // 2], "JSON halved"

    def parent_of(path):
        node = doc
        for p in path[:-1]:
            node = node[p]
        return node
    if kind == "array":
        arrays = [(p, v) for p, v in paths if isinstance(v, list)]
        if arrays:
            p, v = rng.choice(arrays)
            parent = parent_of(p)
            op = rng.choice(["drop", "extend", "empty", "double"])
            if op == "drop" and v:
                parent[p[-1]] = v[:-1]
            elif op == "extend":
                parent[p[-1]] = v + ([v[-1]] if v else [0])
            elif op == "double":
                parent[p[-1]] = v + v
            else:
                parent[p[-1]] = []
            return json.dumps(doc), f"{'/'.join(map(str, p))}: array {op}"
    if kind == "remove":
        keyed = [(p, v) for p, v in paths if isinstance(p[-1], str)]
        if keyed:
            p, _ = rng.choice(keyed)
            del parent_of(p)[p[-1]]
            return json.dumps(doc), f"{'/'.join(map(str, p))}: removed"
    if kind == "type":
        p, _ = rng.choice(paths)
        parent_of(p)[p[-1]] = rng.choice(["x", None, True, {}, []])
        return json.dumps(doc), f"{'/'.join(map(str, p))}: type changed"
    scalars = [(p, v) for p, v in paths if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not scalars:
        return text[: len(text) // 2], "JSON halved"
    p, v = rng.choice(scalars)
    new = rng.choice(numbers)
    parent_of(p)[p[-1]] = new
    body = json.dumps(doc, allow_nan=True)
    return body, f"{'/'.join(map(str, p))}: {v} -> {new}"


NUMBERS = [0, -1, 1, 255, 256, 65535, 2**31, 2**32, 2**63 - 1, -2**63, 2**62, 1e300, -1e300, 1e15, 0.5,
           float("nan"), float("inf")]


def mutate_labels(text, rng, vm_names):
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    header, rows = lines[0], lines[1:]
    kind = rng.choice(["header-only", "bom-crlf", "duplicate", "overlap", "unknown-vm", "extra-column",
                       "bad-number", "huge-number", "empty", "reversed", "missing-column", "blank-lines",
                       "quoted", "negative"])
    if kind == "header-only":
        return header + "\n", kind
    if kind == "bom-crlf":
        return "\ufeff" + "\r\n".join(lines) + "\r\n", kind
    if kind == "empty":
        return "", kind
    if not rows:
        return header + "\n", "header-only"
    i = rng.randrange(len(rows))
    cells = rows[i].split(",")
    if kind == "duplicate":
        rows = rows[:i + 1] + [rows[i]] + rows[i + 1:]
    elif kind == "overlap" and len(cells) >= 3 and cells[1].lstrip("-").isdigit() and cells[2].lstrip("-").isdigit():
        s, e = int(cells[1]), int(cells[2])
        cells[1], cells[2] = str(s + (e - s) // 2), str(e + (e - s))
        rows.append(",".join(cells))
    elif kind == "unknown-vm":
        cells[0] = "no-such-vm"
        rows[i] = ",".join(cells)
    elif kind == "extra-column":
        header += ",note"
        rows = [r + ",x" for r in rows]
    elif kind == "bad-number" and len(cells) > 1:
        cells[rng.choice([1, 2])] = rng.choice(["abc", "1.5e3", "", "0x10"])
        rows[i] = ",".join(cells)
    elif kind == "huge-number" and len(cells) > 2:
        cells[rng.choice([1, 2])] = rng.choice(["9223372036854775807", "99999999999999999999", "-9223372036854775808"])
        rows[i] = ",".join(cells)
    elif kind == "reversed" and len(cells) > 2:
        cells[1], cells[2] = cells[2], cells[1]
        rows[i] = ",".join(cells)
    elif kind == "missing-column":
        rows[i] = ",".join(cells[:-2])
    elif kind == "blank-lines":
        rows = rows[:i] + ["", ""] + rows[i:]
    elif kind == "quoted":
        cells[0] = '"' + cells[0] + '"'
        rows[i] = ",".join(cells)
    elif kind == "negative" and len(cells) > 1:
        cells[1] = "-" + cells[1]
        rows[i] = ",".join(cells)
    return "\n".join([header] + rows) + "\n", kind


# ---------------------------------------------------------------- one input

def copy_recording(rec, dest):
    """A recording copied with its trace (so side files come along)."""
    shutil.copytree(rec, dest, symlinks=False, ignore=shutil.ignore_patterns("pt", "generated"))


def trace_command(dest, out, rng):
    """A reading command drawn for a mutated trace or capture at `dest`: its argv, its name, and
    the output files it may write (under `out`)."""
    cmd = rng.choice(["events", "stats", "features", "score", "report"])
    argv = [BIN, cmd, dest]
    outputs = []
    if cmd == "features":
        argv += ["-o", os.path.join(out, "f.csv")]
        outputs = ["f.csv"]
    elif cmd == "report":
        argv += ["-m", MODEL, "-o", os.path.join(out, "r.html")]
        outputs = ["r.html"]
    elif cmd == "score":
        argv += ["-m", MODEL]
    return argv, cmd, outputs


def make_input(n, rng, work, inputs, cache):
    """Builds input n in `work`; returns (argv, description, mutated path, expected outputs)."""
    target = rng.choices(["ctf-stream", "ctf-metadata", "pt-stream", "pt-sidecar", "model", "labels"],
                         weights=[34, 22, 14, 8, 12, 10])[0]
    out = os.path.join(work, "out")
    os.makedirs(out)
    if target in ("ctf-stream", "ctf-metadata"):
        name, rec, trace_dir = rng.choice(inputs["traces"])
        dest = os.path.join(work, "rec")
        copy_recording(rec, dest)
        tdir = os.path.join(dest, os.path.relpath(trace_dir, rec))
        if target == "ctf-stream":
            streams = [f for f in sorted(os.listdir(tdir)) if f != "metadata" and os.path.isfile(os.path.join(tdir, f))]
            f = os.path.join(tdir, rng.choice(streams))
            with open(f, "rb") as h:
                data = h.read()
            data, what = mutate_bytes(data, rng, ["flip", "overwrite", "word", "truncate", "duplicate", "swap-packets", "packet-field", "packet-field"])
            with open(f, "wb") as h:
                h.write(data)
            desc = f"{name}: {os.path.relpath(f, dest)}: {what}"
        else:
            f = os.path.join(tdir, "metadata")
            text = metadata_text(trace_dir, cache)
            if text is None or rng.random() < 0.15:
                with open(f, "rb") as h:
                    data = h.read()
                data, what = mutate_bytes(data, rng, ["flip", "overwrite", "word", "truncate", "duplicate"])
                with open(f, "wb") as h:
                    h.write(data)
            else:
                text, what = mutate_metadata_text(text, rng)
                with open(f, "w") as h:
                    h.write(text)
                # an LTTng index describes the old packets: keep it (it is part of the input)
            desc = f"{name}: {os.path.relpath(f, dest)}: {what}"
        argv, cmd, outputs = trace_command(dest, out, rng)
        return argv, f"{desc} | {cmd}", f, outputs
    if target in ("pt-stream", "pt-sidecar"):
        src = os.path.join(ROOT, "datasets", "demo", "pt")
        dest = os.path.join(work, "pt")
        shutil.copytree(src, dest)
        if target == "pt-stream":
            streams = sorted(x for x in os.listdir(dest) if x.endswith(".pt"))
            f = os.path.join(dest, rng.choice(streams))
            with open(f, "rb") as h:
                data = h.read()
            data, what = mutate_bytes(data, rng, ["flip", "overwrite", "word", "truncate", "duplicate", "duplicate"])
            with open(f, "wb") as h:
                h.write(data)
        else:
            f = os.path.join(dest, "pt-sidecar.json")
            with open(f) as h:
                text = h.read()
            text, what = mutate_json(text, rng, NUMBERS + [2**63 - 1, 24, 3, 0, 16, 100000])
            with open(f, "w") as h:
                h.write(text)
        argv, cmd, outputs = trace_command(dest, out, rng)
        return argv, f"demo/pt: {os.path.basename(f)}: {what} | {cmd}", f, outputs
    if target == "model":
        f = os.path.join(work, "model.json")
        with open(inputs["model_text_path"]) as h:
            text = h.read()
        text, what = mutate_json(text, rng, NUMBERS)
        with open(f, "w") as h:
            h.write(text)
        cmd = rng.choice(["score", "score", "model", "report"])
        demo = os.path.join(ROOT, "datasets", "demo")
        if cmd == "model":
            argv = [BIN, "model", "show", f]
            outputs = []
        elif cmd == "report":
            argv = [BIN, "report", rng.choice([demo, os.path.join(demo, "pt")]), "-m", f, "-o", os.path.join(out, "r.html")]
            outputs = ["r.html"]
        else:
            argv = [BIN, "score", rng.choice([demo, os.path.join(demo, "pt")]), "-m", f]
            outputs = []
        return argv, f"model: {what} | {cmd}", f, outputs
    name, rec, path = rng.choice(inputs["labels"])
    with open(path) as h:
        text = h.read()
    text, what = mutate_labels(text, rng, [])
    f = os.path.join(work, "labels.csv")
    with open(f, "w", newline="") as h:
        h.write(text)
    argv = [BIN, "features", rec, "--labels", f, "-o", os.path.join(out, "f.csv")]
    return argv, f"labels of {name}: {what} | features", f, ["f.csv"]


def listing(folder):
    out = set()
    for dirpath, dirs, files in os.walk(folder):
        for x in files + dirs:
            out.add(os.path.relpath(os.path.join(dirpath, x), folder))
    return out


def run_one(n, seed, base, inputs, cache):
    rng = random.Random(f"{seed}-{n}")
    work = os.path.join(base, f"w{n}")
    os.makedirs(work)
    argv, desc, mutated, outputs = make_input(n, rng, work, inputs, cache)
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp)
    before = listing(work)
    env = dict(os.environ, TMPDIR=tmp)
    start = time.time()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=LIMIT)
        rc = proc.returncode
        hang = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        rc = proc.returncode
        hang = True
    seconds = time.time() - start
    err = err.decode("utf-8", "replace")
    after = listing(work)
    new = sorted(after - before - ({os.path.join("out", o) for o in outputs} if rc == 0 and not hang else set()))
    errors = [l for l in err.splitlines() if l.strip() and not l.startswith("interfere: warning:")]
    if hang:
        outcome = "hang"
    elif rc < 0:
        outcome = "signal"
    elif new:
        outcome = "files-left"
    elif rc == 0:
        outcome = "ok"
    elif rc == 2 and len(errors) == 1 and "Fatal error" in errors[0]:
        outcome = "trap"     # our own Swift trap, caught by the supervising parent: a bug to fix
    elif rc == 2 and len(errors) == 1 and ("the memory bound of" in errors[0] or "the resident bound of" in errors[0]):
        outcome = "clean-memory-bound"
    elif rc == 2 and len(errors) == 1 and errors[0].startswith("interfere: libbabeltrace2 aborted"):
        outcome = "clean-bt2-abort"
    elif rc == 2 and len(errors) == 1 and errors[0].startswith("interfere: crashed ("):
        outcome = "clean-native-crash"
    elif rc == 2 and len(errors) == 1 and errors[0].startswith("interfere: "):
        outcome = "clean"
    elif rc == 2:
        outcome = "noisy"
    else:
        outcome = f"exit-{rc}"
    detail = {"n": n, "outcome": outcome, "rc": rc, "seconds": round(seconds, 2), "desc": desc,
              "argv": argv, "stderr": err[-4000:], "new_files": new}
    return detail, work, mutated


def main():
    global BIN
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    out = os.environ.get("FUZZ_OUT", os.path.join(ROOT, ".build", "fuzz"))
    first = int(os.environ.get("FUZZ_FIRST", "0"))
    if not os.path.exists(BIN):
        sys.exit(f"fuzz: {BIN} not built")
    shutil.rmtree(os.path.join(out, "failures"), ignore_errors=True)
    os.makedirs(os.path.join(out, "failures"), exist_ok=True)
    inputs = {"traces": traces(), "labels": labels_files(), "model_text_path": MODEL}
    cache = {}
    counts = {}
    signals = {}
    base = tempfile.mkdtemp(prefix="interfere-fuzz-")
    # A copy of the binary: a rebuild during the campaign must not change or block it.
    shutil.copy(BIN, os.path.join(base, "interfere"))
    BIN = os.path.join(base, "interfere")
    log = open(os.path.join(out, "runs.jsonl"), "w")
    started = time.time()
    try:
        for n in range(first, first + count):
            try:
                detail, work, mutated = run_one(n, seed, base, inputs, cache)
            except KeyboardInterrupt:
                count = n - first   # stopped early: the table covers the runs done
                break
            counts[detail["outcome"]] = counts.get(detail["outcome"], 0) + 1
            if detail["outcome"] == "signal":
                name = signal.Signals(-detail["rc"]).name if -detail["rc"] in signal.valid_signals() else str(-detail["rc"])
                signals[name] = signals.get(name, 0) + 1
            log.write(json.dumps(detail) + "\n")
            if not detail["outcome"].startswith(("ok", "clean")):
                keep = os.path.join(out, "failures", f"{n:05d}-{detail['outcome']}")
                os.makedirs(keep)
                shutil.copy(mutated, os.path.join(keep, os.path.basename(mutated)))
                inputs_dir = os.path.join(keep, "input")
                shutil.move(work, inputs_dir)
                with open(os.path.join(keep, "command.txt"), "w") as h:
                    h.write(detail["desc"] + "\n" + " ".join(a.replace(work, inputs_dir) for a in detail["argv"]) + "\n")
                with open(os.path.join(keep, "stderr.txt"), "w") as h:
                    h.write(detail["stderr"])
                print(f"  {n}: {detail['outcome']} ({detail['rc']}) {detail['desc']}", flush=True)
            shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
        log.close()
    total = sum(counts.values())
    order = ["ok", "clean", "clean-bt2-abort", "clean-native-crash", "clean-memory-bound", "noisy", "trap", "signal", "hang", "files-left"]
    lines = [f"{count} inputs, seed {seed}, {time.time() - started:.0f} s, limit {LIMIT:g} s", "",
             "| outcome | count |", "|---|---|"]
    for k in order + sorted(k for k in counts if k not in order):
        if k in counts or k in order:
            extra = f" ({', '.join(f'{v} {s}' for s, v in sorted(signals.items()))})" if k == "signal" and signals else ""
            lines.append(f"| {k} | {counts.get(k, 0)}{extra} |")
    summary = "\n".join(lines)
    print(summary)
    with open(os.path.join(out, "summary.md"), "w") as h:
        h.write(summary + "\n")
    bad = sum(counts.get(k, 0) for k in ("signal", "hang", "files-left", "trap"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
