"""The medicine-string parser: ``DOLO 650MG TAB 8's`` -> Dolo / 650 mg / tablet / 8 / paracetamol.

Pharmacy catalogue strings follow ``BRAND [VARIANT] STRENGTH FORM PACK`` loosely.
:func:`parse_medicine` is a plain function: it never raises and never drops a
string; what it cannot read is left ``None`` and ``parsed`` is False with the
reasons in ``problems``. Molecules are not in the name: they come from a
catalogue mapping (``brand -> molecules`` or ``full string -> molecules``), in
Sehat the production ``medicines`` table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

# form phrase (upper-case, as written) -> canonical form; longest phrases are tried first
FORMS: dict[str, str] = {
    "ORAL SUSPENSION": "oral suspension", "ORAL SUSP": "oral suspension", "DRY SYRUP": "dry syrup",
    "SUSPENSION": "oral suspension", "SUSP": "oral suspension", "SYRUP": "syrup", "SYP": "syrup", "SYR": "syrup",
    "TABLETS": "tablet", "TABLET": "tablet", "TABS": "tablet", "TAB": "tablet", "CAPLET": "tablet",
    "CAPSULES": "capsule", "CAPSULE": "capsule", "CAPS": "capsule", "CAP": "capsule", "SOFTGEL": "capsule",
    "INJECTION": "injection", "INJ": "injection", "VIAL": "injection", "AMPOULE": "injection", "AMP": "injection",
    "EYE DROPS": "eye drops", "EYE DROP": "eye drops", "EAR DROPS": "ear drops", "EAR DROP": "ear drops",
    "NASAL DROPS": "nasal drops", "NASAL SPRAY": "nasal spray", "ORAL DROPS": "oral drops", "DROPS": "drops",
    "CREAM": "cream", "CRM": "cream", "OINTMENT": "ointment", "OINT": "ointment", "GEL": "gel",
    "LOTION": "lotion", "INHALER": "inhaler", "ROTACAP": "inhalation capsule", "RESPULES": "respules",
    "SACHET": "sachet", "POWDER": "powder", "GRANULES": "granules", "SOLUTION": "solution", "SOLN": "solution",
    "SPRAY": "spray", "SHAMPOO": "shampoo", "SOAP": "soap", "SUPPOSITORY": "suppository", "PATCH": "patch",
    "LOZENGES": "lozenge", "LOZENGE": "lozenge", "MOUTHWASH": "mouthwash",
}
# brand suffixes that name a variant of the product, kept in the brand and reported separately
VARIANTS = frozenset({"DUO", "FORTE", "SR", "XR", "ER", "CR", "MR", "OD", "DS", "CV", "PLUS", "MAX", "LS",
                      "XT", "DR", "PAED", "ADVANCE", "KID", "KIDS", "JUNIOR", "AM", "D", "D3", "M2", "SPAS", "LC"})
_UNITS = {"MG": "mg", "MCG": "mcg", "µG": "mcg", "UG": "mcg", "G": "g", "GM": "g", "GMS": "g", "KG": "kg",
          "ML": "ml", "IU": "IU", "L": "l", "%": "%", "MEQ": "mEq", "UNITS": "IU", "U": "IU"}
_NUM = r"\d+(?:[.,]\d+)?"
_UNIT_RE = r"(?:MCG|µG|UG|MG|GMS|GM|G|KG|ML|IU|MEQ|UNITS|%)"
# a strength: 650MG, 0.3% W/V, 400MG/325MG, 5MG/5ML, 75MG/ML, 1%/0.025%/5%/2% W/V, 60000IU, 2 BILLION SPORES
_STRENGTH = re.compile(
    rf"^(?P<s>{_NUM}\s*{_UNIT_RE}(?:\s*/\s*(?:{_NUM}\s*)?{_UNIT_RE})*(?:\s+[WV]/[WV])?"
    rf"|{_NUM}\s*(?:BILLION|MILLION|LAKH)\s+(?:SPORES|CFU|CELLS))(?=\s|$)",
    re.IGNORECASE,
)
# a pack: 8's, 15's, strip of 15, 10 TABS, 60ml, 5ml x 10, 1 vial, 200 MDI, 15g, 1ml x 5, 10x10
_PACK = re.compile(
    rf"^(?:(?:STRIP|BOX|PACK|BOTTLE)\s+OF\s+(?P<of>\d+)(?:\s*(?:TABS?|TABLETS|CAPS?|CAPSULES))?"
    rf"|(?P<count>\d+)\s*['’`]?S\b"
    rf"|(?P<vol>{_NUM})\s*(?P<vunit>ML|L|G|GM|GMS|KG)(?:\s*[X×*]\s*(?P<vtimes>\d+))?"
    rf"|(?P<n>\d+)\s*(?P<nunit>VIALS?|AMPOULES?|AMPS?|MDI|DOSES?|PUFFS?|TABS?|TABLETS|CAPS?|CAPSULES|SACHETS?|NOS)"
    rf"|(?P<a>\d+)\s*[X×*]\s*(?P<b>\d+))$",
    re.IGNORECASE,
)
_FORM_KEYS = sorted(FORMS, key=lambda k: -len(k))


@dataclass(frozen=True)
class ParsedMedicine:
    raw: str
    brand: str | None = None  # upper-case brand as catalogued, variant included ("AUGMENTIN DUO")
    brand_display: str | None = None  # "Augmentin Duo"
    variant: str | None = None  # "DUO", "FORTE", "SR", ...
    strength: str | None = None  # normalised: "650 mg", "400 mg/325 mg", "0.3% w/v"
    strength_value: float | None = None  # first number of the strength
    strength_unit: str | None = None  # unit of that number
    form: str | None = None  # canonical: tablet, capsule, oral suspension, syrup, injection, eye drops, cream, ...
    pack_quantity: float | None = None  # 8 (tablets), 60 (ml), 1 (vial)
    pack_unit: str | None = None  # unit, ml, g, vial, dose
    pack_count: int | None = None  # containers in the pack ("5ml x 10" -> 10)
    molecules: tuple[str, ...] = ()
    parsed: bool = False  # brand, form and (strength or pack) found
    problems: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["molecules"] = list(self.molecules)
        d["problems"] = list(self.problems)
        return d


def _norm_strength(s: str) -> str:
    s = re.sub(r"\s+", " ", s.strip().upper())
    s = re.sub(rf"({_NUM})\s*({_UNIT_RE})", lambda m: f"{m.group(1)} {_UNITS.get(m.group(2).upper(), m.group(2).lower())}", s)
    s = s.replace(" %", "%").replace("W/V", "w/v").replace("W/W", "w/w").replace("V/V", "v/v")
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(rf"/({_UNIT_RE})\b", lambda m: "/" + _UNITS.get(m.group(1).upper(), m.group(1).lower()), s)
    s = re.sub(r"(\d) (BILLION|MILLION|LAKH) (SPORES|CFU|CELLS)", lambda m: f"{m.group(1)} {m.group(2).lower()} {m.group(3).lower()}", s)
    return s


def _first_number(s: str) -> tuple[float | None, str | None]:
    m = re.search(rf"({_NUM})\s*({_UNIT_RE}|BILLION|MILLION|LAKH)?", s, re.IGNORECASE)
    if not m:
        return None, None
    unit = m.group(2)
    return float(m.group(1).replace(",", ".")), (_UNITS.get(unit.upper(), unit.lower()) if unit else None)


def _parse_pack(m: re.Match) -> tuple[float, str, int | None]:
    g = m.groupdict()
    if g["of"]:
        return float(g["of"]), "unit", None
    if g["count"]:
        return float(g["count"]), "unit", None
    if g["vol"]:
        return float(g["vol"].replace(",", ".")), _UNITS.get(g["vunit"].upper(), g["vunit"].lower()), (
            int(g["vtimes"]) if g["vtimes"] else None)
    if g["n"]:
        unit = g["nunit"].upper().rstrip("S")
        unit = {"VIAL": "vial", "AMPOULE": "ampoule", "AMP": "ampoule", "MDI": "dose", "DOSE": "dose", "PUFF": "dose",
                "SACHET": "sachet"}.get(unit, "unit")
        return float(g["n"]), unit, None
    return float(int(g["a"]) * int(g["b"])), "unit", None


def _strength_at(words: list[str], j: int) -> re.Match | None:
    """A strength starting at word j; a bare volume/weight that ends the string is a pack ("... 200ml")."""
    rest = " ".join(words[j:])
    m = _STRENGTH.match(rest)
    if m and m.end() == len(rest) and re.fullmatch(rf"{_NUM}\s*(?:ML|L|G|GM|GMS|KG)", m.group("s"), re.IGNORECASE):
        return None
    return m


def parse_medicine(raw: str | None, catalogue: Mapping[str, tuple[str, ...] | list[str]] | None = None
                   ) -> ParsedMedicine:
    """Structure one medicine string; never raises. ``catalogue`` maps a full string or a brand to molecules."""
    text = "" if raw is None else str(raw)
    s = re.sub(r"\s+", " ", text.replace("’", "'").replace("`", "'")).strip()
    if not s:
        return ParsedMedicine(raw=text, problems=("empty",))
    upper = s.upper()
    words = upper.split(" ")
    brand_words: list[str] = []
    strength = form = None
    pack: tuple[float, str, int | None] | None = None
    i = 0
    problems: list[str] = []
    while i < len(words):
        rest = " ".join(words[i:])
        if brand_words or i > 0:
            m = _strength_at(words, i)
            if m and strength is None and form is None:
                strength = m.group("s")
                i += len(m.group("s").split(" "))
                continue
            fm = next((k for k in _FORM_KEYS if rest == k or rest.startswith(k + " ")), None)
            if fm and strength is None and any(_strength_at(words, j) for j in range(i + 1, len(words))):
                fm = None  # a form word before the strength belongs to the brand ("SUCRAFIL O GEL 1G/10MG ...")
            if fm and (brand_words or i > 0):
                form = FORMS[fm]  # the last form phrase wins ("DIGENE GEL MINT ORAL SUSP" -> oral suspension)
                i += len(fm.split(" "))
                continue
            pm = _PACK.match(rest) or _PACK.match(" ".join(words[i:i + 4])) or _PACK.match(" ".join(words[i:i + 3])) \
                or _PACK.match(" ".join(words[i:i + 2])) or _PACK.match(words[i])
            if pm and (strength is not None or form is not None):
                pack = _parse_pack(pm)
                i += len(pm.group(0).split(" "))
                continue
        if strength is None and form is None and pack is None:
            brand_words.append(words[i])
        else:
            problems.append(f"unread token {words[i]!r}")
        i += 1
    brand = " ".join(brand_words) or None
    variant = None
    if brand and len(brand_words) > 1:
        last = re.split(r"[- ]", brand)[-1]
        variant = last if last in VARIANTS else None
    elif brand and "-" in brand:
        last = brand.rsplit("-", 1)[-1]
        variant = last if last in VARIANTS else None
    molecules: tuple[str, ...] = ()
    if catalogue:
        found = catalogue.get(upper) or catalogue.get(s) or (catalogue.get(brand) if brand else None)
        molecules = tuple(found) if found else ()
    if brand is None:
        problems.append("no brand")
    if form is None:
        problems.append("no form")
    if strength is None and pack is None:
        problems.append("no strength or pack")
    value, unit = _first_number(strength) if strength else (None, None)
    return ParsedMedicine(
        raw=text, brand=brand, brand_display=brand.title() if brand else None, variant=variant,
        strength=_norm_strength(strength) if strength else None, strength_value=value, strength_unit=unit,
        form=form, pack_quantity=pack[0] if pack else None, pack_unit=pack[1] if pack else None,
        pack_count=pack[2] if pack else None, molecules=molecules,
        parsed=not any(p in ("no brand", "no form", "no strength or pack", "empty") for p in problems),
        problems=tuple(problems),
    )
