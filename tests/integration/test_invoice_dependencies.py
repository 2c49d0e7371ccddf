"""Fifty invoices exported with what they need into a QuickBooks company that has never seen
this BMS tenant (a sandbox of its own): totals agree in both systems, BMS shows the
write-back, a change in BMS updates rather than duplicates, a stopped export resumes."""

from __future__ import annotations

import pytest

from reconcile.bms.loaders import invoice_headers
from reconcile.qbo.query import select
from reconcile.session import Session

COUNT = 50


@pytest.fixture(scope="module")
def chosen(fresh):
    """Fifty exportable invoices whose customers and items can all be sent."""
    _sandbox, session = fresh
    invoices = session.invoices()
    assert session.qbo.count(select("Invoice")) == 0  # nothing exported here yet
    everything = session.plan_invoices(invoices[invoices["selectable"]], include_dependencies=True)
    ok = everything.rows[
        (everything.rows["kind"] == "invoice") & (everything.rows["action"] == "create")
    ]
    assert len(ok) >= COUNT, everything.rows["reason"].value_counts().head().to_string()
    ids = set(ok["bms_id"].head(COUNT))
    return invoices[invoices["Id"].astype(str).isin(ids)].reset_index(drop=True)


def _qbo_invoices(session: Session) -> dict[str, dict]:
    return {i["DocNumber"]: i for i in session.qbo.query(select("Invoice"))}


def test_a_stopped_export_resumes_without_duplicates_and_totals_agree(fresh, chosen):
    _sandbox, session = fresh
    plan = session.plan_invoices(chosen, include_dependencies=True)
    kinds = plan.rows["kind"].tolist()
    assert set(kinds) == {"taxcode", "account", "item", "customer", "invoice"}
    # The tax codes made first, then what needs them, in order (every write is in the plan).
    assert kinds == sorted(
        kinds, key=["term", "taxcode", "account", "item", "customer", "invoice"].index
    )
    assert (plan.rows["action"] != "blocked").all(), plan.rows.loc[
        plan.rows["action"] == "blocked", "reason"
    ]

    class Stop(Exception):
        pass

    def stop_after_20(done: int, total: int) -> None:
        if done == 20:
            raise Stop

    with pytest.raises(Stop):
        session.export_invoices(plan, progress=stop_after_20)
    assert len(_qbo_invoices(session)) == 20
    assert "interrupted" in set(session.store.runs()["outcome"])

    resumed = session.plan_invoices(chosen, include_dependencies=True)
    invoices = resumed.rows[resumed.rows["kind"] == "invoice"]
    assert (invoices["action"] == "unchanged").sum() == 20
    assert (invoices["action"] == "create").sum() == COUNT - 20
    assert set(resumed.rows["kind"]) == {"invoice"}  # what they need is in QuickBooks now
    results = session.export_invoices(resumed)
    created = results[results["action"] == "create"]
    assert (created["outcome"] == "ok").all(), created["message"].tolist()
    assert created["totals_agree"].all()

    in_qbo = _qbo_invoices(session)
    assert len(in_qbo) == COUNT  # exactly one each
    bms = invoice_headers(session.bms).set_index("InvoiceNumber")
    for number, invoice in in_qbo.items():
        assert round(invoice["TotalAmt"], 2) == round(float(bms.loc[number, "GrandTotal"]), 2)
        tax = invoice.get("TxnTaxDetail", {}).get("TotalTax", 0)
        assert round(tax, 2) == round(float(bms.loc[number, "TotalTax"]), 2)
        assert bool(bms.loc[number, "PostedToAccounting"]), number  # the write-back
        assert bms.loc[number, "AccountingAppReference"] == invoice["Id"]


def test_a_change_in_bms_updates_the_invoice_not_a_second_one(fresh, chosen):
    sandbox, session = fresh
    first = session.plan_invoices(chosen.head(3), include_dependencies=True)
    if (first.rows["action"] != "unchanged").any():  # run alone: export the three first
        session.export_invoices(first)
    target = chosen.iloc[0]
    data = sandbox.bms_app.data
    header = data.one("bms_invoices", int(target["Id"]))
    data.save_invoice({**header, "Notes": "Changed in BMS after export"})

    reloaded = session.invoices()  # as the tab's Load button does
    plan = session.plan_invoices(reloaded[reloaded["Id"].isin(chosen["Id"].head(3))])
    actions = dict(zip(plan.rows["bms_id"], plan.rows["action"], strict=True))
    assert actions.pop(str(target["Id"])) == "update"
    assert set(actions.values()) == {"unchanged"}
    preview = session.preview_invoices(plan)
    memo = preview.records[
        (preview.records["bms_id"] == str(target["Id"]))
        & (preview.records["property"] == "CustomerMemo")
    ].iloc[0]
    assert memo["to_send"] == "Changed in BMS after export" and memo["changed"]

    results = session.export_invoices(plan)
    assert results.set_index("bms_id").loc[str(target["Id"]), "outcome"] == "ok"
    same = session.qbo.query(select("Invoice").eq("DocNumber", target["InvoiceNumber"]))
    assert len(same) == 1
    assert same[0]["CustomerMemo"]["value"] == "Changed in BMS after export"
    log = session.log(run_id=results.attrs["run_id"])
    assert "updated" in " ".join(log["message"])


def test_an_exported_invoice_voided_in_bms_is_voided_in_quickbooks(fresh, chosen):
    sandbox, session = fresh
    target = chosen.iloc[-1]
    first = session.plan_invoices(chosen.tail(1), include_dependencies=True)
    if (first.rows["action"] != "unchanged").any():  # run alone: export it first
        session.export_invoices(first)
    data = sandbox.bms_app.data
    header = data.one("bms_invoices", int(target["Id"]))
    data.save_invoice({**header, "StatusId": 6, "StatusName": "Void"})

    listed = session.invoices().set_index("Id").loc[int(target["Id"])]
    assert listed["selectable"] and "voids it in QuickBooks" in listed["why"]
    plan = session.plan_invoices(session.invoices().query(f"Id == {int(target['Id'])}"))
    assert plan.rows.iloc[0]["action"] == "void"
    results = session.export_invoices(plan)
    assert results.iloc[0]["outcome"] == "ok" and "voided" in results.iloc[0]["message"]
    (invoice,) = session.qbo.query(select("Invoice").eq("DocNumber", target["InvoiceNumber"]))
    assert invoice["TotalAmt"] == 0  # voided, still there: one invoice, amounts zeroed
