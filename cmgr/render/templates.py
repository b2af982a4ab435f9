"""The one Jinja environment, and the docx (docxtpl) renderer.

A user templates directory (`templates.dir` in the configuration) is searched before the
packaged `templates/`, so a file there overrides the packaged one of the same name. What each
template sees is documented in templates/README.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from cmgr.errors import CmgrError
from cmgr.i18n import tr
from cmgr.resources import packaged_dir


class RenderError(CmgrError):
    """A template failed: names the template and the line."""


def search_path(user_dir: str | Path | None = None) -> list[Path]:
    dirs = []
    if user_dir:
        dirs.append(Path(user_dir).expanduser())
    dirs.append(packaged_dir("templates"))
    return dirs


def fmt_num(value: Any, digits: int = 2) -> str:
    if value is None or value != value:
        return "—"
    return f"{value:,.{digits}f}"


def fmt_pct(value: Any, digits: int = 2) -> str:
    if value is None or value != value:
        return "—"
    return f"{value:+.{digits}f}%"


def date_cn(value: Any) -> str:
    """2026-11-03 -> 2026年11月3日."""
    from datetime import date

    if value in (None, ""):
        return ""
    d = date.fromisoformat(str(value)[:10]) if not isinstance(value, date) else value
    return f"{d.year}年{d.month}月{d.day}日"


_UNBREAKABLE = None


def nobreak(value: Any):
    """Escape a text for HTML and keep its codes, dates and numbers (runs of digits, letters and
    - / . : #) on one line: a printed code or date split across lines is misread."""
    import re

    from markupsafe import Markup, escape

    global _UNBREAKABLE
    if _UNBREAKABLE is None:
        _UNBREAKABLE = re.compile(r"[0-9A-Za-z#][0-9A-Za-z#\-/.:]*[0-9A-Za-z]")
    text = str(escape("" if value is None else value))
    return Markup(_UNBREAKABLE.sub(
        lambda m: f'<span style="white-space: nowrap">{m.group(0)}</span>'
        if len(m.group(0)) >= 5 else m.group(0), text))


@lru_cache(maxsize=8)
def _environment(dirs: tuple[str, ...]):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(dirs)),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml", "svg"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=fmt_num, pct=fmt_pct, date_cn=date_cn, nobreak=nobreak)
    return env


def environment(user_dir: str | Path | None = None):
    return _environment(tuple(str(d) for d in search_path(user_dir)))


def render(name: str, context: dict[str, Any], *, user_dir: str | Path | None = None) -> str:
    """Render a text template (.html/.md/...) with `context`. Control characters are taken
    out of the context's text; for Markdown (not escaped by Jinja) < > & become entities."""
    import jinja2

    from cmgr.inert_text import clean_tree

    env = environment(user_dir)
    context = clean_tree(context, escape_html=name.endswith(".md"))
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        # exc.name: an {% include %} of a missing file names that file, not the outer template
        missing = exc.name or name
        folders = ", ".join(map(str, search_path(user_dir)))
        raise RenderError(tr("在 {folders} 中找不到模板 {name}（由 {outer} 引用）", name=missing,
                             outer=name, folders=folders) if missing != name else
                          tr("在 {folders} 中找不到模板 {name}", name=missing, folders=folders)
                          ) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(tr("模板 {name} 第 {line} 行：{error}", name=exc.filename or name,
                             line=exc.lineno, error=exc.message)) from exc
    except jinja2.UndefinedError as exc:
        raise RenderError(tr("模板 {name} 第 {line} 行：{error}", name=name,
                             line=_template_line(exc, name), error=exc.message),
                          hint=tr("模板用了这个命令不提供的变量；各模板能用的变量见 templates/README.md")
                          ) from exc
    except Exception as exc:  # an error inside a template expression
        raise RenderError(tr("模板 {name} 第 {line} 行：{error}", name=name,
                             line=_template_line(exc, name), error=exc)) from exc


def _template_line(exc: BaseException, name: str) -> str:
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and frame.filename.endswith(name):
            return str(frame.lineno)
    return "?"


def find_template(name: str, *, user_dir: str | Path | None = None) -> Path:
    for d in search_path(user_dir):
        if (d / name).is_file():
            return d / name
    raise RenderError(tr("在 {folders} 中找不到模板 {name}", name=name,
                         folders=", ".join(map(str, search_path(user_dir)))))


def _is_docx(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def render_docx(name: str, context: dict[str, Any], out_path: str | Path, *,
                user_dir: str | Path | None = None,
                images: Callable[[], dict[str, tuple[Path, float]]] | None = None,
                finish: Callable[[Any], None] | None = None) -> Path:
    """Render a Word template with docxtpl into `out_path` (atomically).

    `images()` maps a context key to (PNG path, width in mm) placed with docxtpl.InlineImage;
    it is called once the modules and the template are loaded (the charts may still be
    being drawn in another process until then);
    `finish(document)` is called on the rendered python-docx document before it is saved
    (what depends on the filled content, e.g. column widths).
    """
    import zipfile

    import jinja2
    from docx.opc.exceptions import PackageNotFoundError
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    from cmgr.fileio import atomic_path
    from cmgr.inert_text import clean_tree

    template = find_template(name, user_dir=user_dir)
    if not _is_docx(template):
        raise RenderError(tr("Word 模板 {template} 不是 .docx 文件（Word 2007 及以后的文档是 zip 压缩包，"
                             "这个不是）", template=template),
                          hint=tr("请在 Word 中另存为 .docx，或删除它以使用自带的模板"))
    doc = DocxTemplate(str(template))
    ctx = clean_tree(dict(context))  # Word's XML cannot hold control characters
    for key, (path, width_mm) in (images() if images else {}).items():
        ctx[key] = InlineImage(doc, str(path), width=Mm(width_mm))
    env = environment(user_dir)
    try:
        doc.render(ctx, jinja_env=env, autoescape=True)
    except jinja2.TemplateError as exc:
        raise RenderError(tr("Word 模板 {template}：{error}", template=template, error=exc)) from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        # a zip without Word's parts, broken XML
        raise RenderError(tr("Word 模板 {template} 无法作为 Word 文档读取：{kind}: {error}",
                             template=template, kind=type(exc).__name__, error=exc)) from exc
    if finish is not None:
        finish(doc.docx)
    with atomic_path(out_path) as tmp:
        doc.save(str(tmp))
    return Path(out_path)
