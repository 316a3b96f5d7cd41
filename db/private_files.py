"""Files only their owner may read, mode 0600 from the moment they have their name: backups
(they hold password hashes) and the development cookie key.

Both are written in full to a new temporary file beside the target — created by
``tempfile.mkstemp`` (O_CREAT | O_EXCL, mode 0600, then set to exactly 0600 whatever the
umask) — and only then given their name in one step. So no one ever sees the file readable by
others, or half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

PRIVATE = 0o600


def write_private(path: str | Path, write: Callable[[BinaryIO], None]) -> None:
    """``write(file)`` the content, then put it at ``path`` (replacing any file there)."""
    path = Path(path)
    temp = _write_temp(path, write)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def create_private_once(path: str | Path, content: str) -> str:
    """Create ``path`` holding ``content`` unless it exists; return what the file holds.

    Processes racing to create it all get the first one's content: the whole file is linked
    to its name (``os.link`` refuses a name that exists), never written in place.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = _write_temp(path, lambda file: file.write(content.encode()))
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another process was first: its file is the one
        finally:
            temp.unlink()
    return path.read_text(encoding="utf-8")


def _write_temp(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), PRIVATE)  # exactly 0600: a umask such as 0277 removes more
            write(file)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp
