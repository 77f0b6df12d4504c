"""PIN and password hashes are useless offline without the clinic key (issue 19, item 6): each is
keyed with a pepper derived from that key before scrypt; older hashes still work and are replaced
at the next sign-in."""

from __future__ import annotations

from clinicguard.core.secrets import check_secret, hash_secret, is_peppered
from tests.conftest import MANAGER, MANAGER_SECRET


def stored(ws, name) -> str:
    return ws.people.store.secret_hash(ws.people.get(name).id)


def test_a_copied_database_gives_no_offline_check_without_the_clinic_key(workspace, manager):
    workspace.people.add(manager, "Sophie Leroy", "practitioner", "2222")
    for name, secret in ((MANAGER, MANAGER_SECRET), ("Sophie Leroy", "2222")):
        hashed = stored(workspace, name)
        assert is_peppered(hashed)
        # What an offline search over the database file alone can do: even the right secret fails.
        assert not check_secret(secret, hashed)
        assert not check_secret(secret, hashed, b"\0" * 32)  # nor with another clinic's pepper
        assert check_secret(secret, hashed, workspace.keys.secret_pepper())


def test_a_hash_from_before_the_pepper_signs_in_and_is_replaced(workspace, manager):
    workspace.people.add(manager, "Karim Benali", "practitioner", "4826")
    person = workspace.people.get("Karim Benali")
    workspace.people.store.set_secret(person.id, "pin", hash_secret("4826"), must_change=True)  # as before
    assert not is_peppered(stored(workspace, "Karim Benali"))
    actor = workspace.people.sign_in("Karim Benali", "4826")
    after = stored(workspace, "Karim Benali")
    assert is_peppered(after) and check_secret("4826", after, workspace.keys.secret_pepper())
    assert workspace.people.must_change_secret(actor)  # the upgrade changes nothing else
    assert workspace.people.sign_in("Karim Benali", "4826").name == "Karim Benali"


def test_a_changed_or_reset_secret_is_peppered(workspace, manager):
    workspace.people.add(manager, "Sophie Leroy", "practitioner", "2222")
    workspace.people.reset_secret(manager, "Sophie Leroy", "3333")
    assert is_peppered(stored(workspace, "Sophie Leroy"))
    sophie = workspace.people.sign_in("Sophie Leroy", "3333")
    workspace.people.change_own_secret(sophie, "3333", "7391")
    assert is_peppered(stored(workspace, "Sophie Leroy"))
    assert workspace.people.sign_in("Sophie Leroy", "7391").name == "Sophie Leroy"
