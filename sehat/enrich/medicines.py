"""The medicine-name parser: ``Augmentin 625 Duo Tablet`` -> Augmentin Duo / 625 / tablet / amoxycillin +
clavulanic acid.

Medicine names come in several styles, all read by :func:`parse_medicine`:

* e-commerce catalogues (1mg, PharmEasy): ``Dolo 650 Tablet``, ``Augmentin 625 Duo Tablet``,
  ``Glycomet GP 2 Tablet SR``, ``Ascoril LS Syrup``, with or without a pack (``Strip Of 10 Tablets``);
* pharmacy strings: ``DOLO 650MG TAB 8's``, ``ZYRTEC 5MG/5ML SYP 60ml``, ``ENTEROGERMINA 2 BILLION
  SPORES ORAL SUSP 5ml x 10``;
* generic names written with their composition: ``Metformin 500 mg + Glimepiride 2 mg Tablet``;
* RxNorm clinical and branded drug names: ``Acetaminophen 325 MG Oral Tablet``, ``Amoxicillin 500 MG /
  Clavulanate 125 MG Oral Tablet [Augmentin]``, ``24 HR Metformin 500 MG Extended Release Oral Tablet``;
* Indonesian names: ``Paracetamol 500 mg Tablet``, ``Amoxsan 500 Kapsul``, ``Sanmol Sirup 60 ml``.

What is read (:class:`ParsedMedicine`):

* **brand**: upper case, variant included (``AUGMENTIN DUO``, ``GLYCOMET GP``); for a generic name, its
  molecules joined by `` + `` (``METFORMIN + GLIMEPIRIDE``); the bracketed brand of an RxNorm branded drug.
  Release and variant words (SR, ER, XR, CR, MR, OD, DS, FORTE, PLUS, DUO, LS, MF, ...) written after the
  strength join the brand. A brand that contains a number (``Liv 52``) is read from the catalogue.
* **strength**: as the name writes it, normalised: ``650 mg``, ``500 mg/125 mg``, ``0.3% w/v``,
  ``250 mg/5 ml``, ``60000 IU``; a number written without a unit stays bare (``650``, ``500/125``):
  its unit is in the catalogue's composition, not in the name (``Thyronorm 50`` is 50 mcg).
* **form**: canonical (tablet, capsule, syrup, oral suspension, injection, infusion, eye drops, cream, ...).
* **pack**: quantity, unit and count (``5ml x 10`` -> 5 ml, 10 containers).
* **molecules**, with their strengths when known: from the catalogue (:class:`Catalogue`, whose
  ``composition`` text like ``Amoxycillin (500mg) + Clavulanic Acid (125mg)`` carries strengths), else
  from the name itself when it names them (generic and RxNorm names).

The function never raises and never drops a string; what it cannot read is left ``None``. ``parsed``
is True when the brand and the form were found and no number was left unread (``Combiflam Tablet``
carries no strength: nothing is missing); ``problems`` says what was not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache

# form phrase (upper case, as written) -> canonical form; the longest phrase is tried first
FORMS: dict[str, str] = {
    # tablets
    "TABLETS": "tablet", "TABLET": "tablet", "TABS": "tablet", "TAB": "tablet", "CAPLETS": "tablet",
    "CAPLET": "tablet", "KAPLET": "tablet", "CAPTAB": "tablet", "ORAL TABLET": "tablet", "CHEWABLE TABLET": "tablet",
    "DISPERSIBLE TABLET": "tablet", "DISPERSIBLE TABLETS": "tablet", "EFFERVESCENT TABLET": "tablet",
    "FILM COATED TABLET": "tablet", "MOUTH DISSOLVING TABLET": "tablet", "DISINTEGRATING ORAL TABLET": "tablet",
    "EXTENDED RELEASE ORAL TABLET": "tablet", "DELAYED RELEASE ORAL TABLET": "tablet",
    "SUBLINGUAL TABLET": "tablet", "VAGINAL TABLET": "vaginal tablet", "TABLET SALUT SELAPUT": "tablet",
    "TABLET SALUT GULA": "tablet", "TABLET KUNYAH": "tablet", "TABLET SALUT ENTERIK": "tablet",
    # capsules
    "CAPSULES": "capsule", "CAPSULE": "capsule", "CAPS": "capsule", "CAP": "capsule", "KAPSUL": "capsule",
    "SOFTGEL": "capsule", "SOFTGELS": "capsule", "SOFT GELATIN CAPSULE": "capsule", "ORAL CAPSULE": "capsule",
    "EXTENDED RELEASE ORAL CAPSULE": "capsule", "DELAYED RELEASE ORAL CAPSULE": "capsule",
    "KAPSUL LUNAK": "capsule",
    # oral liquids
    "SYRUP": "syrup", "SYP": "syrup", "SYR": "syrup", "SIRUP": "syrup", "ORAL SYRUP": "syrup",
    "DRY SYRUP": "dry syrup", "SIRUP KERING": "dry syrup", "ORAL SUSPENSION": "oral suspension",
    "ORAL SUSP": "oral suspension", "SUSPENSION": "oral suspension", "SUSP": "oral suspension",
    "SUSPENSI": "oral suspension", "ORAL SOLUTION": "oral solution", "ELIXIR": "syrup", "LINCTUS": "syrup",
    "ORAL DROPS": "oral drops", "DROPS": "drops", "DROP": "drops", "TETES": "drops", "OBAT TETES": "drops",
    "ORAL GEL": "oral gel", "ORAL POWDER": "powder", "EMULSION": "emulsion",
    # eye, ear, nose
    "EYE DROPS": "eye drops", "EYE DROP": "eye drops", "OPHTHALMIC SOLUTION": "eye drops",
    "OPHTHALMIC SUSPENSION": "eye drops", "TETES MATA": "eye drops", "EYE/EAR DROPS": "eye/ear drops",
    "EYE OINTMENT": "eye ointment", "OPHTHALMIC OINTMENT": "eye ointment", "SALEP MATA": "eye ointment",
    "EAR DROPS": "ear drops", "EAR DROP": "ear drops", "OTIC SOLUTION": "ear drops", "OTIC SUSPENSION": "ear drops",
    "TETES TELINGA": "ear drops", "NASAL DROPS": "nasal drops", "NASAL DROP": "nasal drops",
    "NASAL SPRAY": "nasal spray", "NASAL SOLUTION": "nasal spray", "SEMPROT HIDUNG": "nasal spray",
    # injections
    "INJECTION": "injection", "INJ": "injection", "INJEKSI": "injection", "INJECTABLE SOLUTION": "injection",
    "INJECTABLE SUSPENSION": "injection", "VIAL": "injection", "AMPOULE": "injection", "AMP": "injection",
    "PREFILLED SYRINGE": "injection", "SOLUTION FOR INJECTION": "injection",
    "SUSPENSION FOR INJECTION": "injection", "POWDER FOR SOLUTION FOR INJECTION": "injection",
    "SERBUK INJEKSI": "injection", "POWDER FOR INJECTION": "injection",
    "INFUSION": "infusion", "SOLUTION FOR INFUSION": "infusion", "INFUS": "infusion", "IV INFUSION": "infusion",
    # skin
    "CREAM": "cream", "CRM": "cream", "KRIM": "cream", "TOPICAL CREAM": "cream", "GEL": "gel",
    "TOPICAL GEL": "gel", "OINTMENT": "ointment", "OINT": "ointment", "SALEP": "ointment",
    "TOPICAL OINTMENT": "ointment", "LOTION": "lotion", "TOPICAL LOTION": "lotion", "DUSTING POWDER": "powder",
    "SHAMPOO": "shampoo", "SOAP": "soap", "PATCH": "patch", "TRANSDERMAL SYSTEM": "patch",
    "TOPICAL SOLUTION": "solution", "TOPICAL SPRAY": "spray",
    # lungs
    "INHALER": "inhaler", "METERED DOSE INHALER": "inhaler", "MDI": "inhaler", "RESPULES": "respules",
    "RESPULE": "respules", "ROTACAPS": "rotacaps", "ROTACAP": "rotacaps", "TRANSCAPS": "rotacaps",
    "INHALATION SOLUTION": "respules", "INHALATION POWDER": "rotacaps", "INHALATION CAPSULE": "rotacaps",
    "NEBULISER SOLUTION": "respules",
    # others
    "SACHET": "sachet", "SACHETS": "sachet", "POWDER": "powder", "SERBUK": "powder", "GRANULES": "granules",
    "SOLUTION": "solution", "SPRAY": "spray", "SUPPOSITORY": "suppository", "RECTAL SUPPOSITORY": "suppository",
    "LOZENGES": "lozenge", "LOZENGE": "lozenge", "MOUTHWASH": "mouthwash", "MOUTH WASH": "mouthwash",
    "GARGLE": "mouthwash", "PESSARY": "pessary", "VAGINAL GEL": "gel", "ENEMA": "enema",
}
# RxNorm dose forms that say the name is RxNorm's (its words before a strength are ingredients)
RXNORM_FORMS = frozenset({k for k in FORMS if k.startswith(("ORAL ", "TOPICAL ", "OPHTHALMIC ", "OTIC ",
                                                              "INJECTABLE ", "EXTENDED ", "DELAYED ", "RECTAL ",
                                                              "DISINTEGRATING ", "TRANSDERMAL ", "PREFILLED ",
                                                              "INHALATION ", "METERED "))}
    - {"ORAL SUSPENSION", "ORAL SUSP", "ORAL DROPS", "ORAL SYRUP", "ORAL GEL"})
# release and variant words: after the strength they still belong to the brand
VARIANTS = frozenset({
    "SR", "ER", "XR", "CR", "MR", "OD", "DS", "DR", "XL", "LA", "IR", "PR", "FORTE", "PLUS", "DUO", "LS", "MF",
    "CV", "XT", "GP", "AM", "AT", "H", "D", "M", "DX", "LC", "KID", "KIDS", "JUNIOR", "PAED", "PEDIATRIC",
    "ADVANCE", "MAX", "TRIO", "TRIPLE", "NEO", "SP", "AV", "DT", "MD", "ACTIVE", "EXTRA", "NF", "FX", "TH", "MV",
    "P", "G", "SF", "LD", "HS", "CT", "DSR", "RD", "HD", "AX", "OZ", "ASP", "CPM", "C", "Z", "AF", "ES",
})
# brand suffixes that change the release, size or strength but not the molecules: "GLYCOMET SR" may take
# its molecules from "GLYCOMET"; "PAN-D", "TELMA H", "MONTAIR LC" may not (the suffix adds a molecule)
SAME_MOLECULES = frozenset({"SR", "ER", "XR", "CR", "MR", "OD", "PR", "XL", "LA", "IR", "DT", "MD", "KID", "KIDS",
                            "PAED", "PEDIATRIC", "JUNIOR", "FORTE", "DS", "ADVANCE", "MINI", "SEMI", "SKIN", "IV"})
_RELEASE_WORDS = {"EXTENDED": "ER", "DELAYED": "DR"}
_UNITS = {"MG": "mg", "MCG": "mcg", "µG": "mcg", "UG": "mcg", "G": "g", "GM": "g", "GMS": "g", "GRAM": "g",
          "KG": "kg", "ML": "ml", "IU": "IU", "I.U.": "IU", "L": "l", "%": "%", "MEQ": "mEq", "UNITS": "IU",
          "UNIT": "IU", "UNT": "IU", "U": "IU", "MMOL": "mmol", "ACTUAT": "actuation", "DOSE": "dose",
          "HR": "hr"}
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d+)?|\.\d+)"
_UNIT = r"(?:MCG|µG|UG|MG|GMS|GM|GRAM|G|KG|ML|I\.U\.|IU|MEQ|MMOL|UNITS|UNIT|UNT|%)"
_PER = r"(?:MCG|MG|G|GM|ML|L|ACTUAT|DOSE|HR|TAB|CAP)"
_STRENGTH = re.compile(
    rf"(?P<s>{_NUM}\s*{_UNIT}(?:\s*/\s*(?:{_NUM}\s*)?{_PER})?"  # 650MG, 5MG/5ML, 75 MG/ML, 0.09 MG/ACTUAT
    rf"(?:\s*/\s*{_NUM}\s*{_UNIT}(?:\s*/\s*(?:{_NUM}\s*)?{_PER})?)*"  # 400MG/325MG, 1%/0.025%
    rf"(?:\s+[WV]\s*/\s*[WV])?"  # 0.3% W/V
    rf"|{_NUM}\s*(?:BILLION|MILLION|LAKH)\s*(?:SPORES|CFU|CELLS|IU)?)(?=[\s(),+]|$)",
    re.IGNORECASE,
)
_BARE = re.compile(rf"(?P<s>{_NUM}(?:\s*/\s*{_NUM})*)(?=[\s(),+]|$)")
_CONTAINER = r"(?:STRIP|BOX|PACK|PACKET|BOTTLE|BOTOL|TUBE|VIAL|JAR|CARTON|BLISTER|CONTAINER|DUS)"
_COUNTED = (r"(?:TABLETS?|TABS?|CAPSULES?|CAPS?|KAPSUL|KAPLET|CAPLETS?|VIALS?|AMPOULES?|AMPS?|MDI|DOSES?|"
            r"METERED\s+DOSES?|PUFFS?|SACHETS?|NOS|RESPULES?|ROTACAPS?|SOFTGELS?|PIECES?|PCS|LOZENGES?|"
            r"SUPPOSITORIES|PATCH(?:ES)?|UNITS?|INHALERS?)")
_VOL_UNIT = r"(?:ML|L|G|GM|GMS|GRAM|KG)"
_PACK = re.compile(
    rf"(?:{_CONTAINER}\s*(?:OF|ISI|@)?\s*(?:(?P<ca>\d+)\s*[X×*]\s*)?(?P<of>{_NUM})\s*(?P<ofunit>{_VOL_UNIT}|{_COUNTED})?"
    rf"|(?P<count>\d+)\s*['’`]?S"
    rf"|(?P<vol>{_NUM})\s*(?P<vunit>{_VOL_UNIT})(?:\s*[X×*]\s*(?P<vtimes>\d+))?"
    rf"|(?P<n>\d+)\s*(?P<nunit>{_COUNTED})"
    rf"|(?P<a>\d+)\s*[X×*]\s*(?P<b>\d+)(?:\s*(?P<abunit>{_COUNTED}))?"
    rf"|[X×*]\s*(?P<x>\d+)"
    rf"|\((?P<paren>\d+)\)"
    rf"|(?P<lone>\d+))(?=[\s(),]|$)",
    re.IGNORECASE,
)
_FORM_KEYS = sorted(FORMS, key=lambda k: -len(k))
_FORM_RE = re.compile(r"(?P<f>" + "|".join(re.escape(k) for k in _FORM_KEYS) + r")(?=[\s(),]|$)")
_COUNTED_FORM = {"TAB": "tablet", "CAP": "capsule", "KAPSUL": "capsule", "KAPLET": "tablet", "CAPLET": "tablet",
                 "SACHET": "sachet", "RESPULE": "respules", "ROTACAP": "rotacaps", "SOFTGEL": "capsule",
                 "VIAL": "injection", "AMPOULE": "injection", "AMP": "injection", "LOZENGE": "lozenge",
                 "SUPPOSITORIE": "suppository", "PATCH": "patch", "MDI": "inhaler", "INHALER": "inhaler"}
_SEPARATOR = re.compile(r"(?:\+|&|/|,|WITH|AND|DAN)(?=\s|$)")


@dataclass(frozen=True)
class ParsedMedicine:
    raw: str
    brand: str | None = None  # upper case, variant included ("AUGMENTIN DUO"); a generic name's molecules
    brand_display: str | None = None  # "Augmentin Duo"
    variant: str | None = None  # "DUO", "FORTE", "SR", ... (the last variant word of the brand)
    strength: str | None = None  # as written, normalised: "650 mg", "400 mg/325 mg", "0.3% w/v", "650" (bare)
    strength_value: float | None = None  # first number of the strength
    strength_unit: str | None = None  # unit of that number, None for a bare number
    form: str | None = None  # canonical: tablet, capsule, oral suspension, syrup, injection, eye drops, cream, ...
    pack_quantity: float | None = None  # 8 (tablets), 60 (ml), 1 (vial)
    pack_unit: str | None = None  # unit, ml, g, vial, dose
    pack_count: int | None = None  # containers in the pack ("5ml x 10" -> 10)
    molecules: tuple[str, ...] = ()  # upper case, from the catalogue or the name
    molecule_strengths: tuple[str | None, ...] = ()  # per molecule ("650 mg"), None when unknown
    molecules_from: str | None = None  # "catalogue", "name" or None
    parsed: bool = False  # brand and form found, no number left unread ("Combiflam Tablet" is parsed)
    problems: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("molecules", "molecule_strengths", "problems"):
            d[k] = list(d[k])
        return d


# ------------------------------------------------------------------------------------------ small readers


def _number(text: str) -> str:
    """``0,5`` -> ``0.5``; ``60,000`` -> ``60000``; ``.5`` -> ``0.5``."""
    text = text.strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        text = text.replace(",", "")
    text = text.replace(",", ".")
    return "0" + text if text.startswith(".") else text


def normalise_strength(s: str) -> str:
    """``650MG`` -> ``650 mg``; ``5MG/5ML`` -> ``5 mg/5 ml``; ``0.3% W/V`` -> ``0.3% w/v``; ``500/125`` as is."""
    s = re.sub(r"\s+", " ", s.strip().upper())
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"([WV])/([WV])", lambda m: f"{m.group(1)}/{m.group(2)}".lower(), s)

    def unit(m: re.Match) -> str:
        return f"{_number(m.group(1))} {_UNITS.get(m.group(2), m.group(2).lower())}"

    s = re.sub(rf"({_NUM}) ?({_UNIT}|{_PER})(?![A-Z])", unit, s)
    s = re.sub(rf"/({_PER})(?![A-Z])", lambda m: "/" + _UNITS.get(m.group(1), m.group(1).lower()), s)
    s = re.sub(rf"(?<![\d.])({_NUM})(?=/|$)", lambda m: _number(m.group(1)), s)
    s = s.replace(" %", "%")
    s = re.sub(r"(BILLION|MILLION|LAKH)(?: ?(SPORES|CFU|CELLS|IU))?",
               lambda m: m.group(1).lower() + (" " + (m.group(2) if m.group(2) == "IU" else m.group(2).lower())
                                               if m.group(2) else ""), s)
    s = re.sub(rf"({_NUM})(billion|million|lakh)", r"\1 \2", s)
    return s


def _first_number(s: str) -> tuple[float | None, str | None]:
    m = re.match(r"(\d+(?:\.\d+)?) ?(mg|mcg|g|kg|ml|IU|l|%|mEq|mmol|billion|million|lakh)?", s)
    if not m:
        return None, None
    return float(m.group(1)), m.group(2)


def _pack_of(m: re.Match) -> tuple[float, str, int | None, str | None]:
    """(quantity, unit, count, form implied by the counted unit)."""
    g = m.groupdict()

    def counted(word: str | None) -> tuple[str, str | None]:
        if not word:
            return "unit", None
        w = re.sub(r"\s+", " ", word.upper())
        w = re.sub(r"(?:ES|S)$", "", w) if w not in ("NOS", "PCS") else w
        unit = {"VIAL": "vial", "AMPOULE": "ampoule", "AMP": "ampoule", "MDI": "dose", "DOSE": "dose",
                "METERED DOSE": "dose", "PUFF": "dose", "SACHET": "sachet"}.get(w, "unit")
        return unit, _COUNTED_FORM.get(w) or _COUNTED_FORM.get(w.rstrip("S")) or (
            "tablet" if w.startswith("TABLET") else "capsule" if w.startswith("CAPSULE") else None)

    if g["of"]:
        qty = float(_number(g["of"]))
        unit_word = g["ofunit"]
        if unit_word and re.fullmatch(_VOL_UNIT, unit_word, re.IGNORECASE):
            return qty, _UNITS[unit_word.upper()], int(g["ca"]) if g["ca"] else None, None
        unit, form = counted(unit_word)
        if g["ca"]:
            return float(int(g["ca"]) * qty), unit, None, form
        return qty, unit, None, form
    if g["count"]:
        return float(g["count"]), "unit", None, None
    if g["vol"]:
        return (float(_number(g["vol"])), _UNITS[g["vunit"].upper()],
                int(g["vtimes"]) if g["vtimes"] else None, None)
    if g["n"]:
        unit, form = counted(g["nunit"])
        return float(g["n"]), unit, None, form
    if g["a"]:
        unit, form = counted(g["abunit"])
        return float(int(g["a"]) * int(g["b"])), unit, None, form
    if g["x"]:
        return float(g["x"]), "unit", None, None
    return float(g["paren"] or g["lone"]), "unit", None, None


# ------------------------------------------------------------------------------------------ catalogue


def parse_composition(text: str | None) -> tuple[tuple[str, str | None], ...]:
    """``Amoxycillin (500mg) + Clavulanic Acid (125mg)`` -> (("AMOXYCILLIN", "500 mg"), ("CLAVULANIC ACID", "125 mg")).

    Parts are split on ``+`` (or ``,``); a part is a molecule with its strength in brackets or after it,
    or a molecule alone (strength None).
    """
    if not text:
        return ()
    out = []
    for part in re.split(r"\s*\+\s*|\s*,\s*(?=[A-Za-z])", str(text).strip()):
        part = re.sub(r"\s+", " ", part).strip()
        if not part:
            continue
        m = re.fullmatch(r"(?P<name>.*?)\s*\((?P<s>[^)]*)\)\s*", part) or re.fullmatch(
            rf"(?P<name>.*?)\s+(?P<s>{_NUM}\s*(?:{_UNIT}|BILLION|MILLION|LAKH).*)", part, re.IGNORECASE)
        if m and _STRENGTH.fullmatch(m.group("s").strip().upper()):
            out.append((m.group("name").strip().upper(), normalise_strength(m.group("s"))))
        elif m and "(" in part:  # "Vitamin B Complex (NA)"
            out.append((m.group("name").strip().upper(), None))
        else:
            out.append((part.upper(), None))
    return tuple(out)


@dataclass(frozen=True)
class CatalogueEntry:
    molecules: tuple[str, ...]
    strengths: tuple[str | None, ...]
    name: str | None = None  # the catalogue's name (its form breaks ties between a brand's entries)


@lru_cache(maxsize=65536)
def _form_of(name: str | None) -> str | None:
    return parse_medicine(name).form if name else None


class Catalogue:
    """What a medicine catalogue knows: names, brands and their molecules (with strengths when known).

    Rows are added with :meth:`add` (``name``, ``brand``, ``molecules`` list, ``composition`` text); a
    ``composition`` gives molecules *and* strengths and wins over ``molecules``. Lookups are upper case and
    single-spaced. A brand holding a number that is none of its composition's strengths (``Liv 52``,
    ``Human Mixtard 30/70``) is a brand with a number: the parser keeps that number in the brand (without
    a composition the catalogue cannot tell, and the number is read as a strength).
    """

    def __init__(self) -> None:
        self.names: dict[str, CatalogueEntry] = {}
        self.brands: dict[str, list[CatalogueEntry]] = {}
        self.molecule_names: set[str] = set()
        self.numbered_brands: dict[str, str] = {}  # the brand as the parser sees it -> as catalogued
        # first word -> brands (hyphens as spaces), so that lookups never scan the whole catalogue
        self._by_first_word: dict[str, list[str]] = {}

    @staticmethod
    def key(text: str) -> str:
        return re.sub(r"\s+", " ", str(text).replace("’", "'").replace("`", "'")).strip().upper()

    def add(self, name: str | None = None, brand: str | None = None, molecules: Iterable[str] | None = None,
            composition: str | None = None) -> None:
        parts = parse_composition(composition)
        if parts:
            entry = CatalogueEntry(tuple(m for m, _ in parts), tuple(s for _, s in parts))
        elif molecules:
            mols = tuple(self.key(m) for m in molecules if m and str(m).strip())
            entry = CatalogueEntry(mols, (None,) * len(mols))
        else:
            return
        self.molecule_names.update(entry.molecules)
        entry = CatalogueEntry(entry.molecules, entry.strengths, name)
        if name:
            self.names.setdefault(self.key(name), entry)
        if brand:
            b = self.key(brand)
            if b not in self.brands:
                self._by_first_word.setdefault(b.replace("-", " ").split(" ")[0], []).append(b)
            self.brands.setdefault(b, []).append(entry)
            cleaned = _clean(b)
            numbers = [w for w in cleaned.split(" ")[1:] if re.fullmatch(r"\d+(?:\.\d+)?(?:/\d+)*", w)]
            values = {_first_number(s)[0] for s in entry.strengths if s}
            # only a composition with strengths can say a number is not a strength
            if numbers and values and not any(float(w) in values for w in numbers if "/" not in w):
                self.numbered_brands[cleaned] = b

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Iterable[str]]) -> Catalogue:
        """The older shape ``{full name or brand: molecules}``: each key is both a name and a brand."""
        cat = cls()
        for key, mols in mapping.items():
            cat.add(name=key, brand=key, molecules=list(mols))
        return cat

    def numbered_brand_at_start(self, text: str) -> str | None:
        """The longest brand holding a number that ``text`` (upper case, cleaned) starts with."""
        first = text.split(" ")[0]
        for b in sorted((b for b in self.numbered_brands if b.split(" ")[0] == first), key=len, reverse=True):
            if text == b or text.startswith(b + " "):
                return b
        return None

    def __len__(self) -> int:
        return len(self.names) + len(self.brands)

    def lookup(self, raw_key: str, brand: str | None, variant: str | None, numbers: list[float],
               form: str | None) -> CatalogueEntry | None:
        """The full name, else the brand (the entry whose strengths and form fit the name best)."""
        if raw_key in self.names:
            return self.names[raw_key]
        candidates: list[CatalogueEntry] = []
        if brand:
            words = re.split(r"[- ]", brand)
            # the brand as written (either spacing), else without release/size words at its end
            tries = [brand, brand.replace("-", " "), brand.replace(" ", "-")]
            while len(words) > 1 and words[-1] in SAME_MOLECULES:
                words = words[:-1]
                tries += [" ".join(words), "-".join(words)]
            for b in tries:
                if b in self.brands:
                    candidates = self.brands[b]
                    break
            else:  # a catalogued brand that only adds release/size words ("UPRISE-D3" -> "UPRISE-D3 60K")
                base = brand.replace("-", " ")
                candidates = [e for b in self._by_first_word.get(base.split(" ")[0], ())
                              if b.replace("-", " ").startswith(base + " ")
                              and all(w in SAME_MOLECULES or re.fullmatch(r"\d+K?", w)
                                      for w in b.replace("-", " ")[len(base) + 1:].split(" ")) for e in self.brands[b]]
        if not candidates:
            return None

        def score(e: CatalogueEntry) -> tuple[int, int]:
            values = [_first_number(s)[0] for s in e.strengths if s]
            total = sum(v for v in values if v is not None)
            hit = sum(1 for n in numbers if n in values or abs(n - total) < 1e-9)
            return hit, int(form is not None and len(candidates) > 1 and _form_of(e.name) == form)

        return max(candidates, key=score)


def _as_catalogue(catalogue) -> Catalogue | None:
    if catalogue is None or isinstance(catalogue, Catalogue):
        return catalogue
    return Catalogue.from_mapping(catalogue)


# ------------------------------------------------------------------------------------------ the parser


@dataclass
class _Segment:
    """One ``name strength`` run: a brand or a molecule, and what is written after it."""

    words: list[str] = field(default_factory=list)
    strength: str | None = None
    after: list[str] = field(default_factory=list)  # variant words after the strength


def _clean(text: str) -> str:
    s = text.replace("’", "'").replace("`", "'").replace("×", "X")
    s = re.sub(r"(?<=\d)\s*'\s*S\b", "'S", s, flags=re.IGNORECASE)
    s = re.sub(r"(?<=[A-Za-z])\.(?=\s|$)", " ", s)  # "Tab." -> "Tab"
    s = re.sub(r"[;|]", " ", s)
    s = re.sub(r"\((?=[^)]*[A-Za-z])", " ", s)  # "(Strip Of 10)" -> plain words; "(15)" stays a pack
    s = re.sub(r"(?<![\d(])\)|\)(?=\S)", " ", s)
    s = re.sub(r"(?<=[A-Za-z])-(?=\d)", " ", s)  # "Telma-40" -> "Telma 40"; "Pan-D" stays
    s = re.sub(r"\s*\+\s*", " + ", s)
    s = re.sub(r"\s+", " ", s)
    return s.strip()


def _match_at(pattern: re.Pattern, text: str, pos: int) -> re.Match | None:
    m = pattern.match(text, pos)
    return m if m and m.end() > pos else None


def parse_medicine(raw: str | None, catalogue: Catalogue | Mapping[str, Iterable[str]] | None = None
                   ) -> ParsedMedicine:
    """Structure one medicine name; never raises. ``catalogue``: a :class:`Catalogue` (or ``{name or brand:
    molecules}``) that gives molecules, their strengths, and brands that contain a number."""
    text = "" if raw is None else str(raw)
    try:
        return _parse(text, _as_catalogue(catalogue))
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop a pipeline: the string is kept
        return ParsedMedicine(raw=text, problems=(f"parser error: {type(exc).__name__}",))


def _parse(text: str, cat: Catalogue | None) -> ParsedMedicine:
    s = _clean(text)
    if not s:
        return ParsedMedicine(raw=text, problems=("empty",))
    rx_brand = None
    if m := re.search(r"\s*\[([^\]]+)\]\s*$", s):  # RxNorm branded drug: "... [Tylenol]"
        rx_brand, s = Catalogue.key(m.group(1)), s[:m.start()].strip()
    variant_words: list[str] = []
    if m := re.match(r"(\d+) HR\s+", s, re.IGNORECASE):  # RxNorm "24 HR ... Extended Release ..."
        s = s[m.end():]
    up = s.upper()
    key = Catalogue.key(text)

    segments = [_Segment()]
    form = form_phrase = None
    pack: tuple[float, str, int | None, str | None] | None = None
    unread: list[str] = []
    pos = 0
    # a brand the catalogue knows that ends in a number ("LIV 52"): taken whole
    if cat and cat.numbered_brands and (b := cat.numbered_brand_at_start(up)):
        segments[0].words = cat.numbered_brands[b].split(" ")
        pos = len(b)
    n = len(up)
    while pos < n:
        if up[pos] == " ":
            pos += 1
            continue
        seg = segments[-1]
        started = bool(seg.words) or len(segments) > 1 or pos > 0
        have_strength = any(sg.strength for sg in segments)
        # a pack: after the strength or the form, or a container phrase anywhere after the brand
        if started and (pm := _match_at(_PACK, up, pos)):
            body = pm.group(0)
            is_volume = bool(pm.group("vol"))
            is_bare_count = bool(pm.group("paren") or pm.group("x"))
            volume_as_strength = (is_volume and re.fullmatch(rf"{_NUM}\s*(?:G|GM|GMS|GRAM|KG)", body)
                                  and seg.strength is None and form is None and pm.group("vtimes") is None)
            after_something = have_strength or form is not None
            if pm.group("of") or pm.group("count") or (is_volume and not volume_as_strength) or (
                    (pm.group("n") or pm.group("a") or is_bare_count) and after_something) or (
                    pm.group("lone") and have_strength and form is not None):
                if pack is None:
                    pack = _pack_of(pm)
                else:  # a second pack is not read: say so
                    unread.append(body)
                pos = pm.end()
                continue
        # a strength with a unit
        if started and (sm := _match_at(_STRENGTH, up, pos)):
            if seg.strength is None and (form is None or not have_strength):
                seg.strength = sm.group("s")
            else:
                unread.append(sm.group("s"))
            pos = sm.end()
            continue
        # a form phrase
        if started and (fm := _match_at(_FORM_RE, up, pos)):
            phrase = fm.group("f")
            ahead = up[fm.end():]
            # "SUCRAFIL O GEL 1G/10MG ...": a form word followed by the strength belongs to the brand
            brandish = form is None and phrase in ("GEL", "DROPS", "SPRAY", "SOLUTION") and (
                bool(_FORM_RE.match(ahead.strip()))  # "SUCRAFIL O GEL ORAL SUSPENSION"
                or (_STRENGTH.search(ahead) and any(_FORM_RE.match(ahead, i + 1) for i, c in enumerate(ahead)
                                                    if c == " ")))
            if not brandish:
                if form is None or len(phrase) >= len(form_phrase or ""):
                    form, form_phrase = FORMS[phrase], phrase
                for w, v in _RELEASE_WORDS.items():
                    if phrase.startswith(w):
                        variant_words.append(v)
                pos = fm.end()
                continue
        # a bare number: the strength when it follows the brand ("Dolo 650 Tablet", "Augmentin 625 Duo")
        if started and seg.words and seg.strength is None and (form is None or not have_strength) \
                and (bm := _match_at(_BARE, up, pos)):
            seg.strength = bm.group("s")
            pos = bm.end()
            continue
        # a separator between molecules: "+", RxNorm's " / "
        if (sep := _match_at(_SEPARATOR, up, pos)) and seg.strength and form is None:
            nxt_text = up[sep.end():].strip()
            if nxt_text and re.match(r"[A-Z]", nxt_text) and not _FORM_RE.match(nxt_text) \
                    and _STRENGTH.search(nxt_text):
                segments.append(_Segment())
                pos = sep.end()
                continue
        end = up.find(" ", pos)
        end = n if end < 0 else end
        word = up[pos:end]
        pos = end
        if word == "+":
            if seg.words or seg.strength:
                segments.append(_Segment())
            continue
        if form is not None or pack is not None:
            if word in VARIANTS and segments[0].words:  # "Glycomet-GP 2 Tablet PR"
                segments[0].after.append(word)
            else:
                unread.append(word)
        elif seg.strength is None:
            seg.words.append(word)
        elif word in VARIANTS or word in ("SUGAR", "FREE", "MINT", "ORANGE", "KID", "PAEDIATRIC"):
            seg.after.append(word)
        elif _STRENGTH.search(up[pos:]) and not _FORM_RE.match(up[pos:].strip() or "-"):
            segments.append(_Segment(words=[word]))  # "Paracetamol 500mg Caffeine 65mg"
        else:
            seg.after.append(word)
    return _assemble(text, key, segments, form, form_phrase, pack, unread, rx_brand, variant_words, cat)


def _assemble(text, key, segments, form, form_phrase, pack, unread, rx_brand, variant_words, cat) -> ParsedMedicine:
    problems: list[str] = [f"unread {'number' if re.search(r'[0-9]', w) else 'token'} {w!r}" for w in unread
                           if w not in ("-", ",", "/", "+")]
    segments = [sg for sg in segments if sg.words or sg.strength]
    if pack and form is None and pack[3]:
        form = pack[3]
    # generic or RxNorm names: their name words are molecules
    named = [sg for sg in segments if sg.words]
    per_ml = all(sg.strength and re.search(r"/\s*ML$", sg.strength) for sg in named)
    rxnorm = rx_brand is not None or (named and all(sg.strength for sg in named) and (
        form_phrase in RXNORM_FORMS or (form_phrase == "ORAL SUSPENSION" and per_ml)))
    generic = len(named) > 1 and all(sg.strength for sg in named)
    molecules: tuple[str, ...] = ()
    mol_strengths: tuple[str | None, ...] = ()
    molecules_from = None
    if rxnorm or generic:
        molecules = tuple(" ".join(sg.words) for sg in named)
        mol_strengths = tuple(normalise_strength(sg.strength) for sg in named)
        molecules_from = "name"
        brand_words = [rx_brand] if rx_brand else [" + ".join(molecules)]
    else:
        first = segments[0] if segments else _Segment()
        brand_words = first.words + [w for w in first.after if w in VARIANTS]
    brand = " ".join(brand_words).strip() or None
    strengths = [sg.strength for sg in segments if sg.strength]
    strength = "/".join(normalise_strength(x) for x in strengths) if strengths else None
    variant = next((w for w in reversed(re.split(r"[- ]", brand or "")) if w in VARIANTS), None)
    if variant_words and not variant:
        variant = variant_words[-1]
    if molecules_from != "name" and len(segments) == 1 and brand and cat and brand in cat.molecule_names:
        molecules, mol_strengths, molecules_from = (
            (brand,),
            (normalise_strength(strength) if strength and not re.fullmatch(r"[\d./]+", strength) else None,),
            "name")
    if cat is not None:  # a name the catalogue knows takes its molecules from it; else its brand
        numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", strength or "")]
        entry = cat.names.get(key)
        if entry is None and molecules_from != "name":
            entry = cat.lookup(key, brand, variant, numbers, form)
        if entry is not None:
            molecules, mol_strengths, molecules_from = entry.molecules, entry.strengths, "catalogue"
    if brand is None:
        problems.append("no brand")
    if form is None:
        problems.append("no form")
    value, unit = _first_number(strength) if strength else (None, None)
    return ParsedMedicine(
        raw=text, brand=brand, brand_display=brand.title() if brand else None, variant=variant,
        strength=strength, strength_value=value, strength_unit=unit, form=form,
        pack_quantity=pack[0] if pack else None, pack_unit=pack[1] if pack else None,
        pack_count=pack[2] if pack else None, molecules=tuple(molecules), molecule_strengths=tuple(mol_strengths),
        molecules_from=molecules_from,
        parsed=brand is not None and form is not None and not any(p.startswith("unread number") for p in problems),
        problems=tuple(problems),
    )
