"""One real SynthBUS server for the whole session: `node dist/src/main.js start` (embedded
PostgreSQL, API and one worker on the tiny fixture model) on a temporary data dir and a free port.

It builds nothing: `npm ci && npm run build` must have run in the repository (or in the folder
$SYNTHBUS_SERVER_DIR names). Tests make their partners through GraphQL, like a real admin would.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest

from synthbus import Client, Cohort, Order

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER_DIR = Path(os.environ.get("SYNTHBUS_SERVER_DIR", REPO_ROOT))
MAIN_JS = SERVER_DIR / "dist" / "src" / "main.js"
FIXTURE_BUNDLE = SERVER_DIR / "tests" / "fixtures" / "tiny-bundle"
START_TIMEOUT_S = 120
PARTNER_SCOPES = ["ACCOUNT", "ORDERS_READ", "ORDERS_WRITE", "DOWNLOADS"]


@dataclass
class Server:
    url: str
    admin_key: str
    data_dir: Path
    log: List[str]


@dataclass
class Partner:
    id: str
    key: str
    key_id: str
    account_key: str


def _start(data_dir: Path) -> "tuple[subprocess.Popen[str], str, str, List[str]]":
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({
        "SYNTHBUS_DATA_DIR": str(data_dir),
        "PORT": "0",
        # Always the tiny fixture, even when a real model sits in models/: the suite must stay fast.
        "SYNTHBUS_BUNDLE_DIRS": str(FIXTURE_BUNDLE),
        "SYNTHBUS_SHARD_SIZE": "4",
        "SYNTHBUS_BATCH_SIZE": "2",
    })
    proc = subprocess.Popen(
        ["node", str(MAIN_JS), "start"], cwd=SERVER_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    log: List[str] = []
    ready = threading.Event()
    found = {"url": "", "key": ""}

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line.rstrip("\n"))
            m = re.match(r"^\s+(sbk_\S+)$", line)
            if m:
                found["key"] = m.group(1)
            m = re.search(r"SynthBUS GraphQL endpoint: (http://\S+)", line)
            if m:
                found["url"] = m.group(1)
                ready.set()
        ready.set()  # exited: the waiter reports the log

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(START_TIMEOUT_S) or not found["url"]:
        _stop(proc)
        raise RuntimeError("the SynthBUS server did not start:\n" + "\n".join(log[-40:]))
    return proc, found["url"], found["key"], log


def _stop(proc: "subprocess.Popen[str]") -> None:
    if proc.poll() is None:
        # SIGTERM lets main.js stop the worker, the API and its embedded PostgreSQL in order.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if not MAIN_JS.exists():
        pytest.fail(f"{MAIN_JS} is missing: run `npm ci && npm run build` in {SERVER_DIR} first")
    data_dir = Path(tempfile.mkdtemp(prefix="synthbus-py-"))
    proc, url, admin_key, log = _start(data_dir)
    try:
        assert admin_key, "the first start printed no admin key:\n" + "\n".join(log)
        yield Server(url, admin_key, data_dir, log)
    finally:
        _stop(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


def make_partner(server: Server, name: str) -> Partner:
    """apply -> approvePartner (admin) -> acceptAgreement -> issueApiKey, all through GraphQL."""
    with Client(server.url, api_key="") as anonymous:
        applied = anonymous.execute(
            "mutation($i: ApplyInput!) { apply(input: $i) { partner { id } secret } }",
            {"i": {"name": name, "institution": f"{name} Research", "contactEmail": "research@example.org",
                   "purpose": "Testing the Python client on synthetic cohorts."}},
        )["apply"]
        version = anonymous.execute("{ currentAgreement { version } }")["currentAgreement"]["version"]
    with Client(server.url, api_key=server.admin_key) as admin:
        admin.execute("mutation($id: ID!) { approvePartner(id: $id) { status } }", {"id": applied["partner"]["id"]})
    with Client(server.url, api_key=applied["secret"]) as account:
        account.execute("mutation($v: Int!) { acceptAgreement(version: $v) { agreementVersion } }", {"v": version})
        issued = account.execute(
            "mutation($s: [Scope!]!) { issueApiKey(name: \"python tests\", scopes: $s) { secret key { id } } }",
            {"s": PARTNER_SCOPES},
        )["issueApiKey"]
    return Partner(applied["partner"]["id"], issued["secret"], issued["key"]["id"], applied["secret"])


@pytest.fixture(scope="session")
def partner(server: Server) -> Partner:
    return make_partner(server, "Python Hospital")


@pytest.fixture(scope="session")
def client(server: Server, partner: Partner) -> Iterator[Client]:
    with Client(server.url, api_key=partner.key) as c:
        yield c


@pytest.fixture(scope="session")
def small_order(client: Client) -> Order:
    """A 6-image cohort over two classes, placed once for the session."""
    return client.order(mix={3: 0.5, 4: 0.5}, size=6, seed=7, steps=4, idempotency_key=f"py-session-{uuid.uuid4()}")


@pytest.fixture(scope="session")
def pulled(client: Client, small_order: Order, tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    """The session order pulled (waited for, downloaded, unpacked, verified) once."""
    return client.pull(small_order.id, tmp_path_factory.mktemp("cohort"), progress=False)


@pytest.fixture
def cohort_copy(pulled: Cohort, tmp_path: Path) -> Cohort:
    """A private copy of the pulled cohort, for tests that tamper with files."""
    dest = tmp_path / "cohort"
    shutil.copytree(pulled.path, dest)
    return Cohort(dest)
