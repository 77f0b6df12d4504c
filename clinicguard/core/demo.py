"""A demo clinic with realistic answers, so a newcomer sees a populated dashboard at once."""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from pathlib import Path

from clinicguard.core import keys
from clinicguard.model.catalogue import Structure
from clinicguard.model.checklist import Status
from clinicguard.model.people import Actor
from clinicguard.core.workspace import Workspace
from clinicguard.core.formatting import fold
from clinicguard.core.demo_files import simple_pdf

DEMO_CLINIC = "Cabinet médical des Tilleuls"
DEMO_MANAGER = "Claire Martin"
DEMO_MANAGER_SECRET = "Demo-Tilleuls-2026"
DEMO_PASSPHRASE = "demo-tilleuls-passphrase"
# (name, role, PIN): the demo says on screen how to sign in as each of them
DEMO_PEOPLE = [("Dr Karim Benali", "practitioner", "2468"), ("Dr Anne Dubois", "practitioner", "1357"),
               ("Mme Roux (comptable)", "accountant", "8642")]
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
    manager = ws.people.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    _demo_registers(ws, manager, today)  # first: a register item marked compliant needs its register
    rng = random.Random(2025)
    weights = [(Status.COMPLIANT, 45), (Status.PARTIAL, 25), (Status.NON_COMPLIANT, 15), (Status.NOT_ASSESSED, 15)]
    statuses, cumulative = [s for s, _ in weights], [w for _, w in weights]
    for row in ws.checklist.rows():
        if not row.applies:
            continue
        status = rng.choices(statuses, cumulative)[0]
        if status is Status.NOT_ASSESSED:
            continue
        reviewed = today - timedelta(days=rng.randint(5, 200))
        next_review = today + timedelta(days=rng.randint(-20, 330))
        ws.checklist.set_assessment(
            manager, row.item.id, status=status.value, comment=rng.choice(COMMENTS[status]),
            responsible=rng.choice(RESPONSIBLES), last_reviewed=reviewed, next_review=next_review,
        )
    _demo_plan(ws, manager, today)
    _demo_evidence(ws, manager, today)
    _demo_team(ws, manager)
    # the team signed in while it was made up: the manager last, whom the next start offers first
    manager = ws.people.sign_in(DEMO_MANAGER, DEMO_MANAGER_SECRET)
    return ws, manager, recovery


def demo_passphrase(data_dir: Path) -> str | None:
    """The passphrase the demo chose for its key, which the user must type when the demo is opened
    again: set only where no credential store protects the key and the user gave none
    (CLINICGUARD_PASSPHRASE), None otherwise."""
    if os.environ.get(keys.PASSPHRASE_ENV) or not keys.uses_passphrase(data_dir):
        return None
    return DEMO_PASSPHRASE


def _demo_registers(ws: Workspace, manager: Actor, today: date) -> None:
    """Three processing activities from the templates, a host whose HDS certificate expires in a
    month, a phishing incident recorded as not notified, a training session, the IT charter."""
    for template_id in ("patient-records", "appointments", "billing"):
        ws.registers.add_from_template(manager, template_id)
    ws.registers.add_processor(
        manager, name="Hébergeur certifié HDS", service="Hébergement du logiciel métier et des sauvegardes",
        data_concerned="Dossiers des patients, sauvegardes", contract_date=today - timedelta(days=400),
        clauses="a,b,c,d,e,f,g", hosts_health_data=True, hds_number="HDS-2024-0117",
        hds_certifier="Organisme certificateur accrédité", hds_scope="Hébergement d'infrastructure et infogérance",
        hds_expiry=today + timedelta(days=30), next_review=today + timedelta(days=90))
    found = (today - timedelta(days=20)).isoformat() + " 17:00"
    ws.registers.add_incident(
        manager, title="Courriel d'hameçonnage reçu au secrétariat", discovered_at=found, is_breach=True,
        description="Un lien frauduleux a été ouvert ; le mot de passe a été changé dans l'heure.",
        data_concerned="Aucune donnée de patient consultée d'après le journal du logiciel", people_count=0,
        measures="Mot de passe changé, poste analysé, rappel à l'équipe.", cnil_decision="not-notified",
        not_notified_reason="Aucune donnée personnelle n'a été exposée : pas de risque pour les personnes.",
        people_informed="not-needed")
    ws.registers.add_training(manager, held_on=today - timedelta(days=40), topic="Reconnaître l'hameçonnage",
                              trainer="Prestataire informatique", duration_minutes=90, attendees=[DEMO_MANAGER],
                              others=["Sophie Leroy"])
    ws.registers.add_charter_version(manager, version="2025-1", adopted_on=today - timedelta(days=200),
                                     notes="Mots de passe, verrouillage de session, signalement des incidents")
    ws.registers.acknowledge_charter(manager, on=today - timedelta(days=190))
    ws.registers.acknowledge_charter(manager, without_profile="Sophie Leroy", paper=True,
                                     on=today - timedelta(days=185))


def _demo_team(ws: Workspace, manager: Actor) -> None:
    """Two practitioners and the accountant; Dr Benali has confirmed some items, others are asked."""
    for name, role, secret in DEMO_PEOPLE:
        # as in real life: the manager sets a first PIN, the person chooses their own at first sign-in
        ws.people.add(manager, name, role, "0000")
        ws.people.change_own_secret(ws.people.sign_in(name, "0000"), "0000", secret)
    applicable = [row.item.id for row in ws.checklist.rows() if row.applies and row.item.domain == "security"][:6]
    ws.signoffs.request(manager, applicable, note="Merci de confirmer pour votre cabinet avant la revue de décembre.")
    karim = ws.people.sign_in(DEMO_PEOPLE[0][0], DEMO_PEOPLE[0][2])
    for item_id in applicable[:3]:
        ws.signoffs.confirm(karim, item_id, "Appliqué dans mon cabinet.")


# (title, owner, priority, status, start and due in days from today, keywords of the gap it treats, lines)
# lines: (label, supplier, nature, category, HT cents, VAT bp, actual HT cents or None, extra fields)
_DEMO_ACTIONS = [
    ("Remplacer le poste de l'accueil (Windows 10 en fin de support)", "Sophie Leroy", 1, "done", -150, -60,
     ("poste", "mise a jour", "systeme"),
     [("PC fixe professionnel i5, 16 Go, SSD 512 Go", "LDLC Pro", "investment", "hardware", 89_900, 2000, 87_450,
       {"depreciation_years": 3, "invoice_ref": "FA-2026-01877"})]),
    ("Mettre en place une sauvegarde externalisée chiffrée", "Claire Martin", 1, "in-progress", -45, 20,
     ("sauvegarde",),
     [("NAS 2 baies et 2 disques de 4 To", "Inmac Wstore", "investment", "hardware", 64_900, 2000, None,
       {"depreciation_years": 3, "committed_ht": 62_000}),
      ("Sauvegarde en ligne hébergée HDS (abonnement annuel)", "Hébergeur certifié HDS", "running", "subscriptions",
       36_000, 2000, None, {"recurring": True})]),
    ("Former l'équipe aux bons réflexes de sécurité", "Dr Karim Benali", 2, "todo", 10, 75,
     ("sensibilis", "formation"),
     [("Sensibilisation cybersécurité (demi-journée, 7 personnes)", "Organisme de formation agréé", "running",
       "training", 90_000, 0, None, {})]),
    ("Rédiger le registre des activités de traitement", "Claire Martin", 2, "todo", -90, -15,
     ("registre",),
     [("Accompagnement par un DPO externalisé (2 jours)", "Cabinet conseil RGPD", "running", "services",
       140_000, 2000, None, {})]),
    ("Déployer un gestionnaire de mots de passe", "Sophie Leroy", 2, "done", -120, -30,
     ("mot de passe", "authentification"),
     [("Gestionnaire de mots de passe, 7 utilisateurs (abonnement annuel)", "Bitwarden", "running", "software",
       33_600, 2000, 33_600, {"recurring": True, "invoice_ref": "INV-88213"})]),
    ("Activer la double authentification sur la messagerie et le logiciel métier", "Dr Anne Dubois", 1,
     "in-progress", -60, -5, ("double", "authentification", "acces"),
     [("Clés de sécurité FIDO2 (lot de 8)", "Yubico", "running", "hardware", 44_000, 2000, None,
       {"committed_ht": 44_000})]),
    ("Souscrire une assurance cyber-risques", "Claire Martin", 3, "on-hold", -20, 120,
     ("assurance", "incident"),
     [("Assurance cyber-risques, prime annuelle", "Assureur professionnel", "running", "insurance",
       52_000, 0, None, {"recurring": True})]),
    ("Mettre à jour l'information des patients (affichage et site)", "Dr Karim Benali", 3, "done", -100, -40,
     ("information", "patient"),
     [("Impression des affiches d'information", "Imprimerie locale", "running", "other", 8_500, 2000, 9_200,
       {"invoice_ref": "2026-0412"})]),
]


def _demo_plan(ws: Workspace, manager: Actor, today: date) -> None:
    """Eight realistic actions with budget lines: some overdue, some done and invoiced."""
    gaps = [g.row for g in ws.plan.gaps()]
    used: set[str] = set()
    for title, owner, priority, status, start, due, keywords, lines in _DEMO_ACTIONS:
        match = next((r.item.id for r in gaps if r.item.id not in used
                      and any(k in fold(r.item.title.get("fr", "")) for k in keywords)), None)
        items = (match,) if match else ()
        used.update(items)
        done = today + timedelta(days=due - 3) if status == "done" else None
        action = ws.plan.create_action(
            manager, title=title, owner=owner, priority=priority, status=status, item_ids=items,
            start_date=today + timedelta(days=start), due_date=today + timedelta(days=due), done_date=done,
            progress={"done": 100, "in-progress": 50}.get(status, 0),
        )
        for label, supplier, nature, category, planned, vat, actual, extra in lines:
            fields = dict(extra)
            if actual is not None:
                fields.update(actual_ht=actual, committed_ht=fields.get("committed_ht", planned),
                              invoice_date=done or today)
            ws.plan.add_line(manager, action.id, label=label, supplier=supplier, nature=nature, category=category,
                             planned_ht=planned, vat_rate_bp=vat, expense_date=done or action.due_date, **fields)


# (title, file name, content, keywords of the items it backs, keywords of the action, valid from / expires
# in days from today, description)
_DEMO_EVIDENCE = [
    ("Charte informatique signée", "charte-informatique-signee.pdf",
     "Charte d'utilisation du système d'information — Cabinet médical des Tilleuls\n"
     "Signée par les 7 membres du cabinet le {start}.",
     ("charte", "mot de passe", "sensibilis"), (), -200, None, "Version 2 signée par toute l'équipe."),
    ("Attestation de formation cybersécurité — Dr Benali", "attestation-formation-benali.pdf",
     "Attestation de formation : sensibilisation à la sécurité des données de santé\n"
     "Stagiaire : Dr Karim Benali. Validité : un an à compter du {start}.",
     ("sensibilis", "formation"), ("former",), -340, 25, "Formation d'une demi-journée ; à renouveler chaque année."),
    ("Certificat HDS de l'hébergeur de sauvegarde", "certificat-hds-hebergeur.pdf",
     "Certificat de conformité Hébergeur de Données de Santé (HDS)\n"
     "Délivré le {start} pour trois ans.",
     ("sauvegarde", "heberge"), ("sauvegarde",), -1000, 95, "Certificat transmis par le prestataire."),
    ("Capture des réglages de sauvegarde du NAS", "reglages-sauvegarde-nas.txt",
     "Tâche de sauvegarde quotidienne 23:00, chiffrement AES-256 activé, rétention 30 jours.\n"
     "Capture faite le {start}.\n",
     ("sauvegarde",), (), -10, None, ""),
]


def _demo_evidence(ws: Workspace, manager: Actor, today: date) -> None:
    """Four small evidence files, one expiring soon, attached to items and actions."""
    import io

    rows = [r for r in ws.checklist.rows() if r.applies]
    actions = ws.plan.actions()
    for title, name, content, item_words, action_words, start, expires, description in _DEMO_EVIDENCE:
        valid_from = today + timedelta(days=start)
        items = [r.item.id for r in rows if any(k in fold(r.item.title.get("fr", "")) for k in item_words)][:2]
        linked = [a.id for a in actions if any(k in fold(a.title) for k in action_words)][:1]
        text = content.format(start=valid_from.strftime("%d/%m/%Y"))
        data = simple_pdf(text, title=title) if name.endswith(".pdf") else text.encode("utf-8")
        ws.vault.add(
            manager, io.BytesIO(data),
            original_name=name, title=title, description=description, items=items or [rows[0].item.id],
            actions=linked, valid_from=valid_from,
            expires_on=today + timedelta(days=expires) if expires is not None else None,
        )
