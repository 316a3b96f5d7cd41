"""Files only their owner may read: the development cookie key that servers make on first
start, whatever the umask, and when several servers start at once."""

from __future__ import annotations

import multiprocessing
import os
import stat
import sys
import types
from pathlib import Path

import pytest

from shell import auth

WORKERS = 8
ROUNDS = 20


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _make_key(root: str, rounds: int, start, finish, results) -> None:
    """One server: at each round's start, ask for the key of that round's empty folder."""
    os.umask(0)  # the most permissive umask: the file's mode must not come from it
    keys = []
    try:
        for round_ in range(rounds):
            start.wait()
            keys.append(auth._local_key(Path(root) / str(round_) / "cookie_key"))
            finish.wait()
    except BaseException as error:  # say why, and free the others instead of a silent hang
        start.abort()
        finish.abort()
        results.put(repr(error))
        return
    results.put(keys)


def _watch(root: str, rounds: int, start, finish, results) -> None:
    """Look at the key file as fast as possible while the servers make it; report every
    sighting of it readable by others or not yet holding a whole key."""
    wrong = []
    for round_ in range(rounds):
        path = Path(root) / str(round_) / "cookie_key"
        start.wait()
        while finish.n_waiting < WORKERS:
            try:
                seen_mode = stat.S_IMODE(os.stat(path).st_mode)
                content = path.read_text()
            except FileNotFoundError:
                continue
            if seen_mode != 0o600 or len(content.strip()) < 32:
                wrong.append((round_, oct(seen_mode), len(content)))
        finish.wait()
    results.put(wrong)


def test_servers_starting_at_once_share_one_key_that_only_the_owner_can_ever_read(
    tmp_path, monkeypatch
):
    # A spawned process imports the parent's __main__ first; after an AppTest in the same
    # pytest run that is app.py, which would run the app in each child and kill it.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    spawn = multiprocessing.get_context("spawn")
    start, finish = spawn.Barrier(WORKERS + 1), spawn.Barrier(WORKERS + 1)
    keys, sightings = spawn.Queue(), spawn.Queue()
    servers = [
        spawn.Process(target=_make_key, args=(str(tmp_path), ROUNDS, start, finish, keys))
        for _ in range(WORKERS)
    ]
    watcher = spawn.Process(target=_watch, args=(str(tmp_path), ROUNDS, start, finish, sightings))
    for process in [*servers, watcher]:
        process.start()
    results = [keys.get(timeout=300) for _ in servers]
    assert all(isinstance(r, list) for r in results), results
    wrong = sightings.get(timeout=300)
    for process in [*servers, watcher]:
        process.join(timeout=30)

    for round_ in range(ROUNDS):
        path = tmp_path / str(round_) / "cookie_key"
        made = {server_keys[round_] for server_keys in results}
        assert made == {path.read_text().strip()}, f"round {round_}: {len(made)} keys"
        assert len(made.pop()) >= 32
        assert mode(path) == 0o600
        assert os.listdir(path.parent) == ["cookie_key"]  # no temporary files left behind
    assert not wrong, f"the key file was seen readable by others or incomplete: {wrong[:5]}"


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077, 0o277])
def test_the_key_file_is_0600_whatever_the_umask(tmp_path, umask):
    path = tmp_path / ".streamlit" / "cookie_key"
    before = os.umask(umask)
    try:
        key = auth._local_key(path)
    finally:
        os.umask(before)
    assert mode(path) == 0o600 and len(key) >= 32
    assert auth._local_key(path) == key  # made once, then read


@pytest.mark.parametrize("content", ["", "\n", "short"])
def test_a_damaged_key_file_is_refused_rather_than_used(tmp_path, content):
    path = tmp_path / "cookie_key"
    path.write_text(content)
    with pytest.raises(auth.ConfigurationError, match="delete it"):
        auth._local_key(path)


@pytest.mark.parametrize("okr_env", ["production", " Production "])
def test_production_never_makes_a_local_key(tmp_path, monkeypatch, okr_env):
    monkeypatch.setattr(auth, "LOCAL_KEY_FILE", tmp_path / "cookie_key")
    monkeypatch.delenv("OKR_COOKIE_KEY", raising=False)
    monkeypatch.setenv("OKR_ENV", okr_env)
    with pytest.raises(auth.ConfigurationError, match="No cookie signing key is configured"):
        auth.cookie_key()
    assert not (tmp_path / "cookie_key").exists()
    monkeypatch.delenv("OKR_ENV")
    assert auth.cookie_key() == (tmp_path / "cookie_key").read_text()  # development: made
