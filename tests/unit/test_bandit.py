"""bandit finds nothing in the app and the domain, and every exception to it names its test and says why."""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCANNED = ("app", "workflows")
# `# nosec B603 # why`: the test's id, then the reason after a second '#'.
JUSTIFIED = re.compile(r"#\s*nosec\s+B\d{3}(?:[ ,]+B\d{3})*\s+#\s*\S.{5,}")


def test_bandit_reports_no_issue():
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", *SCANNED, "-f", "json", "-q"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    issues = [f"{i['filename']}:{i['line_number']} {i['test_id']} {i['issue_text']}" for i in report["results"]]
    assert issues == [] and report["errors"] == []
    assert result.returncode == 0


def test_every_exception_names_its_test_and_says_why():
    unjustified = []
    for folder in SCANNED:
        for path, _dirs, files in os.walk(os.path.join(ROOT, folder)):
            for name in (f for f in files if f.endswith(".py")):
                with open(os.path.join(path, name), encoding="utf-8") as handle:
                    for number, line in enumerate(handle, 1):
                        if "nosec" in line and not JUSTIFIED.search(line):
                            unjustified.append(f"{os.path.join(path, name)}:{number}")
    assert unjustified == []
