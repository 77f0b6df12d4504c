"""Accounts of the Plan comptable général (PCG) for the budget lines: a default account per
category and nature, the VAT, supplier and depreciation accounts that go with it, and the
low-value tolerance for small equipment.

Sources:
- Plan comptable général, Autorité des normes comptables (ANC), règlement n° 2014-03 du 5 juin 2014
  relatif au plan comptable général, livre II, titre IV (nomenclature des comptes), as amended
  (consolidated version of 1 January 2025 at anc.gouv.fr): class 2 (immobilisations: 2051, 2183,
  2188), class 28 (amortissements: 2805, 28183, 28188), class 4 (401, 404, 44562, 44566, 486), class 6
  (6063, 6135, 6156, 616, 6185, 6226, 628, 6811).
- Low-value tolerance: BOI-BIC-CHG-20-30-10 (BOFiP), "petits matériels et outillages, matériels de
  bureau et logiciels" whose unit value excl. VAT does not exceed 500 € may be charged as an expense
  in the year of acquisition instead of being depreciated. An administrative tolerance, not a rule:
  the accountant decides.

The defaults are suggestions an accountant can change on each line (`BudgetLine.account`).
"""

from __future__ import annotations

import re

from clinicguard.i18n import tr

# account number -> label (French, as in the PCG; shown to the accountant as is)
PCG_LABELS: dict[str, str] = {
    "2051": "Concessions et droits similaires, brevets, licences, marques, procédés, logiciels, droits et valeurs similaires",
    "2183": "Matériel de bureau et matériel informatique",
    "2188": "Autres immobilisations corporelles",
    "2805": "Amortissements des concessions et droits similaires, brevets, licences, logiciels",
    "28183": "Amortissements du matériel de bureau et matériel informatique",
    "28188": "Amortissements des autres immobilisations corporelles",
    "401": "Fournisseurs",
    "404": "Fournisseurs d'immobilisations",
    "44562": "TVA déductible sur immobilisations",
    "44566": "TVA déductible sur autres biens et services",
    "486": "Charges constatées d'avance",
    "6063": "Fournitures d'entretien et de petit équipement",
    "6135": "Locations mobilières",
    "6156": "Maintenance",
    "616": "Primes d'assurances",
    "6185": "Frais de colloques, séminaires, conférences",
    "6226": "Honoraires",
    "628": "Divers (autres services extérieurs)",
    "6811": "Dotations aux amortissements sur immobilisations incorporelles et corporelles",
}

# (nature, category) -> default account of the line (the debit of its purchase entry)
_INVESTMENT = {
    "hardware": "2183", "software": "2051", "services": "2188", "training": "2188",
    "subscriptions": "2051", "insurance": "2188", "other": "2188",
}
_RUNNING = {
    "hardware": "6063",        # small equipment charged as an expense
    "software": "6135",        # a licence rented by the year (the PCG's 651 is for royalties)
    "services": "6226",        # advice, audit: fees; maintenance contracts go to 6156 (set on the line)
    "training": "6185",
    "subscriptions": "6135",   # hosting and software as a service: rented
    "insurance": "616",
    "other": "628",
}
# asset account -> its depreciation account (class 28: 28 + the asset account without its 2)
DEPRECIATION_ACCOUNTS = {"2051": "2805", "2183": "28183", "2188": "28188"}
DEPRECIATION_CHARGE = "6811"
SUPPLIERS, ASSET_SUPPLIERS = "401", "404"
PREPAID_EXPENSES = "486"  # charges constatées d'avance
VAT_ON_SERVICES, VAT_ON_ASSETS = "44566", "44562"

# BOI-BIC-CHG-20-30-10: the 500 € excl. VAT tolerance for small equipment, office equipment, software.
LOW_VALUE_THRESHOLD_CENTS = 50_000


def default_account(nature: str, category: str) -> str:
    table = _INVESTMENT if nature == "investment" else _RUNNING
    return table.get(category, "2188" if nature == "investment" else "628")


def depreciation_account(asset_account: str) -> str:
    """28 + the asset account less its leading 2 (2183 -> 28183, 2051 -> 2805 as the PCG names it)."""
    if asset_account in DEPRECIATION_ACCOUNTS:
        return DEPRECIATION_ACCOUNTS[asset_account]
    return "28" + asset_account[1:] if asset_account.startswith("2") else "28"


def supplier_account(nature: str) -> str:
    return ASSET_SUPPLIERS if nature == "investment" else SUPPLIERS


def vat_account(nature: str) -> str:
    return VAT_ON_ASSETS if nature == "investment" else VAT_ON_SERVICES


def account_label(account: str) -> str:
    """The PCG label of an account, or of its nearest parent (62268 -> Honoraires)."""
    for n in range(len(account), 2, -1):
        if account[:n] in PCG_LABELS:
            return PCG_LABELS[account[:n]]
    return ""


_ACCOUNT = re.compile(r"\d{3,10}")


def account_problem(account: str | None, nature: str) -> str | None:
    """Why `account` cannot be the debit of a line of this nature (translated), or None."""
    if account is None:
        return None
    if not _ACCOUNT.fullmatch(account):
        return tr("account {value!r}: write the account number in digits, 3 to 10 of them (e.g. 2183)", value=account)
    if nature == "investment" and not account.startswith("2"):
        return tr("account {value}: an investment is booked to a class 2 account (immobilisations, e.g. 2183)",
                  value=account)
    if nature == "running" and not account.startswith("6"):
        return tr("account {value}: a running cost is booked to a class 6 account (charges, e.g. 6135)",
                  value=account)
    return None
