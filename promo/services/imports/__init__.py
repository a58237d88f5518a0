"""Excel promo import (issue 3), split by concern.

Reader layer (pure parsing, no database):

- ``problems``: the error / warning records a user sees (code, sheet row, column as written,
  message in the active language) and the exception that carries a file-level one;
- ``headers``: header folding, RU/EN synonyms, finding the header row;
- ``values``: pure parsers of cell values (numbers, discounts, EANs, dates, mechanics);
- ``reader``: checks of the file before parsing and the streaming ``SheetReader``;
- ``template``: the downloadable .xlsx template;
- ``error_workbook``: the uploaded workbook returned with bad cells marked.

On top of them:

- ``validation``: rows in, promo candidates and every problem out (dedup, overlaps), no writes;
- ``uploads``: the upload lifecycle, the one service of the page, the API, the command and the
  task (create, submit, process, fail, queue, result, error workbook);
- ``saving``: the save step, one transaction (new promos in bulk, corrected ones revised);
- ``plan``: what a validated sheet would change (the diff per promo) and whether that needs a
  confirmation (lines removed, a promo the sheet does not name changed); ``preview`` words it;
- ``confirmation``: applying, cancelling and expiring a preview that waits;
- ``leases`` and ``recovery``: who holds an upload while it is processed, and the reaper that
  queues again or fails an upload whose process died.
"""
