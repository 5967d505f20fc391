"""Security basics: no secret in the repository, services bound to loopback, no raw phone
number or email address in what leaves the warehouse."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from sehat.config import REPO_ROOT

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b"),
    "Fernet key": re.compile(r"FERNET_KEY\s*[:=]\s*['\"]?[A-Za-z0-9_-]{43}=", re.IGNORECASE),
    "password in a URL": re.compile(r"://[^/\s:@'\"]+:(?!\$\{|\{\{|<|\*|change-?me@)[^@\s/'\"]{3,}@"),
    "hard-coded password": re.compile(
        r"(?i)\b(?:password|passwd|secret|api_key|token)\b\s*[:=]\s*['\"](?!\$\{|\{\{|<|changeme|change-me|admin\b|\s*['\"])[^'\"\s]{8,}['\"]"
    ),
}
# Test code may build fake secrets to prove a scanner works; docs show placeholders.
SKIP_SUFFIXES = {".png", ".jpg", ".gz", ".parquet", ".duckdb", ".sqlite", ".lock"}
PHONE = re.compile(r"(?<![\w.+-])(?:\+\d{8,15}|0\d{9,12})(?![\w.-])")  # +62811..., 0811... (not dates, ids)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def repo_files() -> list[Path]:
    """Tracked files plus new files not ignored (what a commit could contain); outside a git
    checkout (an unpacked archive), every file but the usual local directories."""
    proc = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    if proc.returncode == 0:
        return [REPO_ROOT / p for p in proc.stdout.splitlines() if (REPO_ROOT / p).is_file()]
    local = {".git", ".venv", ".sehat", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", "target", "logs"}
    return [p for p in REPO_ROOT.rglob("*") if p.is_file() and not local & set(p.relative_to(REPO_ROOT).parts)]


def test_no_secret_is_committed():
    found = []
    for path in repo_files():
        if path.suffix in SKIP_SUFFIXES or path.name == Path(__file__).name:
            continue
        try:
            text = path.read_text(errors="ignore")
        except OSError:
            continue
        for name, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(REPO_ROOT)}: {name}: {match.group(0)[:60]}")
    assert not found, "\n".join(found)


def test_the_scanner_finds_what_it_looks_for():
    samples = {
        "private key": "-----BEGIN RSA PRIVATE KEY-----",
        "AWS access key": "key = AKIAABCDEFGHIJKLMNOP",
        "password in a URL": "postgresql://airflow:hunter22@db:5432/airflow",
        "hard-coded password": 'password = "S3cretValue!"',
    }
    for name, text in samples.items():
        assert SECRET_PATTERNS[name].search(text), name
    assert not SECRET_PATTERNS["password in a URL"].search("postgresql://${USER}:${POSTGRES_PASSWORD}@db/x")


def test_no_env_file_with_secrets_is_tracked():
    names = {p.name for p in repo_files()}
    assert ".env" not in names
    example = REPO_ROOT / ".env.example"
    if example.exists():
        for line in example.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                value = line.split("=", 1)[1].strip()
                assert not SECRET_PATTERNS["Fernet key"].search(line), line
                assert len(value) < 40 or "change" in value.lower(), f".env.example holds a real-looking value: {line}"


@pytest.mark.parametrize("compose", sorted(p.name for p in REPO_ROOT.glob("docker-compose*.yml")))
def test_compose_services_publish_ports_on_loopback_only(compose):
    services = yaml.safe_load((REPO_ROOT / compose).read_text())["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            spec = port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port.get('published')}"
            assert str(spec).startswith("127.0.0.1:"), f"{compose}: {name} publishes {spec} beyond loopback"


def test_local_airflow_binds_to_loopback(tmp_path, monkeypatch):
    from sehat.config import settings
    from sehat.orchestrate import airflow_env

    monkeypatch.setenv("SEHAT_HOME", str(tmp_path))
    env = airflow_env(settings(), base_env={})
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__API__BASE_URL"].startswith("http://127.0.0.1:")


@pytest.mark.e2e
def test_published_exports_hold_no_raw_phone_or_email(reference):
    """Scan every file under the publication area (CSV, Parquet as text, manifests)."""
    import duckdb

    cfg = reference["cfg"]
    files = [p for p in cfg.publish_dir.rglob("*") if p.is_file()]
    assert any(p.name == "members.csv" for p in files), "nothing was published to scan"
    with duckdb.connect() as con:
        truth_phones, truth_emails = set(), set()
        users = cfg.data_dir / "production" / "production.sqlite"
        if users.exists():
            from sehat.warehouse import load_extension

            load_extension(con, "sqlite_scanner")
            con.execute(f"ATTACH '{users}' AS src (TYPE sqlite, READ_ONLY)")
            truth_phones = {r[0] for r in con.execute("SELECT phone FROM src.users WHERE phone IS NOT NULL").fetchall()}
            truth_emails = {r[0] for r in con.execute("SELECT email FROM src.users WHERE email IS NOT NULL").fetchall()}
        leaks = []
        for path in files:
            if path.suffix == ".parquet":
                text = "\n".join(str(row) for row in con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall())
            else:
                text = path.read_text(errors="ignore")
            leaks += [f"{path.name}: email {m}" for m in EMAIL.findall(text)]
            leaks += [f"{path.name}: phone {m}" for m in PHONE.findall(text)]
            leaks += [f"{path.name}: known phone {p}" for p in truth_phones if p and p in text]
            leaks += [f"{path.name}: known email {e}" for e in truth_emails if e and e in text]
    assert not leaks, leaks[:10]
