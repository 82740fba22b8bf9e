"""Exports: the manager's results written to CSV or XLSX, safe to open in Excel.

``writers.write_rows`` writes any stream of rows in constant memory; ``campaign`` runs the
survey-results and call-attempts exports of one campaign and writes each to the audit log.
"""
