"""For tests: what a browser would post from a form on a page, read from the page's HTML."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, dict]] = []  # (the form's attributes, its fields)
        self.data: dict | None = None
        self.select = None
        self.options: list[list] = []  # [value or None, selected, text]
        self.textarea = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.data = {}
            self.forms.append((a, self.data))
            return
        if self.data is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select is not None:
            self.options.append([a.get("value"), "selected" in a, ""])
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data
        elif self.select is not None and self.options:
            self.options[-1][2] += data

    def handle_endtag(self, tag):
        if self.data is None:
            return
        if tag == "form":
            self.data = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.text[1:] if self.text.startswith("\n") else self.text
            self.data.setdefault(self.textarea, []).append(text)
            self.textarea = None
        elif tag == "select" and self.select is not None:
            options = [(o[0] if o[0] is not None else o[2].strip(), o[1]) for o in self.options]
            chosen = [v for v, selected in options if selected] or [v for v, _ in options[:1]]
            self.data.setdefault(self.select, []).extend(chosen)
            self.select = None


def form_data(html: str, *, form_id: str | None = None, having: dict | None = None) -> dict:
    """The fields of a form on the page as a browser would submit them: the form with this id, or
    holding these values, or else the one with the most fields."""
    reader = _FormReader()
    reader.feed(html)
    forms = [
        data
        for attrs, data in reader.forms
        if (form_id is None or attrs.get("id") == form_id)
        and all(data.get(k) == [v] for k, v in (having or {}).items())
    ]
    if not forms:
        raise AssertionError("no such form on the page")
    data = max(forms, key=len)
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}
