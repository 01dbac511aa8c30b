"""A browser's reading of a form: the fields it would send (text and hidden inputs, ticked boxes, the chosen
option of each select), so that a test submits a console form as it is on the page, changing only a few fields."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside = action, False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.option: tuple[str | None, bool, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and "name" in a:
            if a.get("type") != "checkbox":
                self.fields[a["name"]] = a.get("value", "")
            elif "checked" in a:
                self.fields[a["name"]] = a.get("value") or "on"
        elif tag == "select":
            self.select, self.options = a["name"], []
        elif tag == "option" and self.select is not None:
            self.option = (dict(attrs).get("value"), "selected" in a, "")

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option = (self.option[0], self.option[1], self.option[2] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self.option is not None:
            value, selected, text = self.option
            self.options.append((value if value is not None else text.strip(), selected))
            self.option = None
        elif tag == "select" and self.select is not None:
            chosen = [v for v, selected in self.options if selected] or [v for v, _ in self.options[:1]]
            self.fields[self.select] = chosen[0] if chosen else ""
            self.select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> dict[str, str]:
    """The fields the form posting to `action` would send as it stands."""
    parser = _Form(action)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action}"
    return dict(parser.fields)
