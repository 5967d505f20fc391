"""Identity patterns in the events, and the truth files that explain them."""

from __future__ import annotations

import pyarrow.parquet as pq

from sehat.generate.truth import FILES


def test_anonymous_then_login_pattern(generated):
    first_anonymous: dict[str, int] = {}
    first_known: dict[str, int] = {}
    for record in generated.records():
        profile = record["profile"]
        if not isinstance(profile, dict) or "objectId" not in profile or not isinstance(record.get("ts"), int):
            continue
        oid, ts = profile["objectId"], record["ts"]
        if profile.get("identity"):
            assert profile["all_identities"] == [profile["identity"], profile["email"]]
            first_known[oid] = min(ts, first_known.get(oid, ts))
        else:
            assert profile["all_identities"] == []
            assert "phone" not in profile and "email" not in profile
            first_anonymous[oid] = min(ts, first_anonymous.get(oid, ts))
    logged_in_later = [o for o in first_anonymous if o in first_known and first_anonymous[o] < first_known[o]]
    assert logged_in_later, "no device went from anonymous to identified"
    assert set(first_anonymous) - set(first_known), "every anonymous device logged in"


def test_devices_and_phone_changes_match_truth(generated):
    devices = pq.read_table(generated.cfg.data_dir / "truth" / "devices.parquet").to_pylist()
    owner = {d["object_id"]: d["identity"] for d in devices}
    phones: dict[str, set[str]] = {}
    for record in generated.records():
        profile = record["profile"]
        if not isinstance(profile, dict):  # a planted fault: the profile written as a string
            continue
        if profile.get("identity") and "objectId" in profile:
            assert owner[profile["objectId"]] == profile["identity"]
            phones.setdefault(profile["identity"], set()).add(profile["phone"])
    customers = pq.read_table(generated.cfg.data_dir / "truth" / "customers.parquet").to_pylist()
    changed = {c["identity"]: c for c in customers if c["new_phone"]}
    assert changed
    for identity, seen in phones.items():
        if len(seen) > 1:
            assert seen == {changed[identity]["phone_at_signup"], changed[identity]["new_phone"]}
    current = dict(generated.query("SELECT identity, phone FROM users"))
    assert all(current[i] == c["new_phone"] for i, c in changed.items())
    per_user = {}
    for d in devices:
        if d["identity"]:
            per_user[d["identity"]] = per_user.get(d["identity"], 0) + 1
    assert set(per_user.values()) == {1, 2, 3}


def test_truth_files_exist_and_are_listed(generated):
    folder = generated.cfg.data_dir / "truth"
    readme = (folder / "README.md").read_text()
    for name in FILES:
        assert name in readme
        assert pq.read_table(folder / name).num_rows > 0, name
    behaviours = {c["behaviour"] for c in pq.read_table(folder / "customers.parquet").to_pylist()}
    assert {"chronic_buyer", "browser_never_buys", "lapsed"} <= behaviours
    experiments = pq.read_table(folder / "experiments.parquet").to_pylist()
    assert any(e["true_effect"] != 1.0 for e in experiments)
