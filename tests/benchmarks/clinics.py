"""Clinics of a chosen size for the benchmarks: n actions with k budget lines each, written in one
transaction through the core (the same rows a clinic would hold), on the bundled catalogue."""

from __future__ import annotations

import random
import time
from pathlib import Path

MANAGER = "Claire Martin"
MANAGER_SECRET = "Secret-Manager-2026"
PASSPHRASE = "une phrase de passe assez longue"
WORDS = ["sauvegarde", "chiffrement", "poste", "formation", "registre", "assurance", "mot", "de", "passe", "messagerie", "antivirus", "pare-feu", "contrat", "sous-traitant", "affichage", "patients", "accès", "dossier", "médical", "NAS", "disque", "clé"]
OWNERS = ["Claire Martin", "Dr Karim Benali", "Sophie Leroy", "Dr Anne Dubois", "Éric Petit"]


def build_clinic(folder: Path, n_actions: int, lines_per_action: int = 2, *, passphrase: str | None = None,
                 quiet: bool = False):
    """Create the clinic in `folder`; return (workspace, signed-in manager). The keyring must be set."""
    from clinicguard.core.workspace import Workspace
    from clinicguard.model.people import Permission

    ws, _ = Workspace.create(folder, clinic_name="Cabinet des Tilleuls", structure="group-practice",
                             manager_name=MANAGER, manager_secret=MANAGER_SECRET, passphrase=passphrase)
    actor = ws.people.sign_in(MANAGER, MANAGER_SECRET)
    rng = random.Random(18)
    items = [i.id for i in ws.catalogue.items]
    start = time.perf_counter()
    with ws.uow.writing(actor, Permission.EDIT_PLAN) as audit:
        for n in range(n_actions):
            title = " ".join(rng.sample(WORDS, 4)).capitalize() + f" n°{n}"
            due = f"{rng.randint(2025, 2028)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            action = ws.plan.create_action_in(audit, title=title, owner=rng.choice(OWNERS), priority=rng.randint(1, 4),
                                              due_date=due, item_ids=rng.sample(items, rng.randint(0, 2)))
            for k in range(lines_per_action):
                planned = rng.randint(1_000, 500_000)
                fields = {"label": f"Ligne {k + 1} de l'action {n}", "planned_ht": planned,
                          "expense_date": f"{rng.randint(2025, 2027)}-{rng.randint(1, 12):02d}-15"}
                if rng.random() < 0.4:
                    fields.update(actual_ht=planned + rng.randint(-900, 5_000), invoice_ref=f"F-{n}-{k}")
                ws.plan.add_line_in(audit, action.id, **fields)
    if not quiet:
        print(f"  built {n_actions} actions, {n_actions * lines_per_action} lines in "
              f"{time.perf_counter() - start:.1f} s")
    return ws, actor
