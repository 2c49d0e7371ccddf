"""The demo's invoices: edge cases, statuses by age, lines, discounts, tax; streamed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from reconcile.sandbox.bms_demo.accounts import (
    BREAK_FIX,
    COMPLETE,
    EDGE_NAMES,
    ESSENTIALS,
    FIRST_NAMES,
    PLAN_BY_SERVICE_TYPE,
    PROJECT_ONLY,
    SURNAMES,
    DemoClock,
    billing_address,
    seat_count,
)
from reconcile.sandbox.bms_demo.catalogue import (
    BILLING_ADMIN,
    CLASSES,
    CLIENT,
    DISCOUNT_GL_CODE,
    DISCOUNT_TYPE,
    EMPLOYEES,
    FULLY_PAID,
    LINE_LABOR,
    LINE_PRODUCT,
    LINE_SERVICE,
    MAX_LINES,
    NEW,
    PARTIALLY_PAID,
    READY_TO_SEND,
    SENT,
    SERVICE_BY_ROLE,
    SERVICES,
    STATUS_NAMES,
    VOID,
    ZERO,
)
from reconcile.sandbox.bms_demo.ids import (
    DemoSizes,
    business_time,
    id_layout,
    iso_day,
    month_bounds,
    rng_for,
    round_money,
    utc_stamp,
)

# -- invoices ------------------------------------------------------------------------------------

ISSUES = [
    "Outlook profile rebuild",
    "Printer offline after update",
    "VPN will not connect",
    "New user onboarding",
    "Wi-Fi dead zone in conference room",
    "MFA enrollment",
    "Server patch failure",
    "QuickBooks data file repair",
    "Phishing email investigation",
    "Laptop setup and data transfer",
    "Shared drive permissions",
    "Scanner to email",
    "Firewall firmware upgrade",
    "Teams audio issues",
    "Backup job failed",
    "Offboarding",
]
PROJECTS = [
    "Microsoft 365 Migration",
    "Firewall Refresh",
    "Wi-Fi Upgrade",
    "Server Virtualization",
    "New Office Build-out",
    "Windows 11 Rollout",
    "Network Segmentation",
    "Phone System Cutover",
]
NOTES = [
    "Thank you for your business!",
    "Please remit by ACH; details on the remittance slip.",
    "Questions about this invoice? billing@harborpoint-it.example",
    "Includes after-hours work approved by phone.",
]
# Edge-case invoices, by position in every block of 200 (0 = only the very first invoice).
SPECIALS = {
    0: "inactive",
    3: "zero",
    7: "credit",
    11: "nontaxable_on_taxable",
    13: "fractional",
    17: "discount_two",
    20: "partial",
    23: "duplicate",
    24: "duplicate_2",
    27: "long",
    29: "accents",
    31: "uk",
    33: "umlauts",
    35: "australia",
    37: "colon",
    38: "parent",
    41: "return_line",
    43: "tax_group",
    45: "nh_zero_rate",
    47: "two_billing",
    49: "no_code",
    51: "apostrophe",
    53: "void",
    55: "six_lines",
    57: "discount_one",
    59: "maine",
}
# The statuses reconcile.mapping.invoices exports (EXPORTABLE_STATUSES).
_EXPORTABLE = (READY_TO_SEND, SENT, PARTIALLY_PAID, FULLY_PAID)


def _special(i: int) -> str | None:
    """The edge case of invoice ``i`` (0-based), if any: position ``i % 200`` of SPECIALS,
    except that position 0 is the very first invoice only."""
    return SPECIALS.get(i % 200) if (i % 200 or i == 0) else None


_STATUS_BY_AGE = [  # (max age in days, [(status, weight)])
    (
        7,
        [
            (NEW, 15),
            (READY_TO_SEND, 15),
            (SENT, 55),
            (FULLY_PAID, 10),
            (PARTIALLY_PAID, 3),
            (VOID, 2),
        ],
    ),
    (30, [(READY_TO_SEND, 3), (SENT, 50), (PARTIALLY_PAID, 10), (FULLY_PAID, 35), (VOID, 2)]),
    (60, [(SENT, 22), (PARTIALLY_PAID, 8), (FULLY_PAID, 68), (VOID, 2)]),
    (10**6, [(SENT, 8), (PARTIALLY_PAID, 4), (FULLY_PAID, 86), (VOID, 2)]),
]
_Q = [Decimal(k) / 4 for k in range(33)]  # quarter hours 0 … 8


@dataclass(slots=True)
class _Client:
    """What invoicing needs of one account, computed once."""

    account: dict
    plan: int
    users: int
    tax_id: int | None
    tax_name: str | None
    tax_rate: Decimal
    net_days: int
    location: tuple[int | None, str | None]
    bill: dict
    contact: tuple[str, str]
    contract: tuple[int, str | None]
    project: tuple[int, str]


class _InvoiceMaker:
    def __init__(self, accounts, services, tax_items, gl_accounts, sizes, seed, today):
        self.rng = rng_for(seed, "invoices")
        self.ids = id_layout(sizes)
        self.clock = DemoClock(today, sizes.months)
        self.today = today
        self.n = sizes.invoices
        self.gl = {g["Code"]: g for g in gl_accounts}
        self.tax = {t["Id"]: t for t in tax_items}
        active = [s for s in services if s.get("IsActive")]
        by_name = {s["Name"]: s for s in active}
        fallback = active[0] if active else None
        self.svc = {r: by_name.get(s.name, fallback) for r, s in SERVICE_BY_ROLE.items()}
        catalogue = {s.name for s in SERVICES}
        self.extra_services = [s for s in active if s["Name"] not in catalogue]  # tiers 2+
        self.clients: dict[int, _Client] = {}
        clients = [a for a in accounts if a.get("AccountTypeId") == CLIENT]
        order = sorted(
            (a for a in clients if a.get("IsActive")), key=lambda a: (a["CreatedOn"], a["Id"])
        )
        self.eligible = order
        self.eligible_dates = [date.fromisoformat(a["CreatedOn"][:10]) for a in order]
        self.pointer = 0
        # Every active client is billed on an exportable invoice (module doc): those not yet,
        # by Id with the day they can be billed from, and the random invoices still to come
        # (no promise when they are fewer than the clients).
        self.random_left = sum(_special(i) is None for i in range(self.n - 2))
        self.unbilled = dict(zip((a["Id"] for a in order), self.eligible_dates, strict=True))
        if self.random_left < len(self.unbilled):
            self.unbilled = {}
        self.by_id = {a["Id"]: a for a in order}
        by_name_accounts: dict[str, list[dict]] = {}
        for a in clients:
            by_name_accounts.setdefault(a["AccountName"], []).append(a)
        self.roles: dict[str, dict] = {}
        for role, name in EDGE_NAMES.items():
            found = by_name_accounts.get(name)
            if found:
                self.roles[role] = found[0]
        dups = by_name_accounts.get(EDGE_NAMES["duplicate"], [])
        if len(dups) > 1:
            self.roles["duplicate_2"] = dups[1]
        self.date_strings: dict[date, str] = {}
        self.next_line, self.next_discount = self.ids.line, self.ids.discount

    # -- helpers
    def _d(self, d: date) -> str:
        s = self.date_strings.get(d)
        if s is None:
            s = self.date_strings[d] = iso_day(d)
        return s

    def _client(self, account: dict) -> _Client:
        c = self.clients.get(account["Id"])
        if c is not None:
            return c
        tax = self.tax.get(account.get("SalesTaxItemId"))
        main = next((loc for loc in account.get("Locations") or [] if loc.get("IsMain")), None)
        picked = billing_address(account)
        bill = picked[1] if picked else {}
        aid = account["Id"]
        plan = PLAN_BY_SERVICE_TYPE.get(account.get("ServiceType") or "", BREAK_FIX)
        managed = plan in (COMPLETE, ESSENTIALS)
        index = aid - self.ids.account
        contract = (0, None)
        if managed:
            level = "Complete" if plan == COMPLETE else "Essentials"
            contract = (self.ids.contract + index, f"Managed Services Agreement – {level}")
        c = _Client(
            account=account,
            plan=plan,
            users=seat_count(aid),
            tax_id=tax["Id"] if tax else None,
            tax_name=tax["Name"] if tax else None,
            tax_rate=Decimal(str(tax["TaxRate"])) if tax else ZERO,
            net_days=int(account["NetDays"]) if account.get("NetDays") is not None else 30,
            location=(main["Id"], main["LocationName"]) if main else (None, None),
            bill=bill,
            contact=(FIRST_NAMES[aid * 31 % len(FIRST_NAMES)], SURNAMES[aid * 17 % len(SURNAMES)]),
            contract=contract,
            project=(self.ids.project + index, PROJECTS[aid % len(PROJECTS)]),
        )
        self.clients[aid] = c
        return c

    def _random_account(self, day: date) -> dict | None:
        while self.pointer < len(self.eligible) and self.eligible_dates[self.pointer] <= day:
            self.pointer += 1
        if self.pointer == 0:
            return self.eligible[0] if self.eligible else None
        return self.eligible[self.rng.randrange(self.pointer)]

    def _unbilled_account(self, day: date) -> dict | None:
        """For a random invoice: an active client not yet billed on an exportable invoice
        (lowest Id, signed by ``day``) when the random invoices left, this one included, are
        no more than such clients; else None (the account is drawn at random)."""
        self.random_left -= 1
        if self.random_left + 1 > len(self.unbilled):
            return None
        due = [aid for aid, signed in self.unbilled.items() if signed <= day]
        return self.by_id[min(due)] if due else None

    def _invoice_date(self, i: int) -> date:
        start, span = self.clock.window_start, (self.today - self.clock.window_start).days
        return start + timedelta(days=1 + int((i + self.rng.random()) * span / self.n))

    def _status(self, age: int, day: date) -> int:
        if day >= self.today:
            return NEW if self.rng.random() < 0.6 else READY_TO_SEND
        for limit, table in _STATUS_BY_AGE:
            if age <= limit:
                return self.rng.choices([s for s, _ in table], [w for _, w in table])[0]
        raise AssertionError("unreachable")

    # -- lines
    def _line(
        self,
        role_or_service,
        qty: Decimal,
        value_day: date,
        description: str | None,
        contract: tuple[int, str | None] = (0, None),
        price: Decimal | None = None,
    ):
        svc = self.svc[role_or_service] if isinstance(role_or_service, str) else role_or_service
        if svc is None:
            return None
        unit = Decimal(str(svc["UnitPrice"])) if price is None else price
        category = svc.get("CategoryId")
        kind = LINE_PRODUCT if category == 3 else LINE_LABOR if category == 2 else LINE_SERVICE
        gl = self.gl.get(svc.get("IncomeAccountCode")) or {}
        return [svc, kind, gl, qty, unit, round_money(qty * unit), value_day, description, contract]

    def _recurring(self, c: _Client, period: tuple[date, date], six: bool = False) -> list:
        users = Decimal(c.users)
        start = period[0]
        label = f"{start:%B %Y}"
        complete = c.plan == COMPLETE
        rng = self.rng
        lines = [
            self._line(
                "muc" if complete else "mue", users, start, f"{label} · {c.users} users", c.contract
            ),
            self._line("mw", users + c.users % 5, start, f"{label} · workstations", c.contract),
        ]
        servers = c.account["Id"] % 4
        if servers:
            lines.append(self._line("ms", Decimal(servers), start, label, c.contract))
        lines.append(
            self._line("m365p" if complete else "m365b", users, start, f"{label} · licences")
        )
        if six or rng.random() < 0.4:
            lines.append(self._line("bak", users, start, f"{label} · backup seats"))
        if six or rng.random() < 0.3:
            lines.append(self._line("edr", users, start, f"{label} · EDR seats"))
        if six or rng.random() < 0.3:
            lines.append(self._line("net", Decimal(1), start, f"{label} · 1 site", c.contract))
        return lines

    def _labor(self, period: tuple[date, date], day: date, first_qty: Decimal | None = None):
        rng = self.rng
        last = min(period[1], day)
        span = max((last - period[0]).days, 0)
        lines = []
        for k in range(rng.randint(1, 3)):
            role = rng.choices(["rs", "os", "ah", "vcio"], [60, 25, 10, 5])[0]
            qty = first_qty if (k == 0 and first_qty is not None) else _Q[rng.randint(1, 24)]
            worked = period[0] + timedelta(days=rng.randint(0, span))
            ticket = f"T{worked:%Y%m%d}.{rng.randint(1, 120):04d}"
            lines.append(self._line(role, qty, worked, f"{ticket} – {rng.choice(ISSUES)}"))
        return lines

    def _hardware(self, day: date):
        rng = self.rng
        roles = rng.sample(["lap", "desk", "mon", "fw", "wap", "ups"], rng.randint(1, 3))
        lines = [self._line(r, Decimal(rng.randint(1, 6)), day, None) for r in roles]
        if rng.random() < 0.5:
            lines.append(self._line("os", _Q[rng.randint(2, 12)], day, "Installation and setup"))
        if self.extra_services and rng.random() < 0.2:
            lines.append(self._line(rng.choice(self.extra_services), Decimal(1), day, None))
        return lines

    def _project(self, c: _Client, period: tuple[date, date], day: date):
        rng = self.rng
        name = c.project[1]
        lines = [self._line("pe", Decimal(rng.randint(8, 80)) / 2, day, f"{name} – engineering")]
        if rng.random() < 0.5:
            lines.append(
                self._line("pse", Decimal(rng.randint(2, 24)) / 2, day, f"{name} – design")
            )
        if rng.random() < 0.3:
            lines.append(self._line("cab", Decimal(rng.randint(4, 24)), day, f"{name} – cabling"))
        if rng.random() < 0.4:
            lines.append(
                self._line(rng.choice(["fw", "wap"]), Decimal(rng.randint(1, 4)), day, name)
            )
        return lines

    def _licences(self, c: _Client, day: date):
        rng = self.rng
        lines = [
            self._line(rng.choice(["m365p", "m365b"]), Decimal(c.users), day, "Annual true-up")
        ]
        if rng.random() < 0.5:
            lines.append(self._line("dom", Decimal(rng.randint(1, 3)), day, None))
        return lines

    def _discount(self, name: str, value: Decimal, invoice: tuple, klass: tuple, stamp: str):
        gl = self.gl.get(DISCOUNT_GL_CODE) or {}
        d = {
            "Id": self.next_discount,
            "InvoiceId": invoice[0],
            "InvoiceNumber": invoice[1],
            "Name": name,
            "TypeId": DISCOUNT_TYPE[0],
            "TypeName": DISCOUNT_TYPE[1],
            "GLAccountId": gl.get("Id"),
            "GLAccountCode": gl.get("Code"),
            "GLAccountName": gl.get("Name"),
            "Value": float(value),
            "ClassId": klass[0],
            "ClassName": klass[1],
            "CreatedById": BILLING_ADMIN[0],
            "CreatedByUserName": BILLING_ADMIN[1],
            "CreatedOn": stamp,
            "ModifiedById": BILLING_ADMIN[0],
            "ModifiedByUserName": BILLING_ADMIN[1],
            "ModifiedOn": stamp,
            "IsTaxable": False,  # assumption: discounts do not reduce the tax (module doc)
        }
        self.next_discount += 1
        return d

    # -- one invoice
    def make(self, i: int) -> dict | None:
        rng = self.rng
        day = self._invoice_date(i)
        special = _special(i)
        status = None
        account = None
        forced = False
        if special in self.roles:
            account = self.roles[special]
        elif special in ("nontaxable_on_taxable", "discount_two", "return_line", "partial"):
            account = self.roles.get("qbo_match")
        elif special is None and i < self.n - 2:
            account = self._unbilled_account(day)
            forced = account is not None
        if account is None:
            account = self._random_account(day)
        if account is None:
            return None
        c = self._client(account)
        if special == "inactive":
            status = FULLY_PAID
        elif special in ("zero", "credit"):
            status = SENT
        elif special == "partial":
            status = PARTIALLY_PAID
        elif special == "void":
            status = VOID
        elif forced:  # billed so that it can be exported (module doc)
            status = READY_TO_SEND if day >= self.today else SENT
        if i == self.n - 1:
            status = NEW
        elif i == self.n - 2:
            status = READY_TO_SEND

        month = month_bounds(day)
        period = month
        project = (None, None)
        notes = rng.choice(NOTES) if rng.random() < 0.25 else None
        discounts: list[tuple[str, Decimal]] = []
        if special == "zero":
            lines = [self._line("os", Decimal(1), day, "Warranty visit – no charge", price=ZERO)]
        elif special == "credit":
            lines = [
                self._line("muc", Decimal(-3), month[0], "Credit – 3 users offboarded mid-month")
            ]
            notes = "Credit invoice: will be applied to your next invoice."
        elif special == "return_line":
            lines = [
                self._line("lap", Decimal(2), day, None),
                self._line("lap", Decimal(-1), day, f"Return – RMA {rng.randint(40000, 49999)}"),
            ]
        elif special in ("nontaxable_on_taxable", "fractional"):
            if day.day <= 5:
                period = month_bounds(month[0] - timedelta(days=1))
            lines = self._labor(period, day, Decimal("1.5") if special == "fractional" else None)
        elif special in ("discount_two", "six_lines", "discount_one"):
            lines = self._recurring(c, period, six=special == "six_lines")
            if special == "discount_two":
                lines.append(self._line("fw", Decimal(1), day, None))
        else:
            lines, period, project = self._random_lines(c, day, month)
        lines = [ln for ln in lines if ln is not None][:MAX_LINES]
        if not lines:
            return None

        subtotal = sum((ln[5] for ln in lines), ZERO)
        positive = sum((ln[5] for ln in lines if ln[5] > 0), ZERO)
        if special == "discount_two":
            discounts = [
                ("Loyalty Discount (5%)", round_money(positive * Decimal("0.05"))),
                ("Promotional Credit", Decimal("50.00")),
            ]
        elif special == "discount_one" or (
            special is None and subtotal > 200 and rng.random() < 0.06
        ):
            if rng.random() < 0.5:
                discounts = [("Loyalty Discount (5%)", round_money(positive * Decimal("0.05")))]
            else:
                discounts = [("Promotional Credit", Decimal(rng.choice(["25.00", "50.00"])))]
        discount = sum((v for _, v in discounts), ZERO)
        taxable = sum((ln[5] for ln in lines if ln[0].get("IsTaxable")), ZERO)
        total_price = subtotal - discount
        total_tax = round_money(taxable * c.tax_rate / 100)
        grand = total_price + total_tax

        age = (self.today - day).days
        if status is None:
            status = self._status(age, day)
        paid = ZERO
        if status == PARTIALLY_PAID:
            paid = round_money(grand * Decimal(rng.randint(15, 85)) / 100)
            if not ZERO < paid < grand:
                status, paid = SENT, ZERO
        elif status == FULLY_PAID:
            if grand < 0:
                status = SENT
            else:
                paid = grand
        due = ZERO if status == VOID else grand - paid
        if status in _EXPORTABLE and all(ln[5] >= 0 for ln in lines):
            self.unbilled.pop(c.account["Id"], None)

        # Timeline: created ≤ sent ≤ paid/voided ≤ modified, all before today (module doc).
        clock = self.clock
        cap = clock.cap
        created_day = min(day - timedelta(days=rng.randint(0, 2)), self.today - timedelta(days=1))
        created = min(business_time(rng, created_day), cap)
        sent = None
        last = created
        if status in (SENT, PARTIALLY_PAID, FULLY_PAID, VOID):
            sent_day = max(day, created_day) + timedelta(days=rng.randint(0, 2))
            sent = min(max(created + timedelta(minutes=10), business_time(rng, sent_day)), cap)
            last = sent
            if status in (PARTIALLY_PAID, FULLY_PAID, VOID):
                later = sent.date() + timedelta(days=rng.randint(1, c.net_days + 10))
                last = min(max(sent + timedelta(hours=1), business_time(rng, later)), cap)
        elif status == READY_TO_SEND and rng.random() < 0.5:
            last = min(created + timedelta(minutes=rng.randint(5, 600)), cap)

        inv_id = self.ids.invoice + i
        number = f"INV-{10001 + i}"
        acc = c.account
        klass = (acc.get("ClassId"), acc.get("ClassName"))
        if project[0] is not None and klass[0] is None:
            klass = (2, CLASSES[2])
        created_s = utc_stamp(created)
        line_items = []
        for svc, kind, gl, qty, unit, total, value_day, description, contract in lines:
            line_items.append(
                {
                    "Id": self.next_line,
                    "InvoiceId": inv_id,
                    "InvoiceNumber": number,
                    "Name": svc["Name"],
                    "Description": description or svc.get("Description"),
                    "TypeId": kind[0],
                    "TypeName": kind[1],
                    "GLAccountId": gl.get("Id"),
                    "GLAccountCode": gl.get("Code"),
                    "GLAccountName": gl.get("Name"),
                    "ClassId": klass[0],
                    "ClassName": klass[1],
                    "Qty": float(qty),
                    "UnitPrice": float(unit),
                    "TotalPrice": float(total),
                    "ValueDate": self._d(value_day),
                    "ContractId": contract[0],
                    "ContractName": contract[1],
                    "IsTaxable": bool(svc.get("IsTaxable")),
                }
            )
            self.next_line += 1
        discount_items = [
            self._discount(name, value, (inv_id, number), klass, created_s)
            for name, value in discounts
        ]
        bill = c.bill
        sender = BILLING_ADMIN if rng.random() < 0.8 else rng.choice(EMPLOYEES)
        editor = BILLING_ADMIN if last > created else sender
        rep = (acc.get("AccountManagerId"), acc.get("AccountManagerUserName"))
        return {
            "Id": inv_id,
            "InvoiceNumber": number,
            "StatusId": status,
            "StatusName": STATUS_NAMES[status],
            "Notes": notes,
            "AccountId": acc["Id"],
            "AccountName": acc["AccountName"],
            "AccountLocationId": c.location[0],
            "AccountLocationName": c.location[1],
            "ProjectId": project[0],
            "ProjectName": project[1],
            "PONumber": f"PO-{rng.randint(1000, 99999)}" if rng.random() < 0.15 else None,
            "SalesTaxItemId": c.tax_id,
            "SalesTaxItemName": c.tax_name,
            "SalesRepId": rep[0],
            "SalesRepName": rep[1],
            "ClassId": klass[0],
            "ClassName": klass[1],
            "Discount": float(discount),
            "SalesTaxRate": float(c.tax_rate),
            "TotalPrice": float(total_price),
            "TotalTax": float(total_tax),
            "GrandTotal": float(grand),
            "PaymentDue": float(due),
            "PaidAmount": float(paid),
            "InvoiceDate": self._d(day),
            "DueDate": self._d(day + timedelta(days=c.net_days)),
            "InvoiceFrom": self._d(period[0]),
            "InvoiceTo": self._d(period[1]),
            "SentOn": utc_stamp(sent) if sent else None,
            "ContactFirstName": c.contact[0],
            "ContactLastName": c.contact[1],
            "Address1": bill.get("Address1"),
            "Address2": bill.get("Address2"),
            "State": bill.get("State"),
            "City": bill.get("City"),
            "CountryName": bill.get("Country"),
            "ZipCode": bill.get("ZipCode"),
            "EmailAddress": bill.get("EmailAddress"),
            "PhoneNumber": bill.get("Phone"),
            "Extension": str(rng.randint(100, 299)) if rng.random() < 0.1 else None,
            "MobileNumber": f"(617) 555-{rng.randint(100, 199):04d}"
            if rng.random() < 0.2
            else None,
            "FaxNumber": bill.get("Fax"),
            "SentByUserName": sender[1] if sent else None,
            "CreatedById": sender[0],
            "CreatedByUserName": sender[1],
            "ModifiedById": editor[0],
            "ModifiedByUserName": editor[1],
            "ModifiedOn": utc_stamp(last),
            "CreatedOn": created_s,
            # Nothing has been exported yet: the "not yet posted" queue is everything (§1.7).
            "PostedToAccounting": None if rng.random() < 0.05 else False,
            "PostedToAccountingOn": None,
            "AccountingAppReference": None,
            "GeneratedOn": created_s,
            "LineItems": line_items,
            "DiscountItems": discount_items,
        }

    def _random_lines(self, c: _Client, day: date, month: tuple[date, date]):
        rng = self.rng
        weights = {
            COMPLETE: [60, 18, 12, 6, 4],
            ESSENTIALS: [60, 20, 12, 5, 3],
            BREAK_FIX: [0, 60, 25, 5, 10],
            PROJECT_ONLY: [0, 15, 25, 60, 0],
        }[c.plan]
        kind = rng.choices(["recurring", "labor", "hardware", "project", "licences"], weights)[0]
        if kind == "recurring":
            period = month
            if day.day >= 25:  # billed in advance for next month
                period = month_bounds(month[1] + timedelta(days=1))
            return self._recurring(c, period), period, (None, None)
        if kind == "labor":
            period = month_bounds(month[0] - timedelta(days=1)) if day.day <= 5 else month
            return self._labor(period, day), period, (None, None)
        if kind == "hardware":
            return self._hardware(day), month, (None, None)
        if kind == "project":
            return self._project(c, month, day), month, c.project
        return self._licences(c, day), month, (None, None)


def iter_invoices(
    demo_accounts: list[dict],
    services: list[dict],
    tax_items: list[dict],
    gl_accounts: list[dict],
    sizes: DemoSizes,
    *,
    seed: int,
    today: date,
) -> Iterator[dict]:
    """Yield ``sizes.invoices`` InvoiceOutputDto dicts, oldest first (InvoiceNumber order).

    Streaming: one invoice exists at a time. The same arguments give the same invoices."""
    maker = _InvoiceMaker(demo_accounts, services, tax_items, gl_accounts, sizes, seed, today)
    for i in range(sizes.invoices):
        invoice = maker.make(i)
        if invoice is not None:
            yield invoice


@dataclass(frozen=True, eq=False)
class InvoiceStream:
    """The demo's invoices: re-iterable, regenerated on every pass, never all in memory."""

    accounts: list[dict] = field(repr=False)
    services: list[dict] = field(repr=False)
    tax_items: list[dict] = field(repr=False)
    gl_accounts: list[dict] = field(repr=False)
    sizes: DemoSizes
    seed: int
    today: date

    def __iter__(self) -> Iterator[dict]:
        return iter_invoices(
            self.accounts,
            self.services,
            self.tax_items,
            self.gl_accounts,
            self.sizes,
            seed=self.seed,
            today=self.today,
        )

    def __len__(self) -> int:
        return self.sizes.invoices
