#!/usr/bin/env python3
"""Check a .gitlab-ci.yml's structure against the keywords GitLab CI accepts.

GitLab has no offline linter, and "the YAML parses" proves nothing: a misspelled keyword
(`artifact:` for `artifacts:`, `scripts:` for `script:`) is still valid YAML. This walks the file
against the keyword reference (docs.gitlab.com/ee/ci/yaml/) for what the examples use and what
sits next to it, and fails on any key GitLab would reject, a value of the wrong shape, or a job
in a stage that is not declared.

Usage: gitlab_ci_check.py FILE...   (exit 0 when every file is clean, 1 otherwise)
"""

import sys

import yaml

GLOBAL_KEYS = {"default", "include", "stages", "variables", "workflow", "spec",
               # Deprecated at the top level, still accepted.
               "image", "services", "cache", "before_script", "after_script"}
JOB_KEYS = {"after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage",
            "dast_configuration", "dependencies", "environment", "except", "extends", "hooks",
            "id_tokens", "identity", "image", "inherit", "interruptible", "manual_confirmation",
            "needs", "only", "pages", "parallel", "release", "resource_group", "retry", "rules",
            "script", "run", "secrets", "services", "stage", "tags", "timeout", "trigger",
            "variables", "when", "start_in"}
DEFAULT_KEYS = {"after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens",
                "image", "interruptible", "retry", "services", "tags", "timeout"}
ARTIFACTS_KEYS = {"paths", "exclude", "expire_in", "expose_as", "name", "public", "access",
                  "reports", "untracked", "when"}
REPORTS_KEYS = {"accessibility", "annotations", "api_fuzzing", "browser_performance",
                "coverage_report", "codequality", "container_scanning", "coverage_fuzzing",
                "cyclonedx", "dast", "dependency_scanning", "dotenv", "junit", "load_performance",
                "metrics", "requirements", "sast", "secret_detection", "terraform"}
CACHE_KEYS = {"key", "paths", "untracked", "unprotect", "when", "policy", "fallback_keys"}
CACHE_KEY_KEYS = {"files", "prefix"}
IMAGE_KEYS = {"name", "entrypoint", "docker", "pull_policy", "kubernetes"}
DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"]
ARTIFACTS_WHEN = {"on_success", "on_failure", "always"}
JOB_WHEN = {"on_success", "on_failure", "never", "always", "manual", "delayed"}


class Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []

    def fail(self, where, what):
        self.problems.append(f"{self.path}: {where}: {what}")

    def keys(self, where, value, allowed):
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, got {type(value).__name__}")
            return False
        for k in value:
            if k not in allowed:
                self.fail(where, f"unknown key '{k}' (allowed: {', '.join(sorted(allowed))})")
        return True

    def strings(self, where, value, nested=False):
        """A string, or a list of strings (one level of nested lists for scripts)."""
        if isinstance(value, str):
            return
        if not isinstance(value, list) or not value:
            self.fail(where, "expected a string or a non-empty list of strings")
            return
        for i, item in enumerate(value):
            if nested and isinstance(item, list):
                self.strings(f"{where}[{i}]", item)
            elif not isinstance(item, str):
                self.fail(f"{where}[{i}]", f"expected a string, got {type(item).__name__}")

    def image(self, where, value):
        if isinstance(value, str):
            return
        if self.keys(where, value, IMAGE_KEYS) and "name" not in value:
            self.fail(where, "an image mapping needs 'name'")

    def cache(self, where, value):
        for i, c in enumerate(value if isinstance(value, list) else [value]):
            w = f"{where}[{i}]" if isinstance(value, list) else where
            if not self.keys(w, c, CACHE_KEYS):
                continue
            key = c.get("key")
            if isinstance(key, dict):
                if self.keys(f"{w}.key", key, CACHE_KEY_KEYS):
                    self.strings(f"{w}.key.files", key.get("files", []) or ["-"])
            elif key is not None and not isinstance(key, (str, int)):
                self.fail(f"{w}.key", "expected a string or a mapping")
            if "paths" in c:
                self.strings(f"{w}.paths", c["paths"])

    def artifacts(self, where, value):
        if not self.keys(where, value, ARTIFACTS_KEYS):
            return
        if "paths" in value:
            self.strings(f"{where}.paths", value["paths"])
        if value.get("when", "on_success") not in ARTIFACTS_WHEN:
            self.fail(f"{where}.when", f"must be one of {sorted(ARTIFACTS_WHEN)}")
        reports = value.get("reports")
        if reports is not None and self.keys(f"{where}.reports", reports, REPORTS_KEYS):
            for k, v in reports.items():
                self.strings(f"{where}.reports.{k}", v)

    def job_body(self, where, job, allowed):
        for k in ("script", "before_script", "after_script"):
            if k in job:
                self.strings(f"{where}.{k}", job[k], nested=True)
        if "image" in job:
            self.image(f"{where}.image", job["image"])
        if "cache" in job:
            self.cache(f"{where}.cache", job["cache"])
        if "artifacts" in job:
            self.artifacts(f"{where}.artifacts", job["artifacts"])
        if "variables" in job and not isinstance(job["variables"], dict):
            self.fail(f"{where}.variables", "expected a mapping")
        if "when" in job and job["when"] not in JOB_WHEN:
            self.fail(f"{where}.when", f"must be one of {sorted(JOB_WHEN)}")

    def check(self, doc):
        if not isinstance(doc, dict) or not doc:
            self.fail("top level", "expected a mapping of keywords and jobs")
            return
        stages = doc.get("stages", DEFAULT_STAGES)
        if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
            self.fail("stages", "expected a list of stage names")
            stages = DEFAULT_STAGES
        if "variables" in doc and not isinstance(doc["variables"], dict):
            self.fail("variables", "expected a mapping")
        if "default" in doc and self.keys("default", doc["default"], DEFAULT_KEYS):
            self.job_body("default", doc["default"], DEFAULT_KEYS)
        jobs = 0
        for name, job in doc.items():
            if name in GLOBAL_KEYS:
                continue
            if not isinstance(job, dict):
                # A misspelled global keyword lands here: GitLab rejects a job that is not a
                # mapping ("jobs config should contain at least one visible job" or "config
                # should be a hash").
                self.fail(name, "unknown top-level keyword, or a job that is not a mapping")
                continue
            if not self.keys(name, job, JOB_KEYS):
                continue
            self.job_body(name, job, JOB_KEYS)
            if name.startswith("."):
                continue  # a hidden job (a template for `extends`), never run on its own
            jobs += 1
            if "script" not in job and "trigger" not in job and "extends" not in job \
                    and "run" not in job:
                self.fail(name, "a job needs 'script' (or 'trigger', 'run', 'extends')")
            stage = job.get("stage", "test")
            if stage not in stages and stage not in (".pre", ".post"):
                self.fail(f"{name}.stage", f"stage '{stage}' is not in stages {stages}")
        if jobs == 0:
            self.fail("top level", "no visible job")


def main(paths):
    bad = False
    for path in paths:
        checker = Checker(path)
        try:
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            bad = True
            continue
        checker.check(doc)
        for p in checker.problems:
            print(p, file=sys.stderr)
        if checker.problems:
            bad = True
        else:
            print(f"ok: {path}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
