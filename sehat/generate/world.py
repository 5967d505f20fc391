"""The simulated world: customers, their devices, doctors, catalogues, content, campaigns, experiments.

Built once per run from the seed, as numpy arrays (one element per customer or
device) so the daily simulation in ``activity`` can stay vectorised. The hidden
parameters drawn here (behaviour type, doctor quality, brand preferences, true
CTRs, experiment effects) are what ``truth`` writes out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from sehat.generate.clinical import (
    CHRONIC_CODES,
    MEDICINES,
    SPECIALITIES,
    SPECIALITY_WEIGHTS,
)
from sehat.generate.config import GenerateConfig, rng

DAY = 86_400
NEVER = np.iinfo(np.int64).max // 2  # "no such moment" in epoch-second arrays


@dataclass(frozen=True)
class Behaviour:
    """Daily rates of one customer type (before weekday, season and experiment factors)."""

    share: float
    sessions: float  # expected app sessions per day
    order: float  # probability of an order on a given day (chronic buyers add refills)
    consult: float
    lab: float  # lab regulars add a periodic panel
    appointment: float
    searches: float  # expected searches per session
    views: float  # expected product views per session
    add_to_cart: float  # probability a viewed product is added to the cart


BEHAVIOURS: dict[str, Behaviour] = {
    "chronic_buyer": Behaviour(0.12, 0.35, 0.008, 0.012, 0.004, 0.002, 0.6, 1.6, 0.25),
    "acute_consulter": Behaviour(0.18, 0.25, 0.008, 0.035, 0.004, 0.004, 0.8, 1.2, 0.15),
    "lab_regular": Behaviour(0.08, 0.22, 0.008, 0.008, 0.006, 0.006, 0.5, 1.0, 0.15),
    "browser_never_buys": Behaviour(0.27, 0.55, 0.0, 0.0, 0.0, 0.0, 1.4, 3.5, 0.12),
    "lapsed": Behaviour(0.12, 0.30, 0.012, 0.010, 0.003, 0.002, 0.8, 2.0, 0.18),
    "casual": Behaviour(0.23, 0.15, 0.012, 0.008, 0.002, 0.002, 0.7, 1.8, 0.15),
}
BEHAVIOUR_NAMES: tuple[str, ...] = tuple(BEHAVIOURS)
LAPSED_FACTOR = 0.04  # activity multiplier after a lapsed customer's lapse moment
REFILL_PROBABILITY = 0.85  # chronic buyer orders on a refill-due day
PANEL_PROBABILITY = 0.8  # lab regular books on a panel-due day

# Monday=0 ... Sunday=6: weekends browse more, consult and book labs less
WEEKDAY_FACTORS: dict[str, tuple[float, ...]] = {
    "sessions": (1.00, 0.96, 0.95, 0.97, 1.02, 1.25, 1.32),
    "order": (1.05, 1.00, 0.98, 1.00, 1.05, 1.15, 0.90),
    "consult": (1.15, 1.05, 1.00, 1.00, 0.95, 0.80, 0.85),
    "lab": (1.10, 1.05, 1.05, 1.05, 1.00, 1.20, 0.50),
    "appointment": (1.20, 1.10, 1.05, 1.05, 1.00, 0.70, 0.40),
}
# share of the day's sessions starting in each UTC hour (morning and evening peaks)
HOURLY = np.array([0.6, 0.3, 0.2, 0.2, 0.3, 0.8, 1.6, 2.6, 3.2, 3.4, 3.0, 2.8,
                   3.0, 2.7, 2.4, 2.3, 2.5, 2.9, 3.4, 4.0, 4.4, 4.0, 2.8, 1.4])
HOURLY = HOURLY / HOURLY.sum()

FIRST_NAMES_F = ("Ayu", "Siti", "Dewi", "Putri", "Rina", "Nur", "Sri", "Indah", "Fitri", "Lestari", "Ratna",
                 "Maya", "Anisa", "Wulan", "Citra", "Dian", "Yuni", "Intan", "Sari", "Mega")
FIRST_NAMES_M = ("Budi", "Agus", "Andi", "Rizky", "Dimas", "Eko", "Fajar", "Hendra", "Joko", "Arif", "Bayu",
                 "Yoga", "Rudi", "Adi", "Ilham", "Teguh", "Wahyu", "Bambang", "Fikri", "Gilang")
LAST_NAMES = ("Santoso", "Wijaya", "Saputra", "Pratama", "Hidayat", "Nugroho", "Kusuma", "Setiawan", "Lubis",
              "Siregar", "Gunawan", "Rahman", "Susanto", "Halim", "Purnomo", "Utami", "Sihombing", "Tanjung",
              "Wibowo", "Hakim", "Harahap", "Sinaga", "Permana", "Firmansyah")
EMAIL_DOMAINS = ("gmail.com", "yahoo.co.id", "gmail.com", "outlook.com", "gmail.com", "ymail.com")
CITIES = ("Jakarta", "Surabaya", "Bandung", "Medan", "Semarang", "Makassar", "Palembang", "Tangerang",
          "Depok", "Bekasi", "Yogyakarta", "Denpasar", "Malang", "Bogor", "Balikpapan")
CITY_WEIGHTS = np.array([24, 10, 9, 7, 6, 5, 4, 7, 5, 7, 4, 3, 3, 4, 2], dtype=float)
HOSPITALS = ("RS Siloam Kebon Jeruk", "RS Pondok Indah", "RS Mayapada Lebak Bulus", "RSUP Dr. Sardjito",
             "RS Hermina Bekasi", "RS Premier Surabaya", "RS Santo Borromeus", "RS Columbia Asia Medan",
             "RS Awal Bros Tangerang", "RS Mitra Keluarga Depok", "RS Bethesda Yogyakarta", "RS Kasih Ibu Denpasar")
DOCTOR_TITLE = {"general practitioner": "", "paediatrics": ", Sp.A", "internal medicine": ", Sp.PD",
                "dermatology": ", Sp.KK", "obgyn": ", Sp.OG", "ENT": ", Sp.THT-KL", "ophthalmology": ", Sp.M"}

# platform, make, model, os versions, dpi, (height, width), share
DEVICE_MODELS: tuple[tuple[str, str, str, tuple[str, ...], int, tuple[int, int], float], ...] = (
    ("Android", "Samsung", "SM-A515F", ("12", "13"), 420, (2400, 1080), 0.14),
    ("Android", "Samsung", "SM-A325F", ("12", "13", "14"), 411, (2400, 1080), 0.10),
    ("Android", "Xiaomi", "Redmi Note 10", ("11", "12", "13"), 409, (2400, 1080), 0.12),
    ("Android", "Xiaomi", "Redmi 9A", ("10", "11"), 320, (1600, 720), 0.08),
    ("Android", "OPPO", "CPH2239", ("11", "12"), 320, (1600, 720), 0.08),
    ("Android", "vivo", "V2111", ("12", "13"), 320, (1600, 720), 0.07),
    ("Android", "realme", "RMX3363", ("12", "13", "14"), 400, (2400, 1080), 0.06),
    ("Android", "Infinix", "X6816", ("13",), 300, (1612, 720), 0.03),
    ("iOS", "Apple", "iPhone12,1", ("16.7", "17.5"), 326, (1792, 828), 0.09),
    ("iOS", "Apple", "iPhone14,5", ("17.5", "18.1"), 460, (2532, 1170), 0.09),
    ("iOS", "Apple", "iPhone15,2", ("17.5", "18.1"), 460, (2556, 1179), 0.07),
    ("Web", "Web", "Desktop", ("Windows 10", "Windows 11", "macOS 14"), 96, (1080, 1920), 0.04),
    ("Web", "Web", "Mobile Web", ("Android 13", "iOS 17"), 160, (800, 360), 0.03),
)
APP_VERSIONS = (("5.10.2", "50902"), ("5.11.0", "60001"), ("5.12.0", "60102"), ("5.12.1", "60102"))
APP_VERSION_WEIGHTS = np.array([0.10, 0.20, 0.45, 0.25])
CONTROL_GROUP = "Global Control Group"

# category per molecule class for products made from catalogue medicines
MEDICINE_CATEGORY: dict[str, str] = {
    "PARACETAMOL": "fever & pain", "IBUPROFEN": "fever & pain", "KETOPROFEN": "fever & pain",
    "DICLOFENAC": "fever & pain", "THIOCOLCHICOSIDE": "fever & pain", "SUMATRIPTAN": "fever & pain",
    "MEFENAMIC ACID": "women's health", "DICYCLOMINE": "women's health", "PROGESTERONE": "women's health",
    "DOXYLAMINE": "women's health", "FOLIC ACID": "women's health",
    "AMOXICILLIN": "antibiotics", "AZITHROMYCIN": "antibiotics", "CEFIXIME": "antibiotics",
    "CIPROFLOXACIN": "antibiotics", "NITROFURANTOIN": "antibiotics", "METRONIDAZOLE": "antibiotics",
    "CEFTRIAXONE": "antibiotics", "DOXYCYCLINE": "antibiotics",
    "CETIRIZINE": "cough & cold", "LEVOCETIRIZINE": "cough & cold", "MONTELUKAST": "cough & cold",
    "AMBROXOL": "cough & cold", "DEXTROMETHORPHAN": "cough & cold", "XYLOMETAZOLINE": "cough & cold",
    "SALBUTAMOL": "respiratory", "BUDESONIDE": "respiratory",
    "PANTOPRAZOLE": "digestive", "DOMPERIDONE": "digestive", "OMEPRAZOLE": "digestive", "SUCRALFATE": "digestive",
    "ANTACID": "digestive", "ONDANSETRON": "digestive", "ORAL REHYDRATION SALTS": "digestive",
    "LOPERAMIDE": "digestive", "BACILLUS CLAUSII": "digestive", "BISACODYL": "digestive",
    "METFORMIN": "diabetes care", "GLIMEPIRIDE": "diabetes care",
    "AMLODIPINE": "heart care", "TELMISARTAN": "heart care", "ATORVASTATIN": "heart care",
    "ROSUVASTATIN": "heart care", "LEVOTHYROXINE": "thyroid",
    "CHOLECALCIFEROL": "vitamins", "CALCIUM CARBONATE": "vitamins", "FERROUS ASCORBATE": "vitamins",
    "METHYLCOBALAMIN": "vitamins",
    "CLOTRIMAZOLE": "skin care", "TERBINAFINE": "skin care", "MOMETASONE": "skin care",
    "FUSIDIC ACID": "skin care", "PERMETHRIN": "skin care", "CLINDAMYCIN": "skin care", "ADAPALENE": "skin care",
    "CALAMINE": "skin care", "DOCUSATE SODIUM": "eye & ear", "MOXIFLOXACIN": "eye & ear",
    "CARBOXYMETHYLCELLULOSE": "eye & ear",
}
# name, category, price (IDR): what a pharmacy app sells besides medicines
OTHER_PRODUCTS: tuple[tuple[str, str, int], ...] = (
    ("Vitamin C 1000mg Effervescent 10's", "vitamins", 45000),
    ("Zinc 20mg Tablet 30's", "vitamins", 38000),
    ("Multivitamin Daily 30's", "vitamins", 95000),
    ("Omega-3 Fish Oil 1000mg 60's", "vitamins", 160000),
    ("Digital Thermometer", "medical devices", 55000),
    ("Omron BP Monitor HEM-7120", "medical devices", 650000),
    ("Accu-Chek Active Glucometer", "medical devices", 420000),
    ("Glucometer Test Strips 50's", "diabetes care", 280000),
    ("Lancets 100's", "diabetes care", 65000),
    ("Sugar-Free Sweetener 100 sachets", "diabetes care", 70000),
    ("Pulse Oximeter", "medical devices", 250000),
    ("3-Ply Surgical Mask 50's", "protection", 35000),
    ("Hand Sanitizer 500ml", "protection", 48000),
    ("Antiseptic Liquid 250ml", "protection", 42000),
    ("Baby Diapers M 34's", "baby care", 110000),
    ("Baby Lotion 200ml", "baby care", 52000),
    ("Baby Wipes 80's", "baby care", 28000),
    ("Sunscreen SPF50 50ml", "skin care", 89000),
    ("Gentle Face Wash 100ml", "skin care", 58000),
    ("Fragrance-free Moisturiser 200ml", "skin care", 120000),
    ("Eucalyptus Oil 60ml", "cough & cold", 32000),
    ("Herbal Cough Lozenges 20's", "cough & cold", 18000),
    ("Pregnancy Test Kit", "women's health", 25000),
    ("Prenatal Milk Chocolate 400g", "women's health", 98000),
    ("Protein Powder 500g", "nutrition", 310000),
    ("Oats 1kg", "nutrition", 65000),
)


def _sku(brand: str, strength: str) -> str:
    """The catalogue name of a medicine SKU (names are written in several styles, see clinical.NAME_STYLES)."""
    return next(m.name for m in MEDICINES if (m.brand, m.strength) == (brand, strength))


# basket themes: products bought together (by name) with inclusion probabilities -- association truth
BASKET_THEMES: dict[str, tuple[tuple[str, float], ...]] = {
    "flu_care": ((_sku("DOLO", "650MG"), 0.7), ("Vitamin C 1000mg Effervescent 10's", 0.6),
                 ("Digital Thermometer", 0.25), ("Herbal Cough Lozenges 20's", 0.35), (_sku("OKACET", "10MG"), 0.3)),
    "immunity": (("Vitamin C 1000mg Effervescent 10's", 0.7), ("Zinc 20mg Tablet 30's", 0.55),
                 ("Multivitamin Daily 30's", 0.45), ("Omega-3 Fish Oil 1000mg 60's", 0.25)),
    "diabetes_kit": (("Glucometer Test Strips 50's", 0.7), ("Lancets 100's", 0.6),
                     ("Sugar-Free Sweetener 100 sachets", 0.3), ("Accu-Chek Active Glucometer", 0.1)),
    "bp_kit": (("Omron BP Monitor HEM-7120", 0.4), ("Omega-3 Fish Oil 1000mg 60's", 0.35), ("Oats 1kg", 0.3)),
    "baby": (("Baby Diapers M 34's", 0.8), ("Baby Wipes 80's", 0.6), ("Baby Lotion 200ml", 0.4),
             (_sku("CALPOL", "120MG"), 0.2)),
    "skin": (("Sunscreen SPF50 50ml", 0.6), ("Gentle Face Wash 100ml", 0.55),
             ("Fragrance-free Moisturiser 200ml", 0.4)),
    "protection": (("3-Ply Surgical Mask 50's", 0.7), ("Hand Sanitizer 500ml", 0.55),
                   ("Antiseptic Liquid 250ml", 0.35)),
    "gut": ((_sku("ORALIT", "21.8G"), 0.7), (_sku("ENTEROGERMINA", "2 BILLION SPORES"), 0.4),
            (_sku("DIGENE", "GEL MINT"), 0.3)),
    "pregnancy": (("Pregnancy Test Kit", 0.5), ("Prenatal Milk Chocolate 400g", 0.5), (_sku("FOLVITE", "5MG"), 0.4)),
    "fitness": (("Protein Powder 500g", 0.6), ("Oats 1kg", 0.5), ("Multivitamin Daily 30's", 0.3)),
}
THEME_FOR_CHRONIC = {"E11.9": "diabetes_kit", "I10": "bp_kit", "E78.5": "bp_kit", "E03.9": "immunity"}
CASUAL_THEMES = ("flu_care", "immunity", "baby", "skin", "protection", "gut", "pregnancy", "fitness")
CASUAL_THEME_WEIGHTS = np.array([0.22, 0.18, 0.12, 0.12, 0.1, 0.12, 0.06, 0.08])

SEARCH_QUERIES: tuple[tuple[str, int], ...] = (  # query, typical result count
    ("paracetamol", 24), ("obat batuk", 31), ("vitamin c", 40), ("masker", 12), ("dolo 650", 3),
    ("obat maag", 18), ("dokter anak", 56), ("dokter kulit", 41), ("tes darah", 22), ("swab", 6),
    ("metformin", 7), ("amlodipine", 5), ("salep gatal", 14), ("obat jerawat", 19), ("tensimeter", 8),
    ("obat demam anak", 16), ("diapers", 9), ("sunscreen", 11), ("obat diare", 13), ("cek gula darah", 10),
    ("augmentin", 4), ("obat flu", 27), ("vitamin d", 15), ("konsultasi dokter umum", 88), ("tes tiroid", 5),
)
SEARCH_WEIGHTS = np.array([6, 7, 6, 3, 2, 5, 4, 3, 4, 2, 2, 2, 3, 3, 1, 3, 2, 2, 4, 2, 1, 6, 2, 4, 1], dtype=float)


@dataclass(frozen=True)
class Experiment:
    """An A/B test with a planted true effect on one conversion rate."""

    experiment_id: str
    name: str
    metric: str  # which rate the variant multiplies: order, consult or content_ctr
    variants: tuple[str, ...]
    effects: tuple[float, ...]  # true multiplier per variant
    exposure: float  # probability a session shows the experiment surface


EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("EXP01", "one_tap_checkout", "order", ("control", "one_tap"), (1.0, 1.25), 0.15),
    Experiment("EXP02", "doctor_listing_sort", "consult",
               ("control", "top_rated_first", "nearest_available_first"), (1.0, 1.2, 0.9), 0.1),
    Experiment("EXP03", "personalised_home_banners", "content_ctr", ("control", "personalised"), (1.0, 1.35), 0.3),
)


@dataclass
class Customers:
    """One element per customer (index i is user_id i + 1)."""

    user_id: np.ndarray
    identity: np.ndarray  # "U0000042"
    behaviour: np.ndarray  # index into BEHAVIOUR_NAMES
    name: np.ndarray
    email: np.ndarray
    phone: np.ndarray  # phone at signup
    new_phone: np.ndarray  # phone after the change ("" if none)
    phone_changed_at: np.ndarray  # epoch seconds or NEVER
    gender: np.ndarray  # "M" / "F"
    birth_date: np.ndarray  # datetime64[D]
    age: np.ndarray  # whole years at the start of the period
    city: np.ndarray
    signup_at: np.ndarray  # epoch seconds
    first_seen_at: np.ndarray  # first app use (anonymous before signup_at)
    lapse_at: np.ndarray  # NEVER unless lapsed
    chronic_dx: np.ndarray  # diagnosis code or ""
    cycle: np.ndarray  # refill / lab panel period in days (0: none)
    cycle_phase: np.ndarray
    control_group: np.ndarray  # bool: in CleverTap's global control group (no campaigns)
    variants: np.ndarray  # [customer, experiment] variant index
    dev_offset: np.ndarray  # first device index
    dev_count: np.ndarray

    def __len__(self) -> int:
        return len(self.user_id)


@dataclass
class Devices:
    """One element per app install (customer devices first, then never-logged-in visitors)."""

    object_id: np.ndarray
    user: np.ndarray  # customer index or -1
    first_at: np.ndarray  # first use (epoch s)
    last_at: np.ndarray  # last possible use (NEVER for customer devices)
    login_at: np.ndarray  # identity known from here on (NEVER: stays anonymous)
    model: np.ndarray  # index into DEVICE_MODELS
    os_version: np.ndarray
    app_version: np.ndarray  # index into APP_VERSIONS
    push_token: np.ndarray  # "" when none

    def __len__(self) -> int:
        return len(self.object_id)


@dataclass
class Doctors:
    """One element per doctor; brand preferences per molecule key."""

    doctor_id: np.ndarray
    name: np.ndarray
    speciality: np.ndarray
    gender: np.ndarray
    birth_date: np.ndarray
    city: np.ndarray
    joined_at: np.ndarray
    quality: np.ndarray  # hidden 0..1: drives chat etiquette, response speed and ratings
    brand_pref: list[dict[str, tuple[list[str], np.ndarray]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.doctor_id)


@dataclass
class Catalogue:
    """Products (medicines first, then other products), content items, campaigns."""

    product_name: list[str]
    product_category: list[str]
    product_price: np.ndarray
    product_medicine: np.ndarray  # medicine index or -1
    product_popularity: np.ndarray  # sampling weight for views
    content_id: list[str]
    content_type: list[str]
    content_placement: list[str]
    content_ctr: np.ndarray  # true click-through rate of each content item
    content_weight: np.ndarray
    campaign_type: list[str]
    campaign_content: np.ndarray  # content index per campaign
    campaign_view_rate: np.ndarray
    campaign_click_rate: np.ndarray  # clicks per view

    def product_index(self, name: str) -> int:
        return self.product_name.index(name)


@dataclass
class World:
    customers: Customers
    devices: Devices
    doctors: Doctors
    catalogue: Catalogue


def seasonal_factor(code_amplitude: float, peak_month: int, day: date) -> float:
    """Seasonal multiplier of a diagnosis on a day (1 = average)."""
    month = day.month - 1 + (day.day - 1) / 31
    return 1 + code_amplitude * math.cos(2 * math.pi * (month - (peak_month - 1)) / 12)


def _hex_ids(r: np.random.Generator, n: int, nbytes: int) -> np.ndarray:
    raw = r.bytes(n * nbytes).hex()
    step = nbytes * 2
    return np.array([raw[i * step:(i + 1) * step] for i in range(n)], dtype=object)


def _phones(r: np.random.Generator, n: int) -> np.ndarray:
    digits = r.integers(10**8, 10**9, n)
    prefix = r.choice(np.array(["+62812", "+62813", "+62821", "+62857", "+62878", "+62895"]), n)
    return np.char.add(prefix.astype(str), digits.astype(str)).astype(object)


def build_customers(cfg: GenerateConfig) -> Customers:
    r = rng(cfg.seed, "customers")
    n = cfg.customers
    user_id = np.arange(1, n + 1, dtype=np.int64)
    shares = np.array([b.share for b in BEHAVIOURS.values()])
    behaviour = r.choice(len(shares), n, p=shares / shares.sum()).astype(np.int8)
    gender = np.where(r.random(n) < 0.55, "F", "M").astype(object)
    first = np.where(gender == "F", r.choice(FIRST_NAMES_F, n), r.choice(FIRST_NAMES_M, n))
    last = r.choice(LAST_NAMES, n)
    name = np.char.add(np.char.add(first.astype(str), " "), last.astype(str)).astype(object)
    email = np.array([f"{f.lower()}.{s.lower()}{u}@{d}" for f, s, u, d in
                      zip(first, last, user_id, r.choice(EMAIL_DOMAINS, n))], dtype=object)
    age_days = (r.gamma(6.0, 5.5, n) * 365).astype(int) + 365  # median ~32 years, children included
    birth_date = np.datetime64(cfg.start) - age_days.astype("timedelta64[D]")
    city = r.choice(CITIES, n, p=CITY_WEIGHTS / CITY_WEIGHTS.sum()).astype(object)

    start, end = cfg.start_epoch, cfg.end_epoch
    in_period = r.random(n) < 0.35
    signup_at = np.where(in_period, r.integers(start, end, n), r.integers(start - 365 * DAY, start, n))
    lead = np.minimum(r.exponential(1.5 * DAY, n), 4 * DAY).astype(np.int64)
    first_seen_at = np.where(in_period, signup_at - lead, signup_at)

    lapsed = behaviour == BEHAVIOUR_NAMES.index("lapsed")
    lapse_at = np.where(lapsed, r.integers(start - 10 * DAY, start + int(0.6 * (end - start)) + 1, n), NEVER)

    phone = _phones(r, n)
    changes = (r.random(n) < 0.03) & ~in_period
    phone_changed_at = np.where(changes, r.integers(start, end, n), NEVER)
    new_phone = np.where(changes, _phones(r, n), "").astype(object)

    chronic = np.array(CHRONIC_CODES, dtype=object)
    chronic_weights = np.array([0.4, 0.35, 0.1, 0.15])
    has_chronic = (behaviour == BEHAVIOUR_NAMES.index("chronic_buyer")) | (r.random(n) < np.where(
        behaviour == BEHAVIOUR_NAMES.index("lab_regular"), 0.5, 0.06))
    chronic_dx = np.where(has_chronic, r.choice(chronic, n, p=chronic_weights), "").astype(object)
    periodic = np.isin(behaviour, [BEHAVIOUR_NAMES.index("chronic_buyer"), BEHAVIOUR_NAMES.index("lab_regular")])
    cycle = np.where(periodic, np.clip(np.rint(r.normal(28, 3, n)), 20, 35), 0).astype(np.int64)
    cycle_phase = r.integers(0, 35, n) % np.maximum(cycle, 1)

    variants = np.stack([r.integers(0, len(e.variants), n) for e in EXPERIMENTS], axis=1).astype(np.int8)
    dev_count = r.choice(3, n, p=[0.7, 0.22, 0.08]) + 1
    dev_offset = np.concatenate([[0], np.cumsum(dev_count)[:-1]])
    return Customers(
        user_id=user_id, identity=np.array([f"U{u:07d}" for u in user_id], dtype=object), behaviour=behaviour,
        name=name, email=email, phone=phone, new_phone=new_phone, phone_changed_at=phone_changed_at,
        gender=gender, birth_date=birth_date, age=age_days // 365, city=city, signup_at=signup_at,
        first_seen_at=first_seen_at,
        lapse_at=lapse_at, chronic_dx=chronic_dx, cycle=cycle, cycle_phase=cycle_phase,
        control_group=r.random(n) < 0.05, variants=variants, dev_offset=dev_offset, dev_count=dev_count,
    )


def build_devices(cfg: GenerateConfig, customers: Customers) -> Devices:
    r = rng(cfg.seed, "devices")
    n_customer_devices = int(customers.dev_count.sum())
    n_visitors = max(1, round(0.15 * len(customers)))
    n = n_customer_devices + n_visitors
    start, end = cfg.start_epoch, cfg.end_epoch
    user = np.concatenate([np.repeat(np.arange(len(customers)), customers.dev_count), np.full(n_visitors, -1)])
    rank = np.arange(n_customer_devices) - np.repeat(customers.dev_offset, customers.dev_count)

    cu = user[:n_customer_devices]
    signup = customers.signup_at[cu]
    secondary_first = r.integers(np.maximum(signup, start - 30 * DAY), end)
    first_customer = np.where(rank == 0, customers.first_seen_at[cu], secondary_first)
    # secondary devices log in minutes after first use, or (20%) days later / never within the period
    quick = r.random(n_customer_devices) < 0.8
    delay = np.where(quick, r.integers(60, 1800, n_customer_devices), r.exponential(2 * DAY, n_customer_devices))
    login_customer = np.where(rank == 0, signup, first_customer + delay.astype(np.int64))
    visitor_first = r.integers(start, end, n_visitors)

    first_at = np.concatenate([first_customer, visitor_first])
    last_at = np.concatenate([np.full(n_customer_devices, NEVER), visitor_first + r.integers(0, 3 * DAY, n_visitors)])
    login_at = np.concatenate([login_customer, np.full(n_visitors, NEVER)])

    model_share = np.array([m[6] for m in DEVICE_MODELS])
    model = r.choice(len(DEVICE_MODELS), n, p=model_share / model_share.sum())
    os_version = np.array([DEVICE_MODELS[m][3][k % len(DEVICE_MODELS[m][3])]
                           for m, k in zip(model, r.integers(0, 6, n))], dtype=object)
    app_version = r.choice(len(APP_VERSIONS), n, p=APP_VERSION_WEIGHTS)
    platform = np.array([DEVICE_MODELS[m][0] for m in model], dtype=object)
    tokens = _hex_ids(r, n, 16)
    push_token = np.where(platform == "Android", "fcm:" + tokens,
                          np.where(platform == "iOS", "apns:" + tokens, "")).astype(object)
    return Devices(object_id="__" + _hex_ids(r, n, 16), user=user, first_at=first_at, last_at=last_at,
                   login_at=login_at, model=model, os_version=os_version, app_version=app_version,
                   push_token=push_token)


def build_doctors(cfg: GenerateConfig) -> Doctors:
    r = rng(cfg.seed, "doctors")
    n = max(len(SPECIALITIES) * 2, cfg.customers // 250)
    weights = np.array(SPECIALITY_WEIGHTS)
    spec = np.concatenate([np.arange(len(SPECIALITIES)), r.choice(len(SPECIALITIES), n - len(SPECIALITIES),
                                                                   p=weights / weights.sum())])
    speciality = np.array([SPECIALITIES[s] for s in spec], dtype=object)
    gender = np.where(r.random(n) < 0.5, "F", "M").astype(object)
    first = np.where(gender == "F", r.choice(FIRST_NAMES_F, n), r.choice(FIRST_NAMES_M, n))
    name = np.array([f"dr. {f} {s}{DOCTOR_TITLE[sp]}" for f, s, sp in
                     zip(first, r.choice(LAST_NAMES, n), speciality)], dtype=object)
    birth_date = np.datetime64(cfg.start) - r.integers(27 * 365, 65 * 365, n).astype("timedelta64[D]")
    joined_at = np.where(r.random(n) < 0.9, r.integers(cfg.start_epoch - 3 * 365 * DAY, cfg.start_epoch, n),
                         r.integers(cfg.start_epoch, cfg.end_epoch, n))
    by_molecule: dict[str, list[str]] = {}
    for m in MEDICINES:
        brands = by_molecule.setdefault(m.molecule_key, [])
        if m.brand not in brands:
            brands.append(m.brand)
    # each doctor strongly prefers one brand per molecule (Dirichlet with small concentration)
    prefs = [{k: (b, r.dirichlet(np.full(len(b), 0.4))) for k, b in sorted(by_molecule.items())} for _ in range(n)]
    return Doctors(doctor_id=np.arange(1, n + 1, dtype=np.int64), name=name, speciality=speciality, gender=gender,
                   birth_date=birth_date, city=r.choice(CITIES, n).astype(object), joined_at=joined_at,
                   quality=r.beta(5, 2, n), brand_pref=prefs)


def build_catalogue(cfg: GenerateConfig) -> Catalogue:
    r = rng(cfg.seed, "catalogue")
    names = [m.name for m in MEDICINES] + [p[0] for p in OTHER_PRODUCTS]
    categories = [MEDICINE_CATEGORY[m.molecules[0]] for m in MEDICINES] + [p[1] for p in OTHER_PRODUCTS]
    prices = np.array([m.price for m in MEDICINES] + [p[2] for p in OTHER_PRODUCTS], dtype=np.int64)
    medicine = np.concatenate([np.arange(len(MEDICINES)), np.full(len(OTHER_PRODUCTS), -1)])
    popularity = r.pareto(1.2, len(names)) + 0.05

    n_content = 24
    ctype = r.choice(["banner", "article", "offer", "video"], n_content, p=[0.35, 0.3, 0.2, 0.15])
    placement = r.choice(["home_banner", "feed", "product_page", "checkout"], n_content, p=[0.4, 0.35, 0.15, 0.1])
    base_ctr = {"banner": (2, 60), "article": (2, 30), "offer": (3, 25), "video": (2, 40)}
    ctr = np.array([r.beta(*base_ctr[t]) for t in ctype])

    n_campaigns = 16
    campaign_type = r.choice(["push", "push", "in_app", "web_push"], n_campaigns).tolist()
    return Catalogue(
        product_name=names, product_category=categories, product_price=prices, product_medicine=medicine,
        product_popularity=popularity / popularity.sum(),
        content_id=[f"C{i:02d}" for i in range(1, n_content + 1)], content_type=ctype.tolist(),
        content_placement=placement.tolist(), content_ctr=ctr, content_weight=r.dirichlet(np.full(n_content, 2.0)),
        campaign_type=campaign_type, campaign_content=r.integers(0, n_content, n_campaigns),
        campaign_view_rate=r.uniform(0.25, 0.6, n_campaigns), campaign_click_rate=r.beta(2, 14, n_campaigns),
    )


def build_world(cfg: GenerateConfig) -> World:
    customers = build_customers(cfg)
    return World(customers, build_devices(cfg, customers), build_doctors(cfg), build_catalogue(cfg))

