"""Targeted changes to how a Streamlit 1.67 server runs scripts under load.

**Batched hand-overs.** Every element a script draws becomes a ForwardMsg, and ``AppSession``
passes each one from the script's thread to the event loop with its own
``loop.call_soon_threadsafe`` — a write to the loop's wake-up socket and, under load, a
hand-over of the GIL, per element. A page of 300 elements pays that 300 times; with 30
sessions the server spent ~30 % of its CPU in that write (py-spy on the load benchmark).
Each session queues its callbacks in call order and wakes the loop once per batch instead:
the loop runs the same callbacks, in the same order, on the same thread. There, each message
queued for the browser woke the loop's send loop through the wake-up socket again
(``Runtime._enqueued_some_message``, ~4 % of a busy server's CPU): on the loop's own thread it
now sets the send loop's event directly. An element's message skips Streamlit's general
run-event handler (which, for it, only checks the sender and queues it); the send loop gives
the event loop a turn once per ``SEND_BATCH`` messages instead of after each; and the
websocket frames sent in one turn of the loop leave in one socket write. On a page of 200
Markdown elements the loop's time per message went from ~90 to ~50 µs.

**One script at a time.** Streamlit runs each session's script in its own thread, and all of
them share one interpreter lock. With 50 sessions, six or so scripts ran at once: each took
two to six times its CPU time in wall time, and the event loop — which has to win the lock
back after every socket write to deliver a finished run — waited behind them all (a run's
p95 from request to its last message was 3-4x the script's own). Runs now take turns
(``OKR_CONCURRENT_RUNS``, default 1): at 50 sessions p95 went from ~1,100 to ~290 ms and
throughput up. A run never waits longer than ``OKR_RUN_WAIT_MS`` (default 1000) for its
turn: behind a long run (a large export) the others go ahead side by side, as before.

**A shorter interpreter-lock slice.** The event loop gives the lock up at every socket write
and, to get it back while a script runs, waits for Python's switch interval (5 ms). A run's
messages are many writes, so its last message ("finished") reached the browser tens of ms
after the script ended, behind the next run. With one script at a time a 1 ms interval
(``OKR_SWITCH_INTERVAL_MS``) costs little switching: at 50 sessions p95 ~140 -> ~115 ms.

**Full garbage collections on a schedule, between runs.** Python starts a full collection
when enough objects have outlived two young ones; under load that was every ~3 s, each
stopping the whole server for 100-300 ms (it walks every long-lived object: cached reads,
sessions) — a pause every queued run then waits through. Automatic collections now stop at
the young generations, and a full one runs every ``OKR_GC_FULL_EVERY_S`` seconds (default
30; 0 keeps Python's own policy), taking its turn like a run, so that it never stops one
midway. At 50 sessions: p95 310 -> ~140 ms, and memory still flat (see the README).

**No Nagle delay.** Streamlit binds its listening socket itself, as ``socket.socket(family)``:
protocol 0, not ``IPPROTO_TCP``, so asyncio does not recognise the connections it accepts as
TCP and leaves Nagle's algorithm on (``TCP_NODELAY`` off). A run's first small message then
held back all the others until the browser acknowledged it, and browsers delay that
acknowledgement (~40 ms on Linux): every run reached the browser ~40 ms late, at any load.
Connections now get ``TCP_NODELAY`` like any asyncio TCP connection.

Installed once per server process (see app.py); without a matching Streamlit it does
nothing and the server behaves as stock Streamlit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import itertools
import logging
import os
import socket
import sys
import threading
import time
import types
from collections.abc import Callable

log = logging.getLogger("okr")
_installed = threading.Lock()
_done: list[bool] = []


class _Batcher:
    """Callbacks for one event loop, run there in the order they were queued."""

    def __init__(self, loop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._queued: list[Callable[[], None]] = []
        self._scheduled = False

    def call_soon(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._queued.append(callback)
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self._loop.call_soon_threadsafe(self._run)
        except RuntimeError:
            with self._lock:  # the loop is closed (shutdown): drop, as Streamlit does
                self._queued.clear()
                self._scheduled = False
            if not self._loop.is_closed():
                raise

    def _run(self) -> None:
        with self._lock:
            callbacks, self._queued = self._queued, []
            self._scheduled = False
        for callback in callbacks:
            try:
                callback()
            except Exception:  # as a loop callback would: log it, keep the others running
                log.exception("event loop callback failed")


class RunTurns:
    """At most `slots` script runs at once; a run waits at most `wait` seconds for its turn."""

    def __init__(self, slots: int, wait: float) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._wait = wait

    def run(self, body: Callable[[], None]) -> None:
        got_turn = self._slots.acquire(timeout=self._wait)
        try:
            body()
        finally:
            if got_turn:
                self._slots.release()


def install() -> bool:
    """Install the changes (each can be turned off); True when batching is installed."""
    with _installed:
        if not _done:
            _done.append(_install_batching())
            _install_no_delay()
            turns = _install_turns()
            _install_gc_schedule(turns)
            interval = _number_setting("OKR_SWITCH_INTERVAL_MS", 1)
            if interval > 0:
                sys.setswitchinterval(interval / 1000)
        return _done[0]


def _install_batching() -> bool:
    """The batched hand-overs and, with them, the lighter path of each message to the browser
    (``OKR_STREAMLIT_BATCHING=0`` turns all of it off)."""
    if os.environ.get("OKR_STREAMLIT_BATCHING", "1") == "0":
        return False
    try:
        from streamlit.runtime.app_session import AppSession
    except ImportError:
        return False
    if not callable(getattr(AppSession, "_call_soon_on_event_loop", None)):
        return False

    def _call_soon_on_event_loop(self, callback: Callable[[], None]) -> None:
        batcher = self.__dict__.get("_okr_batcher")
        if batcher is None:
            batcher = self.__dict__.setdefault("_okr_batcher", _Batcher(self._event_loop))
        batcher.call_soon(callback)

    AppSession._call_soon_on_event_loop = _call_soon_on_event_loop
    _install_direct_wakeup()
    _install_message_fast_path(AppSession)
    _install_send_batches()
    _install_frame_coalescing()
    return True


def _install_message_fast_path(app_session_class) -> None:
    """An element's message goes to the browser queue without the general event handler:
    for ENQUEUE_FORWARD_MSG that handler only checks the sender, queues the message and
    finds that the session's state has not changed (each ScriptRunner connects to the
    class's handler when it is made, so the next run uses this one)."""
    try:
        from streamlit.runtime.scriptrunner import ScriptRunnerEvent
    except ImportError:
        return
    original = app_session_class._on_scriptrunner_event
    enqueue = ScriptRunnerEvent.ENQUEUE_FORWARD_MSG

    def _on_scriptrunner_event(self, sender, event, forward_msg=None, **rest) -> None:
        if event is enqueue and forward_msg is not None and not rest:
            self._call_soon_on_event_loop(
                functools.partial(_enqueue_if_current, self, sender, forward_msg)
            )
        else:
            original(self, sender, event, forward_msg, **rest)

    app_session_class._on_scriptrunner_event = _on_scriptrunner_event


def _enqueue_if_current(session, sender, message) -> None:
    if sender is session._scriptrunner:  # a stopped run's late messages are dropped
        session._enqueue_forward_msg(message)


# The send loop yields to the event loop once per this many messages instead of after each.
SEND_BATCH = 64


def _install_send_batches() -> None:
    """Streamlit's send loop (``Runtime._loop_coroutine``) awaits ``asyncio.sleep(0)`` after
    every message: a turn of the event loop (and a poll of its sockets) per element. It
    already runs, so its code cannot be swapped: the module's ``asyncio`` becomes a copy
    whose ``sleep(0)`` yields once per ``SEND_BATCH`` calls (the only ``sleep(0)`` there).
    The websocket's own send queue (500 messages) is drained at each yield."""
    try:
        from streamlit.runtime import runtime as runtime_module
    except ImportError:
        return
    if isinstance(runtime_module.asyncio, _BatchedSleep):
        return
    if inspect.getsource(runtime_module).count("asyncio.sleep(0)") != 1:
        return  # another Streamlit: leave it as it is
    runtime_module.asyncio = _BatchedSleep(asyncio, SEND_BATCH)


class _BatchedSleep(types.ModuleType):
    """asyncio, but ``sleep(0)`` gives the loop a turn only every ``every`` calls."""

    def __init__(self, module, every: int) -> None:
        super().__init__(module.__name__)
        self.__dict__.update(
            {k: v for k, v in vars(module).items() if not k.startswith("__") and k != "sleep"}
        )
        self._real_sleep = module.sleep
        self._every = every
        self._calls = itertools.count(1)

    def sleep(self, delay: float, result=None):
        if delay == 0 and next(self._calls) % self._every:
            return _no_wait(result)
        return self._real_sleep(delay, result)


async def _no_wait(result=None):
    return result


def _install_frame_coalescing() -> None:
    """uvicorn wrote each websocket message to the socket as soon as it was sent: a system
    call per element. Messages sent in one turn of the event loop now leave in one write at
    its end (in order: the protocol's frames wait in its own buffer, which every other write
    of the connection, a ping or a close, flushes first)."""
    try:
        from uvicorn.protocols.utils import ClientDisconnected
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )
        from websockets.exceptions import InvalidState
    except ImportError:
        return
    original = WebSocketsSansIOProtocol.send
    if getattr(original, "_okr", False):
        return

    async def send(self, message) -> None:
        data = message.get("bytes") if message["type"] == "websocket.send" else None
        if (
            data is not None
            and self.handshake_complete
            and self.initial_response is None
            and not (self.close_sent or self.disconnected)
            and self.writable.is_set()
        ):
            try:
                self.conn.send_binary(data)
            except InvalidState as closing:  # as uvicorn's own send reports it
                raise ClientDisconnected() from closing
            if not self.__dict__.get("_okr_flush_due"):
                self._okr_flush_due = True
                self.loop.call_soon(_flush_frames, self)
            return
        _flush_frames(self)
        await original(self, message)

    send._okr = True
    WebSocketsSansIOProtocol.send = send


def _flush_frames(protocol) -> None:
    protocol._okr_flush_due = False
    frames = protocol.conn.data_to_send()
    if frames and not protocol.transport.is_closing():
        protocol.transport.write(b"".join(frames))


def _install_direct_wakeup() -> None:
    try:
        from streamlit.runtime.runtime import Runtime
    except ImportError:
        return
    original = getattr(Runtime, "_enqueued_some_message", None)
    if not callable(original) or not callable(getattr(Runtime, "_get_async_objs", None)):
        return

    def _enqueued_some_message(self) -> None:
        async_objs = self._get_async_objs()
        try:
            on_loop = asyncio.get_running_loop() is async_objs.eventloop
        except RuntimeError:  # no loop runs in this thread
            on_loop = False
        if on_loop:
            async_objs.need_send_data.set()
        else:
            original(self)

    Runtime._enqueued_some_message = _enqueued_some_message
    _rebind_message_callbacks(Runtime)


def _rebind_message_callbacks(runtime_class) -> None:
    """The running server's session manager and sessions kept the callback they were given at
    start (a bound method of the old function): give them the new one."""
    if not runtime_class.exists():  # AppTest: no server
        return
    runtime = runtime_class.instance()
    callback = runtime._enqueued_some_message
    manager = getattr(runtime, "_session_mgr", None)
    if manager is None or not hasattr(manager, "_message_enqueued_callback"):
        return
    manager._message_enqueued_callback = callback
    for info in manager.list_sessions():
        if getattr(info.session, "_message_enqueued_callback", None) is not None:
            info.session._message_enqueued_callback = callback


def _install_no_delay() -> None:
    if os.environ.get("OKR_TCP_NODELAY", "1") == "0":
        return
    from asyncio import base_events, selector_events

    if getattr(base_events._set_nodelay, "_okr", False):
        return
    _set_nodelay.replaced = base_events._set_nodelay  # asyncio's own
    base_events._set_nodelay = _set_nodelay  # what asyncio calls for each new connection
    for transport in _open_transports(selector_events):  # those accepted before this run
        _set_nodelay(transport.get_extra_info("socket"))


def _set_nodelay(sock) -> None:
    """asyncio's _set_nodelay, for stream sockets of protocol 0 (TCP) too."""
    if (
        sock is not None
        and sock.family in {socket.AF_INET, socket.AF_INET6}
        and sock.type == socket.SOCK_STREAM
        and sock.proto in {0, socket.IPPROTO_TCP}
    ):
        with contextlib.suppress(OSError):  # a connection that closed meanwhile
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


_set_nodelay._okr = True


def _open_transports(selector_events) -> list:
    """The connections the server holds now (the first visitors'; one scan per process)."""
    kind = getattr(selector_events, "_SelectorSocketTransport", None)
    if kind is None:
        return []
    return [o for o in gc.get_objects() if isinstance(o, kind) and not o.is_closing()]


def _install_turns() -> RunTurns | None:
    slots = _int_setting("OKR_CONCURRENT_RUNS", 1)
    if slots <= 0:
        return None
    try:
        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
    except ImportError:
        return None
    original = getattr(ScriptRunner, "_run_script", None)
    if not callable(original):
        return None
    installed = getattr(original, "_okr_turns", None)
    if installed is not None:
        return installed
    turns = RunTurns(slots, _int_setting("OKR_RUN_WAIT_MS", 1000) / 1000)

    def _run_script(self, rerun_data) -> None:
        turns.run(lambda: original(self, rerun_data))

    _run_script._okr_turns = turns
    ScriptRunner._run_script = _run_script
    return turns


# Young collections after 10,000 new objects instead of 700 (a run's short-lived objects
# then die before they are promoted, and fewer collections run: ~1 ms less CPU a run); the
# oldest generation is never collected automatically (its count grows by one per young
# collection: "never" for days).
_YOUNG_ONLY = (10_000, 10, 1_000_000_000)


def _install_gc_schedule(turns: RunTurns | None) -> threading.Thread | None:
    every = _int_setting("OKR_GC_FULL_EVERY_S", 30)
    if every <= 0:
        return None
    gc.set_threshold(*_YOUNG_ONLY)
    collector = threading.Thread(
        target=_collect_every, args=(every, turns), name="okr-full-gc", daemon=True
    )
    collector.start()
    return collector


def _collect_every(seconds: float, turns: RunTurns | None) -> None:
    while True:
        time.sleep(seconds)
        if turns is None:
            gc.collect()
        else:
            turns.run(gc.collect)


def _int_setting(name: str, default: int) -> int:
    return int(_number_setting(name, default))


def _number_setting(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        log.warning("%s is not a number; using %s", name, default)
        return default
