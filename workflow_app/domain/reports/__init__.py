"""Reports for leadership and division heads: the dashboard's figures as SQL aggregates (docs/reports.md)."""
