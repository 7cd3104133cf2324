"""A sweep directory on disk: one Parquet file per finished run, written atomically.

Layout of ``out/``::

    sweep.json              the full spec, its hash, the package version, the creation time
    runs/<run_id>.parquet   one finished run: its rows (parameters, replicate, seed, step, metrics)
    networks/<run_id>.npz   its final network, when stored (a rewired one; see sweep's
                            save_networks): scipy.sparse.save_npz of the CSR adjacency
    failed/<run_id>.json    one failed run: error type, message, traceback, parameters, seed
    .lock                   locked (flock) while a sweep writes here

A run file is written under a temporary name in ``runs/`` and renamed into
place (:func:`os.replace`), so a reader never sees half a file under its final
name and a process killed at any moment leaves, at worst, a stray ``*.tmp``
(removed at the next start). Each file carries its run id and the spec hash
in the Parquet schema metadata; a file that cannot be read back, belongs to
another spec, or has the wrong rows is treated as missing and the run redone.
A run's network file is written the same way, before its Parquet file, whose
metadata says whether it has one; a resumed sweep redoes a run whose network
file is missing. Networks have a folder of their own so that ``runs/`` stays a
Parquet dataset (``pandas.read_parquet(out + "/runs")``).

Format versions (``"format"`` in ``sweep.json``): 1 hashed numbers as they
were written, so ``temperature`` 1 and 1.0 were different runs with different
seeds; 2 (this version) reads them by value. A format-1 directory is never
resumed (its runs and new ones would come from two seedings); it can still be
read (:func:`~opinionsim.sweep.load_results`, ``opinionsim plot``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
from pathlib import Path

import numpy as np

from .._errors import OpinionSimError

__all__ = ["SweepStore", "FORMAT", "close_inherited_locks", "now_iso"]

#: Version of the directory layout and of its hashing, recorded in ``sweep.json``.
FORMAT = 2

_META_RUN_ID = b"opinionsim.run_id"
_META_SPEC_HASH = b"opinionsim.spec_hash"
_META_INFO = b"opinionsim.run"


# Lock files this process holds open, so that a forked worker can close its copies
# (otherwise they would keep the sweep directory locked after this process dies).
_HELD_LOCKS = set()


def close_inherited_locks():
    """In a forked child: close the copies of the parent's lock files."""
    for fh in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            fh.close()  # this process's descriptor only; no unlock
    _HELD_LOCKS.clear()


def _json_dumps(obj):
    # Key order is kept: the grid's and the metrics' order are part of the spec.
    return json.dumps(obj, indent=2, allow_nan=True) + "\n"


def _atomic_write(path: Path, write):
    """``write(tmp)`` to a hidden temporary name beside ``path``, then move it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _atomic_write_text(path: Path, text: str):
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _os_error(action, path, exc):
    reason = exc.strerror or type(exc).__name__
    return OpinionSimError(f"cannot {action} {str(path)!r}: {reason}.")


def _spec_diff(old, new, prefix=""):
    """Dotted names of the entries that differ between two spec dicts (numbers by value)."""
    from .spec import by_value

    def key(value):
        return json.dumps(by_value(value), sort_keys=True)

    name = prefix.rstrip(".") or "spec"
    if isinstance(old, dict) and isinstance(new, dict):
        if list(old) != list(new) and set(old) == set(new):
            return [f"{name} (order)" if prefix else "order"]
        out = []
        for k in list(old) + [k for k in new if k not in old]:
            if k not in old or k not in new:
                out.append(f"{prefix}{k}")
            else:
                out.extend(_spec_diff(old[k], new[k], f"{prefix}{k}."))
        return out
    if key(old) == key(new):
        return []
    if isinstance(old, list) and isinstance(new, list) \
            and sorted(map(key, old)) == sorted(map(key, new)):
        return [f"{name} (order)"]
    return [name]


class SweepStore:
    """Read and write one sweep directory (see the module docstring for its layout).

    Parameters
    ----------
    out : str or os.PathLike
        The directory.
    """

    def __init__(self, out):
        self.root = Path(out)
        self.runs_dir = self.root / "runs"
        self.failed_dir = self.root / "failed"
        self.networks_dir = self.root / "networks"
        self.spec_path = self.root / "sweep.json"
        self._lock = None
        self.corrupt = []  # run ids whose files were unreadable and removed

    # ---------------------------------------------------------------- opening
    def open(self, record, *, same_spec, overwrite=False):
        """Create or resume the directory for ``record`` (the content of ``sweep.json``).

        Resume when ``same_spec(stored_spec, record["spec"])``; with another
        spec, raise unless ``overwrite`` (which deletes the stored runs and
        failures, nothing else).

        Returns
        -------
        bool
            Whether an existing sweep is resumed.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error("create the sweep directory", self.root, exc) from None
        if not self.root.is_dir():
            raise OpinionSimError(f"out == {str(self.root)!r} exists and is not a directory.")
        self._acquire_lock()
        try:
            resumed = self._check_existing(record, same_spec, overwrite)
            if not resumed:
                _atomic_write_text(self.spec_path, _json_dumps(record))
            self.runs_dir.mkdir(exist_ok=True)
            self.failed_dir.mkdir(exist_ok=True)
            stale_dirs = (self.runs_dir, self.failed_dir, self.networks_dir)
            for stale in [p for d in stale_dirs if d.is_dir() for p in d.glob(".*.tmp")]:
                with contextlib.suppress(OSError):
                    stale.unlink()
        except OSError as exc:
            self.close()
            raise _os_error("write to", self.root, exc) from None
        except BaseException:
            self.close()
            raise
        return resumed

    def _check_existing(self, record, same_spec, overwrite):
        stored = None
        if self.spec_path.exists():
            try:
                stored = self.read_record()
            except OpinionSimError:
                if not overwrite:
                    raise
        elif self.runs_dir.is_dir() and any(self.runs_dir.iterdir()) and not overwrite:
            raise OpinionSimError(
                f"{str(self.root)!r} has a runs/ folder but no sweep.json, so it is not a sweep "
                "this version can resume; use overwrite=True (--overwrite) or another out."
            )
        if stored is not None and not overwrite and stored.get("format") != record.get("format"):
            raise OpinionSimError(
                f"{str(self.root)!r} holds a sweep stored by opinionsim "
                f"{stored.get('opinionsim_version', '?')} in storage format "
                f"{stored.get('format', '?')}, whose run seeds depended on how a number was "
                f"written (1 or 1.0); this version (format {FORMAT}) will not add "
                "runs to it, which would mix two seedings. It can still be read (load_results, "
                "opinionsim plot); use overwrite=True (--overwrite) to run it again, or "
                "another out."
            )
        if stored is not None and stored.get("format") == record.get("format") \
                and same_spec(stored.get("spec"), record["spec"]):
            return True
        if stored is not None and not overwrite:
            diff = _spec_diff(stored.get("spec", {}), record["spec"]) or [
                "its recorded form (sweep.json was edited, or written by another version)"]
            raise OpinionSimError(
                f"{str(self.root)!r} holds a different sweep (differs in: {', '.join(diff)}); "
                "use overwrite=True (--overwrite) to replace it, or another out."
            )
        for folder in (self.runs_dir, self.failed_dir, self.networks_dir):
            if folder.is_dir():
                shutil.rmtree(folder)
        with contextlib.suppress(FileNotFoundError):
            self.spec_path.unlink()
        return False

    def _acquire_lock(self):
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock
            return
        path = self.root / ".lock"
        try:
            fh = open(path, "a+")
        except OSError as exc:
            raise _os_error("write to", self.root, exc) from None
        try:
            # Released when every descriptor of it is closed, so also when this
            # process dies (even by SIGKILL); forked workers close their copies.
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise OpinionSimError(
                f"another sweep (pid {holder}) is writing to {str(self.root)!r}; wait for it "
                "to finish or use another out."
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._lock = fh
        _HELD_LOCKS.add(fh)

    def close(self):
        """Release the directory lock."""
        if self._lock is not None:
            _HELD_LOCKS.discard(self._lock)
            self._lock.close()  # closing the descriptor releases the lock
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---------------------------------------------------------------- reading
    def read_record(self):
        """The content of ``sweep.json``."""
        if not self.spec_path.exists():
            raise OpinionSimError(
                f"{str(self.root)!r} is not a sweep directory (it has no sweep.json)."
            )
        try:
            record = json.loads(self.spec_path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise _os_error("read", self.spec_path, exc) from None
        except ValueError as exc:
            raise OpinionSimError(f"{str(self.spec_path)!r} is not valid JSON ({exc}).") from None
        if not isinstance(record, dict) or "spec" not in record:
            raise OpinionSimError(f"{str(self.spec_path)!r} is not a sweep record (no 'spec').")
        return record

    def run_path(self, run_id):
        return self.runs_dir / f"{run_id}.parquet"

    def network_path(self, run_id):
        return self.networks_dir / f"{run_id}.npz"

    def read_run(self, run_id, *, spec_hash, columns, rows_ok, remove_corrupt=False,
                 networks=None):
        """The stored ``{column: array}`` of a finished run, or None if it is missing or bad.

        A file is good when it can be read in full, carries this run id and
        spec hash, holds ``step`` (int64) and the ``columns`` (``{name:
        dtype}``) with those dtypes, and ``rows_ok(data)`` accepts its rows.
        With ``remove_corrupt``, a bad file is deleted (and remembered in
        :attr:`corrupt`) so that the run is redone. With ``networks`` not
        None (a resuming sweep), a run is finished only if its network file
        exists where its metadata says it wrote one, or for every run when
        ``networks`` is True; otherwise None (the run is redone, the file kept).
        """
        import pyarrow.parquet as pq

        path = self.run_path(run_id)
        if not path.exists():
            return None
        names = ["step", *columns]
        try:
            table = pq.read_table(path, columns=names)
            meta = table.schema.metadata or {}
            ok = (meta.get(_META_RUN_ID) == run_id.encode()
                  and meta.get(_META_SPEC_HASH) == spec_hash.encode())
            data = None
            if ok:
                data = {name: table.column(name).to_numpy() for name in names}
                ok = (data["step"].dtype == np.int64
                      and all(data[c].dtype == dtype for c, dtype in columns.items())
                      and bool(rows_ok(data)))
        except Exception:  # any failure to read back means the file is not usable
            ok = False
        if ok and networks is not None and not self.network_path(run_id).exists():
            try:
                wrote = json.loads(meta.get(_META_INFO, b"{}")).get("network", False)
            except ValueError:
                wrote = False
            if networks or wrote:
                return None
        if ok:
            return data
        if remove_corrupt:
            self.corrupt.append(run_id)
            with contextlib.suppress(OSError):
                path.unlink()
        return None

    def failures(self):
        """The failure records in ``failed/``, sorted by run id."""
        out = []
        if self.failed_dir.is_dir():
            for path in sorted(self.failed_dir.glob("*.json")):
                with contextlib.suppress(OSError, ValueError):
                    out.append(json.loads(path.read_text(encoding="utf-8")))
        return out

    # ---------------------------------------------------------------- writing
    def write_run(self, run_id, columns, *, spec_hash, info):
        """Write one finished run's ``{column: array}`` atomically, with its ids in the metadata."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(columns)
        table = table.replace_schema_metadata({
            _META_RUN_ID: run_id.encode(),
            _META_SPEC_HASH: spec_hash.encode(),
            _META_INFO: json.dumps(info, sort_keys=True).encode(),
        })
        path = self.run_path(run_id)
        try:
            _atomic_write(path, lambda tmp: pq.write_table(table, tmp))
        except OSError as exc:
            raise _os_error("write", path, exc) from None
        self.clear_failure(run_id)

    def write_network(self, run_id, adjacency):
        """Write one run's final network (a sparse adjacency) atomically, as a CSR ``.npz``."""
        import scipy.sparse as sp

        path = self.network_path(run_id)

        def write(tmp):
            with open(tmp, "wb") as fh:  # a file object: save_npz would append ".npz" to a name
                sp.save_npz(fh, sp.csr_array(adjacency), compressed=False)

        try:
            self.networks_dir.mkdir(exist_ok=True)
            _atomic_write(path, write)
        except OSError as exc:
            raise _os_error("write", path, exc) from None

    def read_network(self, run_id):
        """A run's stored network as a ``scipy.sparse.csr_array``, or None if it has none."""
        import scipy.sparse as sp

        path = self.network_path(run_id)
        if not path.exists():
            return None
        try:
            return sp.csr_array(sp.load_npz(path))
        except (OSError, ValueError, KeyError) as exc:
            raise OpinionSimError(f"cannot read the network file {str(path)!r} ({exc}).") from None

    def write_failure(self, run_id, record):
        path = self.failed_dir / f"{run_id}.json"
        try:
            _atomic_write_text(path, _json_dumps(record))
        except OSError as exc:
            raise _os_error("write", path, exc) from None

    def clear_failure(self, run_id):
        with contextlib.suppress(FileNotFoundError):
            (self.failed_dir / f"{run_id}.json").unlink()


def now_iso():
    """The current UTC time, ISO 8601, to the second."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
