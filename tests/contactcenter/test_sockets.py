"""The live sockets' common parts (contactcenter/sockets.py)."""

import pytest

from contactcenter.sockets import text_frame


def unframe(frame: bytes) -> tuple[int, bytes]:
    """(first byte, payload) of a server's websocket frame, read as RFC 6455 says."""
    size, start = frame[1] & 0x7F, 2
    if size == 126:
        size, start = int.from_bytes(frame[2:4], "big"), 4
    elif size == 127:
        size, start = int.from_bytes(frame[2:10], "big"), 10
    assert frame[1] & 0x80 == 0, "a server never masks"
    assert len(frame) == start + size
    return frame[0], frame[start:]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_a_fragment_is_framed_as_one_final_text_frame_of_its_utf8_bytes(size):
    html = ("ñ" * size)[: size // 2] + "a" * (size - size // 2)  # multi-byte characters too
    first, payload = unframe(text_frame(html))
    assert first == 0x81  # FIN, text
    assert payload.decode() == html
