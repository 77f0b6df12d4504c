"""An invoice as printed: its VAT breakdown checked for coherence, the supplier's identifiers
(SIRET, VAT number), the part of a running cost prepaid at the year end, and the usual
depreciation periods. Pure functions, no I/O.

Sources:
- SIRET: 14 digits, the SIREN (9) and the establishment's number (5), with a Luhn check digit
  (INSEE, "Répertoire Sirene", structure of the identifier). The establishments of La Poste
  (SIREN 356 000 000) follow another rule (sum of the digits a multiple of 5), accepted here.
- French intra-community VAT number: FR, a two-digit key, the SIREN; key = (12 + 3 x (SIREN mod 97))
  mod 97 (BOI-TVA-DECLA-30-20-20, numéro d'identification). Other EU numbers: the country code and
  2 to 13 letters or digits (format only).
- Prepaid expenses (charges constatées d'avance, account 486): the part of a charge that pays for a
  period after the year end belongs to the next year (PCG, account 486 "Charges constatées
  d'avance"); computed here pro rata temporis by days, the usual practice (an accountant may
  round to months).
- Usual depreciation periods: the duration is the asset's expected use (PCG art. 214-13); the tax
  administration admits the durations in use in each trade (CGI art. 39-1-2°,
  BOI-BIC-AMT-20-20-20-20). For IT equipment 3 years is the usage most often applied, for office
  furniture and fittings 5 to 10 years; software may be depreciated over 12 months (CGI art. 236 I).
  They are suggestions, marked as usage, never enforced: the accountant decides.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from clinicguard.i18n import tr

# ---- invoice coherence --------------------------------------------------------------------------
VAT_TOLERANCE_CENTS = 1  # an invoice rounds its VAT per rate, or per line then adds: a cent apart


def expected_vat(ht: int, rate_bp: int) -> int:
    sign = -1 if ht < 0 else 1
    return sign * ((abs(ht) * rate_bp + 5000) // 10000)


def invoice_problems(parts: tuple[tuple[int, int, int], ...], ht: int, vat: int, ttc: int,
                     format_money, format_rate) -> list[str]:
    """Why an invoice's typed figures do not hold together (translated), empty when they do.

    `parts` is the VAT breakdown ((rate bp, excl. VAT, VAT), ...): each rate's VAT within a cent of
    its excl. VAT amount times the rate, the parts adding up to the totals, and TTC = HT + VAT.
    A credit note has every figure negative (or zero)."""
    problems = []
    for rate, part_ht, part_vat in parts:
        expected = expected_vat(part_ht, rate)
        if abs(part_vat - expected) > VAT_TOLERANCE_CENTS:
            problems.append(tr("invoice VAT at {rate}: {vat} does not match {ht} excl. VAT (expected {expected}, "
                               "within a cent)", rate=format_rate(rate), vat=format_money(part_vat),
                               ht=format_money(part_ht), expected=format_money(expected)))
    if len(parts) > 1:
        if sum(p[1] for p in parts) != ht:
            problems.append(tr("invoice: the amounts excl. VAT of the rates add up to {sum}, not {ht}",
                               sum=format_money(sum(p[1] for p in parts)), ht=format_money(ht)))
        if sum(p[2] for p in parts) != vat:
            problems.append(tr("invoice: the VAT of the rates adds up to {sum}, not {vat}",
                               sum=format_money(sum(p[2] for p in parts)), vat=format_money(vat)))
        if len({p[0] for p in parts}) != len(parts):
            problems.append(tr("invoice: each VAT rate appears once in the breakdown"))
    if ttc != ht + vat:
        problems.append(tr("invoice: incl. VAT {ttc} is not excl. VAT {ht} + VAT {vat} = {sum}", ttc=format_money(ttc),
                           ht=format_money(ht), vat=format_money(vat), sum=format_money(ht + vat)))
    signs = {(-1 if x < 0 else 1) for x in (ht, vat, ttc) if x != 0}
    signs |= {(-1 if x < 0 else 1) for p in parts for x in p[1:] if x != 0}
    if len(signs) > 1:
        problems.append(tr("invoice: a credit note has all its amounts negative, an invoice all positive"))
    return problems


# ---- supplier identifiers -----------------------------------------------------------------------
def _luhn_ok(digits: str) -> bool:
    total = 0
    for n, ch in enumerate(reversed(digits)):
        d = int(ch)
        if n % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def normal_identifier(text: str) -> str:
    """Spaces, dots and dashes removed, letters in capitals (how SIRET and VAT numbers are typed)."""
    return re.sub(r"[\s.\-\u00a0\u202f]", "", text or "").upper()


def siret_problem(text: str) -> str | None:
    """Why `text` is not a SIRET (translated), or None (also for an empty one: it is optional)."""
    siret = normal_identifier(text)
    if not siret:
        return None
    if not re.fullmatch(r"\d{14}", siret):
        return tr("SIRET {value!r}: it has 14 digits (9 of the SIREN, 5 of the establishment)", value=text)
    if siret.startswith("356000000"):  # La Poste's establishments: the digits add up to a multiple of 5
        ok = sum(int(c) for c in siret) % 5 == 0
    else:
        ok = _luhn_ok(siret)
    if not ok:
        return tr("SIRET {value}: its check digit is wrong, look for a typing slip", value=text)
    return None


def vat_number_problem(text: str) -> str | None:
    """Why `text` is not an intra-community VAT number (translated), or None (also when empty)."""
    number = normal_identifier(text)
    if not number:
        return None
    if number.startswith("FR"):
        match = re.fullmatch(r"FR(\d{2})(\d{9})", number)
        if not match:
            return tr("VAT number {value!r}: a French one is FR, a 2-digit key and the 9-digit SIREN", value=text)
        key, siren = int(match.group(1)), int(match.group(2))
        if key != (12 + 3 * (siren % 97)) % 97:
            return tr("VAT number {value}: its key does not match the SIREN, look for a typing slip", value=text)
        return None
    if not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2,13}", number):
        return tr("VAT number {value!r}: write the country code and the number (e.g. FR40303265045)", value=text)
    return None


# ---- service periods and prepaid expenses -------------------------------------------------------
def prepaid_part(amount: int, service_from: date, service_to: date, year_end: date) -> int:
    """The part of `amount` that pays for days after `year_end` (charges constatées d'avance),
    pro rata by days over the service period (both ends inclusive); rounded down to the cent."""
    days = (service_to - service_from).days + 1
    if days <= 0 or service_to <= year_end:
        return 0
    after = (service_to - max(service_from, year_end + timedelta(days=1))).days + 1
    sign = -1 if amount < 0 else 1
    return sign * (abs(amount) * after // days)


# ---- depreciation periods -----------------------------------------------------------------------
# category -> (usual years, where the usage comes from); see the module's sources. Usage, not rule.
SUGGESTED_DEPRECIATION = {
    "hardware": (3, "BOI-BIC-AMT-20-20-20-20"),   # IT equipment: 3 years in usage
    "software": (3, "CGI art. 236 I"),            # 12 months allowed; 1 to 3 years in usage
    "services": (5, "BOI-BIC-AMT-20-20-20-20"),   # installation, fittings: 5 to 10 years in usage
    "other": (5, "BOI-BIC-AMT-20-20-20-20"),      # office equipment and furniture: 5 to 10 years
}
USUAL_DEPRECIATION_RANGE = (1, 10)  # outside it, the user confirms


def suggested_depreciation_years(category: str) -> int | None:
    entry = SUGGESTED_DEPRECIATION.get(category)
    return entry[0] if entry else None


def suggested_depreciation_text(category: str) -> str:
    """The suggestion and its source in words (translated), empty when there is none."""
    entry = SUGGESTED_DEPRECIATION.get(category)
    if not entry:
        return ""
    return tr("usual duration: {years} years ({source}); a usage, not a rule: your accountant decides",
              years=entry[0], source=entry[1])
