"""Reading visit notes for flags, each distinct text once, in worker processes for a big scan.

Reading a note (`flag_model.read_note`: the rules, and the statistical second reader when
one is given) is pure per note, so a city's 350,000 notes split over the cores: the caller
hands the notes ahead (`NoteReader.prefetch`), the workers read them in chunks while the
caller goes on reading the database, and `NoteReader.findings` gives a note's findings
(waiting for its chunk when it is still being read). A small batch (a day's import of a few
hundred visits) is read in this process: starting a worker costs about half a second.

Workers are spawned, not forked (a forked child would carry the caller's open database
connection), each with one copy of the compiled lexicon and the model; notes go in as plain strings, the
findings come back as plain tuples. A worker's error, or a worker that dies, is raised as
`NoteWorkerError`, never a hang.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import Future

from cmgr.core.flag_model import TextModel, read_note
from cmgr.core.flag_rules import Lexicon, NoteFinding
from cmgr.errors import NoteWorkerError
from cmgr.i18n import tr

# Notes (visits) to read at which the workers pay off: a worker starts in about 0.5 s (its
# imports and the lexicon), this process reads 10,000 notes in about 1 s.
PARALLEL_FROM = 10_000
MAX_WORKERS = 4
# Distinct notes a worker reads per task: big enough that the pickling is small against the
# reading, small enough that two workers finish together.
CHUNK = 1_000


def note_workers(setting: int | None, notes: int, parallel_from: int = PARALLEL_FROM) -> int:
    """How many processes read `notes` notes: 1 (this process) below `parallel_from`, else
    `setting` (flags.workers; 0 or None: one per core, at most MAX_WORKERS)."""
    if setting is not None and setting < 0:
        raise ValueError(f"workers must be >= 0, not {setting}")
    if notes < parallel_from or setting == 1:
        return 1
    if setting:
        return setting
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


# -- the worker side -----------------------------------------------------------------------

_WORKER_LEXICON: Lexicon | None = None
_WORKER_MODEL: TextModel | None = None


def _start_worker(lexicon_file: str) -> None:
    global _WORKER_LEXICON, _WORKER_MODEL
    import pickle

    with open(lexicon_file, "rb") as f:
        _WORKER_LEXICON, _WORKER_MODEL = pickle.load(f)


def _read_chunk(notes: list[str]) -> list[tuple[tuple, ...]]:
    """The findings of each note as plain tuples (NoteFinding's fields)."""
    lexicon = _WORKER_LEXICON
    if lexicon is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("worker started without a lexicon")
    return [tuple((f.kind, f.subkind, f.matched, f.start, f.end, f.rule, f.kept)
                  for f in read_note(note, lexicon, _WORKER_MODEL)) for note in notes]


# -- the caller's side ---------------------------------------------------------------------


class NoteReader:
    """`read_note` (with `text_model`, the statistical second reader, if given) with every
    distinct note read once; with `workers` > 1, read ahead in
    that many spawned processes. Use as a context manager so the workers are stopped.

    `reader` is what a worker runs on a chunk of notes (a module-level function; the tests
    give one that fails)."""

    def __init__(self, lexicon: Lexicon, workers: int = 1, *, text_model: TextModel | None = None,
                 reader=_read_chunk, chunk: int = CHUNK) -> None:
        self.lexicon = lexicon
        self.text_model = text_model
        self.workers = workers
        self.cache: dict[str, list[NoteFinding]] = {}
        self._reader = reader
        self._chunk = chunk
        self._pool = None
        self._lexicon_file: str | None = None
        self._waiting: dict[str, Future] = {}  # note -> the task reading it
        self._tasks: dict[Future, list[str]] = {}
        self._buffer: list[str] = []

    def __enter__(self) -> NoteReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._lexicon_file is not None:
            os.unlink(self._lexicon_file)
            self._lexicon_file = None
        self._waiting.clear()
        self._tasks.clear()

    def prefetch(self, notes: Iterable[str | None]) -> None:
        """Hand these notes to the workers now (nothing in-process: they are read when asked)."""
        if self.workers <= 1:
            return
        for text in notes:
            if text and text.strip() and text not in self.cache and text not in self._waiting:
                self._waiting[text] = None  # type: ignore[assignment]  # in the buffer
                self._buffer.append(text)
                if len(self._buffer) >= self._chunk:
                    self._submit()

    def flush(self) -> None:
        """Send what is buffered (call after the last prefetch)."""
        if self._buffer:
            self._submit()

    def findings(self, text: str) -> list[NoteFinding]:
        found = self.cache.get(text)
        if found is not None:
            return found
        future = self._waiting.get(text, False)
        if future is False:
            found = read_note(text, self.lexicon, self.text_model)
            self.cache[text] = found
            return found
        if future is None:  # still in the buffer
            self._submit()
            future = self._waiting[text]
        self._collect(future)
        return self.cache[text]

    def _submit(self) -> None:
        notes, self._buffer = self._buffer, []
        future = self._executor().submit(self._reader, notes)
        self._tasks[future] = notes
        for text in notes:
            self._waiting[text] = future

    def _executor(self):
        if self._pool is None:
            import multiprocessing
            import pickle
            import tempfile
            from concurrent.futures import ProcessPoolExecutor

            # The compiled lexicon goes to the workers through a file, not as the initializer's
            # argument: a child that dies while starting would leave this process blocked
            # writing a big argument into its pipe (a hang instead of BrokenProcessPool).
            # Unpickling it is also three times faster than loading the TOML again.
            fd, self._lexicon_file = tempfile.mkstemp(prefix="cmgr-lexicon-", suffix=".pickle")
            with os.fdopen(fd, "wb") as f:
                pickle.dump((self.lexicon, self.text_model), f, protocol=pickle.HIGHEST_PROTOCOL)
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self._lexicon_file,))
        return self._pool

    def _collect(self, future: Future) -> None:
        from concurrent.futures.process import BrokenProcessPool

        notes = self._tasks.pop(future)
        try:
            results = future.result()
        except BrokenProcessPool as exc:
            self.close()
            raise NoteWorkerError(
                tr("读取访问记录的子进程意外退出：{error}", error=exc),
                hint=tr("可能是内存不足；可设置 flags.workers = 1（或环境变量 CMGR_FLAGS_WORKERS=1）"
                        "改在本进程内读取")) from exc
        except Exception as exc:
            self.close()
            raise NoteWorkerError(
                tr("子进程读取访问记录时出错：{error}", error=f"{type(exc).__name__}: {exc}"),
                hint=tr("可设置 flags.workers = 1（或环境变量 CMGR_FLAGS_WORKERS=1）改在本进程内"
                        "读取，以便查看出错的访问记录")) from exc
        if len(results) != len(notes):
            self.close()
            raise NoteWorkerError(tr("子进程返回了 {got} 条结果，应为 {expected} 条",
                                     got=len(results), expected=len(notes)))
        for text, found in zip(notes, results, strict=True):
            self.cache[text] = [NoteFinding(*f) for f in found]
            del self._waiting[text]
