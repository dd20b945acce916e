"""A refused form's page read as a person, and a screen reader, reads it (issue 12, point 7):
the message beside the field it concerns, the field marked invalid and described by it, the
page's alert linking to it, and no refusal code in the text anyone reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
UNREAD = frozenset({"script", "style"})


@dataclass
class Node:
    """An element of the page, with its attributes, children and text."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def text(self) -> str:
        """The text a person reads in this element (scripts and styles left out)."""
        if self.tag in UNREAD:
            return ""
        parts = (c if isinstance(c, str) else c.text() for c in self.children)
        return " ".join(" ".join(parts).split())

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def closest(self, css_class: str) -> Node | None:
        node: Node | None = self
        while node is not None and css_class not in node.classes():
            node = node.parent
        return node


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.open)
        self.open.children.append(node)
        if tag not in VOID:
            self.open = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.open
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.open = node.parent

    def handle_data(self, data: str) -> None:
        self.open.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def by_id(page: Node, element_id: str) -> Node:
    found = next((n for n in page.walk() if n.attrs.get("id") == element_id), None)
    assert found is not None, f"no element #{element_id}"
    return found


@dataclass(frozen=True, slots=True)
class FieldRefusal:
    """What the page says about one field: the messages beside it with their codes, and how
    its control is marked."""

    messages: list[str]
    codes: list[str]
    invalid: bool
    described: bool


def field_refusal(html: str, control_id: str) -> FieldRefusal:
    """The messages in the container (``.field``) of the control ``#control_id``, and whether
    the control says ``aria-invalid="true"`` and is described by the list of those messages."""
    page = parse(html)
    control = by_id(page, control_id)
    container = control.closest("field")
    assert container is not None, f"#{control_id} is in no .field"
    lists = [n for n in container.walk() if "errorlist" in n.classes()]
    items = [li for errors in lists for li in errors.walk() if li.tag == "li"]
    described = control.attrs.get("aria-describedby", "").split()
    return FieldRefusal(
        messages=[li.text() for li in items],
        codes=[li.attrs.get("data-code", "") for li in items],
        invalid=control.attrs.get("aria-invalid") == "true",
        described=any(errors.attrs.get("id") in described for errors in lists),
    )


def visible_text(html: str) -> str:
    return parse(html).text()


def alert_text(html: str) -> str:
    """What the page's alerts (``role="alert"``) say."""
    return " ".join(n.text() for n in parse(html).walk() if n.attrs.get("role") == "alert")


def alert_links(html: str) -> list[str]:
    """Where the links of the page's alerts (``role="alert"``) lead."""
    alerts = [n for n in parse(html).walk() if n.attrs.get("role") == "alert"]
    return [a.attrs.get("href", "") for n in alerts for a in n.walk() if a.tag == "a"]


def assert_refused_beside(html: str, control_id: str, code: str) -> None:
    """The refusal ``code`` is said beside ``#control_id`` alone, marked for screen readers,
    the alert links to the field, and the code is in no text a person reads."""
    beside = field_refusal(html, control_id)
    assert beside.codes == [code], beside
    assert beside.messages, beside
    assert all(beside.messages), beside
    assert beside.invalid, beside
    assert beside.described, beside
    assert f"#{control_id}" in alert_links(html)
    assert code not in visible_text(html)


def value_of(html: str, control_id: str) -> str | None:
    """What the control ``#control_id`` holds as drawn: an input's value, the option chosen
    in a select, a textarea's text."""
    control = by_id(parse(html), control_id)
    if control.tag == "select":
        chosen = [o for o in control.walk() if o.tag == "option" and "selected" in o.attrs]
        return chosen[0].attrs.get("value") if chosen else None
    if control.tag == "textarea":
        return control.text()
    return control.attrs.get("value")
