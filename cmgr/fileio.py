"""Output files: atomic single writes and runs written all or nothing (no layer below:
any layer may use it).

`atomic_path()` writes one file through a temporary file in the target's folder and a rename,
so a crash leaves the old file or the new one. `all_or_nothing()` is how every command writes
its files: each file of a run is rendered into a hidden staging folder beside its target, under
its own name; when the whole run has succeeded every staged file is renamed into place, and on
any error they are all removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cmgr.errors import UsageError

STAGE_PREFIX = ".cmgr-staging-"
STALE_SECONDS = 24 * 3600  # older staging folders are a killed run's (kill -9, power loss)


def _remove_stale_stages(folder: Path) -> None:
    import time

    for old in folder.glob(STAGE_PREFIX + "*"):
        try:
            if old.is_dir() and time.time() - old.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


class OutputSet:
    """The files of one run, staged until the run has succeeded."""

    def __init__(self) -> None:
        self._stages: dict[Path, Path] = {}  # target folder -> its staging folder
        self.written: list[Path] = []  # the final paths, once committed

    def _stage(self, folder: Path) -> Path:
        folder = Path(folder).expanduser().absolute()
        stage = self._stages.get(folder)
        if stage is None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                _remove_stale_stages(folder)
                stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=folder))
            except OSError as exc:
                from cmgr.i18n import tr

                raise UsageError(tr("无法在 {folder} 中写文件：{error}", folder=folder,
                                    error=exc.strerror or exc),
                                 hint=tr("换一个 `--out` 文件夹")) from None
            self._stages[folder] = stage
        return stage

    def path(self, target: str | Path) -> Path:
        """Where to write `target` during the run (a file of the same name, staged)."""
        target = Path(target)
        return self._stage(target.parent) / target.name

    def directory(self, target_dir: str | Path) -> Path:
        """A staged folder whose files all land in `target_dir` (for writers given a folder)."""
        return self._stage(Path(target_dir))

    def final(self, staged: str | Path) -> Path:
        """The path a staged file will have (or has) once the run is committed."""
        staged = Path(staged)
        for folder, stage in self._stages.items():
            if staged.parent == stage:
                return folder / staged.name
        return staged

    def commit(self) -> list[Path]:
        """Rename every staged file into place; returns the final paths."""
        moves = []
        for folder, stage in self._stages.items():
            for staged in sorted(stage.iterdir()):
                # A writer's own leftovers (atomic_path's .part files) are not outputs.
                if staged.is_file() and not staged.name.endswith(".part"):
                    moves.append((staged, folder / staged.name))
        try:
            for staged, target in moves:  # on disk before any rename: a crash leaves old or new
                with _naming(target), open(staged, "rb+") as fh:
                    os.fsync(fh.fileno())
            for staged, target in moves:
                with _naming(target):  # e.g. the target is a folder
                    os.replace(staged, target)
                self.written.append(target)
        finally:
            self.discard()
        return self.written

    def name_targets(self, exc: BaseException) -> None:
        """Make every OSError in `exc`'s chain name the file the user asked for, not its staged
        copy in the hidden folder (a full disk while writing, say)."""
        seen = set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            if isinstance(exc, OSError) and isinstance(exc.filename, str | os.PathLike):
                final = self.final(exc.filename)
                if final != Path(exc.filename):
                    exc.filename = str(final)
            exc = exc.__cause__ or exc.__context__

    def discard(self) -> None:
        """Remove the staging folders and whatever is still in them."""
        for stage in self._stages.values():
            shutil.rmtree(stage, ignore_errors=True)
        self._stages.clear()


@contextmanager
def all_or_nothing() -> Iterator[OutputSet]:
    """Stage a run's output files; commit them all when the block ends without an error,
    remove them all when it raises (then the error goes on)."""
    outputs = OutputSet()
    try:
        yield outputs
    except BaseException as exc:
        outputs.name_targets(exc)
        outputs.discard()
        raise
    outputs.commit()


@contextmanager
def _naming(target: Path) -> Iterator[None]:
    """An OSError raised inside names `target` (fsync's has no file name; os.replace's names
    the staged file first)."""
    try:
        yield
    except OSError as exc:
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(target)) from exc

@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it over the target on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The pid in the name lets a later run tell a killed writer's leftovers from a live one's.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part",
                               dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp_path, 0o666 & ~_umask())
        with open(tmp_path, "rb+") as fh:  # on disk before the rename, so a crash leaves old or new
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except OSError as exc:
        if exc.filename in (None, str(tmp_path), tmp):  # a write into the file: name the target
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
