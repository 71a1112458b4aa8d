"""Start and stop the three processes of a running bot: engine, action server and gateway.

`python -m bot run` uses this for `make run`; the end-to-end tests use it to run the real thing
on their own ports. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

import httpx

from bot.settings import ROOT, get_settings

ENGINE_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
MODEL_POINTER = "current"
ENGINE_TUNING = {
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
    # oneDNN's kernels: as fast for these small models, and 30 MB less resident memory.
    "TF_ENABLE_ONEDNN_OPTS": "0",
    # One BLAS thread: OpenBLAS's worker threads spin on the other core after a small product
    # (parsing alone: 4.9 ms of CPU per message with its threads, 2.0 with one, same results).
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}


class StackError(RuntimeError):
    pass


def current_model(model_dir: Path) -> Path:
    pointer = model_dir / MODEL_POINTER
    if not pointer.exists():
        raise StackError(f"No trained model in {model_dir}: run `make setup` first.")
    model = model_dir / pointer.read_text().strip()
    if not model.exists():
        raise StackError(f"{model} is missing: run `make setup` again.")
    return model


def lock_store_environment(redis_url: str | None) -> dict[str, str]:
    """The engine's lock store settings (endpoints.yml) from REDIS_URL: in memory when unset."""
    if not redis_url:
        return {
            "LOCK_STORE_TYPE": "in_memory",
            "LOCK_STORE_HOST": "",
            "LOCK_STORE_PORT": "6379",
            "LOCK_STORE_DB": "1",
            "LOCK_STORE_PASSWORD": "",
        }
    parsed = urlsplit(redis_url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise StackError(f"REDIS_URL must look like redis://host:6379/0, not {redis_url!r}")
    database = parsed.path.strip("/") or "0"
    return {
        "LOCK_STORE_TYPE": "redis",
        "LOCK_STORE_HOST": parsed.hostname,
        "LOCK_STORE_PORT": str(parsed.port or 6379),
        "LOCK_STORE_DB": database,
        "LOCK_STORE_PASSWORD": unquote(parsed.password or ""),
    }


@dataclass
class Ports:
    engine: int = 5005
    actions: int = 5055
    gateway: int = 8000
    # More engine replicas (ports), sharing the tracker store and the Redis lock store.
    more_engines: tuple[int, ...] = ()

    @property
    def engine_ports(self) -> tuple[int, ...]:
        return (self.engine, *self.more_engines)

    @property
    def engine_url(self) -> str:
        """Every replica, comma-separated, as the gateway's ENGINE_URL takes them."""
        return ",".join(f"http://127.0.0.1:{port}" for port in self.engine_ports)

    @property
    def action_server_url(self) -> str:
        return f"http://127.0.0.1:{self.actions}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway}"


@dataclass
class Stack:
    model: Path
    ports: Ports = field(default_factory=Ports)
    env: Mapping[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _environment(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        env.setdefault("TRACKER_STORE_URL", get_settings().tracker_store_url)
        env.setdefault("ENGINE_AUTH_TOKEN", self.engine_auth_token)
        env.update(lock_store_environment(env.get("REDIS_URL") or None))
        env.update(
            PYTHONPATH=str(ROOT),
            ENGINE_URL=self.ports.engine_url,
            ACTION_SERVER_URL=self.ports.action_server_url,
            ACTION_ENDPOINT_URL=f"{self.ports.action_server_url}/webhook",
            SANIC_HOST="127.0.0.1",
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        # The engine runs one model at a time: TensorFlow's thread pools only compete with the
        # other processes for the cores, and each thread's malloc arena costs memory.
        for name, value in ENGINE_TUNING.items():
            env.setdefault(name, value)
        return env

    @property
    def engine_auth_token(self) -> str:
        """One token for the engines and the gateway: the environment's, or this checkout's."""
        return (
            self.env.get("ENGINE_AUTH_TOKEN")
            or os.environ.get("ENGINE_AUTH_TOKEN")
            or (get_settings().engine_auth_token)
        )

    def engine_command(self, port: int) -> list[str]:
        # The token is on the command line (Rasa reads it from nowhere else): the engine runs on
        # a developer's own machine here, and alone in its container in a deployment.
        # `python -m engine run` is `rasa run` in a process that never loads TensorFlow
        # (engine/__main__.py).
        return [
            str(ENGINE_PYTHON),
            "-m",
            "engine",
            "run",
            "--enable-api",
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--model",
            str(self.model),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--auth-token",
            self.engine_auth_token,
        ]

    def commands(self) -> dict[str, list[str]]:
        """Each process by name: "actions", "engine" (and "engine-2"... for replicas), "gateway"."""
        engines = {
            ("engine" if index == 0 else f"engine-{index + 1}"): self.engine_command(port)
            for index, port in enumerate(self.ports.engine_ports)
        }
        return {
            **engines,
            "actions": [
                sys.executable,
                "-m",
                "actions",  # rasa-sdk's server, after a check of the database (actions/__main__.py)
                "--actions",
                "actions",
                "--port",
                str(self.ports.actions),
            ],
            "gateway": [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "bot.gateway.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports.gateway),
                "--no-access-log",
                # Forwarded headers are read by bot/proxies.py from TRUSTED_PROXIES only.
                "--no-proxy-headers",
            ],
        }

    def _output(self, name: str) -> IO[bytes] | None:
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return (self.log_dir / f"{name}.log").open("ab")

    def start(self) -> None:
        env = self._environment()
        for name, command in self.commands().items():
            self._launch(name, command, env)

    def _launch(self, name: str, command: list[str], env: dict[str, str]) -> None:
        output = self._output(name)
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT if output else None
        )

    def restart(self, *names: str, timeout_seconds: float = 180) -> None:
        """Stop the named processes (all when none are named), start them again, wait until healthy.

        As after a crash or a deploy: conversations carry on from the tracker store.
        """
        commands = self.commands()
        chosen = list(names or commands)
        unknown = set(chosen) - set(commands)
        if unknown:
            raise StackError(f"no process named {', '.join(sorted(unknown))}")
        self._terminate([self.processes.pop(name) for name in chosen if name in self.processes])
        env = self._environment()
        for name in chosen:
            self._launch(name, commands[name], env)
        self.wait_until_healthy(timeout_seconds)

    def stop_process(self, name: str) -> None:
        """Stop one process and leave it stopped (a replica lost, a part of the bot down)."""
        process = self.processes.pop(name, None)
        if process is None:
            raise StackError(f"no running process named {name}")
        self._terminate([process])

    def wait_until_healthy(self, timeout_seconds: float = 180) -> None:
        deadline = time.monotonic() + timeout_seconds
        url = f"{self.ports.gateway_url}/health"
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StackError(f"{name} exited with code {process.returncode} while starting")
            if self._healthy(url):
                return
            time.sleep(0.5)
        raise StackError(f"the bot was not healthy after {timeout_seconds:.0f} s ({url})")

    def _healthy(self, gateway_health: str) -> bool:
        """The gateway says all is well, and every engine replica answers (it only needs one)."""
        token = {"token": self.engine_auth_token}
        urls = [gateway_health, *(f"http://127.0.0.1:{port}/status" for port in self.ports.engine_ports)]
        try:
            return all(httpx.get(url, params=token, timeout=2).status_code == 200 for url in urls)
        except httpx.HTTPError:
            return False

    def stop(self, grace_seconds: float = 15) -> None:
        self._terminate(list(self.processes.values()), grace_seconds)
        self.processes.clear()

    @staticmethod
    def _terminate(processes: list[subprocess.Popen[bytes]], grace_seconds: float = 15) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
