"""A demo clinic with realistic answers, so a newcomer sees a populated dashboard at once."""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from pathlib import Path

from clinicguard.core import keys
from clinicguard.core.catalogue import Structure
from clinicguard.core.checklist import Status
from clinicguard.core.people import Actor
from clinicguard.core.workspace import Workspace

DEMO_CLINIC = "Cabinet médical des Tilleuls"
DEMO_MANAGER = "Claire Martin"
DEMO_MANAGER_SECRET = "Demo-Tilleuls-2026"
DEMO_PASSPHRASE = "demo-tilleuls-passphrase"
RESPONSIBLES = ["Claire Martin", "Dr Karim Benali", "Sophie Leroy", "Dr Anne Dubois"]
COMMENTS = {
    Status.COMPLIANT: ["Vérifié lors de la revue semestrielle.", "Procédure écrite et affichée.", ""],
    Status.PARTIAL: ["Fait pour les médecins, pas encore pour le secrétariat.", "Procédure rédigée, à diffuser.",
                     "Devis demandé au prestataire."],
    Status.NON_COMPLIANT: ["Rien en place pour l'instant.", "À traiter avant la fin de l'exercice.", ""],
}


def create_demo(data_dir: Path, *, today: date | None = None) -> tuple[Workspace, Actor, str]:
    """Create the demo clinic in `data_dir`; return (workspace, manager, recovery key)."""
    today = today or date.today()
    passphrase = None if keys.secure_keyring_available() else os.environ.get(keys.PASSPHRASE_ENV, DEMO_PASSPHRASE)
    ws, recovery = Workspace.create(
        data_dir, clinic_name=DEMO_CLINIC, structure=Structure.GROUP_PRACTICE, manager_name=DEMO_MANAGER,
        manager_secret=DEMO_MANAGER_SECRET, fiscal_year_start_month=1, passphrase=passphrase,
    )
    manager = ws.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    rng = random.Random(2025)
    weights = [(Status.COMPLIANT, 45), (Status.PARTIAL, 25), (Status.NON_COMPLIANT, 15), (Status.NOT_ASSESSED, 15)]
    statuses, cumulative = [s for s, _ in weights], [w for _, w in weights]
    for row in ws.checklist():
        if not row.applies:
            continue
        status = rng.choices(statuses, cumulative)[0]
        if status is Status.NOT_ASSESSED:
            continue
        reviewed = today - timedelta(days=rng.randint(5, 200))
        next_review = today + timedelta(days=rng.randint(-20, 330))
        ws.set_assessment(
            manager, row.item.id, status=status.value, comment=rng.choice(COMMENTS[status]),
            responsible=rng.choice(RESPONSIBLES), last_reviewed=reviewed, next_review=next_review,
        )
    return ws, manager, recovery
