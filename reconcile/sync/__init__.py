"""Plan, preview and send: BMS records to QuickBooks, idempotently (issue 4, in progress)."""
