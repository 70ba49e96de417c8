"""Publishers that lose what they are given, as a broker outage or a worker dying mid-batch would."""

from __future__ import annotations

from collections.abc import Sequence

from shared.messaging import Outgoing, RecordingPublisher


class BrokerDown(ConnectionError):
    pass


class FailingPublisher(RecordingPublisher):
    """A broker that never acknowledges: the worker dies before any marker is written."""

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        raise BrokerDown("no acknowledgement")


class DiesOnce(RecordingPublisher):
    """Loses the first publish (the worker died after its effect, before announcing it), then records."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        if self.failures:
            self.failures -= 1
            raise BrokerDown("the worker died")
        await super().publish(messages)
