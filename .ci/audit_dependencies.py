"""pip-audit over the installed environment, saying plainly when it could audit nothing.

pip-audit needs PyPI's vulnerability data (its JSON API) over the network. Where that is
out of reach, pip-audit skips every package ("Dependency not found on PyPI") and still
exits 0 with "No known vulnerabilities found"; this script counts what was really audited.

Exit 0: audited, nothing known. Exit 1: a known vulnerability (each is listed). Exit 2:
nothing could be audited, unless ``CASEWORK_AUDIT_UNREACHABLE=warn`` (then a warning and 0:
for CI on a machine that reaches package downloads but not PyPI's vulnerability data).
The editable Casework itself is not a published package and is left out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [
        str(pip_audit),
        "--local",
        "--skip-editable",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    # A fixed command: pip-audit from this interpreter's own environment.
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stderr)
        print(f"pip-audit failed (exit {result.returncode}); see above.", file=sys.stderr)
        return result.returncode or 2

    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d and "editable" not in d["skip_reason"]]
    vulnerable = [d for d in audited if d.get("vulns")]

    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    print(
        f"pip-audit: {len(audited)} packages audited, {len(vulnerable)} with known "
        f"vulnerabilities, {len(skipped)} could not be audited."
    )
    if vulnerable:
        return 1
    if skipped and not audited:
        print(
            "NOT AUDITED: pip-audit could not get vulnerability data for any package "
            f"({skipped[0]['skip_reason']}). It needs PyPI's JSON API over the network.",
            file=sys.stderr,
        )
        return 0 if os.environ.get("CASEWORK_AUDIT_UNREACHABLE") == "warn" else 2
    for dependency in skipped:
        print(f"  not audited: {dependency['name']}: {dependency['skip_reason']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
