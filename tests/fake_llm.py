"""A small OpenAI-compatible chat server for tests (stdlib only), used through the real `openai` client.

    with FakeLLM() as llm:                      # 127.0.0.1, a free port
        llm.script(Reply(status=429))           # next request: rate limited
        llm.script(Reply(text="Bob [#3]"))      # then a normal answer
        settings = replace(settings, openai_base_url=llm.url, openai_api_key="test")
        ...
        llm.requests[-1]["messages"]            # what the client sent

Serves POST /v1/chat/completions (JSON, or SSE when "stream": true) and GET /v1/models. Each
request takes the next scripted Reply; with none left, `responder(request) -> str` answers
(default: a short answer citing the first message id found in the prompt). Replies can fail
with any HTTP status (401, 429, 500 ...), or be slow (`delay` seconds before answering, to hit
the client's timeout; `chunk_delay` between streamed chunks), hang (`hang=True`), be cut off
(`finish_reason="length"`), drop the connection mid-stream (`fail_after_chunks`) or ask for a
wait (`status=429, retry_after=2`).

Run standalone for the browser tests: `python tests/fake_llm.py --port 8765`.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ERROR_TYPES = {
    400: ("invalid_request_error", "Bad request"),
    401: ("invalid_request_error", "Incorrect API key provided: sk-test. You can find your API key at ..."),
    403: ("permission_denied", "You are not allowed to use this model."),
    404: ("invalid_request_error", "The model `missing` does not exist or you do not have access to it."),
    429: ("rate_limit_exceeded", "Rate limit reached for requests. Please try again in 20ms."),
    500: ("server_error", "The server had an error while processing your request."),
    503: ("server_error", "The engine is currently overloaded."),
}


@dataclass
class Reply:
    """One scripted response."""

    text: str | None = None
    status: int = 200
    delay: float = 0.0
    chunk_delay: float = 0.0
    error_code: str | None = None  # e.g. "insufficient_quota" for a 429
    message: str | None = None  # error message (default: what OpenAI says for that status)
    chunks: list[str] | None = None  # exact streamed pieces (default: text split into small pieces)
    fail_after_chunks: int | None = None  # streaming: drop the connection after this many chunks
    hang: bool = False  # never answer (until the server stops): a hung model
    finish_reason: str = "stop"  # "length": a reply cut off at max_tokens
    retry_after: float | None = None  # error replies: send Retry-After (seconds) instead of retry-after-ms: 10


def default_responder(request: dict[str, Any]) -> str:
    """Answer by citing the first message id (#123) in the prompt, or say nothing was found."""
    prompt = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
    if request.get("response_format", {}).get("type") == "json_object" or "JSON only" in prompt:
        ids = re.findall(r"^#(\d+) ", prompt, re.M)
        return json.dumps(
            {"items": [{"title": "Follow up", "owner": None, "due_date": None, "source_message_ids": [int(ids[0])]}]}
            if ids
            else {"items": []}
        )
    ids = re.findall(r"^#(\d+) ", prompt, re.M)
    if not ids:
        return "I could not find anything about that in the project."
    return f"According to the team chat, this was discussed [#{ids[-1]}]."


class FakeLLM:
    """The server; start() / stop() or use as a context manager."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, models: tuple[str, ...] = ("gpt-4o-mini", "fake-model")
    ) -> None:
        self.host = host
        self.models = models
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.responder: Callable[[dict[str, Any]], str] = default_responder
        self.chunk_delay = 0.0  # between streamed chunks of responder answers
        self._queue: deque[Reply] = deque()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to give the OpenAI client (ends in /v1)."""
        return f"http://{self.host}:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.headers.clear()

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return Reply(text=self.responder(request), chunk_delay=self.chunk_delay)

    def start(self) -> FakeLLM:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()  # releases hung replies
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- HTTP ---------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _send_json(self, status: int, body: Any, extra: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send_json(
                        200,
                        {
                            "object": "list",
                            "data": [{"id": m, "object": "model", "owned_by": "fake"} for m in fake.models],
                        },
                    )
                else:
                    self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    request = json.loads(raw)
                except json.JSONDecodeError:
                    self._send_json(400, {"error": {"message": "invalid JSON body", "type": "invalid_request_error"}})
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                with fake._lock:
                    fake.requests.append(request)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = fake._next(request)
                if reply.hang:
                    fake._stopped.wait()
                    return
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    kind, message = _ERROR_TYPES.get(reply.status, ("server_error", "error"))
                    message = reply.message or message
                    # retry-after-ms keeps the SDK's own retries fast in tests
                    self._send_json(
                        reply.status,
                        {"error": {"message": message, "type": kind, "code": reply.error_code or kind, "param": None}},
                        {"retry-after": f"{reply.retry_after:g}"}
                        if reply.retry_after is not None
                        else {"retry-after-ms": "10"},
                    )
                    return
                text = reply.text if reply.text is not None else ""
                model = request.get("model", "fake-model")
                cid = "chatcmpl-" + uuid.uuid4().hex[:12]
                if request.get("stream"):
                    self._stream(cid, model, text, reply)
                    return
                self._send_json(
                    200,
                    {
                        "id": cid,
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": text},
                                "finish_reason": reply.finish_reason,
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": max(1, len(text) // 4), "total_tokens": 10},
                    },
                )

            def _stream(self, cid: str, model: str, text: str, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = reply.chunks if reply.chunks is not None else [text[i : i + 6] for i in range(0, len(text), 6)]

                def event(delta: dict[str, Any], finish: str | None = None) -> None:
                    body = {
                        "id": cid,
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                    }
                    self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
                    self.wfile.flush()

                try:
                    event({"role": "assistant", "content": ""})
                    for i, piece in enumerate(pieces):
                        if reply.fail_after_chunks is not None and i >= reply.fail_after_chunks:
                            self.close_connection = True
                            return
                        if reply.chunk_delay:
                            time.sleep(reply.chunk_delay)
                        event({"content": piece})
                    event({}, reply.finish_reason)
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible chat server for tests")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--chunk-delay", type=float, default=0.05, help="seconds between streamed chunks")
    args = parser.parse_args()
    server = FakeLLM(port=args.port)
    server.chunk_delay = args.chunk_delay
    print(f"fake LLM at {server.url}", flush=True)
    try:
        server.start()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
