"""Clinical vocabularies: diagnoses (real ICD-10), complaints, medicines, lab tests, advice.

Everything here is static reference data the generator samples from. The
*tendencies* (which molecules a diagnosis tends to get, which complaints and
tests go with it, when in the year it peaks) are the truth later models are
meant to rediscover; ``sehat.generate.truth`` writes them out as Parquet.

Medicine names come in the styles real catalogues use (:attr:`Medicine.style`, see
:data:`NAME_STYLES`): e-commerce (``Dolo 650 Tablet``, ``Augmentin 625 Duo Tablet``), with a pack
(``Calpol 650 Tablet Strip Of 15 Tablets``), pharmacy strings (``ZYRTEC 5MG/5ML SYP 60ml``), Indonesian
(``Sanmol 500 mg Tablet``), generic compositions (``Glimepiride 2 mg + Metformin 500 mg Tablet``) and
RxNorm branded drugs (``Atorvastatin 20 MG Oral Tablet [Lipitor]``). Each SKU also has a composition
(``Amoxicillin (500mg) + Clavulanic Acid (125mg)``), the catalogue's ``composition`` column. A molecule
key is the upper-case molecules joined by ``+`` (``AMOXICILLIN+CLAVULANIC ACID``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

SPECIALITIES: tuple[str, ...] = (
    "general practitioner",
    "paediatrics",
    "internal medicine",
    "dermatology",
    "obgyn",
    "ENT",
    "ophthalmology",
)
# share of doctors (and of consultations) per speciality
SPECIALITY_WEIGHTS: tuple[float, ...] = (0.40, 0.14, 0.16, 0.10, 0.08, 0.07, 0.05)
SPECIALITY_FEE: dict[str, int] = {
    "general practitioner": 25000,
    "paediatrics": 60000,
    "internal medicine": 75000,
    "dermatology": 70000,
    "obgyn": 80000,
    "ENT": 65000,
    "ophthalmology": 65000,
}

# form code -> label used inside the catalogue string
FORM_LABEL: dict[str, str] = {
    "tablet": "TAB",
    "capsule": "CAP",
    "suspension": "ORAL SUSP",
    "syrup": "SYP",
    "cream": "CREAM",
    "gel": "GEL",
    "eye drops": "EYE DROPS",
    "ear drops": "EAR DROPS",
    "nasal drops": "NASAL DROPS",
    "injection": "INJ",
    "inhaler": "INHALER",
    "sachet": "SACHET",
    "lotion": "LOTION",
}
# forms preferred for young children (age < 12) when the molecule has one
PAEDIATRIC_FORMS = frozenset({"suspension", "syrup", "nasal drops", "sachet"})


# form code -> how e-commerce catalogues and Indonesian names write it
FORM_WORD: dict[str, str] = {
    "tablet": "Tablet", "capsule": "Capsule", "suspension": "Oral Suspension", "syrup": "Syrup", "cream": "Cream",
    "gel": "Gel", "eye drops": "Eye Drops", "ear drops": "Ear Drops", "nasal drops": "Nasal Drops",
    "injection": "Injection", "inhaler": "Inhaler", "sachet": "Sachet", "lotion": "Lotion",
}
FORM_WORD_ID: dict[str, str] = {"tablet": "Tablet", "capsule": "Kapsul", "syrup": "Sirup", "suspension": "Suspensi",
                                "cream": "Krim", "injection": "Injeksi", "sachet": "Sachet"}
NAME_STYLES = ("ecommerce", "ecommerce pack", "pharmacy", "indonesian", "generic", "rxnorm")
_INDONESIAN_MAKERS = frozenset({"Sanbe Farma", "Kalbe", "Kimia Farma"})
_UPPER_PARTS = re.compile(r"^(?:[A-Z]{1,3}|.*\d.*)$")


@dataclass(frozen=True)
class Medicine:
    """One catalogue SKU; ``name`` is written in its ``style``."""

    brand: str
    molecules: tuple[str, ...]
    strength: str
    form: str
    pack: str
    manufacturer: str
    price: int  # IDR
    doses: tuple[str, ...] = ()  # per-molecule strengths when ``strength`` does not split ("625MG" = 500 + 125)
    style: str = "pharmacy"

    @property
    def molecule_key(self) -> str:
        return "+".join(self.molecules)

    @property
    def molecule_doses(self) -> tuple[str | None, ...]:
        """Each molecule's strength (``500MG``), None when unknown."""
        if self.doses:
            return self.doses
        parts = re.sub(r"\s+[WV]/[WV]$", "", self.strength).split("/") if re.match(r"\d", self.strength) else []
        if len(self.molecules) == 1 and re.match(r"\d", self.strength):
            return (self.strength,)
        if len(parts) == len(self.molecules):
            return tuple(parts)
        return (None,) * len(self.molecules)

    @property
    def composition(self) -> str:
        """The catalogue's ``composition``: ``Amoxicillin (500mg) + Clavulanic Acid (125mg)``."""
        return " + ".join(m.title() + (f" ({d.lower().replace('iu', 'IU')})" if d else "")
                          for m, d in zip(self.molecules, self.molecule_doses))

    @property
    def name(self) -> str:
        return render_name(self)


def _brand_words(brand: str) -> str:
    """``MOXIKIND-CV`` -> ``Moxikind-CV``; ``CROCIN ADVANCE`` -> ``Crocin Advance``; ``PAN-D`` -> ``Pan-D``."""
    words = []
    for i, word in enumerate(brand.split(" ")):
        parts = word.split("-")
        words.append("-".join(p if (i or j) and _UPPER_PARTS.match(p) else p.capitalize() for j, p in enumerate(parts)))
    return " ".join(words)


def _pack_phrase(m: Medicine) -> str:
    if n := re.fullmatch(r"(\d+)'s", m.pack):
        return f"Strip Of {n.group(1)} {'Capsules' if m.form == 'capsule' else 'Tablets'}"
    if v := re.fullmatch(r"(\d+(?:\.\d+)?)(ml|g)", m.pack):
        return f"{'Bottle' if v.group(2) == 'ml' else 'Tube'} Of {v.group(1)} {'ml' if v.group(2) == 'ml' else 'gm'}"
    return m.pack


def render_name(m: Medicine) -> str:
    """The SKU's name in its style (pharmacy: ``BRAND STRENGTH FORM PACK``)."""
    single = re.fullmatch(r"(\d+(?:\.\d+)?)MG", m.strength)
    if m.style in ("ecommerce", "ecommerce pack"):
        if single:
            strength = single.group(1)  # "Dolo 650 Tablet": e-commerce names drop "mg"
        elif re.fullmatch(r"[\d.]+(?:MCG|IU|G|MG/5ML|MG/ML)", m.strength):
            strength = m.strength.lower().replace("iu", "IU")
        elif pct := re.fullmatch(r"([\d.]+%) W/[WV]", m.strength):
            strength = pct.group(1)
        elif m.strength.endswith("BILLION SPORES"):
            strength = m.strength.title()
        else:
            strength = ""  # combinations: "Combiflam Tablet"
        brand = _brand_words(m.brand)
        if m.brand == "AUGMENTIN DUO" and single:  # the variant after the strength, as 1mg writes it
            brand, strength = "Augmentin", f"{single.group(1)} Duo"
        name = " ".join(x for x in (brand, strength, FORM_WORD[m.form]) if x)
        return f"{name} {_pack_phrase(m)}" if m.style == "ecommerce pack" else name
    if m.style == "indonesian":
        strength = re.sub(r"(?<=\d)(MG|MCG|G|IU)\b", lambda u: " " + u.group(1).lower().replace("iu", "IU"), m.strength)
        pack = m.pack.replace("ml", " ml") if m.pack.endswith("ml") else ""
        return " ".join(x for x in (_brand_words(m.brand), strength, FORM_WORD_ID.get(m.form, FORM_WORD[m.form]), pack)
                        if x)
    if m.style == "generic":
        doses = [d.lower().replace("mg", " mg").replace("mcg", " mcg") for d in m.molecule_doses]
        return " + ".join(f"{mol.title()} {d}" for mol, d in zip(m.molecules, doses)) + f" {FORM_WORD[m.form]}"
    if m.style == "rxnorm":
        doses = [d.replace("MG", " MG") for d in m.molecule_doses]
        return " / ".join(f"{mol.title()} {d}" for mol, d in zip(m.molecules, doses)) + \
            f" Oral {FORM_WORD[m.form]} [{_brand_words(m.brand)}]"
    return f"{m.brand} {m.strength} {FORM_LABEL[m.form]} {m.pack}"


def _m(brand: str, molecules: str, strength: str, form: str, pack: str, maker: str, price: int,
       doses: str = "", style: str = "") -> Medicine:
    return Medicine(brand, tuple(molecules.split("+")), strength, form, pack, maker, price,
                    tuple(doses.split("+")) if doses else (), style)


def _styled(medicines: tuple[Medicine, ...]) -> tuple[Medicine, ...]:
    """Every SKU gets a name style: its own when given, Indonesian makers' SKUs the Indonesian one, the
    others e-commerce, e-commerce with a pack and pharmacy strings in turn."""
    cycle = ("ecommerce", "pharmacy", "ecommerce pack")
    return tuple(replace(m, style=m.style or ("indonesian" if m.manufacturer in _INDONESIAN_MAKERS else cycle[i % 3]))
                 for i, m in enumerate(medicines))


MEDICINES: tuple[Medicine, ...] = _styled((
    # paracetamol: the classic brand-preference example
    _m("DOLO", "PARACETAMOL", "650MG", "tablet", "8's", "Micro Labs", 12000, style="ecommerce"),
    _m("DOLO", "PARACETAMOL", "250MG", "suspension", "60ml", "Micro Labs", 18000),
    _m("CROCIN ADVANCE", "PARACETAMOL", "500MG", "tablet", "15's", "GSK", 15000),
    _m("CALPOL", "PARACETAMOL", "650MG", "tablet", "15's", "GSK", 16000),
    _m("CALPOL", "PARACETAMOL", "120MG", "syrup", "60ml", "GSK", 17000),
    _m("SANMOL", "PARACETAMOL", "500MG", "tablet", "10's", "Sanbe Farma", 9000),
    _m("SANMOL", "PARACETAMOL", "120MG", "syrup", "60ml", "Sanbe Farma", 14000),
    _m("PANADOL", "PARACETAMOL", "500MG", "tablet", "10's", "Haleon", 13000),
    _m("COMBIFLAM", "IBUPROFEN+PARACETAMOL", "400MG/325MG", "tablet", "20's", "Sanofi", 22000, style="ecommerce"),
    _m("BRUFEN", "IBUPROFEN", "400MG", "tablet", "15's", "Abbott", 19000),
    _m("BRUFEN", "IBUPROFEN", "100MG", "suspension", "60ml", "Abbott", 21000),
    _m("PROFENID", "KETOPROFEN", "100MG", "tablet", "10's", "Sanofi", 35000),
    _m("AUGMENTIN DUO", "AMOXICILLIN+CLAVULANIC ACID", "625MG", "tablet", "10's", "GSK", 98000,
       "500MG+125MG", "ecommerce"),
    _m("AUGMENTIN DUO", "AMOXICILLIN+CLAVULANIC ACID", "228.5MG", "suspension", "30ml", "GSK", 85000,
       "200MG/5ML+28.5MG/5ML"),
    _m("CLAVAM", "AMOXICILLIN+CLAVULANIC ACID", "625MG", "tablet", "6's", "Alkem", 72000, "500MG+125MG"),
    _m("MOXIKIND-CV", "AMOXICILLIN+CLAVULANIC ACID", "625MG", "tablet", "6's", "Mankind", 64000,
       "500MG+125MG"),
    _m("NOVAMOX", "AMOXICILLIN", "500MG", "capsule", "10's", "Cipla", 28000),
    _m("AMOXSAN", "AMOXICILLIN", "500MG", "capsule", "10's", "Sanbe Farma", 24000),
    _m("AMOXSAN", "AMOXICILLIN", "125MG", "syrup", "60ml", "Sanbe Farma", 26000),
    _m("AZITHRAL", "AZITHROMYCIN", "500MG", "tablet", "3's", "Alembic", 45000),
    _m("AZEE", "AZITHROMYCIN", "500MG", "tablet", "3's", "Cipla", 42000),
    _m("ZITHROMAX", "AZITHROMYCIN", "200MG", "suspension", "15ml", "Pfizer", 88000),
    _m("TAXIM-O", "CEFIXIME", "200MG", "tablet", "10's", "Alkem", 76000),
    _m("CEFSPAN", "CEFIXIME", "100MG", "capsule", "10's", "Kalbe", 69000),
    _m("CIPLOX", "CIPROFLOXACIN", "500MG", "tablet", "10's", "Cipla", 31000),
    _m("CIPLOX", "CIPROFLOXACIN", "0.3% W/V", "eye drops", "5ml", "Cipla", 23000),
    _m("NIFTRAN", "NITROFURANTOIN", "100MG", "capsule", "10's", "Sun Pharma", 38000),
    _m("FLAGYL", "METRONIDAZOLE", "400MG", "tablet", "15's", "Abbott", 21000),
    _m("MONOCEF", "CEFTRIAXONE", "1G", "injection", "1 vial", "Aristo", 55000),
    _m("OKACET", "CETIRIZINE", "10MG", "tablet", "10's", "Cipla", 8000),
    _m("ZYRTEC", "CETIRIZINE", "5MG/5ML", "syrup", "60ml", "UCB", 42000, style="pharmacy"),
    _m("INCIDAL-OD", "CETIRIZINE", "10MG", "capsule", "10's", "Bayer", 39000),
    _m("LEVOCET", "LEVOCETIRIZINE", "5MG", "tablet", "10's", "Hetero", 11000),
    _m("XYZAL", "LEVOCETIRIZINE", "5MG", "tablet", "10's", "UCB", 52000),
    _m("MONTAIR LC", "MONTELUKAST+LEVOCETIRIZINE", "10MG/5MG", "tablet", "10's", "Cipla", 47000),
    _m("ASTHALIN", "SALBUTAMOL", "100MCG", "inhaler", "200 MDI", "Cipla", 61000),
    _m("VENTOLIN", "SALBUTAMOL", "100MCG", "inhaler", "200 MDI", "GSK", 98000),
    _m("BUDECORT", "BUDESONIDE", "200MCG", "inhaler", "200 MDI", "Cipla", 120000),
    _m("MUCOLITE", "AMBROXOL", "30MG", "tablet", "10's", "Dr Reddy's", 9000),
    _m("MUCOPECT", "AMBROXOL", "15MG/5ML", "syrup", "60ml", "Boehringer", 36000),
    _m("BENADRYL DR", "DEXTROMETHORPHAN+CHLORPHENIRAMINE", "10MG/2MG", "syrup", "100ml", "Kenvue", 45000),
    _m("OTRIVIN", "XYLOMETAZOLINE", "0.1% W/V", "nasal drops", "10ml", "Haleon", 41000),
    _m("OTRIVIN PAED", "XYLOMETAZOLINE", "0.05% W/V", "nasal drops", "10ml", "Haleon", 39000),
    _m("PAN", "PANTOPRAZOLE", "40MG", "tablet", "15's", "Alkem", 27000),
    _m("PANTOCID", "PANTOPRAZOLE", "40MG", "tablet", "15's", "Sun Pharma", 29000),
    _m("PAN-D", "DOMPERIDONE+PANTOPRAZOLE", "30MG/40MG", "capsule", "15's", "Alkem", 45000),
    _m("OMEZ", "OMEPRAZOLE", "20MG", "capsule", "20's", "Dr Reddy's", 26000),
    _m("SUCRAFIL O GEL", "SUCRALFATE+OXETACAINE", "1G/10MG", "suspension", "200ml", "Mankind", 78000),
    _m("DIGENE", "ANTACID", "GEL MINT", "suspension", "200ml", "Abbott", 35000),
    _m("EMESET", "ONDANSETRON", "4MG", "tablet", "10's", "Cipla", 25000),
    _m("ONDEM", "ONDANSETRON", "2MG/5ML", "syrup", "30ml", "Alkem", 32000),
    _m("ORALIT", "ORAL REHYDRATION SALTS", "21.8G", "sachet", "5's", "Kimia Farma", 10000),
    _m("ELECTRAL", "ORAL REHYDRATION SALTS", "21.8G", "sachet", "5's", "FDC", 12000),
    _m("IMODIUM", "LOPERAMIDE", "2MG", "capsule", "6's", "Kenvue", 33000),
    _m("ENTEROGERMINA", "BACILLUS CLAUSII", "2 BILLION SPORES", "suspension", "5ml x 10", "Sanofi", 98000),
    _m("DULCOLAX", "BISACODYL", "5MG", "tablet", "10's", "Sanofi", 28000),
    _m("GLYCOMET", "METFORMIN", "500MG", "tablet", "20's", "USV", 21000),
    _m("GLUCOPHAGE", "METFORMIN", "850MG", "tablet", "30's", "Merck", 64000),
    _m("AMARYL", "GLIMEPIRIDE", "2MG", "tablet", "30's", "Sanofi", 118000),
    _m("GLIMISAVE M2", "GLIMEPIRIDE+METFORMIN", "2MG/500MG", "tablet", "15's", "Eris", 52000, style="generic"),
    _m("AMLONG", "AMLODIPINE", "5MG", "tablet", "15's", "Micro Labs", 24000),
    _m("NORVASC", "AMLODIPINE", "10MG", "tablet", "30's", "Pfizer", 195000, style="rxnorm"),
    _m("TELMA", "TELMISARTAN", "40MG", "tablet", "15's", "Glenmark", 58000),
    _m("MICARDIS", "TELMISARTAN", "80MG", "tablet", "30's", "Boehringer", 240000),
    _m("TELMA-AM", "AMLODIPINE+TELMISARTAN", "5MG/40MG", "tablet", "15's", "Glenmark", 72000, style="generic"),
    _m("ATORVA", "ATORVASTATIN", "10MG", "tablet", "15's", "Zydus", 36000),
    _m("LIPITOR", "ATORVASTATIN", "20MG", "tablet", "30's", "Pfizer", 210000, style="rxnorm"),
    _m("ROSUVAS", "ROSUVASTATIN", "10MG", "tablet", "15's", "Sun Pharma", 48000),
    _m("THYRONORM", "LEVOTHYROXINE", "50MCG", "tablet", "100's", "Abbott", 68000),
    _m("ELTROXIN", "LEVOTHYROXINE", "50MCG", "tablet", "100's", "GSK", 74000),
    _m("UPRISE-D3", "CHOLECALCIFEROL", "60000IU", "capsule", "4's", "Alkem", 42000),
    _m("CALCIROL", "CHOLECALCIFEROL", "60000IU", "sachet", "1g", "Cadila", 21000),
    _m("SHELCAL", "CALCIUM CARBONATE+CHOLECALCIFEROL", "500MG/250IU", "tablet", "15's", "Torrent", 34000),
    _m("OROFER XT", "FERROUS ASCORBATE+FOLIC ACID", "100MG/1.5MG", "tablet", "10's", "Emcure", 39000),
    _m("FOLVITE", "FOLIC ACID", "5MG", "tablet", "45's", "Pfizer", 18000),
    _m("NUROKIND", "METHYLCOBALAMIN", "1500MCG", "tablet", "10's", "Mankind", 31000),
    _m("SUSTEN", "PROGESTERONE", "200MG", "capsule", "10's", "Sun Pharma", 165000),
    _m("DOXINATE", "DOXYLAMINE+PYRIDOXINE", "10MG/10MG", "tablet", "10's", "Alkem", 41000),
    _m("MEFTAL SPAS", "DICYCLOMINE+MEFENAMIC ACID", "10MG/250MG", "tablet", "10's", "Blue Cross", 29000),
    _m("PONSTAN", "MEFENAMIC ACID", "500MG", "tablet", "10's", "Pfizer", 36000),
    _m("CANDID", "CLOTRIMAZOLE", "1% W/W", "cream", "15g", "Glenmark", 28000),
    _m("CANESTEN", "CLOTRIMAZOLE", "1% W/W", "cream", "10g", "Bayer", 46000),
    _m("TERBICIP", "TERBINAFINE", "250MG", "tablet", "7's", "Cipla", 52000),
    _m("ELOCON", "MOMETASONE", "0.1% W/W", "cream", "10g", "Organon", 89000),
    _m("MOMATE", "MOMETASONE", "0.1% W/W", "cream", "15g", "Glenmark", 61000),
    _m("FUCIDIN", "FUSIDIC ACID", "2% W/W", "cream", "10g", "Leo Pharma", 74000),
    _m("PERMITE", "PERMETHRIN", "5% W/W", "cream", "30g", "Glenmark", 52000),
    _m("SCABIMITE", "PERMETHRIN", "5% W/W", "lotion", "60ml", "Sun Pharma", 55000),
    _m("CLINDAC A", "CLINDAMYCIN", "1% W/W", "gel", "20g", "Galderma", 95000),
    _m("ADAFERIN", "ADAPALENE", "0.1% W/W", "gel", "15g", "Galderma", 110000),
    _m("DOXT-SL", "DOXYCYCLINE", "100MG", "tablet", "10's", "Dr Reddy's", 44000),
    _m("CALADRYL", "CALAMINE+DIPHENHYDRAMINE", "8% W/V", "lotion", "100ml", "Kenvue", 38000),
    _m("CANDIBIOTIC", "CLOTRIMAZOLE+BECLOMETASONE+CHLORAMPHENICOL+LIDOCAINE", "1%/0.025%/5%/2% W/V",
       "ear drops", "5ml", "Glenmark", 45000),
    _m("WAXOL", "DOCUSATE SODIUM", "0.5% W/V", "ear drops", "10ml", "Dr Reddy's", 29000),
    _m("MOXICIP", "MOXIFLOXACIN", "0.5% W/V", "eye drops", "5ml", "Cipla", 42000),
    _m("REFRESH TEARS", "CARBOXYMETHYLCELLULOSE", "0.5% W/V", "eye drops", "10ml", "Allergan", 85000),
    _m("VOVERAN", "DICLOFENAC", "75MG/ML", "injection", "1ml x 5", "Novartis", 38000),
    _m("VOLINI", "DICLOFENAC", "1% W/W", "gel", "30g", "Sun Pharma", 47000),
    _m("MYORIL", "THIOCOLCHICOSIDE", "4MG", "capsule", "10's", "Sanofi", 88000),
    _m("SUMINAT", "SUMATRIPTAN", "50MG", "tablet", "4's", "Sun Pharma", 96000),
))


@dataclass(frozen=True)
class Diagnosis:
    """One ICD-10 diagnosis and the tendencies the generator plants around it."""

    code: str
    simple_name: str  # what doctors say in chat
    specialities: tuple[str, ...]
    weight: float  # base frequency among consultations of those specialities
    season_amplitude: float  # seasonal factor = 1 + amplitude * cos(2*pi*(month - peak_month)/12)
    peak_month: int
    complaints: tuple[str, ...]  # complaint concepts (keys of COMPLAINTS)
    molecules: tuple[tuple[str, float], ...]  # molecule key -> probability of being prescribed
    lab_tests: tuple[tuple[str, float], ...]
    advice: tuple[tuple[str, float], ...]
    chronic: bool = False


GP = "general practitioner"
DIAGNOSES: tuple[Diagnosis, ...] = (
    Diagnosis("J06.9", "upper respiratory infection", (GP, "paediatrics", "ENT"), 10, 0.35, 1,
              ("fever", "cough", "sore throat", "runny nose", "body ache"),
              (("PARACETAMOL", 0.85), ("CETIRIZINE", 0.45), ("DEXTROMETHORPHAN+CHLORPHENIRAMINE", 0.3),
               ("AZITHROMYCIN", 0.12), ("AMBROXOL", 0.2)),
              (("CBC", 0.12),),
              (("drink plenty of warm fluids", 0.6), ("take rest", 0.5), ("steam inhalation twice daily", 0.35),
               ("avoid cold drinks", 0.3), ("review after 3 days if fever persists", 0.3))),
    Diagnosis("J00", "common cold", (GP, "paediatrics"), 6, 0.3, 1,
              ("runny nose", "sneezing", "sore throat", "fever"),
              (("PARACETAMOL", 0.6), ("CETIRIZINE", 0.55), ("XYLOMETAZOLINE", 0.35)),
              (),
              (("drink plenty of warm fluids", 0.6), ("take rest", 0.4), ("steam inhalation twice daily", 0.4))),
    Diagnosis("J02.9", "throat infection", (GP, "ENT"), 5, 0.25, 1,
              ("sore throat", "fever", "pain swallowing"),
              (("AMOXICILLIN", 0.45), ("AMOXICILLIN+CLAVULANIC ACID", 0.3), ("PARACETAMOL", 0.7),
               ("IBUPROFEN", 0.15)),
              (("Throat Swab Culture", 0.05), ("CBC", 0.1)),
              (("salt water gargles", 0.7), ("avoid cold drinks", 0.4), ("complete the antibiotic course", 0.4))),
    Diagnosis("J03.9", "tonsillitis", ("paediatrics", "ENT"), 3, 0.2, 1,
              ("sore throat", "fever", "pain swallowing"),
              (("AMOXICILLIN+CLAVULANIC ACID", 0.6), ("PARACETAMOL", 0.8), ("IBUPROFEN", 0.2)),
              (("CBC", 0.15),),
              (("salt water gargles", 0.6), ("complete the antibiotic course", 0.6), ("soft diet", 0.3))),
    Diagnosis("J01.9", "sinusitis", (GP, "ENT"), 3, 0.2, 2,
              ("facial pain", "runny nose", "headache"),
              (("AMOXICILLIN+CLAVULANIC ACID", 0.5), ("XYLOMETAZOLINE", 0.55), ("MONTELUKAST+LEVOCETIRIZINE", 0.35),
               ("PARACETAMOL", 0.3)),
              (("X-Ray PNS", 0.15),),
              (("steam inhalation twice daily", 0.7), ("avoid dust and smoke", 0.3))),
    Diagnosis("J20.9", "bronchitis", (GP, "internal medicine"), 4, 0.3, 1,
              ("cough", "chest pain right", "fever", "breathlessness"),
              (("AZITHROMYCIN", 0.45), ("AMBROXOL", 0.6), ("SALBUTAMOL", 0.25), ("PARACETAMOL", 0.5)),
              (("Chest X-Ray", 0.4), ("CBC", 0.3)),
              (("steam inhalation twice daily", 0.5), ("avoid dust and smoke", 0.4), ("take rest", 0.4))),
    Diagnosis("J45.9", "asthma", (GP, "internal medicine", "paediatrics"), 2.5, 0.15, 8,
              ("breathlessness", "wheezing", "cough"),
              (("SALBUTAMOL", 0.85), ("BUDESONIDE", 0.5), ("MONTELUKAST+LEVOCETIRIZINE", 0.4)),
              (("Serum IgE", 0.15), ("Chest X-Ray", 0.1)),
              (("avoid dust and smoke", 0.7), ("carry your inhaler always", 0.5))),
    Diagnosis("J30.4", "allergic rhinitis", (GP, "ENT"), 3, 0.25, 8,
              ("sneezing", "runny nose", "itchy eyes"),
              (("LEVOCETIRIZINE", 0.6), ("MONTELUKAST+LEVOCETIRIZINE", 0.4), ("XYLOMETAZOLINE", 0.3)),
              (("Serum IgE", 0.2),),
              (("avoid dust and smoke", 0.7), ("wear a mask outdoors", 0.3))),
    Diagnosis("A97.9", "dengue", (GP, "internal medicine", "paediatrics"), 3, 0.9, 1,
              ("fever", "body ache", "headache", "rash"),
              (("PARACETAMOL", 0.95), ("ORAL REHYDRATION SALTS", 0.5)),
              (("Dengue NS1 Antigen", 0.8), ("CBC", 0.9), ("Dengue IgG/IgM", 0.35)),
              (("drink plenty of fluids, at least 3 litres a day", 0.8), ("avoid ibuprofen and aspirin", 0.5),
               ("repeat platelet count tomorrow", 0.5), ("go to ER if bleeding or severe abdominal pain", 0.5))),
    Diagnosis("A01.0", "typhoid", (GP, "internal medicine"), 2, 0.4, 2,
              ("fever", "abdominal pain", "headache", "tiredness"),
              (("CEFIXIME", 0.6), ("AZITHROMYCIN", 0.35), ("PARACETAMOL", 0.8)),
              (("Widal Test", 0.6), ("Typhidot", 0.3), ("CBC", 0.6)),
              (("boiled water only", 0.6), ("soft home food", 0.5), ("complete the antibiotic course", 0.6))),
    Diagnosis("A09", "gastroenteritis", (GP, "paediatrics", "internal medicine"), 6, 0.35, 12,
              ("loose motion", "vomiting", "abdominal pain", "fever"),
              (("ORAL REHYDRATION SALTS", 0.85), ("ONDANSETRON", 0.5), ("BACILLUS CLAUSII", 0.35),
               ("METRONIDAZOLE", 0.2), ("LOPERAMIDE", 0.1)),
              (("Stool Routine", 0.25),),
              (("ORS after every loose stool", 0.8), ("avoid outside food", 0.5), ("boiled water only", 0.4))),
    Diagnosis("K29.7", "gastritis", (GP, "internal medicine"), 5, 0.05, 4,
              ("acidity", "abdominal pain", "nausea"),
              (("PANTOPRAZOLE", 0.6), ("DOMPERIDONE+PANTOPRAZOLE", 0.35), ("SUCRALFATE+OXETACAINE", 0.3),
               ("ANTACID", 0.2)),
              (),
              (("avoid spicy and oily food", 0.8), ("small frequent meals", 0.5), ("do not skip meals", 0.4))),
    Diagnosis("K21.9", "acid reflux", (GP, "internal medicine"), 3, 0.05, 4,
              ("acidity", "chest burning"),
              (("PANTOPRAZOLE", 0.55), ("OMEPRAZOLE", 0.3), ("DOMPERIDONE+PANTOPRAZOLE", 0.3)),
              (),
              (("avoid lying down right after meals", 0.6), ("avoid spicy and oily food", 0.6))),
    Diagnosis("K59.0", "constipation", (GP, "paediatrics"), 1.5, 0.05, 7,
              ("constipation", "abdominal pain"),
              (("BISACODYL", 0.6),),
              (),
              (("eat more fibre and fruits", 0.8), ("drink 2-3 litres of water daily", 0.6))),
    Diagnosis("N39.0", "urinary infection", (GP, "internal medicine", "obgyn"), 3, 0.1, 10,
              ("burning urination", "frequent urination", "fever"),
              (("NITROFURANTOIN", 0.55), ("CIPROFLOXACIN", 0.3), ("PARACETAMOL", 0.3)),
              (("Urine Routine", 0.8), ("Urine Culture", 0.35)),
              (("drink plenty of fluids", 0.7), ("complete the antibiotic course", 0.5))),
    Diagnosis("E11.9", "diabetes", ("internal medicine", GP), 5, 0.0, 1,
              ("high sugar", "frequent urination", "tiredness"),
              (("METFORMIN", 0.8), ("GLIMEPIRIDE", 0.3), ("GLIMEPIRIDE+METFORMIN", 0.2), ("ATORVASTATIN", 0.2)),
              (("HbA1c", 0.7), ("Fasting Blood Sugar", 0.5), ("Kidney Function Test", 0.3), ("Lipid Profile", 0.3)),
              (("low sugar diet", 0.7), ("regular exercise 30 min daily", 0.6), ("monitor blood sugar daily", 0.5)),
              chronic=True),
    Diagnosis("I10", "high blood pressure", ("internal medicine", GP), 5, 0.0, 1,
              ("high bp", "headache", "dizziness"),
              (("AMLODIPINE", 0.55), ("TELMISARTAN", 0.45), ("AMLODIPINE+TELMISARTAN", 0.2)),
              (("Lipid Profile", 0.4), ("Kidney Function Test", 0.4)),
              (("low salt diet", 0.8), ("monitor BP daily", 0.5), ("regular exercise 30 min daily", 0.4)),
              chronic=True),
    Diagnosis("E78.5", "high cholesterol", ("internal medicine",), 2, 0.0, 1,
              ("high cholesterol", "tiredness"),
              (("ATORVASTATIN", 0.7), ("ROSUVASTATIN", 0.3)),
              (("Lipid Profile", 0.8), ("Liver Function Test", 0.3)),
              (("avoid oily food", 0.7), ("regular exercise 30 min daily", 0.6)),
              chronic=True),
    Diagnosis("E03.9", "low thyroid", ("internal medicine", "obgyn"), 2, 0.0, 1,
              ("tiredness", "weight gain", "hair fall"),
              (("LEVOTHYROXINE", 0.95),),
              (("TSH", 0.8), ("Thyroid Profile", 0.3)),
              (("take thyroid tablet empty stomach in the morning", 0.8),),
              chronic=True),
    Diagnosis("E55.9", "vitamin D deficiency", (GP, "internal medicine"), 2, 0.1, 7,
              ("tiredness", "body ache"),
              (("CHOLECALCIFEROL", 0.9), ("CALCIUM CARBONATE+CHOLECALCIFEROL", 0.4)),
              (("Vitamin D (25-OH)", 0.7),),
              (("morning sunlight 15 min daily", 0.7),)),
    Diagnosis("D50.9", "anaemia", (GP, "obgyn", "internal medicine"), 2, 0.0, 1,
              ("tiredness", "dizziness"),
              (("FERROUS ASCORBATE+FOLIC ACID", 0.85), ("METHYLCOBALAMIN", 0.25)),
              (("CBC", 0.8), ("Serum Ferritin", 0.5)),
              (("iron rich food: spinach, liver, dates", 0.6),)),
    Diagnosis("M54.5", "low back pain", (GP, "internal medicine"), 3, 0.05, 6,
              ("back pain",),
              (("DICLOFENAC", 0.6), ("THIOCOLCHICOSIDE", 0.4), ("IBUPROFEN+PARACETAMOL", 0.3)),
              (("X-Ray Lumbar Spine", 0.15),),
              (("hot fomentation", 0.6), ("avoid lifting heavy weights", 0.5), ("back strengthening exercises", 0.4))),
    Diagnosis("R51", "headache", (GP,), 2, 0.05, 10,
              ("headache",),
              (("PARACETAMOL", 0.7), ("IBUPROFEN", 0.3)),
              (),
              (("sleep 7-8 hours", 0.5), ("reduce screen time", 0.4))),
    Diagnosis("G43.9", "migraine", (GP, "internal medicine"), 1.5, 0.05, 10,
              ("headache", "nausea"),
              (("SUMATRIPTAN", 0.5), ("PARACETAMOL", 0.5), ("ONDANSETRON", 0.2)),
              (),
              (("sleep 7-8 hours", 0.5), ("maintain a headache diary", 0.5))),
    Diagnosis("L20.9", "eczema", ("dermatology", "paediatrics"), 3, 0.2, 7,
              ("itching", "rash", "dry skin"),
              (("MOMETASONE", 0.6), ("CETIRIZINE", 0.5), ("CALAMINE+DIPHENHYDRAMINE", 0.3)),
              (),
              (("use a fragrance-free moisturiser", 0.7), ("avoid scratching", 0.5))),
    Diagnosis("L50.9", "hives", ("dermatology", GP), 2, 0.1, 9,
              ("hives", "itching"),
              (("LEVOCETIRIZINE", 0.65), ("CETIRIZINE", 0.35), ("CALAMINE+DIPHENHYDRAMINE", 0.3)),
              (("Serum IgE", 0.1),),
              (("avoid the food that triggered it", 0.5), ("avoid scratching", 0.4))),
    Diagnosis("L70.0", "acne", ("dermatology",), 4, 0.05, 4,
              ("pimples",),
              (("CLINDAMYCIN", 0.6), ("ADAPALENE", 0.55), ("DOXYCYCLINE", 0.25)),
              (),
              (("wash face twice daily", 0.6), ("use sunscreen", 0.4), ("do not squeeze pimples", 0.5))),
    Diagnosis("B35.4", "ringworm", ("dermatology", GP), 3, 0.4, 2,
              ("itching", "rash"),
              (("CLOTRIMAZOLE", 0.7), ("TERBINAFINE", 0.35), ("CETIRIZINE", 0.3)),
              (("Skin scraping KOH", 0.1),),
              (("keep the area clean and dry", 0.8), ("wear loose cotton clothes", 0.5))),
    Diagnosis("B86", "scabies", ("dermatology", "paediatrics"), 1.5, 0.2, 1,
              ("itching", "rash"),
              (("PERMETHRIN", 0.9), ("CETIRIZINE", 0.4)),
              (),
              (("treat all family members", 0.7), ("wash clothes and bedsheets in hot water", 0.6))),
    Diagnosis("H10.9", "conjunctivitis", ("ophthalmology", GP, "paediatrics"), 3, 0.3, 12,
              ("red eye", "itchy eyes"),
              (("MOXIFLOXACIN", 0.5), ("CIPROFLOXACIN", 0.35), ("CARBOXYMETHYLCELLULOSE", 0.4)),
              (),
              (("do not rub your eyes", 0.6), ("wash hands often", 0.5))),
    Diagnosis("H66.9", "ear infection", ("ENT", "paediatrics"), 2.5, 0.25, 1,
              ("ear pain", "fever"),
              (("AMOXICILLIN+CLAVULANIC ACID", 0.6), ("CLOTRIMAZOLE+BECLOMETASONE+CHLORAMPHENICOL+LIDOCAINE", 0.4),
               ("PARACETAMOL", 0.5)),
              (),
              (("keep ear dry", 0.7), ("do not use earbuds", 0.4))),
    Diagnosis("H61.2", "ear wax", ("ENT",), 1.5, 0.0, 1,
              ("ear block",),
              (("DOCUSATE SODIUM", 0.8),),
              (),
              (("do not use earbuds", 0.6),)),
    Diagnosis("Z34.9", "routine pregnancy check", ("obgyn",), 3, 0.0, 1,
              ("pregnancy",),
              (("FOLIC ACID", 0.7), ("FERROUS ASCORBATE+FOLIC ACID", 0.5),
               ("CALCIUM CARBONATE+CHOLECALCIFEROL", 0.5)),
              (("CBC", 0.5), ("Ultrasound Abdomen", 0.4), ("Blood Group", 0.2)),
              (("balanced diet with extra protein", 0.6), ("review after 4 weeks", 0.5))),
    Diagnosis("O21.0", "morning sickness", ("obgyn",), 1.5, 0.0, 1,
              ("nausea", "vomiting", "pregnancy"),
              (("DOXYLAMINE+PYRIDOXINE", 0.7), ("ONDANSETRON", 0.25), ("PROGESTERONE", 0.15)),
              (("Beta hCG", 0.2),),
              (("small frequent meals", 0.7), ("sip water often", 0.4))),
    Diagnosis("N94.6", "period pain", ("obgyn", GP), 2, 0.0, 1,
              ("period pain",),
              (("DICYCLOMINE+MEFENAMIC ACID", 0.6), ("MEFENAMIC ACID", 0.3)),
              (("Ultrasound Abdomen", 0.1),),
              (("warm compress on lower abdomen", 0.6),)),
)
DIAGNOSIS_BY_CODE: dict[str, Diagnosis] = {d.code: d for d in DIAGNOSES}
CHRONIC_CODES: tuple[str, ...] = tuple(d.code for d in DIAGNOSES if d.chronic)

# complaint concept -> paraphrases doctors type ({n} = a small number of days/times)
COMPLAINTS: dict[str, tuple[str, ...]] = {
    "fever": ("fever since {n} days", "fever x {n} days", "high fever", "demam {n} hari", "fever with chills",
              "feverish since yesterday", "Fever"),
    "cough": ("cough", "dry cough since {n} days", "cough with phlegm", "batuk {n} hari", "persistent cough"),
    "sore throat": ("sore throat", "throat pain", "throat is paining", "sakit tenggorokan"),
    "pain swallowing": ("pain while swallowing", "difficulty swallowing", "painful swallowing"),
    "runny nose": ("runny nose", "nasal discharge", "pilek", "blocked nose"),
    "sneezing": ("sneezing", "frequent sneezing in the morning", "bersin-bersin"),
    "body ache": ("body ache", "body pain", "myalgia", "pegal-pegal"),
    "headache": ("headache", "head is paining", "pain in head", "sakit kepala", "headache since {n} days"),
    "facial pain": ("pain over cheeks", "heaviness of head", "facial pain with nasal block"),
    "chest pain right": ("Right lung is paining", "pain in right lung", "right side chest pain",
                         "chest pain on right side while coughing"),
    "breathlessness": ("breathlessness", "sesak napas", "difficulty breathing at night", "shortness of breath"),
    "wheezing": ("wheezing", "whistling sound while breathing", "mengi"),
    "itchy eyes": ("itchy eyes", "watery eyes", "mata gatal"),
    "loose motion": ("loose motions since {n} days", "diarrhoea x {n} days", "diare", "watery stools {n} times today"),
    "vomiting": ("vomiting", "vomited {n} times", "muntah", "nausea and vomiting"),
    "nausea": ("nausea", "feeling like vomiting", "mual"),
    "abdominal pain": ("pain in abdomen", "stomach ache", "abdominal pain", "sakit perut", "stomach is paining"),
    "acidity": ("acidity", "burning in stomach after meals", "sour burps", "maag kambuh"),
    "chest burning": ("heartburn", "burning in chest", "chest burning after food"),
    "constipation": ("constipation", "no motion since {n} days", "susah BAB", "hard stools"),
    "burning urination": ("burning micturition", "burning while passing urine", "pain during urination",
                          "anyang-anyangan"),
    "frequent urination": ("frequent urination", "passing urine often at night", "sering kencing"),
    "high sugar": ("high sugar levels", "FBS {n}80", "sugar not controlled", "gula darah tinggi"),
    "high bp": ("high BP", "BP 15{n}/95", "blood pressure high", "tensi tinggi"),
    "high cholesterol": ("high cholesterol", "cholesterol 2{n}0", "kolesterol tinggi"),
    "dizziness": ("dizziness", "giddiness", "pusing", "feeling light headed"),
    "tiredness": ("tiredness", "feeling weak", "fatigue since {n} weeks", "lemas"),
    "weight gain": ("weight gain", "gaining weight without reason"),
    "hair fall": ("hair fall", "rambut rontok"),
    "itching": ("itching", "itchy skin", "gatal-gatal", "itching all over body at night"),
    "rash": ("rash", "red patches on skin", "skin rash since {n} days", "ruam merah"),
    "dry skin": ("dry skin", "dry scaly patches", "kulit kering"),
    "hives": ("hives", "itchy wheals", "biduran"),
    "pimples": ("pimples on face", "acne", "jerawat", "breakouts on forehead"),
    "red eye": ("red eye", "eye redness", "mata merah", "watering from eyes"),
    "ear pain": ("ear pain", "pain in left ear", "sakit telinga", "ear discharge"),
    "ear block": ("blocked ear", "decreased hearing", "ear feels full"),
    "back pain": ("lower back pain", "back is paining", "pain in lower back since {n} days", "sakit pinggang"),
    "period pain": ("painful periods", "cramps during periods", "nyeri haid"),
    "pregnancy": ("pregnancy follow up", "{n} months pregnant", "hamil {n} bulan", "routine antenatal check"),
}

# name, category, price (IDR)
LAB_TESTS: tuple[tuple[str, str, int], ...] = (
    ("CBC", "haematology", 95000),
    ("ESR", "haematology", 45000),
    ("Serum Ferritin", "haematology", 180000),
    ("Blood Group", "haematology", 40000),
    ("Dengue NS1 Antigen", "infection", 250000),
    ("Dengue IgG/IgM", "infection", 320000),
    ("Widal Test", "infection", 90000),
    ("Typhidot", "infection", 210000),
    ("Throat Swab Culture", "infection", 350000),
    ("Urine Routine", "urine", 60000),
    ("Urine Culture", "urine", 240000),
    ("Stool Routine", "stool", 70000),
    ("HbA1c", "diabetes", 190000),
    ("Fasting Blood Sugar", "diabetes", 35000),
    ("Lipid Profile", "cardiac", 160000),
    ("Kidney Function Test", "organ function", 210000),
    ("Liver Function Test", "organ function", 230000),
    ("TSH", "thyroid", 140000),
    ("Thyroid Profile", "thyroid", 260000),
    ("Vitamin D (25-OH)", "vitamins", 420000),
    ("Vitamin B12", "vitamins", 310000),
    ("Serum IgE", "allergy", 280000),
    ("Skin scraping KOH", "infection", 85000),
    ("Beta hCG", "pregnancy", 190000),
    ("Chest X-Ray", "imaging", 180000),
    ("X-Ray PNS", "imaging", 170000),
    ("X-Ray Lumbar Spine", "imaging", 200000),
    ("Ultrasound Abdomen", "imaging", 450000),
)
# lab panels regular testers repeat, by chronic condition (others get a general check-up)
LAB_PANELS: dict[str, tuple[str, ...]] = {
    "E11.9": ("HbA1c", "Fasting Blood Sugar", "Kidney Function Test"),
    "I10": ("Lipid Profile", "Kidney Function Test"),
    "E78.5": ("Lipid Profile", "Liver Function Test"),
    "E03.9": ("TSH", "Thyroid Profile"),
    "": ("CBC", "Vitamin D (25-OH)", "Lipid Profile", "Vitamin B12", "Fasting Blood Sugar"),
}

GENERAL_ADVICE: tuple[str, ...] = (
    "take medicines after food",
    "avoid self-medication",
    "review after 1 week with reports",
    "follow up if symptoms worsen",
)

NOTE_TEMPLATES: tuple[str, ...] = (
    "Pt c/o {c} x {n}d. No travel hx.",
    "{c} since {n} days, no known allergies.",
    "Known case of {dx}? advised tests. BP {bp}.",
    "c/o {c}. Afebrile now. Vitals stable per pt.",
    "Pt reports {c}; took OTC meds, no relief.",
    "h/o similar episode last year. {c}.",
    "{c} - mild. Counselled. Review SOS.",
    "pt anxious, explained {dx}. {c} x {n} days",
    "FU visit. {c} better. Continue meds.",
)
