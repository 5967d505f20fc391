"""One release path for everything that leaves the warehouse.

Segments, the personalisation exports, the prescription model and the SAPE model + scores all
leave the same way:

1. **stage** a candidate (:meth:`Release.stage`): the exact rows or artifact to publish, in
   ``$SEHAT_PUBLISH_DIR/.candidates/<kind>/<name>/<run>/``;
2. **check** it (:mod:`sehat.release.checks`): Great Expectations suites on bounded DataFrames read
   from the DuckDB snapshot, artifact checks, size bounds, PII by column name and by value; the
   result goes to the candidate's ``gate.json`` and, as static HTML Data Docs, to
   ``$SEHAT_PUBLISH_DIR/gate-results/<kind>/<name>/<run>/index.html`` (failures and successes);
3. **promote** it (:meth:`Release.promote`): a versioned directory with ``manifest.json`` (sha256
   per file, the data snapshot, the gate result), renamed into place, then ``CURRENT`` swapped
   atomically;
4. **read what is live** (:meth:`Release.current`).

A failed gate raises :class:`GateFailed`; a candidate that did not pass cannot be promoted
(:class:`NotValidated`), so the last good publication stays live.

Per output: :mod:`sehat.release.exports` (segments, recommendations, content rankings, cohorts),
:mod:`sehat.release.prescriptions` and :mod:`sehat.release.sape` (model artifacts).
"""

from sehat.release.checks import GateFailed
from sehat.release.store import NotValidated, Release, releases

__all__ = ["GateFailed", "NotValidated", "Release", "releases"]
