"""A TCP proxy on loopback in front of a server (Temporal, PostgreSQL), to take it away from
the clients connected through it and bring it back, as an outage or a restart would."""

import asyncio

from tests.support.ports import free_port


class Proxy:
    """A TCP proxy in front of the Temporal server, to take it away and bring it back:
    ``refuse`` (down, restarting: connections refused), ``silence`` (up but not answering:
    nothing forwarded), ``forward`` (back)."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.port = free_port()
        self.forwarding = True
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def forward(self) -> None:
        self._drop_connections()  # nothing half-forwarded is resumed
        self.forwarding = True
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    def silence(self) -> None:
        self.forwarding = False

    async def refuse(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._drop_connections()

    def _drop_connections(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if self.forwarding:
                    writer.write(data)
                    await writer.drain()
        except (ConnectionError, RuntimeError):
            pass
        finally:
            writer.transport.abort()
