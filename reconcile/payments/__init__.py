"""QuickBooks payments back into BMS: frames, classification, import, reconciliation and
suggestions (issue 6). See docs/payments.md."""
