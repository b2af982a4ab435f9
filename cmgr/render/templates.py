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
    The template's file, its XML as docxtpl patches it and the Jinja template compiled from
    that are kept for the process (prepare_docx): the same bytes as reading and compiling
    them again, in a tenth of the time.
    """
    import zipfile

    import jinja2
    from docx.opc.exceptions import PackageNotFoundError
    from docx.shared import Mm
    from docxtpl import InlineImage

    from cmgr.fileio import atomic_path
    from cmgr.inert_text import clean_tree

    template = find_template(name, user_dir=user_dir)
    doc = _prepared_template(template)
    ctx = clean_tree(dict(context))  # Word's XML cannot hold control characters
    for key, (path, width_mm) in (images() if images else {}).items():
        ctx[key] = InlineImage(doc, str(path), width=Mm(width_mm))
    env = _word_environment(tuple(str(d) for d in search_path(user_dir)))
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


def prepare_docx(name: str, user_dir: str | Path | None = None) -> None:
    """Load Word's modules and prepare the template `name` (its file read, its XML patched and
    compiled as render_docx will ask for them), before a report is ready to fill it: the
    chart process does this while the report's figures are computed (render.charts). A
    template that cannot be prepared is left alone; render_docx then says what is wrong."""
    import re

    from docx.opc.exceptions import PackageNotFoundError

    try:
        template = find_template(name, user_dir=user_dir)
        doc = _prepared_template(template)
        doc.render_init()
    except (RenderError, PackageNotFoundError, KeyError, ValueError, OSError):
        return
    env = _word_environment(tuple(str(d) for d in search_path(user_dir)))
    env.autoescape = True  # as docxtpl's render(autoescape=True) sets it before compiling
    parts = [doc.get_xml()]
    for uri in (doc.HEADER_URI, doc.FOOTER_URI):
        parts.extend(doc.get_part_xml(part) for _, part in doc.get_headers_footers(uri))
    for xml in parts:
        # docxtpl's render_xml_part: the patched XML, one paragraph a line, compiled
        try:
            env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", doc.patch_xml(xml)))
        except Exception:  # noqa: BLE001 - a template error is render_docx's to report
            return


# Templates kept by _word_environment().from_string and _patched_xml: a few per template.
_KEPT_SOURCES = 32


@lru_cache(maxsize=8)
def _word_environment(dirs: tuple[str, ...]):
    """The environment Word templates are rendered in: the one environment's settings and
    filters, with autoescape on (docxtpl sets it on the environment it is given), keeping each
    template it compiles from a string. docxtpl compiles a Word template's whole XML on every
    render (0.04 s warm, 0.14 s in a new process); the same source gives the same template."""
    import jinja2

    class WordEnvironment(jinja2.Environment):
        def from_string(self, source, globals=None, template_class=None):  # noqa: A002
            if globals is not None or template_class is not None or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            template = self.compiled.get(source)
            if template is None:
                template = super().from_string(source)
                if len(self.compiled) >= _KEPT_SOURCES:
                    self.compiled.clear()
                self.compiled[source] = template
            return template

    base = _environment(dirs)
    env = WordEnvironment(loader=base.loader, undefined=base.undefined, autoescape=True,
                          trim_blocks=base.trim_blocks, lstrip_blocks=base.lstrip_blocks,
                          keep_trailing_newline=base.keep_trailing_newline)
    env.filters.update(base.filters)
    env.compiled = {}
    return env


def _prepared_template(path: Path):
    """A DocxTemplate of the Word template at `path`, from the file's bytes kept for the
    process (read again when the file changes), whose patch_xml keeps what it computed."""
    if not _is_docx(path):
        raise RenderError(tr("Word 模板 {template} 不是 .docx 文件（Word 2007 及以后的文档是 zip 压缩包，"
                             "这个不是）", template=path),
                          hint=tr("请在 Word 中另存为 .docx，或删除它以使用自带的模板"))
    stat = path.stat()
    return _template_class()(str(path), _template_bytes(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _template_bytes(path: str, mtime_ns: int, size: int) -> bytes:
    return Path(path).read_bytes()


@lru_cache(maxsize=1)
def _template_class():
    """DocxTemplate whose patch_xml (about 0.03 s of regular expressions over the document's
    XML, a pure function of it) keeps its results."""
    import io

    from docx import Document
    from docxtpl import DocxTemplate

    patched: dict[str, str] = {}

    class PreparedTemplate(DocxTemplate):
        def __init__(self, template_file: str, data: bytes) -> None:
            super().__init__(template_file)
            self.template_bytes = data

        def init_docx(self, reload: bool = True):
            # docxtpl's, with the document read from the bytes kept instead of the file
            if not self.docx or (self.is_rendered and reload):
                self.docx = Document(io.BytesIO(self.template_bytes))
                self.is_rendered = False

        def patch_xml(self, src_xml):
            result = patched.get(src_xml)
            if result is None:
                result = super().patch_xml(src_xml)
                if len(patched) >= _KEPT_SOURCES:
                    patched.clear()
                patched[src_xml] = result
            return result

    return PreparedTemplate
