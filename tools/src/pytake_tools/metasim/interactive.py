"""Validation of `interactive` messages: reply buttons and lists in depth, the rest loosely.

Limits are the ones on Meta's per-type pages: up to 3 reply buttons with unique titles of at
most 20 characters and ids of at most 256; a list of at most 10 sections and 10 rows in total,
button label 20, section and row titles 24, row description 72, row id 200; body 1024 (buttons)
or 4096 (list); header and footer 60. Counts, duplicates and button-title lengths answer
131009 as Meta does; other length limits answer 100, absent parameters 131008.
"""

from __future__ import annotations

from typing import Any

from pytake_tools.metasim import params
from pytake_tools.metasim.errors import missing, not_valid

INTERACTIVE_TYPES = frozenset(
    {
        "button",
        "list",
        "cta_url",
        "flow",
        "product",
        "product_list",
        "catalog_message",
        "location_request_message",
        "address_message",
        "call_permission_request",
        "voice_call",
    }
)
BUTTON_HEADER_TYPES = frozenset({"text", "image", "video", "document"})
ROOT = "interactive"


def validate_interactive(message: dict[str, Any]) -> None:
    kind = params.choice(message, "type", ROOT, INTERACTIVE_TYPES)
    action = params.obj(message, "action", ROOT)
    if kind == "button":
        _body_and_footer(message, body_max=1024)
        _button_header(message)
        _buttons(action)
    elif kind == "list":
        _body_and_footer(message, body_max=4096)
        _list_header(message)
        _sections(action)
    else:
        # Flows, CTA URLs, catalogues...: the project does not send them; check only the text.
        body = params.opt_obj(message, "body", ROOT)
        if body is not None:
            params.opt_text(body, "text", f"{ROOT}['body']", max_len=1024)
        _footer(message)


def _body_and_footer(message: dict[str, Any], *, body_max: int) -> None:
    body = params.obj(message, "body", ROOT)
    params.text(body, "text", f"{ROOT}['body']", max_len=body_max)
    _footer(message)


def _footer(message: dict[str, Any]) -> None:
    footer = params.opt_obj(message, "footer", ROOT)
    if footer is not None:
        params.text(footer, "text", f"{ROOT}['footer']", max_len=60)


def _button_header(message: dict[str, Any]) -> None:
    header = params.opt_obj(message, "header", ROOT)
    if header is None:
        return
    path = f"{ROOT}['header']"
    kind = params.choice(header, "type", path, BUTTON_HEADER_TYPES)
    if kind == "text":
        params.text(header, "text", path, max_len=60)
        return
    media = params.obj(header, kind, path)
    media_path = params.where(path, kind)
    media_id = params.opt_text(media, "id", media_path)
    link = params.opt_text(media, "link", media_path)
    if not media_id and not link:
        raise missing(f"The parameter {media_path}['id'] or {media_path}['link'] is required.")


def _list_header(message: dict[str, Any]) -> None:
    header = params.opt_obj(message, "header", ROOT)
    if header is None:
        return
    path = f"{ROOT}['header']"
    params.choice(header, "type", path, frozenset({"text"}))
    params.text(header, "text", path, max_len=60)


def _buttons(action: dict[str, Any]) -> None:
    path = f"{ROOT}['action']"
    buttons = params.array(action, "buttons", path)
    if not 1 <= len(buttons) <= 3:
        raise not_valid(
            f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3, "
            f"got {len(buttons)}."
        )
    buttons_path = f"{path}['buttons']"
    titles: set[str] = set()
    ids: set[str] = set()
    for index in range(len(buttons)):
        button = params.item_obj(buttons, index, buttons_path)
        button_path = params.where(buttons_path, index)
        params.choice(button, "type", button_path, frozenset({"reply"}))
        reply = params.obj(button, "reply", button_path)
        reply_path = f"{button_path}['reply']"
        button_id = params.text(reply, "id", reply_path, max_len=256)
        title = params.text(reply, "title", reply_path, max_len=20, too_long=131009)
        if title in titles:
            raise not_valid(f"Button title must be unique: {reply_path}['title'] is repeated.")
        if button_id in ids:
            raise not_valid(f"Button id must be unique: {reply_path}['id'] is repeated.")
        titles.add(title)
        ids.add(button_id)


def _sections(action: dict[str, Any]) -> None:
    path = f"{ROOT}['action']"
    params.text(action, "button", path, max_len=20)
    sections = params.array(action, "sections", path)
    if not 1 <= len(sections) <= 10:
        raise not_valid(
            f"Invalid sections count. Min allowed sections: 1, Max allowed sections: 10, "
            f"got {len(sections)}."
        )
    sections_path = f"{path}['sections']"
    row_ids: set[str] = set()
    total_rows = 0
    for index in range(len(sections)):
        section = params.item_obj(sections, index, sections_path)
        section_path = params.where(sections_path, index)
        # A title is optional for a single section, required once there are several.
        if len(sections) > 1:
            params.text(section, "title", section_path, max_len=24)
        else:
            params.opt_text(section, "title", section_path, max_len=24)
        rows = params.array(section, "rows", section_path)
        if not rows:
            raise not_valid(f"Param {section_path}['rows'] must contain at least one row.")
        total_rows += len(rows)
        if total_rows > 10:
            raise not_valid("Total row count exceed max allowed count: 10")
        rows_path = f"{section_path}['rows']"
        for row_index in range(len(rows)):
            row = params.item_obj(rows, row_index, rows_path)
            row_path = params.where(rows_path, row_index)
            row_id = params.text(row, "id", row_path, max_len=200)
            params.text(row, "title", row_path, max_len=24)
            params.opt_text(row, "description", row_path, max_len=72)
            if row_id in row_ids:
                raise not_valid(f"Row id must be unique: {row_path}['id'] is repeated.")
            row_ids.add(row_id)
