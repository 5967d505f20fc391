"""One simulated day: notifications, app sessions, events and the transactions behind them.

Everything per customer or per session is vectorised with numpy; only the
transactions (a few per thousand customers a day) are built row by row. The
result of a day is an :class:`EventBatch` (CleverTap events, not yet
serialised) plus rows appended to the production :class:`~sehat.generate.production.Rows`.
Production timestamps are taken from the events, so ``orders.ordered_at`` is the
``Charged`` event's ``ts`` and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sehat.generate import chats, prescriptions
from sehat.generate.clinical import (
    DIAGNOSES,
    LAB_PANELS,
    LAB_TESTS,
    MEDICINES,
    SPECIALITIES,
    SPECIALITY_FEE,
)
from sehat.generate.config import GenerateConfig, rng
from sehat.generate.production import Rows
from sehat.generate.world import (
    BASKET_THEMES,
    BEHAVIOUR_NAMES,
    BEHAVIOURS,
    CASUAL_THEME_WEIGHTS,
    CASUAL_THEMES,
    DAY,
    DEVICE_MODELS,
    EXPERIMENTS,
    HOSPITALS,
    HOURLY,
    LAPSED_FACTOR,
    PANEL_PROBABILITY,
    REFILL_PROBABILITY,
    SEARCH_QUERIES,
    SEARCH_WEIGHTS,
    THEME_FOR_CHRONIC,
    WEEKDAY_FACTORS,
    World,
    seasonal_factor,
)
from sehat.sources.clevertap import EVENTS

EVENT_NAMES: tuple[str, ...] = tuple(EVENTS)
EV = {name: i for i, name in enumerate(EVENT_NAMES)}
# session source code -> CleverTap session properties
SESSION_SOURCES: tuple[dict[str, str], ...] = (
    {"session_source": "organic"},
    {"utm_source": "clevertap", "utm_medium": "push", "session_source": "notification"},
    {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "sehat_brand", "session_source": "deeplink"},
    {"utm_source": "instagram", "utm_medium": "social", "utm_campaign": "sehat_health_tips",
     "session_source": "deeplink"},
)
_PARAM = {name: np.array([getattr(b, name) for b in BEHAVIOURS.values()]) for name in
          ("sessions", "order", "consult", "lab", "appointment", "searches", "views", "add_to_cart")}
_BROWSER = BEHAVIOUR_NAMES.index("browser_never_buys")
_CHRONIC = BEHAVIOUR_NAMES.index("chronic_buyer")
_LAB_REGULAR = BEHAVIOUR_NAMES.index("lab_regular")
_ACUTE = BEHAVIOUR_NAMES.index("acute_consulter")
RX_ORDER_PROBABILITY = 0.55  # a completed prescription is bought through the app the next day


@dataclass
class EventBatch:
    """CleverTap events as parallel arrays. ``a``/``b`` carry the event's ids (see ``clevertap.render``)."""

    ts: np.ndarray  # epoch seconds
    event: np.ndarray  # index into EVENT_NAMES
    device: np.ndarray
    a: np.ndarray
    b: np.ndarray
    source: np.ndarray  # session source code (SESSION_SOURCES)

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: np.ndarray) -> EventBatch:
        return EventBatch(*(getattr(self, f.name)[index] for f in fields(self)))

    @staticmethod
    def concat(batches: list[EventBatch]) -> EventBatch:
        return EventBatch(*(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(EventBatch)))

    @staticmethod
    def empty() -> EventBatch:
        return EventBatch.build(np.zeros(0), 0, np.zeros(0))

    @staticmethod
    def build(ts, event, device, a=0, b=0, source=0) -> EventBatch:
        """Events from arrays; scalars are broadcast."""
        n = len(ts)
        return EventBatch(np.asarray(ts, np.int64), np.broadcast_to(np.asarray(event, np.int8), n).copy(),
                          np.asarray(device, np.int64), np.broadcast_to(np.asarray(a, np.int64), n).copy(),
                          np.broadcast_to(np.asarray(b, np.int64), n).copy(),
                          np.broadcast_to(np.asarray(source, np.int8), n).copy())


@dataclass
class Ids:
    """Running primary keys of the transactional tables."""

    order: int = 0
    order_item: int = 0
    consultation: int = 0
    message: int = 0
    prescription: int = 0
    booking: int = 0
    appointment: int = 0
    rating: int = 0

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


class Simulator:
    """Runs the days in order; keeps ids and next-day carry-overs (prescriptions to buy)."""

    def __init__(self, cfg: GenerateConfig, world: World, rows: Rows) -> None:
        self.cfg, self.world, self.rows = cfg, world, rows
        self.ids = Ids()
        self.pending_rx: list[tuple[int, list[int]]] = []  # (customer, product indices) to order tomorrow
        c = world.customers
        self.effect = {m: np.ones(len(c)) for m in ("order", "consult", "content_ctr")}
        for e_index, e in enumerate(EXPERIMENTS):
            self.effect[e.metric] = self.effect[e.metric] * np.array(e.effects)[c.variants[:, e_index]]
        r = rng(cfg.seed, "regimen")
        cat = world.catalogue
        # each chronic customer's regular medicine (the product refilled every cycle)
        by_code = {d.code: [cat.product_index(m.name) for m in MEDICINES if m.molecule_key == d.molecules[0][0]]
                   for d in DIAGNOSES if d.chronic}
        self.regimen = np.array([by_code[dx][r.integers(len(by_code[dx]))] if dx else -1 for dx in c.chronic_dx])
        self.theme_products = {t: ([cat.product_index(n) for n, _ in items], np.array([p for _, p in items]))
                               for t, items in BASKET_THEMES.items()}
        self.doctors_by_speciality = {s: np.flatnonzero(world.doctors.speciality == s) for s in SPECIALITIES}
        self.base_dx_weight = sum(d.weight for d in DIAGNOSES)

    # ------------------------------------------------------------------ one day
    def run_day(self, k: int) -> tuple[EventBatch, EventBatch]:
        """Simulate day ``k``; returns (export events, API notification events)."""
        cfg = self.cfg
        r = rng(cfg.seed, "day", k)
        day = cfg.day(k)
        start = cfg.start_epoch + k * DAY
        wd = day.weekday()
        notes, click_device, click_ts = self._notifications(r, start)
        txn = self._transaction_plan(r, k, start, wd)
        sessions = self._sessions(r, start, wd, txn["any"], click_device, click_ts)
        events, txn_events = self._session_events(r, sessions, txn, start)
        self._record_transactions(r, txn_events)
        return _distinct(events), notes

    # ------------------------------------------------------------------ notifications (API events)
    def _notifications(self, r: np.random.Generator, start: int) -> tuple[EventBatch, np.ndarray, np.ndarray]:
        """Today's campaigns: sent -> viewed -> clicked. Returns the events and the (device, ts) of clicks,
        each of which opens an app session."""
        c, d, cat = self.world.customers, self.world.devices, self.world.catalogue
        end = start + DAY
        user = d.user
        eligible = (d.push_token != "") & (d.first_at < end) & (d.last_at >= start)
        eligible &= (user < 0) | ~c.control_group[np.maximum(user, 0)]
        candidates = np.flatnonzero(eligible)
        lapsed = (user >= 0) & (c.lapse_at[np.maximum(user, 0)] < start)
        batches, click_device, click_ts_all = [], [], []
        for campaign in r.choice(len(cat.campaign_type), 1 + min(2, r.poisson(0.8)), replace=False):
            sent = candidates[r.random(len(candidates)) < r.uniform(0.08, 0.3)]
            sent_ts = start + r.integers(7, 20) * 3600 + r.integers(0, 900, len(sent))
            mood = np.where(lapsed[sent], 0.5, 1.0)
            viewed = r.random(len(sent)) < cat.campaign_view_rate[campaign] * mood
            view_ts = sent_ts + r.exponential(1200, len(sent)).astype(np.int64)
            clicked = viewed & (r.random(len(sent)) < cat.campaign_click_rate[campaign] * mood)
            click_ts = view_ts + r.exponential(90, len(sent)).astype(np.int64) + 1
            for name, mask, ts in (("Notification Sent", slice(None), sent_ts),
                                   ("Notification Viewed", viewed, view_ts),
                                   ("Notification Clicked", clicked, click_ts)):
                batches.append(EventBatch.build(np.minimum(ts[mask], end - 1), EV[name], sent[mask], campaign,
                                                source=1 if name == "Notification Clicked" else 0))
            click_device.append(sent[clicked])
            click_ts_all.append(np.minimum(click_ts[clicked] + 3, end - 1))
        return EventBatch.concat(batches), np.concatenate(click_device), np.concatenate(click_ts_all)

    # ------------------------------------------------------------------ who transacts today
    def _transaction_plan(self, r: np.random.Generator, k: int, start: int, wd: int) -> dict[str, np.ndarray]:
        c = self.world.customers
        n = len(c)
        b = c.behaviour
        signed = c.signup_at < start
        mood = np.where(c.lapse_at < start + DAY // 2, LAPSED_FACTOR, 1.0) * signed
        abs_day = start // DAY
        due = (c.cycle > 0) & ((abs_day - c.cycle_phase) % np.maximum(c.cycle, 1) == 0)
        day = self.cfg.day(k)
        season = sum(d.weight * seasonal_factor(d.season_amplitude, d.peak_month, day) for d in DIAGNOSES)
        season /= self.base_dx_weight

        p_order = _PARAM["order"][b] * WEEKDAY_FACTORS["order"][wd] * self.effect["order"]
        p_order = np.where(due & (b == _CHRONIC), REFILL_PROBABILITY, p_order) * mood
        p_consult = _PARAM["consult"][b] * WEEKDAY_FACTORS["consult"][wd] * season * self.effect["consult"] * mood
        p_lab = _PARAM["lab"][b] * WEEKDAY_FACTORS["lab"][wd]
        p_lab = np.where(due & (b == _LAB_REGULAR), PANEL_PROBABILITY, p_lab) * mood
        p_appointment = _PARAM["appointment"][b] * WEEKDAY_FACTORS["appointment"][wd] * mood
        plan = {
            "order": r.random(n) < p_order,
            "due": due,
            "consult": r.random(n) < p_consult,
            "lab": r.random(n) < p_lab,
            "appointment": r.random(n) < p_appointment,
            "rx": np.zeros(n, bool),
        }
        rx_products: dict[int, list[int]] = {}
        for customer, products in self.pending_rx:
            if signed[customer]:
                plan["rx"][customer] = True
                rx_products.setdefault(customer, []).extend(products)
        self.pending_rx = []
        plan["rx_products"] = rx_products  # type: ignore[assignment]
        plan["any"] = plan["order"] | plan["consult"] | plan["lab"] | plan["appointment"] | plan["rx"]
        return plan

    # ------------------------------------------------------------------ sessions
    def _sessions(self, r: np.random.Generator, start: int, wd: int, transacts: np.ndarray,
                  click_device: np.ndarray, click_ts: np.ndarray) -> dict[str, np.ndarray]:
        """App sessions of customers, of customers signing up today, of visitors and from notification clicks."""
        c, d = self.world.customers, self.world.devices
        end = start + DAY
        n = len(c)
        mood = np.where(c.lapse_at < start + DAY // 2, LAPSED_FACTOR, 1.0)
        rate = _PARAM["sessions"][c.behaviour] * WEEKDAY_FACTORS["sessions"][wd] * mood * (c.first_seen_at < end)
        count = r.poisson(rate)
        count[transacts] = np.maximum(count[transacts], 1)
        users = np.repeat(np.arange(n), count)
        hosts = np.r_[True, users[1:] != users[:-1]] & transacts[users] if len(users) else np.zeros(0, bool)
        primary = c.dev_offset[users]
        other = primary + r.integers(0, 1 << 30, len(users)) % c.dev_count[users]
        device = np.where((r.random(len(users)) < 0.3) & ~hosts, other, primary)
        device = np.where(d.first_at[device] < end, device, primary)
        s_start = np.maximum(_clock(r, start, len(users)), d.first_at[device])

        # a session that straddles the signup of customers who join today
        joining = np.flatnonzero((c.signup_at >= start) & (c.signup_at < end))
        join_dev = c.dev_offset[joining]
        join_start = np.maximum(c.signup_at[joining] - r.integers(60, 900, len(joining)), d.first_at[join_dev])

        visitors = np.flatnonzero((d.user < 0) & (d.first_at < end) & (d.last_at >= start))
        v_count = r.poisson(0.9, len(visitors))
        v_dev = np.repeat(visitors, v_count)
        lo = np.maximum(d.first_at[v_dev], start)
        hi = np.minimum(d.last_at[v_dev], end - 1)
        v_start = lo + (r.random(len(v_dev)) * np.maximum(hi - lo, 1)).astype(np.int64)

        organic_source = r.choice(3, len(users) + len(joining) + len(v_dev), p=[0.9, 0.06, 0.04])
        organic_source[organic_source > 0] += 1
        session = {
            "device": np.concatenate([device, join_dev, v_dev, click_device]),
            "start": np.concatenate([s_start, join_start, v_start, click_ts]),
            "source": np.concatenate([organic_source, np.ones(len(click_device))]).astype(np.int8),
            "hosts": np.concatenate([hosts, np.zeros(len(joining) + len(v_dev) + len(click_device), bool)]),
        }
        session["start"] = np.clip(session["start"], start, end - 1)
        session["user"] = d.user[session["device"]]
        return session

    # ------------------------------------------------------------------ events inside sessions
    def _session_events(self, r: np.random.Generator, s: dict[str, np.ndarray], txn: dict,
                        day_start: int) -> tuple[EventBatch, dict[str, np.ndarray]]:
        """Events of every session, timed; plus handles to the transaction events' timestamps."""
        c, cat = self.world.customers, self.world.catalogue
        n_s = len(s["device"])
        user = s["user"]
        known_user = user >= 0
        u = np.maximum(user, 0)
        b = np.where(known_user, c.behaviour[u], _BROWSER)
        parts = _Parts(s)
        add = parts.add

        all_s = np.arange(n_s)
        add(all_s, 0, "App Launched")
        for e_index, e in enumerate(EXPERIMENTS):
            exposed = r.random(n_s) < e.exposure
            if e.metric != "content_ctr":
                exposed &= known_user
            variant = np.where(known_user, c.variants[u, e_index], s["device"] % len(e.variants))
            add(all_s[exposed], 1, "Experiment Viewed", e_index, variant[exposed])
        shown = np.repeat(all_s, r.poisson(1.3, n_s))
        content = r.choice(len(cat.content_id), len(shown), p=cat.content_weight)
        add(shown, 2, "Content Viewed", content)
        ctr = cat.content_ctr[content] * np.where(known_user[shown], self.effect["content_ctr"][u[shown]], 1.0)
        clicked = r.random(len(shown)) < ctr
        add(shown[clicked], 2, "Content Clicked", content[clicked])  # stable sort: after the session's views
        searched = np.repeat(all_s, r.poisson(_PARAM["searches"][b]))
        query = r.choice(len(SEARCH_QUERIES), len(searched), p=SEARCH_WEIGHTS / SEARCH_WEIGHTS.sum())
        results = np.maximum(0, r.poisson(np.array([q[1] for q in SEARCH_QUERIES])[query]))
        add(searched, 3, "Search", query, results)
        viewed = np.repeat(all_s, r.poisson(_PARAM["views"][b]))
        product = r.choice(len(cat.product_name), len(viewed), p=cat.product_popularity)
        add(viewed, 4, "Product Viewed", product)
        carted = r.random(len(viewed)) < _PARAM["add_to_cart"][b[viewed]]
        add(viewed[carted], 5, "Added To Cart", product[carted], 1 + (r.random(carted.sum()) < 0.2))

        # transactions happen in each transacting customer's first session of the day
        host = np.full(len(c), -1)
        host[user[s["hosts"]]] = np.flatnonzero(s["hosts"])
        txn_events = self._transaction_events(r, host, txn, parts)

        sess = np.concatenate([p[0] for p in parts.items])
        phase = np.concatenate([np.full(len(p[0]), p[1]) for p in parts.items])
        events = EventBatch.concat([p[2] for p in parts.items])
        order = np.lexsort((phase, sess))  # stable: keeps insertion order inside a phase
        sess, events = sess[order], events.take(order)
        gaps = r.exponential(35, len(sess)).astype(np.int64) + 1
        first = np.r_[True, sess[1:] != sess[:-1]]
        gaps[first] = 0
        cum = np.cumsum(gaps)
        offset = cum - np.maximum.accumulate(np.where(first, cum, 0))
        # a session running past midnight starts earlier instead, so its events stay on the day and apart
        length = np.zeros(n_s, np.int64)
        np.maximum.at(length, sess, offset)
        start = np.maximum(np.minimum(s["start"], day_start + DAY - 1 - length), day_start)
        events.ts = np.minimum(start[sess] + offset, day_start + DAY - 1)
        # where each transaction's event ended up, to read its timestamp back
        position = np.empty(len(order), np.int64)
        position[order] = np.arange(len(order))
        txn_events["ts"] = events.ts[position[txn_events["row"]]] if len(txn_events["row"]) else np.zeros(0, np.int64)
        return events, txn_events

    def _transaction_events(self, r: np.random.Generator, host: np.ndarray, txn: dict,
                            parts: _Parts) -> dict[str, np.ndarray]:
        """Plan today's transactions (ids, contents) and add their events; returns row handles."""
        c = self.world.customers
        kinds: list[str] = []
        handles: list[int] = []
        payload: list[object] = []

        def emit(sess: int, phase: int, event: str, a: int, b: int = 0) -> int:
            return parts.add(np.array([sess]), phase, event, a, b)

        for customer in np.flatnonzero(txn["any"]):
            sess = int(host[customer])
            if txn["order"][customer] or txn["rx"][customer]:
                items = self._basket(r, int(customer), txn)
                order_id = self.ids.next("order")
                for product, qty in items:
                    emit(sess, 6, "Product Viewed", product)
                    emit(sess, 7, "Added To Cart", product, qty)
                kinds.append("order")
                handles.append(emit(sess, 8, "Charged", order_id))
                payload.append((order_id, int(customer), items, bool(txn["rx"][customer])))
            if txn["consult"][customer]:
                cid = self.ids.next("consultation")
                kinds.append("consult")
                handles.append(emit(sess, 9, "Consultation Booked", cid))
                payload.append((cid, int(customer), self._pick_doctor(r, int(customer))))
            if txn["lab"][customer]:
                panel = LAB_PANELS.get(c.chronic_dx[customer], LAB_PANELS[""])
                if c.behaviour[customer] == _LAB_REGULAR and txn["due"][customer]:
                    tests = [t for t in panel if r.random() < 0.7] or [panel[0]]
                else:
                    tests = [LAB_TESTS[r.integers(len(LAB_TESTS))][0]]
                for test in tests:
                    booking = self.ids.next("booking")
                    test_index = [t[0] for t in LAB_TESTS].index(test)
                    kinds.append("lab")
                    handles.append(emit(sess, 10, "Lab Test Booked", booking, test_index))
                    payload.append((booking, int(customer), test_index))
            if txn["appointment"][customer]:
                appointment = self.ids.next("appointment")
                spec = SPECIALITIES[r.integers(len(SPECIALITIES))]
                hospital = HOSPITALS[r.integers(len(HOSPITALS))]
                kinds.append("appointment")
                handles.append(emit(sess, 11, "Appointment Booked", appointment))
                payload.append((appointment, int(customer), hospital, spec))
        return {"kind": np.array(kinds, dtype=object), "row": np.array(handles, np.int64), "payload": payload}

    def _basket(self, r: np.random.Generator, customer: int, txn: dict) -> list[tuple[int, int]]:
        c = self.world.customers
        items: dict[int, int] = {}
        if txn["rx"][customer]:
            for product in txn["rx_products"].get(customer, []):
                items[product] = 1
        if txn["order"][customer]:
            if txn["due"][customer] and self.regimen[customer] >= 0:
                items[int(self.regimen[customer])] = int(r.integers(2, 4))
                theme = THEME_FOR_CHRONIC[c.chronic_dx[customer]] if r.random() < 0.3 else None
            elif c.chronic_dx[customer] and r.random() < 0.5:
                theme = THEME_FOR_CHRONIC[c.chronic_dx[customer]]
            else:
                theme = CASUAL_THEMES[r.choice(len(CASUAL_THEMES), p=CASUAL_THEME_WEIGHTS)]
            if theme:
                products, probs = self.theme_products[theme]
                chosen = [p for p, pr in zip(products, probs) if r.random() < pr] or [products[int(np.argmax(probs))]]
                for p in chosen:
                    items.setdefault(p, 1 + int(r.random() < 0.15))
        return sorted(items.items())

    def _pick_doctor(self, r: np.random.Generator, customer: int) -> int:
        c = self.world.customers
        age = int(c.age[customer])
        if age < 12 and r.random() < 0.7:
            spec = "paediatrics"
        elif c.chronic_dx[customer] and r.random() < 0.6:
            spec = "internal medicine"
        elif c.gender[customer] == "F" and r.random() < 0.1:
            spec = "obgyn"
        else:
            spec = SPECIALITIES[r.choice(len(SPECIALITIES), p=[0.55, 0.05, 0.1, 0.14, 0.04, 0.08, 0.04])]
        pool = self.doctors_by_speciality[spec]
        return int(pool[r.integers(len(pool))])

    # ------------------------------------------------------------------ production rows
    def _record_transactions(self, r: np.random.Generator, te: dict[str, np.ndarray]) -> None:
        cfg, world, rows = self.cfg, self.world, self.rows
        c, d, cat = world.customers, world.devices, world.catalogue
        end_of_period = cfg.end_epoch
        for kind, ts, payload in zip(te["kind"], te["ts"], te["payload"]):
            ts = int(ts)
            if kind == "order":
                order_id, customer, items, from_rx = payload
                platform = DEVICE_MODELS[d.model[c.dev_offset[customer]]][0]
                channel = "prescription" if from_rx else ("web" if platform == "Web" else "app")
                total = 0
                for product, qty in items:
                    price = int(cat.product_price[product])
                    total += price * qty
                    rows.add("order_items", self.ids.next("order_item"), order_id, product + 1, qty, price, ts, ts)
                status, updated = _lifecycle(r, ts, end_of_period, (
                    ("paid", 60, 600), ("shipped", 2 * 3600, 20 * 3600), ("delivered", DAY, 3 * DAY)),
                    cancel=0.04)
                rows.add("orders", order_id, int(c.user_id[customer]), status, ts, total, channel, ts, updated)
            elif kind == "consult":
                cid, customer, doctor = payload
                self._consultation(r, cid, customer, doctor, ts)
            elif kind == "lab":
                booking, customer, test_index = payload
                collect = (ts // DAY + 1) * DAY + int(r.integers(7, 11)) * 3600 - ts
                status, updated = _lifecycle(r, ts, end_of_period, (
                    ("sample_collected", collect, collect + 3600), ("completed", DAY, 2 * DAY)), cancel=0.05)
                rows.add("lab_bookings", booking, int(c.user_id[customer]), test_index + 1, ts, status, ts, updated)
            else:
                appointment, customer, hospital, spec = payload
                scheduled = (ts // DAY + int(r.integers(1, 11))) * DAY + int(r.integers(8, 17)) * 3600
                status, updated = "scheduled", ts
                if r.random() < 0.08:
                    status, updated = "cancelled", int(ts + r.integers(3600, max(3601, scheduled - ts)))
                elif scheduled + 3600 < end_of_period:
                    status, updated = (("completed", scheduled + 3600) if r.random() < 0.88
                                       else ("no_show", scheduled + 7200))
                if updated >= end_of_period:
                    status, updated = "scheduled", ts
                rows.add("appointments", appointment, int(c.user_id[customer]), hospital, spec, scheduled, status,
                         ts, updated)

    def _consultation(self, r: np.random.Generator, cid: int, customer: int, doctor: int, booked: int) -> None:
        c, docs, rows = self.world.customers, self.world.doctors, self.rows
        spec = docs.speciality[doctor]
        user_id, doctor_id = int(c.user_id[customer]), int(docs.doctor_id[doctor])
        started = booked + int(r.integers(60, 900))
        quality = float(docs.quality[doctor])
        if r.random() < 0.07 - 0.04 * quality:  # no-show doctor or patient left
            ended = started + int(r.integers(60, 600))
            rows.add("consultations", cid, user_id, doctor_id, spec, started, ended, "cancelled",
                     SPECIALITY_FEE[spec], booked, ended)
            return
        day = self.cfg.day((booked - self.cfg.start_epoch) // DAY)
        rx = prescriptions.prescribe(r, doctor, docs, int(c.age[customer]), str(c.gender[customer]),
                                     str(c.chronic_dx[customer]), day)
        chat = chats.consultation_chat(r, quality=quality, doctor_name=str(docs.name[doctor]),
                                       patient_name=str(c.name[customer]).split()[0], rx=rx)
        t = started
        for role, delay, body in chat:
            t += delay
            rows.add("chat_messages", self.ids.next("message"), cid, role, t, body, t, t)
        ended = t + int(r.integers(30, 240))
        rows.add("consultations", cid, user_id, doctor_id, spec, started, ended, "completed", SPECIALITY_FEE[spec],
                 booked, ended)
        edited = ended + int(r.integers(300, 7200)) if r.random() < 0.1 else ended
        rows.add("prescriptions", self.ids.next("prescription"), cid, doctor_id, user_id, ended,
                 *prescriptions.as_json(rx), ended, edited)
        if rx.medicines and r.random() < RX_ORDER_PROBABILITY * (1.3 if c.behaviour[customer] == _ACUTE else 1):
            self.pending_rx.append((customer, list(rx.medicines)))  # medicine i is product i
        if r.random() < 0.35:
            stars = int(np.clip(np.rint(1.2 + 4.2 * quality + r.normal(0, 0.8)), 1, 5))
            rows.add("ratings", self.ids.next("rating"), cid, user_id, doctor_id, stars, chats.rating_comment(r, stars),
                     ended + int(r.integers(30, 3600)), ended + int(r.integers(3600, 7200)))


class _Parts:
    """Events of a day collected as (session indices, phase, events) groups before ordering."""

    def __init__(self, sessions: dict[str, np.ndarray]) -> None:
        self.sessions = sessions
        self.items: list[tuple[np.ndarray, int, EventBatch]] = []
        self.rows = 0

    def add(self, sess: np.ndarray, phase: int, event: str, a=0, b=0) -> int:
        """Add one event per session in ``sess``; returns the row index of the last one added."""
        s = self.sessions
        self.items.append((sess, phase, EventBatch.build(np.zeros(len(sess)), EV[event], s["device"][sess], a, b,
                                                         s["source"][sess])))
        self.rows += len(sess)
        return self.rows - 1


def _distinct(events: EventBatch) -> EventBatch:
    """Drop events identical in every field (same device, second, event and ids) but the first.

    They would serialise to identical lines, which only the planted duplicates may do.
    """
    keys = (events.source, events.b, events.a, events.event, events.ts, events.device)
    order = np.lexsort(keys)
    same = np.zeros(len(order), bool)
    same[1:] = True
    for key in keys:
        k = key[order]
        same[1:] &= k[1:] == k[:-1]
    return events.take(np.sort(order[~same]))


def _clock(r: np.random.Generator, start: int, n: int) -> np.ndarray:
    """Session start times following the diurnal profile."""
    return start + r.choice(24, n, p=HOURLY) * 3600 + r.integers(0, 3600, n)


def _lifecycle(r: np.random.Generator, created: int, horizon: int, stages, cancel: float) -> tuple[str, int]:
    """Walk a status lifecycle until the end of the generated period; returns (status, updated_at)."""
    if r.random() < cancel:
        when = created + int(r.integers(300, 3 * 3600))
        return ("cancelled", when) if when < horizon else ("placed" if stages[0][0] == "paid" else "booked", created)
    status, t = ("placed" if stages[0][0] == "paid" else "booked"), created
    for name, lo, hi in stages:
        nxt = t + int(r.integers(lo, hi + 1))
        if nxt >= horizon:
            break
        status, t = name, nxt
    return status, t
