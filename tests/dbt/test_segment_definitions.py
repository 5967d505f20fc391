"""Declarative segments: a condition cannot escape its expression, bad YAML fails with a clear
message, and the committed dbt models are exactly what the definitions compile to."""

from __future__ import annotations

import pytest

from sehat.segments import (
    DEFINITIONS_DIR,
    SegmentDefinitionError,
    compile_segments,
    compiled_files,
    load_definitions,
    parse_definition,
    profile_columns,
    validate_condition,
)


@pytest.mark.parametrize(
    "condition",
    [
        "n_orders >= 2 and lifecycle_stage = 'lapsing'",
        "lower(city) in ('jakarta', 'bandung') or coalesce(push_ctr, 0) > 0.1",
        "days_since_last_order between 25 and 40 and not is_anonymous",
        "case when n_orders > 3 then true else false end",
        "preferred_category like 'vita%'",
    ],
)
def test_valid_conditions(condition):
    assert validate_condition(condition) == []


@pytest.mark.parametrize(
    "condition, problem",
    [
        ("n_orders > 1; drop table marts.dim_customers", "statement separator"),
        ("n_orders > 1) or (1 = 1", None),  # balanced by the wrapper, still one expression: must not parse as more
        ("customer_key in (select customer_key from restricted.dim_customer_pii)", "subquery"),
        ("exists (select 1 from restricted.dim_customer_pii)", "subquery"),
        ("n_orders > 1 union select 1 from restricted.dim_customer_pii", "does not parse"),
        ("n_orders > 1) union select customer_key from restricted.dim_customer_pii where (true", "one expression"),
        ("n_orders > 1) group by customer_key having (count(*) > 0", "one expression"),
        ("n_orders > 1) order by (1", "one expression"),
        ("n_orders > 1 -- and nothing else", "comment"),
        ("n_orders > 1 /* hidden */", "comment"),
        ("{{ run_query('drop schema marts cascade') }}", "Jinja"),
        ("getenv('HOME') is not null", "getenv"),
        ("len(read_csv('/etc/passwd')) > 0", "not allowed"),
        ("dim_customer_pii.email is not null", "bare column"),
        ("email = 'a@b.id'", "unknown column"),
        ("name = 'Ayu'", "PII"),
        ("no_such_column > 1", "unknown column"),
        ("n_orders >", "does not parse"),
        ("", "empty"),
        ("$1 > 0", "parameter"),
    ],
)
def test_conditions_that_try_to_escape_or_are_wrong(condition, problem):
    problems = validate_condition(condition)
    if problem is None:  # "x) or (y": DuckDB sees ((x) or (y)): allowed only because it stays one expression
        assert all("subquery" not in p for p in problems)
        return
    assert problems, condition
    assert any(problem.lower() in p.lower() for p in problems), problems


def _write(tmp_path, name, body):
    path = tmp_path / f"{name}.yml"
    path.write_text(body)
    return path


GOOD = """name: {name}
description: test segment
owner: crm@sehat.example
destination: campaign_tool
refresh: daily
condition: n_orders >= 2
"""


def test_a_good_definition_parses(tmp_path):
    d = parse_definition(_write(tmp_path, "repeat_buyers", GOOD.format(name="repeat_buyers")))
    assert d.model_name == "seg_repeat_buyers"
    assert d.as_segment().columns == ("customer_key", "user_id", "identity", "as_of_date")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("destination: campaign_tool", "destination: facebook"), "unknown destination"),
        (lambda t: t.replace("refresh: daily", "refresh: hourly"), "refresh must be"),
        (lambda t: t.replace("owner: crm@sehat.example", "owner: crm"), "owner must be an e-mail"),
        (lambda t: t.replace("condition: n_orders >= 2", "condition: n_orders >= 2; select 1"), "invalid condition"),
        (lambda t: t + "columns: [phone]\n", "PII"),
        (lambda t: t + "columns: [email_md5]\n", "PII"),
        (lambda t: t + "model: seg_x\n", "exactly one of"),
        (lambda t: t + "colour: blue\n", "unknown keys"),
        (lambda t: t.replace("description: test segment\n", ""), "'description' is required"),
        (lambda t: t + "  bad: [indent\n", "not valid YAML"),
    ],
)
def test_invalid_definitions_fail_with_the_file_and_the_reason(tmp_path, edit, message):
    path = _write(tmp_path, "repeat_buyers", edit(GOOD.format(name="repeat_buyers")))
    with pytest.raises(SegmentDefinitionError) as err:
        parse_definition(path)
    assert "repeat_buyers.yml" in str(err.value) and message in str(err.value)


def test_hashed_email_only_for_destinations_that_match_on_it(tmp_path):
    body = GOOD.format(name="mail_me").replace("campaign_tool", "crm_email") + "columns: [email_md5]\n"
    assert parse_definition(_write(tmp_path, "mail_me", body)).columns == ("email_md5",)


def test_file_name_must_match(tmp_path):
    with pytest.raises(SegmentDefinitionError, match="file name"):
        parse_definition(_write(tmp_path, "other", GOOD.format(name="repeat_buyers")))


def test_committed_models_match_the_definitions():
    assert compile_segments(check=True) == [], "run `sehat personalisation compile-segments`"
    defs = load_definitions()
    assert {d.name for d in defs} == {p.stem for p in DEFINITIONS_DIR.glob("*.yml")}
    files = compiled_files(defs)
    for d in defs:
        if d.condition:
            sql = next(text for path, text in files.items() if path.name == f"{d.model_name}.sql")
            assert f"where (\n    {d.condition}\n)" in sql and "int_customers_profiled" in sql


def test_profile_columns_are_documented_and_free_of_raw_pii():
    cols = profile_columns()
    assert {"customer_key", "lifecycle_stage", "rfm_segment", "push_ctr", "last_diagnosis_group"} <= set(cols)
    assert not {"email", "phone", "birth_date"} & set(cols)
