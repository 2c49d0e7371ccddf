"""The QuickBooks integration calls the toolkit writes with: the invoice reference
write-back (all or none), payment import (each payment all or nothing, a known payment id
never applied twice, the job's logs) and job status."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from reconcile.sandbox.bms.envelope import BmsFault, ok
from reconcile.sandbox.bms.params import json_body
from reconcile.sandbox.bms_data import iso_z
from reconcile.sandbox.http import Request

FULLY_PAID, PARTIALLY_PAID, VOID = 5, 4, 6


class Integration:
    """The ``/v2/integration/qbd/…`` endpoints of a ``BmsApp``."""

    def invoice_references(self, request: Request) -> None:
        """Write the QuickBooks invoice id/number back onto BMS invoices (all or none)."""
        items = json_body(request, "/v2/integration/qbd/invoices", "put")
        invoices = {}
        missing = []
        for item in items:
            doc = self.data.one("bms_invoices", int(item.get("InvoiceId", 0)))
            if doc is None:
                missing.append(str(item.get("InvoiceId")))
            invoices[item.get("InvoiceId")] = doc
        if missing:
            raise BmsFault(404, f"Invoice(s) not found: {', '.join(missing)}; nothing was changed.")
        now = iso_z(datetime.now(UTC))
        for item in items:
            doc = invoices[item["InvoiceId"]]
            doc["PostedToAccounting"] = True
            doc["PostedToAccountingOn"] = now
            doc["AccountingAppReference"] = item.get("QbInvoiceId")
            doc["ModifiedOn"] = now
            self.data.save_invoice(doc)
        return None

    def import_payments(self, request: Request) -> dict:
        """Apply payments to invoices; each payment is all-or-nothing, and a payment id seen
        before is skipped, never applied twice. Answers the job id (a string)."""
        payments = json_body(request, "/v2/integration/qbd/payments", "post")
        job_id = self.data.store.next_value("bms", "job", start=1)
        logs = []
        failed = applied = 0
        for payment in payments:
            code, message = self._apply_payment(payment, job_id)
            logs.append({"Message": message, "Code": code, "Date": iso_z(datetime.now(UTC))})
            applied += code in ("Applied", "Skipped")
            failed += code == "Error"
        state = "Completed" if not failed else ("Failed" if not applied else "CompletedWithErrors")
        if self.settings.value.bms_job_logs == "summary":  # a tenant that does not log per payment
            text = f"{applied} of {len(payments)} payment(s) imported, {failed} failed."
            logs = [{"Message": text, "Code": "Info", "Date": iso_z(datetime.now(UTC))}]
        self.data.store.execute(
            "INSERT INTO bms_jobs (id, state, logs) VALUES (?,?,?)",
            (job_id, state, json.dumps(logs)),
        )
        return ok(str(job_id))

    def _apply_payment(self, payment: dict, job_id: int) -> tuple[str, str]:
        pid = payment.get("Id")
        tenant = payment.get("ExternalTenantId") or ""
        if not pid:
            return "Error", "Payment without Id: an external payment id is required."
        seen = self.data.store.execute(
            "SELECT job_id, applied_on FROM bms_payments WHERE tenant=? AND external_id=?",
            (tenant, pid),
        )
        if seen and self.settings.value.bms_refuse_known_payments:
            return "Skipped", (
                f"Payment {pid} was already imported (job {seen[0][0]}, {seen[0][1]}); "
                "not applied again."
            )
        lines = payment.get("Lines") or []
        total = sum((Decimal(str(ln.get("Amount", 0))) for ln in lines), Decimal(0))
        if total > Decimal(str(payment.get("Amount", 0))):
            return "Error", f"Payment {pid}: lines apply {total}, more than its Amount."
        changes = []
        for ln in lines:
            ref = str(ln.get("InvoiceId") or "")
            if self.settings.value.bms_payment_invoice_key == "bms_id":
                rows = self.data.store.execute("SELECT doc FROM bms_invoices WHERE id=?", (ref,))
            else:
                rows = self.data.store.execute(
                    "SELECT doc FROM bms_invoices WHERE reference=?", (ref,)
                )
            if not rows:
                return "Error", (
                    f"Payment {pid}: no invoice has QuickBooks reference {ref!r} "
                    "(write the reference back with PUT /v2/integration/qbd/invoices first)."
                    if self.settings.value.bms_payment_invoice_key == "qbo_id"
                    else f"Payment {pid}: no invoice has id {ref!r}."
                )
            inv = json.loads(rows[0][0])
            if inv.get("StatusId") == VOID:
                return "Error", f"Payment {pid}: invoice {inv['InvoiceNumber']} is void."
            amount = Decimal(str(ln.get("Amount", 0)))
            discount = Decimal(str(ln.get("Discount", 0) or 0))
            due = Decimal(str(inv.get("PaymentDue") or 0))
            if amount < 0 or discount < 0:
                return "Error", (
                    f"Payment {pid}: a negative amount ({amount}) or discount ({discount}) "
                    f"for invoice {inv['InvoiceNumber']}."
                )
            if amount + discount > due:
                return "Error", (
                    f"Payment {pid}: {amount + discount} for invoice {inv['InvoiceNumber']} "
                    f"is more than its payment due {due}."
                )
            changes.append((inv, amount, discount))
        now = iso_z(datetime.now(UTC))
        for inv, amount, discount in changes:
            paid = Decimal(str(inv.get("PaidAmount") or 0)) + amount
            due = Decimal(str(inv.get("PaymentDue") or 0)) - amount - discount
            inv["PaidAmount"] = float(paid)
            inv["PaymentDue"] = float(due)
            inv["StatusId"] = FULLY_PAID if due <= 0 else PARTIALLY_PAID
            inv["StatusName"] = "Fully Paid" if due <= 0 else "Partially Paid"
            inv["ModifiedOn"] = now
            self.data.save_invoice(inv)
        self.data.store.execute(
            "INSERT OR REPLACE INTO bms_payments (tenant, external_id, job_id, applied_on, doc)"
            " VALUES (?,?,?,?,?)",
            (tenant, pid, job_id, now, json.dumps(payment)),
        )
        numbers = ", ".join(inv["InvoiceNumber"] for inv, _, _ in changes) or "no invoice"
        return "Applied", f"Payment {pid} applied to {numbers}."

    def job_status(self, request: Request, job_id: str) -> dict:
        rows = self.data.store.execute(
            "SELECT state, logs FROM bms_jobs WHERE id=?", (int(job_id),)
        )
        if not rows:
            raise BmsFault(404, f"Job {job_id} was not found.")
        return ok({"State": rows[0][0], "JobLogs": json.loads(rows[0][1])})
