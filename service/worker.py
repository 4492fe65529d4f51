"""The classification worker: claim pending messages, classify them in batches, write flags.

It uses :func:`service.pipeline.classify_batch`, the path ``triage classify`` uses. A batch that
fails is retried message by message, so one message the model chokes on fails alone (and is
retried with backoff, then marked ``failed``) instead of holding back the whole batch.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import select

from models.prediction import ClassifyInput, ClassifyResult, TextClassifier
from service.config import Settings
from service.db.ingest import purge_raw_mime
from service.db.models import Client, Message
from service.db.queue import claim_batch, complete, release_failed
from service.db.session import Database
from service.inbound.pipe import drain_spool
from service.metrics import CLASSIFIED, CLASSIFY_FAILURES, CLASSIFY_SECONDS, LABELS_FLAGGED
from service.pipeline import classify_batch
from service.risk.refresh import refresh_clients
from service.runtime import ClassifierHolder
from service.spool import Spool

logger = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 3600.0
"""How often an idle worker purges expired raw MIME and refreshes time-dependent risk."""


def worker_name() -> str:
    """Unique per worker: host, process and a random suffix (leases are checked against it)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """One claim-classify-write loop. Run several (threads or processes) on PostgreSQL."""

    def __init__(
        self,
        database: Database,
        holder: ClassifierHolder,
        settings: Settings,
        *,
        name: str | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.database = database
        self.holder = holder
        self.settings = settings
        self.name = name or worker_name()
        self.wake = threading.Event()
        self.stop = threading.Event()
        self._on_batch = on_batch
        self._last_housekeeping = 0.0
        self.spool = Spool(settings.effective_spool_dir())

    # ----------------------------------------------------------------- one batch

    def run_once(self) -> int:
        """Claim and classify one batch; returns how many messages were claimed (0 = idle)."""
        classifier = self.holder.current
        if classifier is None:
            return 0
        with self.database.session() as session:
            ids = claim_batch(session, self.name, self.settings)
        if not ids:
            return 0
        items = self._inputs(ids)
        results = self._classify(classifier, items)
        self._store(results, [int(item.id) for item in items if item.id not in results])
        if self._on_batch:
            self._on_batch(len(ids))
        return len(ids)

    def store_spooled(self) -> int:
        """Store a batch of what ``triage deliver`` spooled on this host (0 = none waiting)."""
        return drain_spool(
            self.spool, self.database, self.settings, self.settings.worker_batch_size
        )

    def drain(self, max_batches: int = 10_000) -> int:
        """Store the spool, then classify until the queue has nothing claimable (tests,
        ``triage worker --once``)."""
        while self.store_spooled():
            pass
        total = 0
        for _ in range(max_batches):
            claimed = self.run_once()
            if not claimed:
                break
            total += claimed
        return total

    def _inputs(self, ids: Sequence[int]) -> list[ClassifyInput]:
        with self.database.session() as session:
            rows = session.execute(
                select(Message.id, Message.subject, Message.text).where(Message.id.in_(ids))
            ).all()
        return [
            ClassifyInput(id=str(i), text=text or "", subject=subject or "")
            for i, subject, text in rows
        ]

    def _classify(
        self, classifier: TextClassifier, items: list[ClassifyInput]
    ) -> dict[str, ClassifyResult | str]:
        """Results by id; a failing batch is split so that only the culprit fails."""
        started = time.perf_counter()
        try:
            results: dict[str, ClassifyResult | str] = {
                r.id: r for r in classify_batch(classifier, items)
            }
        except Exception as exc:
            if len(items) == 1:
                CLASSIFY_FAILURES.inc()
                logger.warning(
                    "classification failed",
                    extra={"message_id": items[0].id, "error": repr(exc)},
                )
                return {items[0].id: f"{type(exc).__name__}: {exc}"}
            results = {}
            for item in items:
                results |= self._classify(classifier, [item])
            return results
        CLASSIFY_SECONDS.observe(time.perf_counter() - started)
        return results

    def _store(self, results: dict[str, ClassifyResult | str], missing: list[int]) -> None:
        failures: dict[str, list[int]] = {}
        for message_id in missing:
            failures.setdefault("message vanished from the batch", []).append(message_id)
        with self.database.session() as session:
            touched: list[int | None] = []
            for key, result in results.items():
                if isinstance(result, str):
                    failures.setdefault(result, []).append(int(key))
                    continue
                message = complete(session, int(key), self.name, result)
                if message is not None:
                    CLASSIFIED.labels(result.release).inc()
                    for label in result.labels:
                        LABELS_FLAGGED.labels(label).inc()
                    touched.append(message.client_id)
            for error, ids in failures.items():
                release_failed(session, ids, self.name, error, self.settings)
            refresh_clients(session, touched, self.settings)

    # ----------------------------------------------------------------- loop

    def housekeeping(self) -> None:
        """Purge expired raw MIME; refresh risk that time alone changes (windows, silence)."""
        with self.database.session() as session:
            purged = purge_raw_mime(session, self.settings)
            refresh_clients(session, session.scalars(select(Client.id)).all(), self.settings)
        logger.info("housekeeping done", extra={"raw_mime_purged": purged})

    def run_forever(self) -> None:
        """Loop until :attr:`stop` is set; database errors are logged and retried."""
        logger.info("worker started", extra={"worker": self.name})
        while not self.stop.is_set():
            try:
                claimed = self.store_spooled() + self.run_once()
                if (
                    not claimed
                    and time.monotonic() - self._last_housekeeping > HOUSEKEEPING_SECONDS
                ):
                    self._last_housekeeping = time.monotonic()
                    self.housekeeping()
            except Exception:
                logger.exception("worker iteration failed; retrying", extra={"worker": self.name})
                claimed = 0
            if not claimed:
                self.wake.wait(self.settings.worker_poll_seconds)
                self.wake.clear()
        logger.info("worker stopped", extra={"worker": self.name})

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name=f"worker-{self.name}", daemon=True)
        thread.start()
        return thread
