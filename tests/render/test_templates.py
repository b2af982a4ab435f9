"""The templates' contract (templates/README.md): every variable a packaged template uses is
provided by the code that renders it.

Each packaged template is rendered once by the command that uses it, on the small territory of
tests/cli/records_seed.py, and the context its builder really passed is recorded. A Jinja
template's variables come from jinja2.meta.find_undeclared_variables (following includes), a
Word template's from docxtpl's get_undeclared_template_variables. Rendering alone would not do:
StrictUndefined only catches a missing variable on the branch a render happens to take.
"""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmgr.resources import packaged_dir

TEMPLATES = packaged_dir("templates")
JINJA_TEMPLATES = sorted(p.name for p in TEMPLATES.iterdir()
                         if p.suffix in (".html", ".md") and p.name != "README.md")
DOCX_TEMPLATES = sorted(p.name for p in TEMPLATES.glob("*.docx"))


def _commands(out: Path) -> list[list[str]]:
    """The commands that render every packaged template between them."""
    recent = (date.today() - timedelta(days=2)).isoformat()
    next_monday = (date.today() + timedelta(days=7 - date.today().weekday())).isoformat()
    cmds = [
        ["visit", "log", "--customer", "C001", "--date", recent, "--notes", "检查价格",
         "--sku", "中华(软)", "--price", "800"],  # a price flag for the flag report
        ["flag", "--format", "json"],
        ["flag", "report", "--format", "html", "--out", str(out / "flags-{manager}.html")],
        ["plan-week", "-m", "王建国", "--format", "html", "--out", str(out / "plan.html"),
         "--no-save"],
        ["complaint", "new", "--customer", "C001", "--sku", "中华(软)", "--qty", "2",
         "--problem", "烟支发霉", "--no-form"],
        ["promo", "recommend", "--format", "json"],
        # a saved plan for next week, then one of its days as the visit sheet
        ["plan-week", "-m", "王建国", "--format", "json", "--out", str(out / "saved.json")],
        ["today", "-m", "王建国", "--date", next_monday, "--format", "html",
         "--out", str(out / "today.html")],
    ]
    for fmt in ("html", "md", "docx"):
        cmds.append(["monthly-report", "--all", "--month", "last", "--format", fmt,
                     "--out", str(out / f"{{manager}}.{fmt}")])
    for fmt in ("html", "docx"):
        cmds.append(["visit", "special", "--customer", "C002", "--date", recent,
                     "--situation", "店主反映假烟", "--action", "已报区域市场经理",
                     "--form-format", fmt, "--out", str(out / f"special.{fmt}")])
        cmds.append(["promo", "receipt", "--campaign", "元旦宣传", "--item", "宣传海报", "--qty", "2",
                     "--format", fmt, "--out", str(out / f"receipt.{fmt}")])
        cmds.append(["complaint", "form", "{complaint}", "--format", fmt,
                     "--out", str(out / f"complaint.{fmt}")])
    return cmds


@pytest.fixture(scope="module")
def contexts(tmp_path_factory) -> dict[str, list[dict]]:
    """Template name -> the contexts the commands rendered it with."""
    import docxtpl
    import jinja2

    from cmgr.cli.app import app
    from cmgr.store.db import open_database
    from tests.cli.records_seed import seed

    out = tmp_path_factory.mktemp("template-contract")
    seen: dict[str, list[dict]] = {}
    jinja_render, docx_render = jinja2.Template.render, docxtpl.DocxTemplate.render

    def record_jinja(self, *args, **kwargs):
        if self.name:  # docxtpl's XML is rendered from a string: recorded below instead
            seen.setdefault(self.name, []).append(dict(*args, **kwargs))
        return jinja_render(self, *args, **kwargs)

    def record_docx(self, context, *args, **kwargs):
        seen.setdefault(Path(self.template_file).name, []).append(dict(context))
        return docx_render(self, context, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        for key, value in {"CMGR_CONFIG": "", "CMGR_DB": str(out / "cmgr.db"),
                           "CMGR_INTERACTIVE": "0", "MPLBACKEND": "Agg",
                           "XDG_CONFIG_HOME": str(out / "cfg"),
                           "XDG_DATA_HOME": str(out / "data")}.items():
            mp.setenv(key, value)
        mp.chdir(out)
        db = open_database(out / "cmgr.db")
        try:
            seed(db)
        finally:
            db.close()
        mp.setattr(jinja2.Template, "render", record_jinja)
        mp.setattr(docxtpl.DocxTemplate, "render", record_docx)
        # Recorded in this process: a chart process would write the Word reports in its own.
        mp.setattr("cmgr.render.charts.start_worker", lambda *args, **kwargs: None)
        complaint = None
        for args in _commands(out):
            args = [complaint if a == "{complaint}" else a for a in args]
            result = CliRunner().invoke(app, args, catch_exceptions=False)
            assert result.exit_code in (0, 1), f"cmgr {' '.join(args)}:\n{result.output}"
            if args[:2] == ["complaint", "new"]:
                complaint = result.stdout.strip()
    return seen


def _environment():
    from cmgr.render.templates import environment

    return environment()


def _jinja_variables(env, name: str, seen: set[str] | None = None) -> tuple[set[str], list]:
    """The names `name` reads from its context, and the parsed trees (its includes' too)."""
    from jinja2 import meta

    seen = seen if seen is not None else set()
    seen.add(name)
    source = env.loader.get_source(env, name)[0]
    tree = env.parse(source)
    names, trees = set(meta.find_undeclared_variables(tree)), [tree]
    for included in meta.find_referenced_templates(tree):
        assert included is not None, f"{name} includes a template by a computed name"
        if included not in seen:
            more, more_trees = _jinja_variables(env, included, seen)
            names |= more
            trees += more_trees
    return names, trees


def _docx_tree(env, path: Path):
    """The Jinja tree of a Word template: body, headers and footers, as docxtpl renders them."""
    from docx import Document
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate

    tpl, doc = DocxTemplate(str(path)), Document(str(path))
    xml = tpl.patch_xml(tpl.xml_to_string(doc._element.body))
    for rel in doc.part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and rel.target_part.blob:
            xml += tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))
    return env.parse(xml)


def _missing_keys(trees: list, context: dict) -> list[str]:
    """`r.month`, `r["month"]` on a dict the context provides: keys the dict lacks. Names the
    template assigns itself (loop variables, {% set %}) are not the context's."""
    from jinja2 import nodes

    assigned = {n.name for t in trees for n in t.find_all(nodes.Name) if n.ctx in ("store", "param")}
    missing = []
    for tree in trees:
        for node in [*tree.find_all(nodes.Getattr), *tree.find_all(nodes.Getitem)]:
            target = node.node
            if not isinstance(target, nodes.Name) or target.name in assigned:
                continue
            value = context.get(target.name)
            if not isinstance(value, dict):
                continue
            if isinstance(node, nodes.Getattr):
                key = node.attr
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                key = node.arg.value
            else:
                continue
            if key not in value and not hasattr(dict, key):
                missing.append(f"{target.name}.{key}")
    return sorted(set(missing))


@pytest.mark.parametrize("name", JINJA_TEMPLATES)
def test_every_variable_a_jinja_template_uses_is_provided(contexts, name):
    assert name in contexts, f"no command rendered {name}: add one to _commands"
    env = _environment()
    needed, trees = _jinja_variables(env, name)
    for context in contexts[name]:
        missing = needed - set(context) - set(env.globals)
        assert not missing, f"{name} uses {sorted(missing)}, which its context does not provide"
        assert not _missing_keys(trees, context), f"{name}: {_missing_keys(trees, context)}"


@pytest.mark.parametrize("name", DOCX_TEMPLATES)
def test_every_variable_a_word_template_uses_is_provided(contexts, name):
    from docxtpl import DocxTemplate

    assert name in contexts, f"no command rendered {name}: add one to _commands"
    env = _environment()
    needed = DocxTemplate(str(TEMPLATES / name)).get_undeclared_template_variables(env)
    tree = _docx_tree(env, TEMPLATES / name)
    for context in contexts[name]:
        missing = needed - set(context) - set(env.globals)
        assert not missing, f"{name} uses {sorted(missing)}, which its context does not provide"
        assert not _missing_keys([tree], context), f"{name}: {_missing_keys([tree], context)}"


def test_the_check_finds_a_variable_no_context_provides(tmp_path):
    """The checker itself: a template reading a name, or a key, its context lacks is caught."""
    import jinja2

    (tmp_path / "probe.html").write_text("{% include 'part.html' %}{{ r.month }}", "utf-8")
    (tmp_path / "part.html").write_text("{% for x in r.rows %}{{ x.y }}{% endfor %}{{ extra }}",
                                        "utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    needed, trees = _jinja_variables(env, "probe.html")
    assert needed == {"r", "extra"}
    assert _missing_keys(trees, {"r": {"month": "2026-11"}}) == ["r.rows"]
    assert _missing_keys(trees, {"r": {"month": "2026-11", "rows": []}}) == []


def test_docx_template_builder_is_in_sync(tmp_path):
    """The committed .docx templates are what the builder script makes."""
    from templates.build_docx_templates import main as build

    build(["--out", str(tmp_path)])
    for name in ("monthly_report.docx", "monthly_summary.docx"):
        with zipfile.ZipFile(tmp_path / name) as new, zipfile.ZipFile(TEMPLATES / name) as old:
            assert new.read("word/document.xml") == old.read("word/document.xml"), name
