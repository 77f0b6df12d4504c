"""The printable recovery sheet shown once when a clinic is created (by the CLI and the GUI)."""

from __future__ import annotations

from clinicguard.i18n import tr


def recovery_sheet(ws, recovery: str) -> str:
    clinic = ws.settings.clinic
    lines = [
        tr("CLINICGUARD RECOVERY SHEET"),
        "",
        tr("Clinic: {name}", name=clinic.name),
        tr("Clinic identifier: {uuid}", uuid=clinic.uuid),
        "",
        tr("Recovery key (shown once, never stored by ClinicGuard):"),
        recovery,
        "",
        tr("With a backup and this key, a new PC gets every piece of evidence back. Keep this sheet in a safe "
           "place, away from the PC; anyone holding it can read the evidence vault."),
        tr("The key is a standard age identity: the 'age' tool can decrypt the vault files with it."),
    ]
    return "\n".join(lines) + "\n"
