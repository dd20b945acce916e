"""Loading policy packs: YAML text or file -> a validated :class:`~sscard.policy.schema.Pack`.

Everything is checked at load, so that a pack in force cannot fail later: the schema, the
cross-references, the districts, the phases, the fees, and every message through the kernel's
anti-fraud check. A refused pack raises :class:`~sscard.policy.errors.PackError` with the path of
the offending key. The pack keeps the exact text it was loaded from and its SM3 hash, so that a
campaign can record exactly what it put in force.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sscard.kernel.gm import sm3
from sscard.policy.errors import PackError
from sscard.policy.schema import Pack

__all__ = ["PACKS_DIR", "builtin_pack", "builtin_pack_ids", "load_pack"]

PACKS_DIR: Final = Path(__file__).resolve().parent / "packs"
_LOADER_FIELDS: Final = frozenset({"content_hash", "source_text"})


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key written twice in one mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Hashable, Any]:
    loader.flatten_mapping(node)
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            mark = key_node.start_mark
            raise PackError(
                "pack_duplicate_key",
                f"YAML 第{mark.line + 1}行：键“{key}”在同一层出现了两次。",
                f"YAML line {mark.line + 1}: the key “{key}” appears twice at one level.",
                {"path": str(key), "line": mark.line + 1},
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _read(source: str | Path) -> tuple[bytes, str]:
    """The bytes (for the hash) and the text of a pack given as text or as a file."""
    if isinstance(source, Path) or (
        isinstance(source, str)
        and "\n" not in source
        and ": " not in source
        and source.endswith((".yaml", ".yml"))
    ):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PackError(
                "pack_not_found",
                f"无法读取政策包文件{path}：{exc.strerror}。",
                f"Cannot read the pack file {path}: {exc.strerror}.",
                {"file": str(path)},
            ) from None
        try:
            return data, data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PackError(
                "pack_yaml_invalid",
                f"政策包文件不是 UTF-8 编码（第{exc.start}字节）。",
                f"The pack file is not UTF-8 (byte {exc.start}).",
                {"path": "", "byte": exc.start},
            ) from None
    if not isinstance(source, str):
        raise PackError(
            "pack_yaml_invalid",
            "政策包必须是 YAML 文本或文件路径。",
            "A pack is YAML text or a file path.",
            {"path": ""},
        )
    return source.encode("utf-8"), source


def _path(loc: tuple[int | str, ...], extra: str = "") -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    if extra:
        out += extra if extra.startswith("[") or not out else f".{extra}"
    return out


_ZH_BY_TYPE: Final = {
    "missing": "缺少必填字段",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "literal_error": "取值不在允许的范围内",
    "tuple_type": "应为列表",
    "list_type": "应为列表",
    "dict_type": "应为映射",
    "model_type": "应为映射",
    "too_short": "列表不能为空",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
}


def _located(error: ErrorDetails, root: yaml.Node | None) -> dict[str, Any]:
    """One error of a refused pack: its key path, its line, its messages in both languages."""
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    kind = error["type"]
    path = _path(tuple(error["loc"]), str(ctx.pop("path", "") or ""))
    if kind.startswith("pack_"):
        zh = str(ctx.pop("message_zh", error["msg"]))
        en = str(ctx.pop("message_en", error["msg"]))
    elif kind == "extra_forbidden":
        key = path.rsplit(".", 1)[-1]
        zh, en = f"未知字段“{key}”。", f"unknown key “{key}”."
    else:
        zh, en = f"{_ZH_BY_TYPE.get(kind, '取值无效')}（{error['msg']}）。", f"{error['msg']}."
    return {
        "path": path,
        "type": kind,
        "line": _line_of(root, path),
        "message_zh": zh,
        "message_en": en,
        "ctx": ctx,
    }


def _pack_error(
    error: ErrorDetails, all_errors: list[ErrorDetails], root: yaml.Node | None = None
) -> PackError:
    first = _located(error, root)
    path, kind, ctx = first["path"], first["type"], first.pop("ctx")
    # Every error of the pack, each with its key path and line (a page lists them all).
    summary = [{k: v for k, v in _located(e, root).items() if k != "ctx"} for e in all_errors]
    where = {"path": path, "line": first["line"]}
    if kind.startswith("pack_"):
        zh, en = first["message_zh"], first["message_en"]
        details = {**where, **ctx, "errors": summary}
        return PackError(
            kind, f"{path}：{zh}" if path else zh, f"{path}: {en}" if path else en, details
        )
    if kind == "extra_forbidden":
        key = path.rsplit(".", 1)[-1]
        return PackError(
            "pack_unknown_key",
            f"{path}：未知字段“{key}”。",
            f"{path}: unknown key “{key}”.",
            {**where, "errors": summary},
        )
    zh = _ZH_BY_TYPE.get(kind, "取值无效")
    return PackError(
        "pack_schema_invalid",
        f"{path}：{zh}（{error['msg']}）。",
        f"{path}: {error['msg']}.",
        {**where, "error": kind, "errors": summary},
    )


def load_pack(source: str | Path) -> Pack:
    """Load and validate a pack from YAML text or from a file (a ``Path``, or a string path
    ending in ``.yaml``/``.yml``). Raises :class:`PackError` if the pack is refused."""
    data, text = _read(source)
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except PackError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where_zh = f"第{line}行：" if line else ""
        where_en = f"line {line}: " if line else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackError(
            "pack_yaml_invalid",
            f"政策包不是合法的 YAML：{where_zh}{problem}。",
            f"The pack is not valid YAML: {where_en}{problem}.",
            {"path": "", "line": line},
        ) from None
    if not isinstance(raw, dict):
        raise PackError(
            "pack_yaml_invalid",
            "政策包的顶层必须是映射。",
            "The top level of a pack must be a mapping.",
            {"path": ""},
        )
    for key in raw:
        if not isinstance(key, str):
            raise PackError(
                "pack_unknown_key",
                f"顶层的键{key!r}不是字符串。",
                f"The top-level key {key!r} is not a string.",
                {"path": str(key)},
            )
        if key in _LOADER_FIELDS:
            raise PackError(
                "pack_unknown_key",
                f"{key}：由加载程序计算，不能写在政策包中。",
                f"{key}: set by the loader, it cannot be written in a pack.",
                {"path": key},
            )
    raw["content_hash"] = sm3(data).hex()
    raw["source_text"] = text
    try:
        return Pack.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise _pack_error(errors[0], errors, _compose(text)) from None


def _compose(text: str) -> yaml.Node | None:
    """The YAML node tree of the text (where each key and item sits), if it parses."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


_PATH_PART: Final = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _line_of(root: yaml.Node | None, path: str) -> int | None:
    """The line (from 1) of the key or item ``path`` names (``phases[0].rules[2].banks``); of
    its nearest written ancestor when it is missing from the text."""
    if root is None:
        return None
    node, line = root, root.start_mark.line + 1
    for index, key in _PATH_PART.findall(path):
        found: tuple[yaml.Node, int] | None = None
        if index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            item = node.value[int(index)]
            found = (item, item.start_mark.line + 1)
        elif key and isinstance(node, yaml.MappingNode):
            found = next(
                ((v, k.start_mark.line + 1) for k, v in node.value if k.value == key), None
            )
        if found is None:
            break
        node, line = found
    return line


def builtin_pack_ids() -> list[str]:
    """The ids of the packs shipped with sscard (``packs/*.yaml``)."""
    return sorted(p.stem for p in PACKS_DIR.glob("*.yaml"))


def builtin_pack(pack_id: str) -> Pack:
    """A pack shipped with sscard, loaded once per process."""
    if pack_id not in builtin_pack_ids():
        raise PackError(
            "pack_not_found",
            f"没有名为“{pack_id}”的内置政策包（可用：{'、'.join(builtin_pack_ids())}）。",
            f"There is no built-in pack “{pack_id}” (available: {', '.join(builtin_pack_ids())}).",
            {"pack": pack_id},
        )
    return _load_builtin(pack_id)


@functools.cache
def _load_builtin(pack_id: str) -> Pack:
    pack = load_pack(PACKS_DIR / f"{pack_id}.yaml")
    if pack.id != pack_id:
        raise PackError(
            "pack_schema_invalid",
            f"文件{pack_id}.yaml中的政策包标识是“{pack.id}”。",
            f"The file {pack_id}.yaml holds the pack “{pack.id}”.",
            {"path": "id"},
        )
    return pack
