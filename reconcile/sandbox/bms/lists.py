"""The read endpoints: account summaries, the chart of accounts and its types, services
search, invoice summaries, one invoice, bulk invoice lines and discounts, and sales tax
items, with their filters, sort orders and paging."""

from __future__ import annotations

import json

from reconcile.sandbox.bms.envelope import BmsFault, invalid, ok
from reconcile.sandbox.bms.params import (
    filters,
    json_body,
    paging,
    read_bool,
    read_datetime,
    read_int,
    read_text,
    sort_order,
)
from reconcile.sandbox.bms_data import conditions, in_list
from reconcile.sandbox.http import Request

# Filters per list endpoint: query parameter -> (SQL condition, reader).

ACCOUNT_FILTERS = {
    "Filter.AccountName": ("name LIKE '%' || ? || '%'", read_text),
    "Filter.AccountCode": ("code = ?", read_text),
    "Filter.AccountTypeId": ("type_id = ?", read_int),
    "Filter.AccountTypeName": ("type_name = ?", read_text),
    "Filter.CreatedOnFrom": ("created_on >= ?", read_datetime),
    "Filter.CreatedOnTo": ("created_on <= ?", read_datetime),
    "Filter.ModifiedOnFrom": ("modified_on >= ?", read_datetime),
    "Filter.ModifiedOnTo": ("modified_on <= ?", read_datetime),
    "Filter.IsActive": ("is_active = ?", read_bool),
}
ACCOUNT_SORT = {
    "id": "id",
    "accountname": "name",
    "accountcode": "code",
    "modifiedon": "modified_on",
    "createdon": "created_on",
}
GL_FILTERS = {
    "Filter.Id": ("id = ?", read_int),
    "Filter.Code": ("code = ?", read_text),
    "Filter.Name": ("name LIKE '%' || ? || '%'", read_text),
    "Filter.TypeId": ("type_id = ?", read_int),
    "Filter.ParentId": ("parent_id = ?", read_int),
    "Filter.IsActive": ("is_active = ?", read_bool),
}
GL_SORT = {"id": "id", "code": "code", "name": "name"}
INVOICE_FILTERS = {
    "Filter.Id": ("id = ?", read_int),
    "Filter.InvoiceNumber": ("number = ?", read_text),
    "Filter.AccountId": ("account_id = ?", read_int),
    "Filter.AccountName": ("account_name LIKE '%' || ? || '%'", read_text),
    "Filter.StatusId": ("status_id = ?", read_int),
    "Filter.CreatedFrom": ("created_on >= ?", read_datetime),
    "Filter.CreatedTo": ("created_on <= ?", read_datetime),
    "Filter.PostedToAccounting": ("posted = ?", read_bool),
}
INVOICE_SORT = {
    "id": "id",
    "invoicenumber": "number",
    "invoicedate": "invoice_date",
    "createdon": "created_on",
    "accountname": "account_name",
}


class Lists:
    """The list and read endpoints of a ``BmsApp``."""

    def _page(self, table: str, where: list, order: str, size: int, number: int) -> tuple:
        return self.data.select(table, where, order=order, limit=size, offset=(number - 1) * size)

    def accounts(self, request: Request) -> dict:
        q = request.query
        size, number = paging(q.get("PageSize"), q.get("PageNumber"))
        where = filters(ACCOUNT_FILTERS, q)
        rows, total = self._page(
            "bms_accounts", where, sort_order(q.get("Sort"), ACCOUNT_SORT), size, number
        )
        return ok(rows, total)

    def account(self, request: Request, account_id: str) -> dict:
        doc = self.data.one("bms_accounts", int(account_id))
        if doc is None:
            raise BmsFault(404, f"Account {account_id} was not found.")
        return doc  # the document declares the bare DTO here, without the envelope

    def chart_of_accounts(self, request: Request) -> dict:
        q = request.query
        size, number = paging(q.get("PageSize"), q.get("PageNumber"))
        rows, total = self._page(
            "bms_gl", filters(GL_FILTERS, q), sort_order(q.get("Sort"), GL_SORT), size, number
        )
        return ok(rows, total)

    def gl_types(self, request: Request) -> dict:
        size, number = paging(request.query.get("PageSize"), request.query.get("PageNumber"))
        rows, total = self._page("bms_gl_types", [], "id", size, number)
        return ok(rows, total)

    def services(self, request: Request) -> dict:
        body = json_body(request, "/v2/admin/finance/services/search", "post")
        size, number = paging(body.get("PageSize"), body.get("PageNumber"))
        f = body.get("Filter") or {}
        where: list[tuple[str, tuple]] = []
        for key, column in (("Name", "name"), ("Description", "description")):
            if f.get(key):
                where.append((f"{column} LIKE '%' || ? || '%'", (f[key],)))
        for key, column in (("IsActive", "is_active"), ("IsTaxable", "is_taxable")):
            if f.get(key) is not None:
                where.append((f"{column} = ?", (int(bool(f[key])),)))
        for key, column in (("IncomeAccount", "income"), ("ExpenseAccount", "expense")):
            if f.get(key):
                where.append((f"{column} = ?", (f[key],)))
        if f.get("CategoryIds"):
            where.append(in_list("category_id", [int(i) for i in f["CategoryIds"]]))
        sort = sort_order(body.get("Sort"), {"id": "id", "name": "name"})
        rows, total = self._page("bms_services", where, sort, size, number)
        return ok(rows, total)

    def invoices(self, request: Request) -> dict:
        q = request.query
        size, number = paging(q.get("PageSize"), q.get("PageNumber"))
        rows, _ = self._page(
            "bms_invoices",
            filters(INVOICE_FILTERS, q),
            sort_order(q.get("Sort"), INVOICE_SORT),
            size,
            number,
        )
        return ok(rows)  # this list has no TotalRecords (reference §1.3)

    def invoice(self, request: Request, invoice_id: str) -> dict:
        doc = self.data.one("bms_invoices", int(invoice_id))
        if doc is None:
            raise BmsFault(404, f"Invoice {invoice_id} was not found.")
        doc["LineItems"] = self.data.children("bms_lines", [doc["Id"]])
        doc["DiscountItems"] = self.data.children("bms_discounts", [doc["Id"]])
        return ok(doc)

    def _invoice_children(self, request: Request, table: str, path: str) -> dict:
        body = json_body(request, path, "post")
        size, number = paging(body.get("PageSize"), body.get("PageNumber"))
        f = body.get("Filter") or {}
        where: list[tuple[str, tuple]] = []
        if f.get("ListInvoiceIds"):
            ids = [
                read_int("Filter.ListInvoiceIds", p) for p in f["ListInvoiceIds"].split(",") if p
            ]
            where.append(in_list("c.invoice_id", ids))
        if f.get("ListStatusId"):
            ids = [read_int("Filter.ListStatusId", p) for p in f["ListStatusId"].split(",") if p]
            where.append(in_list("i.status_id", ids))
        for key, op in (("InvoiceDateFrom", ">="), ("InvoiceDateTo", "<=")):
            if f.get(key):
                where.append((f"i.invoice_date {op} ?", (read_datetime(f"Filter.{key}", f[key]),)))
        if f.get("PostedToAccounting") is not None:
            where.append(("i.posted = ?", (int(bool(f["PostedToAccounting"])),)))
        clause, params = conditions(where)
        # Join the invoices only when a filter needs them: paging a large tenant's lines
        # then walks one table in id order.
        join = "JOIN bms_invoices i ON i.id = c.invoice_id" if "i." in clause else ""
        sql = f"SELECT c.doc FROM {table} c {join} WHERE {clause} ORDER BY c.id LIMIT ? OFFSET ?"
        rows = self.data.store.execute(sql, (*params, size, (number - 1) * size))
        return ok([json.loads(r[0]) for r in rows])

    def invoice_lines(self, request: Request) -> dict:
        return self._invoice_children(request, "bms_lines", "/v2/finance/invoices/details")

    def invoice_discounts(self, request: Request) -> dict:
        return self._invoice_children(request, "bms_discounts", "/v2/finance/invoices/discounts")

    def tax_items(self, request: Request) -> dict:
        q = request.query
        if not q.get("ExternalTenantId"):
            raise invalid("ExternalTenantId: The ExternalTenantId field is required.")
        size, number = paging(q.get("PageSize"), q.get("PageNumber"))
        name = q.get("Filter.Name")
        where = [("name LIKE '%' || ? || '%'", (name,))] if name else []
        rows, total = self._page("bms_tax_items", where, "id", size, number)
        return ok(rows, total)
