"""The union's desk: which moves the review group and the supervisors are offered, and in what
order their cases come."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import FormData

from gonghui.front.views.cases import Names
from gonghui.front.views.desk import desk_queue, move_body, move_label, moves_for
from gonghui.shared.auth import Role
from tests.unit.front.test_case_views import a_case

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_each_role_is_offered_the_moves_the_proposals_service_allows_it() -> None:
    assert moves_for(a_case("submitted", []), Role.REVIEWER) == [
        "accept",
        "return",
        "reject",
        "merge",
        "offer",
    ]
    assert moves_for(a_case("accepted", []), Role.REVIEWER) == ["assign", "offer", "merge"]
    assert moves_for(a_case("in_progress", []), Role.REVIEWER) == ["assign"]
    assert moves_for(a_case("completed", []), Role.REVIEWER) == []
    assert moves_for(a_case("completed", []), Role.SUPERVISOR) == ["verify", "send-back"]
    assert moves_for(a_case("submitted", []), Role.SUPERVISOR) == []
    assert moves_for(a_case("closed", []), Role.UNION_ADMIN) == []


def test_giving_a_case_that_has_a_unit_to_another_is_called_reassigning() -> None:
    assert move_label("assign", {**a_case("accepted", []), "unit_code": None}) == "交办"
    assert move_label("assign", a_case("in_progress", [])) == "改派"


def test_what_waits_on_the_role_comes_first_and_the_rest_is_followed() -> None:
    waiting = {**a_case("submitted", []), "id": "w", "case_no": "330482-2026-000001"}
    followed = {**a_case("in_progress", []), "id": "f", "case_no": "330482-2026-000002"}
    items = desk_queue([followed, waiting], role=Role.REVIEWER, names=Names(), now=NOW)
    assert [(i.id, i.done) for i in items] == [("w", False), ("f", True)]
    items = desk_queue([followed, waiting], role=Role.SUPERVISOR, names=Names(), now=NOW)
    assert all(i.done for i in items)


def test_a_moves_body_has_only_its_own_fields_and_no_empty_ones() -> None:
    form = FormData(
        [
            ("csrf_token", "t"),
            ("unit_code", "dushu-town"),
            ("co_unit_codes", "ph-legal"),
            ("co_unit_codes", "ph-women"),
            ("note", "  请于期限内受理 "),
            ("reason", "不该出现"),
        ]
    )
    assert move_body("assign", form) == {
        "unit_code": "dushu-town",
        "note": "请于期限内受理",
        "co_unit_codes": ["ph-legal", "ph-women"],
    }
    assert move_body("send-back", form) == {"reason": "不该出现"}
    assert move_body("offer", FormData([("note", "")])) == {}
    assert move_body("assign", FormData([("unit_code", "")])) == {}
