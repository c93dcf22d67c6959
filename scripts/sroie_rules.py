"""Deterministic rule-based key-field extractors for SROIE receipts (regexes over the OCR text).

Two strengths, so the worked example can show a real gap between two extractors:

- ``careful``: company = first line naming a company form (SDN BHD, ENTERPRISE, TRADING...),
  address = the lines after it up to the first telephone / GST / document line, date = the first
  date-like token (numeric or with a month name), total = the amount after the most specific
  total label (rounded / inclusive / grand / nett total, then plain TOTAL).
- ``basic``: company = the first line, address = the two lines after it, date = the first
  dd/mm/yyyy-like token, total = the largest amount on the receipt.

Imported by ``scripts/make_sroie_example.py``; no genjudge code depends on it.
"""

from __future__ import annotations

import re

__all__ = ["extract"]

_SKIP_FIRST = {"TAN WOON YANN", "TAN CHAY YEE"}  # scanner operator names printed on many receipts
_COMPANY = re.compile(
    r"\b(SDN\.? ?BHD|BHD|ENTERPRISE|TRADING|RESTAURANT|RESTORAN|SUPERMARKET|HARDWARE|STATIONERY|"
    r"BOOK ?STORE|MART|CAFE|BAKERY|PHARMACY|FOOD|MARKETING|INDUSTRIES|STORE|SHOP|CO\b|PLT)",
    re.I,
)
_STOP = re.compile(
    r"^(TEL|PHONE|FAX|GST|CO\.? ?REG|COMPANY REG|\(?GST|INVOICE|TAX INVOICE|SIMPLIFIED|RECEIPT|"
    r"CASH|DOC|DATE|EMAIL|E-MAIL|WEBSITE|HTTP|WWW|OPERATING|BILL|TABLE|ORDER|CASHIER|\(?ROC|\(?REG)",
    re.I,
)
_REGNO = re.compile(r"^\(?[A-Z]{0,3}\s*[:.]?\s*\d{3,}[-\s]?[A-Z]\)?$|^\(.*(REG|NO)\b.*\)$", re.I)
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DATE_CAREFUL = re.compile(
    rf"\b(\d{{1,2}}[/\-.]\d{{1,2}}[/\-.]\d{{2,4}}|\d{{4}}[/\-.]\d{{1,2}}[/\-.]\d{{1,2}}|\d{{1,2}}\s?(?:{_MONTHS})[A-Z]*\s?\d{{2,4}})\b",
    re.I,
)
_DATE_BASIC = re.compile(r"\b(\d{2}/\d{2}/\d{4})\b")
_AMOUNT = re.compile(r"(?:RM|\$)?\s*(\d{1,6}(?:,\d{3})*\.\d{2})\b")
_TOTAL_LABELS = (
    re.compile(r"ROUND(ED|ING)? ?(D )?TOTAL|TOTAL ROUNDED|TOTAL AFTER ROUND", re.I),
    re.compile(
        r"TOTAL.*(INCL|INCLUSIVE)|GRAND TOTAL|NETT? TOTAL|TOTAL AMOUNT|TOTAL PAYABLE|AMOUNT DUE|TOTAL \(RM\)",
        re.I,
    ),
    re.compile(r"^\s*TOTAL\b(?!.*(QTY|EXCL|GST|TAX|DISC|ITEM))", re.I),
)


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _amount_near(lines: list[str], i: int) -> str | None:
    """The first amount on the label's line or on one of the next three lines."""
    for line in lines[i : i + 4]:
        match = _AMOUNT.search(line)
        if match:
            return match.group(1).replace(",", "")
    return None


def _careful(text: str) -> dict[str, str | None]:
    lines = [ln for ln in _lines(text) if ln.upper() not in _SKIP_FIRST]
    head = lines[:8]
    ci = next((i for i, ln in enumerate(head) if _COMPANY.search(ln)), 0)
    company = lines[ci] if lines else None
    address_lines = []
    for ln in lines[ci + 1 : ci + 8]:
        if _STOP.search(ln):
            break
        if _REGNO.search(ln) or re.fullmatch(r"[\d\-A-Z]{6,12}", ln):
            continue
        address_lines.append(ln)
    date = next((m.group(1) for ln in lines for m in [_DATE_CAREFUL.search(ln)] if m), None)
    total = None
    for label in _TOTAL_LABELS:
        hits = [i for i, ln in enumerate(lines) if label.search(ln)]
        for i in hits:
            total = _amount_near(lines, i)
            if total:
                break
        if total:
            break
    return {"company": company, "date": date, "address": " ".join(address_lines) or None, "total": total}


def _basic(text: str) -> dict[str, str | None]:
    lines = [ln for ln in _lines(text) if ln.upper() not in _SKIP_FIRST]
    company = lines[0] if lines else None
    address = " ".join(lines[1:3]) or None
    date = next((m.group(1) for ln in lines for m in [_DATE_BASIC.search(ln)] if m), None)
    amounts = [float(m.group(1).replace(",", "")) for m in _AMOUNT.finditer(text)]
    total = f"{max(amounts):.2f}" if amounts else None
    return {"company": company, "date": date, "address": address, "total": total}


def extract(text: str, strength: str = "careful") -> dict[str, str | None]:
    """Key fields of one receipt; a field the rules cannot find is None."""
    if strength == "careful":
        return _careful(text)
    if strength == "basic":
        return _basic(text)
    raise ValueError(f"strength must be 'careful' or 'basic', got {strength!r}")
