"""Which Keras guides run on Lamina unchanged: every adapted guide program, on Lamina and on real Keras.

    python benchmarks/keras_programs.py                                   # Lamina only
    python benchmarks/keras_programs.py --keras-python /path/to/tf-venv/bin/python
    python benchmarks/keras_programs.py --keras-python ... --write-reference tests/data/guides/keras_reference.json

The programs are tests/guides/programs/*.py: the code cells of the keras.io guides "The Sequential model",
"Making new layers and models via subclassing", "Writing your own callbacks", "Customizing what happens in fit()
with TensorFlow" and "Writing a training loop from scratch in TensorFlow", each change from the guide's text
marked ``# changed (kind): ...`` (tests/guides/guide_runner.py lists the kinds). Each program runs in a fresh
process, in a temporary folder, after the same seed, with MNIST from $LAMINA_DATA (or, for Lamina without it,
the packaged digits in MNIST's shapes; real Keras needs the files). On Keras the same program runs with the
guide's own import lines put back.

For each program it prints how many sections ran, the changes by kind, and its status: "unchanged" when every
section runs and no change is of kind ``lamina`` (imports, data, sizes and fixes that real Keras needs too are
allowed); then the numbers the guides produce (guide_runner.PROBES) on both libraries.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDES = ROOT / "tests" / "guides"
sys.path.insert(0, str(GUIDES))

import guide_runner  # noqa: E402


# Programs that are not a guide's code but a rewrite of it for Lamina (tests of the same API on other layers): run
# and reported, never counted as a guide that runs.
STAND_INS = {"sequential_model_dense"}  # the Sequential guide's transfer-learning sketches with Dense for Conv2D


def child(name: str, framework: str, seed: int = 0) -> None:
    """Run one program in this process (in a temporary folder) and print its result as JSON."""
    os.chdir(tempfile.mkdtemp(prefix=f"guide-{name}-"))
    guide_runner.seed_everything(framework, seed)
    with guide_runner.guide_data(framework):
        sections = guide_runner.run_program(name, framework)
    result = {
        "sections": [{"title": s.title, "ran": s.ran, "seconds": round(s.seconds, 3),
                      "error": None if s.error is None else f"{type(s.error).__name__}: {s.error}"}
                     for s in sections],
        "probes": guide_runner.probe_values(name, sections),
        "data": "MNIST" if framework == "keras" else guide_runner.mnist_source(),
    }
    print("RESULT " + json.dumps(result))


def run_child(python: str, name: str, framework: str, timeout: float, seed: int = 0) -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["KERAS_BACKEND"] = "tensorflow"
    if framework == "lamina":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    command = [python, str(Path(__file__).resolve()), "--child", name, "--framework", framework, "--seed", str(seed)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"failure": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"failure": (done.stderr.strip().splitlines() or ["no output"])[-1]}


def status(result: dict, lamina_changes: int) -> str:
    if "failure" in result:
        return f"did not run: {result['failure']}"
    guide_sections = [s for s in result["sections"] if s["title"] != "(preamble)"]
    failed = [s for s in guide_sections if s["error"]]
    ran = sum(1 for s in guide_sections if s["ran"] and not s["error"])
    if failed:
        return f"{ran}/{len(guide_sections)} sections; fails in {failed[0]['title']!r}: {failed[0]['error']}"
    if lamina_changes:
        return f"runs, with {lamina_changes} line(s) changed for Lamina"
    return "runs unchanged"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras-python", help="a Python with tensorflow and keras 3, to run the same programs")
    parser.add_argument("--programs", help="comma-separated program names (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="the seed both libraries start from (the spread "
                        "between single runs: repeat with other seeds)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per program run")
    parser.add_argument("--json", help="write every result to this file")
    parser.add_argument("--write-reference", help="write real Keras's probe values to this JSON file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--framework", default="lamina", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.framework, args.seed)
        return

    names = args.programs.split(",") if args.programs else sorted(p.stem for p in guide_runner.PROGRAMS.glob("*.py"))
    results: dict[str, dict] = {}
    counts = {"unchanged": 0}
    print(f"{'program':<24} {'changes (imports/data/size/guide/lamina)':<42} Lamina")
    for name in names:
        source = (guide_runner.PROGRAMS / f"{name}.py").read_text()
        kinds = [kind for _, kind, _ in guide_runner.changes(source)]
        by_kind = "/".join(str(kinds.count(kind)) for kind in guide_runner.KINDS)
        entry = {"changes": {kind: kinds.count(kind) for kind in guide_runner.KINDS},
                 "lamina": run_child(sys.executable, name, "lamina", args.timeout, args.seed)}
        if args.keras_python:
            entry["keras"] = run_child(args.keras_python, name, "keras", args.timeout, args.seed)
        entry["status"] = status(entry["lamina"], kinds.count("lamina"))
        if name not in STAND_INS:
            counts["unchanged"] += entry["status"] == "runs unchanged"
        results[name] = entry
        seconds = sum(s["seconds"] for s in entry["lamina"].get("sections", []))
        print(f"{name:<24} {by_kind:<42} {entry['status']} ({seconds:.1f} s)")
        if "keras" in entry:
            keras_seconds = sum(s["seconds"] for s in entry["keras"].get("sections", []))
            print(f"{'':<24} {'real Keras:':<42} {status(entry['keras'], 0)} ({keras_seconds:.1f} s)")
    guides = [name for name in names if name not in STAND_INS]
    print(f"\n{counts['unchanged']} of {len(guides)} guide programs run on Lamina unchanged apart from imports, data "
          f"and sizes (data set: {next(iter(results.values()))['lamina'].get('data', '?')}); not counted, "
          f"stand-ins that rewrite a guide's code for Lamina: {', '.join(n for n in names if n in STAND_INS) or 'none'}.")

    print(f"\n{'program':<15} {'number':<40} {'Lamina':>10} {'Keras':>10}")
    reference: dict[str, dict[str, float | None]] = {}
    for probe in guide_runner.PROBES:
        if probe.program not in results:
            continue
        mine = results[probe.program]["lamina"].get("probes", {}).get(probe.label)
        theirs = results[probe.program].get("keras", {}).get("probes", {}).get(probe.label)
        reference.setdefault(probe.program, {})[probe.label] = theirs
        print(f"{probe.program:<15} {probe.label:<40} {_number(mine):>10} {_number(theirs):>10}")

    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    if args.write_reference:
        if not args.keras_python:
            parser.error("--write-reference needs --keras-python")
        Path(args.write_reference).parent.mkdir(parents=True, exist_ok=True)
        note = ("Real Keras's values of the guide programs' probes (tests/guides/guide_runner.PROBES), written by "
                "benchmarks/keras_programs.py --write-reference; MNIST from $LAMINA_DATA.")
        Path(args.write_reference).write_text(json.dumps({"note": note, "probes": reference}, indent=1) + "\n")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


if __name__ == "__main__":
    main()
