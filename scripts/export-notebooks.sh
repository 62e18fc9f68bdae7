#!/usr/bin/env bash
# Re-executes every notebook in notebooks-export/ in place and re-exports each to HTML beside it
# (issue #10). The notebooks call the interfere binary ($INTERFERE, default .build/release/interfere)
# and read its JSON/CSV. 02 and 03 need datasets/generated (not in git): made here first with
# scripts/make-datasets.sh when it is missing; 04 reads ../shared/traces/host-real/.
# Output is byte-stable from run to run on one machine: no execution timings, PNG figures at a fixed
# dpi, and the execution metadata nbconvert may write is stripped.
#   scripts/export-notebooks.sh [NOTEBOOK.ipynb ...]    (default: all of notebooks-export/*.ipynb)
set -euo pipefail
cd "$(dirname "$0")/.."
export INTERFERE=${INTERFERE:-$PWD/.build/release/interfere}
[ -x "$INTERFERE" ] || { echo "no interfere binary at $INTERFERE: run swift build -c release, or set INTERFERE" >&2; exit 2; }
PY=${PYTHON:-python3}
$PY -c "import nbconvert, nbclient, ipykernel, matplotlib, pandas, sklearn" 2>/dev/null ||
    { echo "missing Python packages: run scripts/install-deps.sh" >&2; exit 2; }
[ -f datasets/generated/test-4/labels.csv ] && [ -f datasets/generated/train-8/labels.csv ] || scripts/make-datasets.sh
export OPENBLAS_NUM_THREADS=1 PYTHONHASHSEED=0 SWIFT_DETERMINISTIC_HASHING=1
if [ $# -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks-export/*.ipynb); fi
for nb in "${notebooks[@]}"; do
    echo "executing $nb" >&2
    $PY -m jupyter nbconvert --log-level=WARN --execute --to notebook --inplace \
        --ExecutePreprocessor.timeout=900 --ExecutePreprocessor.record_timing=False "$nb"
    # Strip what changes from run to run: per-cell execution timestamps (if any were written) and
    # the chunking of printed text; stop on a failed cell.
    $PY - "$nb" <<'PYEOF'
import json, sys
path = sys.argv[1]
nb = json.load(open(path, encoding='utf-8'))
for cell in nb['cells']:
    cell.get('metadata', {}).pop('execution', None)
    outputs = []
    for out in cell.get('outputs', []):
        if out.get('output_type') == 'error':
            sys.exit(f"{path}: a cell failed: {out.get('ename')}: {out.get('evalue')}")
        # Join consecutive prints to one stream: how the kernel chunks them depends on timing.
        if (out.get('output_type') == 'stream' and outputs and outputs[-1].get('output_type') == 'stream'
                and outputs[-1]['name'] == out['name']):
            outputs[-1]['text'] = ''.join(outputs[-1]['text']) + ''.join(out['text'])
        else:
            outputs.append(out)
    for out in outputs:
        if out.get('output_type') == 'stream':
            out['text'] = ''.join(out['text']).splitlines(keepends=True)
    if 'outputs' in cell:
        cell['outputs'] = outputs
nb['metadata'].pop('widgets', None)
with open(path, 'w', encoding='utf-8') as f:
    json.dump(nb, f, indent=1, ensure_ascii=False, sort_keys=True)
    f.write('\n')
PYEOF
    $PY -m jupyter nbconvert --log-level=WARN --to html "$nb"
done
du -h notebooks-export/*.html >&2
