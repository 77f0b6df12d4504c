"""Practitioner sign-off: confirmations, the manager's view of who has and has not confirmed,
and requests to confirm a set of items."""

from __future__ import annotations

import pytest

from clinicguard.model.errors import NotFound, PermissionDenied

KARIM, ANNE = "Dr Karim Benali", "Dr Anne Dubois"


@pytest.fixture
def practice(workspace, manager):
    people = workspace.people
    karim = people.add(manager, KARIM, "practitioner", "4826").actor
    anne = people.add(manager, ANNE, "practitioner", "7193").actor
    accountant = people.add(manager, "Mme Roux", "accountant", "Comptable-Roux-2026").actor
    items = [i.id for i in workspace.catalogue.items[:3]]
    return workspace, manager, karim, anne, accountant, items


def test_manager_sees_who_has_confirmed_and_who_has_not(practice):
    ws, manager, karim, anne, _, items = practice
    signed = ws.signoffs.confirm(karim, items[0], "  Poste verrouillé à chaque absence. ")
    assert (signed.person_name, signed.comment) == (KARIM, "Poste verrouillé à chaque absence.")
    status = ws.signoffs.for_item(items[0])
    assert [s.person_name for s in status.confirmed] == [KARIM]
    assert [p.name for p in status.missing] == [ANNE]  # the manager and the accountant are not expected
    assert not status.complete
    ws.signoffs.confirm(anne, items[0])
    assert ws.signoffs.for_item(items[0]).complete
    assert [p.name for p in ws.signoffs.for_item(items[1]).missing] == [ANNE, KARIM]


def test_a_request_reaches_every_practitioner_until_they_confirm(practice):
    ws, manager, karim, anne, _, items = practice
    ws.signoffs.confirm(karim, items[0])  # confirmed before the request: must confirm again
    ws.signoffs.request(manager, items[:2], "Revue annuelle")
    assert [r.item_id for r in ws.signoffs.pending(karim)] == sorted(items[:2])
    assert [r.item_id for r in ws.signoffs.pending(anne)] == sorted(items[:2])
    assert ws.signoffs.pending(karim)[0].note == "Revue annuelle"
    status = ws.signoffs.for_item(items[0])
    assert [s.person_name for s in status.outdated] == [KARIM] and not status.confirmed
    ws.signoffs.confirm(karim, items[0])
    assert [r.item_id for r in ws.signoffs.pending(karim)] == [items[1]]
    assert [s.person_name for s in ws.signoffs.for_item(items[0]).confirmed] == [KARIM]
    overview = ws.signoffs.overview()
    assert set(overview) == set(items[:2])
    ws.signoffs.cancel_request(manager, items[1])
    assert ws.signoffs.pending(karim) == []


def test_a_deactivated_practitioner_is_no_longer_expected(practice):
    ws, manager, karim, anne, _, items = practice
    ws.signoffs.confirm(karim, items[0])
    ws.people.deactivate(manager, ANNE)
    assert ws.signoffs.for_item(items[0]).complete


def test_who_may_sign_off_and_who_may_ask(practice):
    ws, manager, karim, anne, accountant, items = practice
    with pytest.raises(PermissionDenied):
        ws.signoffs.confirm(accountant, items[0])
    with pytest.raises(PermissionDenied):
        ws.signoffs.request(karim, items[:1])
    with pytest.raises(NotFound):
        ws.signoffs.confirm(karim, "NO-SUCH-ITEM")
    assert ws.signoffs.overview() == {}


def test_a_practitioner_withdraws_their_confirmation(practice):
    ws, manager, karim, anne, _, items = practice
    ws.signoffs.confirm(karim, items[0])
    ws.signoffs.withdraw(karim, items[0])
    assert [p.name for p in ws.signoffs.for_item(items[0]).missing] == [ANNE, KARIM]
    assert [e.kind for e in ws.audit.search(object_id=items[0])] == ["signoff.confirm", "signoff.withdraw"]


def test_confirming_several_items_with_an_unknown_one_confirms_none(practice):
    ws, _, karim, _, _, items = practice
    count = ws.audit.head()[0]
    with pytest.raises(NotFound):
        ws.signoffs.confirm_many(karim, [items[0], "NO-SUCH-ITEM", items[1]], "fait")
    assert all(not ws.signoffs.for_item(i).confirmed for i in items)
    assert ws.audit.head()[0] == count
    signed = ws.signoffs.confirm_many(karim, items, "fait")
    assert [s.item_id for s in signed] == items
    assert all([s.person_name for s in ws.signoffs.for_item(i).confirmed] == [KARIM] for i in items)
    assert [e.kind for e in ws.audit.entries()[count:]] == ["signoff.confirm"] * len(items)


def test_a_request_is_addressed_to_active_practitioners_only(practice):
    ws, manager, karim, anne, accountant, items = practice
    ws.signoffs.request(manager, items[:2], "Merci avant vendredi")
    assert ws.signoffs.pending(manager) == []  # the manager asked: nothing for the manager to confirm
    assert ws.signoffs.pending(accountant) == []
    assert [r.note for r in ws.signoffs.pending(anne)] == ["Merci avant vendredi"] * 2
    ws.people.deactivate(manager, ANNE)
    assert ws.signoffs.pending(anne) == []
    ws.people.change_role(manager, KARIM, "accountant")  # the role is read now, not at sign-in
    assert ws.signoffs.pending(karim) == []
