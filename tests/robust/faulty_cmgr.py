"""Run cmgr with one of the world's faults injected (CMGR_TEST_FAULT), for the fault tests:

- fsync-enospc: every fsync fails with ENOSPC, as on a full disk (atomic output writes)
- db-full: the database may not grow (SQLite's max_page_count: a real "database or disk is
  full" from SQLite itself)
- db-readonly: SQLite refuses every write ("attempt to write a readonly database"), as for a
  database file the user may only read
- zip-enospc: a zip archive cmgr writes (xlsx, docx) hits a full disk after 4 KB, and so does
  its close when the garbage collector gets to it, as on a real full disk
"""

import errno
import os
import sys

fault = os.environ.get("CMGR_TEST_FAULT", "")
if fault == "fsync-enospc":
    def _full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    os.fsync = _full
elif fault == "db-full":
    from cmgr.store import db as _db

    _init = _db.Database.__init__

    def _small(self, *args, **kwargs):
        _init(self, *args, **kwargs)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages}")
    _db.Database.__init__ = _small
elif fault == "db-readonly":
    from cmgr.store import db as _db

    _init_ro = _db.Database.__init__

    def _read_only(self, *args, **kwargs):
        _init_ro(self, *args, **kwargs)
        self.conn.execute("PRAGMA query_only = ON")  # SQLite refuses writes as for a 0444 file
    _db.Database.__init__ = _read_only
elif fault == "zip-enospc":
    import io
    import zipfile

    class _FullDisk(io.FileIO):
        def write(self, data):
            if self.tell() + len(data) > 4096:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(data)

    _open = io.open

    def _zip_open(file, mode="r", *args, **kwargs):
        if "w" in mode and str(file).endswith(".part"):
            return _FullDisk(file, mode.replace("b", "").replace("+", "") + "+")
        return _open(file, mode, *args, **kwargs)
    zipfile.io = type(sys)("io_shim")
    zipfile.io.__dict__.update(io.__dict__)
    zipfile.io.open = _zip_open

from cmgr.cli.app import main  # noqa: E402

sys.argv[0] = "cmgr"
main()
