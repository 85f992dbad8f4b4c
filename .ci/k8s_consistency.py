#!/usr/bin/env python3
"""What the Kubernetes schemas cannot see in deploy/kubernetes/: that the files agree.

kubernetes-validate checks each object against its schema; this checks the links between them
and with the repository, each a mistake that would only show on a cluster:
  - the ConfigMap's scenario is scenarios/examples/distributed.toml, byte for byte;
  - the load Job is Indexed, completions == parallelism == N, and its args say `--segment
    $(JOB_COMPLETION_INDEX)/N`, `--out /results/$(JOB_COMPLETION_INDEX)`, and a `--start-at`
    and `--metrics-listen` whose port is the containerPort and the scrape annotation's;
  - every $(VAR) in the args is set in the container's env (or is JOB_COMPLETION_INDEX, which
    the Job controller sets), since Kubernetes leaves an unknown $(VAR) as it is, silently;
  - the merge Job merges /results/0 .. /results/N-1, exactly;
  - every ConfigMap, key and claim a pod mounts is one these files define (the start instant's
    ConfigMap excepted: it is made per run, README "Running on Kubernetes").

Usage: k8s_consistency.py DIR  (exit 1 with one line per problem)
"""

import re
import sys
from pathlib import Path

import yaml

SCENARIO = Path("scenarios/examples/distributed.toml")
# Made by `kubectl create configmap` for each run (its value changes every time).
PER_RUN_CONFIGMAPS = {"loadproof-start"}
# Set by the Job controller in every container of an Indexed Job's pods.
SET_BY_KUBERNETES = {"JOB_COMPLETION_INDEX"}


def load_all(folder):
    objects = []
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                objects.append((path.name, doc))
    return objects


def arg_after(args, flag):
    """The value after `flag` in an args list, or None."""
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
    return None


def check(folder):
    problems = []
    objects = load_all(folder)
    by_kind = {}
    for name, doc in objects:
        by_kind.setdefault(doc.get("kind"), []).append((name, doc))

    configmaps = {d["metadata"]["name"]: d.get("data", {}) for _, d in by_kind.get("ConfigMap", [])}
    claims = {d["metadata"]["name"] for _, d in by_kind.get("PersistentVolumeClaim", [])}

    scenario = configmaps.get("loadproof-scenario", {}).get("scenario.toml")
    if scenario is None:
        problems.append("configmap.yaml: no ConfigMap loadproof-scenario with key scenario.toml")
    elif scenario != SCENARIO.read_text():
        problems.append(
            f"configmap.yaml: its scenario.toml differs from {SCENARIO} (regenerate it: the "
            "command is in its header)"
        )

    jobs = {d["metadata"]["name"]: (n, d) for n, d in by_kind.get("Job", [])}
    n = None
    if "loadproof-load" not in jobs:
        problems.append("no Job loadproof-load")
    else:
        file, job = jobs["loadproof-load"]
        spec = job["spec"]
        n = spec.get("completions")
        if spec.get("completionMode") != "Indexed":
            problems.append(f"{file}: completionMode is not Indexed")
        if spec.get("parallelism") != n:
            problems.append(f"{file}: parallelism {spec.get('parallelism')} != completions {n}")
        pod = spec["template"]
        container = pod["spec"]["containers"][0]
        args = container.get("args", [])
        if args[:2] != ["run", "/scenario/scenario.toml"]:
            problems.append(f"{file}: args do not start with run /scenario/scenario.toml")
        if arg_after(args, "--segment") != f"$(JOB_COMPLETION_INDEX)/{n}":
            problems.append(f"{file}: --segment is not $(JOB_COMPLETION_INDEX)/{n}")
        if arg_after(args, "--out") != "/results/$(JOB_COMPLETION_INDEX)":
            problems.append(f"{file}: --out is not /results/$(JOB_COMPLETION_INDEX)")
        if arg_after(args, "--start-at") is None:
            problems.append(f"{file}: no --start-at")
        listen = arg_after(args, "--metrics-listen") or ""
        port = listen.rpartition(":")[2]
        ports = {str(p["containerPort"]) for p in container.get("ports", [])}
        annotations = pod["metadata"].get("annotations", {})
        if not (port and port in ports and annotations.get("prometheus.io/port") == port):
            problems.append(
                f"{file}: --metrics-listen port {port!r}, containerPorts {sorted(ports)} and "
                f"the prometheus.io/port annotation {annotations.get('prometheus.io/port')!r} "
                "disagree"
            )
        if annotations.get("prometheus.io/scrape") != "true":
            problems.append(f'{file}: no prometheus.io/scrape: "true" annotation')
        env = {e["name"] for e in container.get("env", [])}
        for a in args:
            for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", a):
                if var not in env and var not in SET_BY_KUBERNETES:
                    problems.append(f"{file}: $({var}) in args but {var} is not in env")

    if "loadproof-merge" not in jobs:
        problems.append("no Job loadproof-merge")
    elif n is not None:
        file, job = jobs["loadproof-merge"]
        args = job["spec"]["template"]["spec"]["containers"][0].get("args", [])
        want = ["merge"] + [f"/results/{i}" for i in range(n)] + ["--out", "/results/merged"]
        if args != want:
            problems.append(f"{file}: args {args} are not {want}")

    # Every pod template's references resolve.
    for file, doc in objects:
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec") if "template" in spec else spec
        if not isinstance(pod, dict) or "containers" not in pod:
            continue
        for vol in pod.get("volumes", []):
            if "configMap" in vol and vol["configMap"]["name"] not in configmaps:
                problems.append(f"{file}: volume {vol['name']}: no ConfigMap {vol['configMap']['name']}")
            pvc = vol.get("persistentVolumeClaim")
            if pvc and pvc["claimName"] not in claims:
                problems.append(f"{file}: volume {vol['name']}: no PVC {pvc['claimName']}")
        for c in pod["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("configMapKeyRef")
                if not ref or ref["name"] in PER_RUN_CONFIGMAPS:
                    continue
                if ref["key"] not in configmaps.get(ref["name"], {}):
                    problems.append(f"{file}: env {e['name']}: no key {ref['key']} in ConfigMap {ref['name']}")
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: k8s_consistency.py DIR")
    problems = check(Path(sys.argv[1]))
    for p in problems:
        print(f"k8s-check: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"ok: {sys.argv[1]} is consistent")


if __name__ == "__main__":
    main()
