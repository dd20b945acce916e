"""The `sscard` command as a newcomer runs it: the demo set-up, imports and their exit codes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sscard.core.actors import Role
from sscard.portal.services import demo_password

pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SSCARD_DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", SSCARD_DATA_DIR=str(tmp_path))
    # The demo makes its own keys in the data directory, as on a newcomer's machine.
    env.pop("SSCARD_FIELD_KEY", None)
    env.pop("SSCARD_SECRET_KEY", None)
    return env


def _sscard(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sscard.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_demo_sets_up_an_embedded_city_and_prints_one_account_per_role(tmp_path: Path) -> None:
    env = _env(tmp_path)
    # when the demo is set up without serving
    done = _sscard(env, "demo", "--no-serve", "--persons", "2000")
    # then it exits 0, prints an account for every role, and the city is in the SQLite file
    assert done.returncode == 0, done.stdout + done.stderr
    for role in ("city-officer", "district-officer", "employer-hr", "bank-clerk", "cardholder"):
        assert f"demo-{role} " in done.stdout
        assert demo_password(Role(role.replace("-", "_"))) in done.stdout
    assert (tmp_path / "keys" / "field-master").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(tmp_path / "sscard.sqlite3") as db:
        persons = db.execute("SELECT COUNT(*) FROM registry_person").fetchone()[0]
        banks = db.execute("SELECT COUNT(*) FROM network_bank").fetchone()[0]
        districts = db.execute(
            "SELECT COUNT(*) FROM registry_division WHERE parent_id = '110000' AND NOT abolished"
        ).fetchone()[0]
    assert persons == 2000
    assert banks >= 14
    assert districts == 16
    # no ID number or phone of the demo file appears anywhere in the database files
    lines = (tmp_path / "demo" / "beijing-2000" / "persons.csv").read_text().splitlines()[1:]
    secrets = {cell for line in lines[:300] for cell in line.split(",")[:3:2] if cell}
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("sscard.sqlite3*"))
    assert secrets
    assert not [s for s in secrets if s.encode() in stored]
    # and running it again changes nothing
    again = _sscard(env, "demo", "--no-serve", "--persons", "2000")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 inserted" in again.stdout


def _said(done: subprocess.CompletedProcess[str]) -> str:
    """What a command printed, for a failure message."""
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


def _unwrapped(text: str) -> str:
    """Printed text without its whitespace: the console wraps lines at the terminal's width,
    and folds a word longer than it (a long temporary path) anywhere, so a path is found in
    this, whatever the width the tests run at."""
    return "".join(text.split())


def test_import_exit_codes_say_what_happened(tmp_path: Path) -> None:
    env = _env(tmp_path)
    migrated = _sscard(env, "manage", "migrate", "-v", "0")
    assert migrated.returncode == 0, _said(migrated)
    load = (
        "import django; django.setup(); from sscard.core.actors import Actor; "
        "from sscard.registry.services import divisions_load; "
        "divisions_load(actor=Actor.system('test'))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", load],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert loaded.returncode == 0, _said(loaded)
    good = tmp_path / "schools.csv"
    good.write_text("school_code,name,district,kind\n1110102001,西城实验小学,110102,primary\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("school_code,name,district,kind\n12,短码,110102,primary\n")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    imported = _sscard(env, "import", "schools", str(good))
    assert imported.returncode == 0, _said(imported)
    refused_rows = _sscard(env, "import", "schools", str(bad))
    assert refused_rows.returncode == 1, _said(refused_rows)
    # the report of the refused row is named, and is there with the row in it
    (report,) = (tmp_path / "reports").glob("import-*-schools.csv")
    assert str(report) in _unwrapped(refused_rows.stdout), _said(refused_rows)
    rows = report.read_text(encoding="utf-8-sig").splitlines()
    assert [row.split(",")[:3] for row in rows] == [
        ["row", "column", "code"],
        ["2", "school_code", "school_code_invalid"],
    ], rows
    refused_file = _sscard(env, "import", "schools", str(empty))
    assert refused_file.returncode == 2, _said(refused_file)
    assert "file_empty" in refused_file.stdout, _said(refused_file)


PACKS = Path(__file__).resolve().parents[1] / "sscard" / "policy" / "packs"


def test_policy_check_accepts_a_good_pack_and_names_the_bad_key(tmp_path: Path) -> None:
    env = _env(tmp_path)
    good = _sscard(env, "policy", "check", str(PACKS / "beijing-2024.yaml"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ok: beijing-2024" in good.stdout
    assert "SM3" in good.stdout
    bad = tmp_path / "bad.yaml"
    text = (PACKS / "beijing-2024.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("timezone: Asia/Shanghai", "timezone: Asia/Shanghai\ncolour: red"))
    refused = _sscard(env, "policy", "check", str(bad))
    assert refused.returncode == 2
    assert "pack_unknown_key" in refused.stdout
    assert "colour" in refused.stdout


def test_policy_explain_answers_for_a_registered_person(tmp_path: Path) -> None:
    import csv
    import json

    env = _env(tmp_path)
    population = tmp_path / "population"
    assert (
        _sscard(
            env, "generate", "population", "--city", "beijing", "--persons", "1000",
            "--out", str(population),
        ).returncode
        == 0
    )  # fmt: skip
    assert _sscard(env, "manage", "migrate", "-v", "0").returncode == 0
    load = (
        "import django; django.setup(); from sscard.core.actors import Actor; "
        "from sscard.registry.services import divisions_load; "
        "from sscard.network.services import banks_load; "
        "a = Actor.system('test'); divisions_load(actor=a); banks_load(actor=a)"
    )
    subprocess.run([sys.executable, "-c", load], env=env, check=True)
    for kind in ("employers", "schools", "persons"):
        assert _sscard(env, "import", kind, str(population / f"{kind}.csv")).returncode == 0
    with (population / "employers.csv").open(encoding="utf-8") as fh:
        pilot = {r["credit_code"] for r in csv.DictReader(fh) if r["insured_district"] == "110102"}
    with (population / "persons.csv").open(encoding="utf-8") as fh:
        staff = next(
            r["id_number"]
            for r in csv.DictReader(fh)
            if r["category"] == "in_service_staff" and r["employer_credit_code"] in pilot
        )
    common = ["--pack", "beijing-2024", "--id-number", staff, "--date", "2024-03-01"]
    # a pilot target's collective migration is allowed and yields a third-generation card
    allowed = _sscard(
        env, "policy", "explain", *common, "--channel", "collective_online", "--action",
        "migrate", "--json",
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    decision = json.loads(allowed.stdout)
    assert (decision["allowed"], decision["card_generation"]) == (True, 3)
    assert staff not in allowed.stdout
    # the same person applying alone at a bank outlet is refused, citing BJ-05
    refused = _sscard(
        env, "policy", "explain", *common, "--channel", "bank_outlet", "--action", "migrate"
    )
    assert refused.returncode == 0
    assert "BJ-05" in refused.stdout
    assert staff not in refused.stdout


def test_production_commands_take_a_batch_from_forming_to_dispatch(tmp_path: Path) -> None:
    # given the demo city, whose second employer's collective waits for production
    import base64
    import json

    env = _env(tmp_path)
    assert _sscard(env, "demo", "--no-serve", "--persons", "2000").returncode == 0
    with sqlite3.connect(tmp_path / "sscard.sqlite3") as db:
        cards_before = db.execute("SELECT COUNT(*) FROM cards_card").fetchone()[0]
    assert cards_before > 0
    # when the operator forms the batch, personalises it (with a progress bar) and exports it
    formed = _sscard(env, "production", "form")
    assert formed.returncode == 0, formed.stderr
    batch = formed.stdout.split("#", 1)[1].split(":", 1)[0]
    personalised = _sscard(env, "production", "personalise", batch)
    assert personalised.returncode == 0, personalised.stderr
    assert f"batch #{batch}: personalised" in personalised.stdout
    exported = _sscard(env, "production", "export", batch, "--out", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    data, manifest = (Path(line) for line in exported.stdout.splitlines()[:2])
    # and the factory (reading only the files and its key) makes every card but one
    key = bytes.fromhex((tmp_path / "keys" / "factory-transport").read_text().strip())
    from sscard.testing.card_factory import factory_read, factory_result

    with sqlite3.connect(tmp_path / "sscard.sqlite3") as db:
        root = db.execute(
            "SELECT certificate FROM cards_certificateauthority WHERE kind = 'root'"
        ).fetchone()[0]
    intake = factory_read(data=data, manifest=manifest, key=key, trusted_root=bytes(root))
    spoiled = intake.cards[0]["card_number"]
    result_file = tmp_path / "result.csv"
    result_file.write_bytes(factory_result(intake, defective={spoiled}))
    imported = _sscard(env, "production", "result", batch, str(result_file))
    # then the result is imported, the defect remade in a new batch, the rest dispatched
    assert imported.returncode == 0, imported.stderr
    assert f"made {len(intake.cards) - 1}, defective 1" in imported.stdout
    again = _sscard(env, "production", "result", batch, str(result_file))
    assert "already recorded 0" in again.stdout or "made" in again.stdout
    dispatched = _sscard(env, "production", "dispatch", batch)
    assert dispatched.returncode == 0, dispatched.stderr
    assert f"outlet {len(intake.cards) - 1}" in dispatched.stdout
    assert json.loads(manifest.read_text())["cards"] == len(intake.cards)
    # and a bad batch number is refused with its code and exit 2
    missing = _sscard(env, "production", "personalise", "999")
    assert (missing.returncode, "not_found" in missing.stdout) == (2, True)
    # and the demo's virtual card answers a challenge for an enabled card as its chip would
    with sqlite3.connect(tmp_path / "sscard.sqlite3") as db:
        number = db.execute(
            "SELECT card_number FROM cards_card WHERE ss_function = 'enabled' LIMIT 1"
        ).fetchone()[0]
    signed = _sscard(env, "card", "sign-challenge", "--card-number", number, "--nonce", "00" * 32)
    assert signed.returncode == 0, signed.stderr
    assert base64.b64decode(signed.stdout.strip())[0] == 0x30  # a DER SM2 signature
    bad = _sscard(env, "card", "sign-challenge", "--card-number", number, "--nonce", "xyz")
    assert bad.returncode == 2
