"""bleak scanner backend that listens on the virtual radio."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from bleak.backends.scanner import AdvertisementDataCallback, BaseBleakScanner
from bumble.device import Advertisement

from nkt_dyno.devices.virtual._convert import address_text, advertisement_data

if TYPE_CHECKING:
    from nkt_dyno.devices.virtual._radio import VirtualRadio


class VirtualScanner(BaseBleakScanner):
    """Reports every advertisement the virtual central hears.

    ``BLEDevice.details`` is the bumble :class:`~bumble.hci.Address`, which keeps
    the address type that bleak's address string drops. Bind to a radio with
    :meth:`VirtualRadio.backends`.
    """

    radio: ClassVar[VirtualRadio]

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._remove: Callable[[], Awaitable[None]] | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        if self._remove is None:
            self._remove = await self.radio.listen(self._on_advertisement)

    async def stop(self) -> None:
        remove, self._remove = self._remove, None
        if remove is not None:
            await remove()

    def _on_advertisement(self, adv: Advertisement) -> None:
        data = advertisement_data(adv)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        text = address_text(adv.address)
        device = self.create_or_update_device(text, text, data.local_name, adv.address, data)
        self.call_detection_callbacks(device, data)
