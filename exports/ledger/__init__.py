"""The export ledger (erp-formats.md §1 "Deletions: the export ledger"): per file of each system,
what the system was sent and has not yet been told to delete, so that a record that is no longer
wanted goes out as a deletion instead of silently staying live at the till.

One :class:`~exports.models.ExportLedgerEntry` per system file and promo holds the promo's
:class:`~exports.records.Part` s as sent: the live ones (the terms and period sent, the branch
codes and product keys) and the ones being deleted (repeated every night until the period that
was sent has ended). A record key is a part's identity (SAP: KSCHL) + branch code + product key;
for Set Retail the whole action is one record.

A run compares tonight's wanted snapshot with the ledger, promo by promo (:func:`plan`):

- a key not held -> the record as usual (added); held with other terms -> the record as usual
  (changed); held and wanted -> unchanged;
- held but no longer wanted -> a deletion part carrying what was sent (deleted), written into the
  file in its order; a deletion already under way is written again (repeated) until its period
  has ended, and stops at once when the key is wanted again;
- nothing is deleted that was never sent: only what the ledger holds can become a deletion;
- nothing is deleted that is still approved: a held promo left out of tonight only because it
  starts after the horizon (a run for an earlier date than the one that sent it) keeps what was
  sent of its revision in force (``PromoPlan.kept``: not written, not deleted);
- nothing is forgotten that the tills still hold: a part leaves the ledger when its period ended
  before the business date and before today (``store.keep_from``); a run for a future date keeps
  the parts that end in between as they are.

The writers write the parts (:meth:`KindPlan.settle` then learns which wanted records a writer
refused, e.g. an SAP key with overlapping periods: those are not sent, so the ledger keeps what it
held for them). :func:`save` stores the new state in the transaction that marks the run complete,
after checking that no other run advanced the same ledger meanwhile, so a failed run changes
nothing and a rerun of the same date reads the ledger it left: the same parts, the same bytes.
A dry run (:func:`plan` + :meth:`KindPlan.settle` without :func:`save`) changes nothing.

Cost: a promo whose state equals tonight's wanted part (a digest comparison) costs no decoding
and no write; only changed promos are compared record-set-wise (codes × keys arithmetic, never
record by record), so memory holds the selection plus the changed promos' old parts."""

from exports.ledger.compare import Counts, KindPlan, PromoPlan
from exports.ledger.state import Held, decode_state, digest_of, encode_state, holdings
from exports.ledger.store import LedgerMoved, plan, purge_ended, save

__all__ = ["Counts", "Held", "KindPlan", "LedgerMoved", "PromoPlan", "decode_state", "digest_of", "encode_state",
           "holdings", "plan", "purge_ended", "save"]
