"""The resource list (资源对接卡): services a worker or a family member collects while searching,
then prints or copies as a text message. Kept in the session (no account needed, nothing about the
client stored): a list of service ids, at most ``MAX_ITEMS``.

URL contract (other pages post here): ``POST /list/add`` (``service_id``, optional ``next``),
``POST /list/remove`` (``service_id``, optional ``next``), ``GET /list``, ``GET /list/print``.
"""
from __future__ import annotations

import io
from urllib.parse import urlsplit

SESSION_KEY = "resource_list"
MAX_ITEMS = 30


def ids(session) -> list[str]:
    value = session.get(SESSION_KEY) or []
    return [v for v in value if isinstance(v, str)][:MAX_ITEMS]


def add(session, service_id: str) -> bool:
    """Add a service; False if the list is full. Adding twice keeps one entry."""
    current = ids(session)
    if service_id in current:
        return True
    if len(current) >= MAX_ITEMS:
        return False
    session[SESSION_KEY] = current + [service_id]
    return True


def remove(session, service_id: str) -> None:
    session[SESSION_KEY] = [i for i in ids(session) if i != service_id]


def clear(session) -> None:
    session.pop(SESSION_KEY, None)


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths: an absolute URL or ``//host`` in ``next`` would send people away."""
    if not target or not isinstance(target, str):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def qr_svg(url: str) -> str:
    """An inline SVG QR code for ``url`` (no image files, prints sharply at any size)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    # Drop the XML declaration: the SVG is embedded in an HTML page.
    return svg[svg.index("<svg"):] if "<svg" in svg else svg


def plain_text(entries: list[dict], heading: str, labels: dict[str, str] | None = None) -> str:
    """The list as a text message: one block per service, short lines, no markup.

    ``entries``: dicts with name, organization, address, hours, phone, url (already in the chosen
    language); ``labels``: the words before a line, punctuated for that language ("电话：")."""
    labels = labels or {}
    lines = [heading]
    for number, entry in enumerate(entries, 1):
        lines.append("")
        lines.append(f"{number}. {entry['name']}（{entry['organization']}）" if entry.get("cjk")
                     else f"{number}. {entry['name']} ({entry['organization']})")
        for key in ("address", "hours", "phone", "url"):
            if entry.get(key):
                lines.append(f"   {labels.get(key, '')}{entry[key]}")
    return "\n".join(lines)


# --- the short text -----------------------------------------------------------------------------

# One service in at most this many characters: a Chinese text message is 70 characters, so each
# service fits one message (name, phone, short address; the rest is behind the link).
SHORT_LINE_CHARS = 70
_NAME_CHARS = 24


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def short_address(address: str, area_names: list[str], district: str | None) -> str:
    """"江澜市江滨区古渡街道文昌路252号" -> "江滨区文昌路252号": the city and street names a
    reader in the city does not need are dropped, the district kept in front."""
    rest = (address or "").strip()
    changed = True
    while changed:  # the names may come in any order
        changed = False
        for name in area_names:
            if name and rest.startswith(name):
                rest, changed = rest[len(name):].lstrip(" ,，"), True
    if district and rest and not rest.startswith(district):
        rest = f"{district}{rest}" if _is_cjk(district) else f"{rest}, {district}"
    return rest


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def short_line(number: int, name: str, phone: str, address: str, limit: int = SHORT_LINE_CHARS) -> str:
    """``N. name phone address`` in at most ``limit`` characters; the phone is never cut, the name
    and then the address are shortened to fit."""
    line = f"{number}. {_cut(name, _NAME_CHARS)}"
    if phone:
        line += f" {phone}"
    room = limit - len(line) - 1
    if address and room >= 4:
        line += " " + _cut(address, room)
    return _cut(line, limit)


def short_text(entries: list[dict], heading: str, link: str | None = None) -> str:
    """The list as a short message: a heading, one line per service, and the shared link if any.
    ``entries``: dicts with name, short_phone, short_address (already in the chosen language)."""
    lines = [heading]
    lines += [short_line(n, e["name"], e.get("short_phone", ""), e.get("short_address", ""))
              for n, e in enumerate(entries, 1)]
    if link:
        lines.append(link)
    return "\n".join(lines)
