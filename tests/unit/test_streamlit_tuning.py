"""The batched hand-over of a run's messages to the event loop keeps every callback, in order;
runs take turns; a message queued on the loop wakes its send loop directly."""

from __future__ import annotations

import asyncio
import socket
import threading
from asyncio import base_events
from types import SimpleNamespace

import pytest

from shell import streamlit_tuning
from shell.streamlit_tuning import _Batcher


def test_callbacks_from_another_thread_all_run_in_order_on_the_loop():
    loop = asyncio.new_event_loop()
    ran: list[tuple[int, bool]] = []
    done = threading.Event()
    loop_thread = threading.Thread(target=loop.run_forever, daemon=True)
    loop_thread.start()
    batcher = _Batcher(loop)

    def record(n: int) -> None:
        ran.append((n, threading.current_thread() is loop_thread))
        if n == 2_999:
            done.set()

    def fail() -> None:
        raise RuntimeError("one callback fails")

    for n in range(3_000):
        batcher.call_soon(lambda n=n: record(n))
        if n == 1_500:
            batcher.call_soon(fail)  # logged; the ones after it still run
    assert done.wait(10)
    loop.call_soon_threadsafe(loop.stop)
    loop_thread.join(5)
    loop.close()
    assert [n for n, _ in ran] == list(range(3_000))
    assert all(on_loop for _, on_loop in ran)


def test_a_closed_loop_drops_callbacks_like_streamlit_does():
    loop = asyncio.new_event_loop()
    loop.close()
    batcher = _Batcher(loop)
    batcher.call_soon(lambda: None)  # no exception, nothing queued
    assert batcher._queued == []


def test_it_installs_once_and_can_be_turned_off(monkeypatch):
    from streamlit.runtime.app_session import AppSession

    monkeypatch.setattr(base_events, "_set_nodelay", base_events._set_nodelay)  # restored after
    monkeypatch.setattr(streamlit_tuning, "_done", [])
    monkeypatch.setenv("OKR_STREAMLIT_BATCHING", "0")
    original = AppSession._call_soon_on_event_loop
    assert streamlit_tuning.install() is False
    assert AppSession._call_soon_on_event_loop is original

    monkeypatch.setattr(streamlit_tuning, "_done", [])
    monkeypatch.delenv("OKR_STREAMLIT_BATCHING")
    monkeypatch.setattr(AppSession, "_call_soon_on_event_loop", original)
    assert streamlit_tuning.install() is True
    assert AppSession._call_soon_on_event_loop is not original
    assert streamlit_tuning.install() is True  # once: a second call changes nothing


def test_connections_to_a_socket_bound_as_streamlit_binds_it_get_no_nagle_delay(monkeypatch):
    # From asyncio's own function, even when an earlier test's app run installed ours.
    stock = getattr(base_events._set_nodelay, "replaced", base_events._set_nodelay)
    monkeypatch.setattr(base_events, "_set_nodelay", stock)  # restored after

    def no_delay(writer: asyncio.StreamWriter) -> int:
        sock = writer.get_extra_info("socket")
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    async def connect(server: asyncio.AbstractServer, accepted: asyncio.Queue):
        port = server.sockets[0].getsockname()[1]
        _, client = await asyncio.open_connection("127.0.0.1", port)
        return client, await accepted.get()

    async def scenario() -> tuple[int, int, int]:
        listener = socket.socket(socket.AF_INET)  # protocol 0, as Streamlit binds its socket
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        accepted: asyncio.Queue = asyncio.Queue()
        server = await asyncio.start_server(lambda _r, w: accepted.put_nowait(w), sock=listener)
        async with server:
            first_client, first = await connect(server, accepted)
            before = no_delay(first)  # asyncio leaves Nagle's algorithm on here
            streamlit_tuning._install_no_delay()
            earlier = no_delay(first)  # a connection that was open when it was installed
            second_client, second = await connect(server, accepted)
            later = no_delay(second)
            for writer in (first_client, first, second_client, second):
                writer.close()
        return before, earlier, later

    before, earlier, later = on_a_new_thread(lambda: asyncio.run(scenario()))
    assert before == 0
    assert earlier == 1
    assert later == 1


def test_a_message_queued_on_the_loop_wakes_the_send_loop_without_the_wakeup_socket(
    monkeypatch,
):
    from streamlit.runtime.runtime import Runtime

    streamlit_tuning._install_direct_wakeup()
    loop = asyncio.new_event_loop()
    async_objs = SimpleNamespace(eventloop=loop, need_send_data=asyncio.Event())
    runtime = SimpleNamespace(_get_async_objs=lambda: async_objs)
    through_socket = []
    real = loop.call_soon_threadsafe
    monkeypatch.setattr(
        loop, "call_soon_threadsafe", lambda cb: (through_socket.append(cb), real(cb))
    )

    async def queue_on_the_loop() -> bool:
        Runtime._enqueued_some_message(runtime)
        return async_objs.need_send_data.is_set()

    # Each step on a thread of its own: the test process may already run a loop in its main
    # thread (the browser tests' Playwright does).
    assert on_a_new_thread(lambda: loop.run_until_complete(queue_on_the_loop()))  # at once
    assert through_socket == []

    async_objs.need_send_data.clear()
    on_a_new_thread(lambda: Runtime._enqueued_some_message(runtime))
    assert len(through_socket) == 1  # another thread still goes through the loop safely
    on_a_new_thread(lambda: loop.run_until_complete(asyncio.sleep(0)))
    assert async_objs.need_send_data.is_set()
    loop.close()


def on_a_new_thread(step):
    """``step()`` on a thread of its own, where no event loop runs (in the full suite the
    browser tests leave one running in the main thread, and asyncio.run refuses to start
    beside it); its exception, if any, is raised here."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append((step(), None))
        except BaseException as error:  # handed to the test's thread
            outcome.append((None, error))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    result, error = outcome[0]
    if error is not None:
        raise error
    return result


def test_a_running_server_s_sessions_get_the_new_callback():
    """The session manager and each session keep the callback the server gave them at start."""
    old, new = object(), object()
    sessions = [SimpleNamespace(session=SimpleNamespace(_message_enqueued_callback=old))]
    manager = SimpleNamespace(_message_enqueued_callback=old, list_sessions=lambda: sessions)
    runtime = SimpleNamespace(_session_mgr=manager, _enqueued_some_message=new)
    server = SimpleNamespace(exists=lambda: True, instance=lambda: runtime)
    streamlit_tuning._rebind_message_callbacks(server)
    assert manager._message_enqueued_callback is new
    assert sessions[0].session._message_enqueued_callback is new


@pytest.fixture(autouse=True)
def _restore_streamlit():
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.runtime import Runtime

    original = AppSession._call_soon_on_event_loop
    enqueued = Runtime._enqueued_some_message
    yield
    AppSession._call_soon_on_event_loop = original
    Runtime._enqueued_some_message = enqueued


def test_runs_take_turns_and_a_long_run_holds_the_others_up_only_so_long():
    turns = streamlit_tuning.RunTurns(slots=1, wait=0.3)
    inside, most_inside, lock = [0], [0], threading.Lock()

    def body(seconds: float) -> None:
        with lock:
            inside[0] += 1
            most_inside[0] = max(most_inside[0], inside[0])
        threading.Event().wait(seconds)
        with lock:
            inside[0] -= 1

    short = [threading.Thread(target=turns.run, args=(lambda: body(0.02),)) for _ in range(5)]
    for thread in short:
        thread.start()
    for thread in short:
        thread.join(5)
    assert most_inside[0] == 1  # one at a time

    most_inside[0] = 0
    long_run = threading.Thread(target=turns.run, args=(lambda: body(2.0),))
    long_run.start()
    threading.Event().wait(0.05)
    started = threading.Event()
    waiting = threading.Thread(target=turns.run, args=(started.set,))
    waiting.start()
    assert started.wait(1.5)  # it went ahead after 0.3 s, without the long run's slot
    long_run.join(5)
    waiting.join(5)
    assert most_inside[0] == 1

    again = threading.Event()
    turns.run(again.set)  # the slot was given back: the next run takes it at once
    assert again.is_set()


def test_a_failing_run_gives_its_turn_back():
    turns = streamlit_tuning.RunTurns(slots=1, wait=5)

    def fail() -> None:
        raise RuntimeError("the script failed")

    with pytest.raises(RuntimeError):
        turns.run(fail)
    done = threading.Event()
    waiter = threading.Thread(target=turns.run, args=(done.set,))
    waiter.start()
    assert done.wait(1)  # not after the 5 s wait


def test_an_element_message_goes_to_the_browser_queue_only_from_the_current_run():
    class Session:
        def __init__(self) -> None:
            self._scriptrunner = "current run"
            self.queued: list[str] = []
            self.other_events: list[str] = []

        def _on_scriptrunner_event(self, sender, event, forward_msg=None, **rest) -> None:
            self.other_events.append(event)

        def _call_soon_on_event_loop(self, callback) -> None:
            callback()

        def _enqueue_forward_msg(self, message) -> None:
            self.queued.append(message)

    from streamlit.runtime.scriptrunner import ScriptRunnerEvent

    streamlit_tuning._install_message_fast_path(Session)
    session = Session()
    enqueue = ScriptRunnerEvent.ENQUEUE_FORWARD_MSG
    session._on_scriptrunner_event("current run", event=enqueue, forward_msg="element 1")
    session._on_scriptrunner_event("a stopped run", event=enqueue, forward_msg="late element")
    session._on_scriptrunner_event("current run", event=ScriptRunnerEvent.SCRIPT_STARTED)
    session._on_scriptrunner_event("current run", event=enqueue, forward_msg="element 2")
    assert session.queued == ["element 1", "element 2"]
    assert session.other_events == [ScriptRunnerEvent.SCRIPT_STARTED]  # the general handler


def test_the_send_loop_yields_once_per_batch_of_messages():
    shim = streamlit_tuning._BatchedSleep(asyncio, every=64)
    assert shim.Event is asyncio.Event and shim.sleep is not asyncio.sleep

    async def scenario() -> tuple[int, float]:
        turns = 0
        sending = True

        async def count_turns() -> None:
            nonlocal turns
            while sending:
                turns += 1
                await asyncio.sleep(0)

        counter = asyncio.create_task(count_turns())
        await asyncio.sleep(0)
        turns = 0
        for _ in range(640):  # the send loop: a sleep(0) after every message
            await shim.sleep(0)
        sending = False
        await counter
        started = asyncio.get_running_loop().time()
        await shim.sleep(0.02)  # any other pause is a real one
        return turns, asyncio.get_running_loop().time() - started

    turns, paused = on_a_new_thread(lambda: asyncio.run(scenario()))
    assert 9 <= turns <= 11  # 640 messages, 10 turns of the loop for the others
    assert paused >= 0.015


def test_the_send_loop_batches_only_on_the_streamlit_it_knows(monkeypatch):
    from streamlit.runtime import runtime as runtime_module

    monkeypatch.setattr(runtime_module, "asyncio", asyncio)
    streamlit_tuning._install_send_batches()
    assert isinstance(runtime_module.asyncio, streamlit_tuning._BatchedSleep)
    streamlit_tuning._install_send_batches()  # once
    assert runtime_module.asyncio._real_sleep is asyncio.sleep


def test_messages_sent_in_one_turn_of_the_loop_leave_in_one_write_in_order(monkeypatch):
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.protocol import State
    from websockets.server import ServerProtocol

    monkeypatch.setattr(WebSocketsSansIOProtocol, "send", WebSocketsSansIOProtocol.send)
    streamlit_tuning._install_frame_coalescing()

    class Transport:
        def __init__(self) -> None:
            self.writes: list[bytes] = []

        def write(self, data: bytes) -> None:
            self.writes.append(data)

        def is_closing(self) -> bool:
            return False

    def open_connection() -> ServerProtocol:
        connection = ServerProtocol()
        connection.state = State.OPEN
        return connection

    async def scenario() -> tuple[list[bytes], bytes]:
        protocol = SimpleNamespace(
            conn=open_connection(),
            transport=Transport(),
            loop=asyncio.get_running_loop(),
            handshake_complete=True,
            initial_response=None,
            close_sent=False,
            disconnected=False,
            writable=asyncio.Event(),
        )
        protocol.writable.set()
        payloads = [f"message {n}".encode() for n in range(5)]
        for payload in payloads:
            await WebSocketsSansIOProtocol.send(
                protocol, {"type": "websocket.send", "bytes": payload}
            )
        assert protocol.transport.writes == []  # not yet: at the end of this turn
        await asyncio.sleep(0)
        expected = open_connection()
        for payload in payloads:
            expected.send_binary(payload)
        return protocol.transport.writes, b"".join(expected.data_to_send())

    writes, expected = on_a_new_thread(lambda: asyncio.run(scenario()))
    assert writes == [expected]
