"""Spreadsheet import and export for editors: reading files safely, reading cells, bulk writing.

- `files`: opens CSV, XLSX and ODS files within the size, row and unpacked-size limits and
  refuses anything else with a message for the desk.
- `cells`: turns cells into values (ISO dates, `kind: Name` entities, citation lines, slugs)
  and escapes formula-looking text on export.
- `engine`: the bulk importer every resource builds on (chunks, batch look-ups, bulk writes,
  one transaction, revisions, publish-on-import rules).

django-import-export stays the engine for export formats and the admin's export view; rows
are written by `engine`, because its per-row saves cost several queries a row.
"""
