"""The curation workbench at ``/curate/`` (``crisiskg serve --curate``): a new article's text with
every suggestion of ``crisiskg draft`` highlighted, to accept, reject or edit; items made from a
selected span; registry entries and propositions picked by search; every change checked at once
(schema, anchors, references, shapes) with each problem at its span; publishing runs the
incremental build. It writes the seed files (:mod:`crisiskg.service.curate_files`), so it is off
unless asked for, and every request needs the token ``crisiskg serve`` prints (given once as
``?token=``, then kept in a same-site cookie); every write also needs the page's CSRF token and,
when the browser sends one, an ``Origin`` of this host. Without the token nothing answers but 403.
Every page works with forms alone; ``static/curate/curate.js`` adds selection, search and live checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for

from crisiskg.service import curate_files as files
from crisiskg.service.curate_check import Report, check, publish

bp = Blueprint("curate", __name__, url_prefix="/curate", template_folder="templates",
               static_folder="static/curate", static_url_path="/static")

COOKIE = "crisiskg_curate"
FLASH = "crisiskg_curate_message"
KINDS = ("event", "stance", "claim", "entity", "mention")


def _token() -> str:
    return str(current_app.config["CRISISKG_CURATE_TOKEN"])


def csrf_token() -> str:
    """The token every form and script write sends back (derived from the workbench token)."""
    return hmac.new(_token().encode(), b"csrf", hashlib.sha256).hexdigest()[:32]


def _seeds() -> Path:
    return Path(current_app.config["CRISISKG_SEEDS_DIR"])


def _refuse(message: str) -> Response:
    """A 403 in the site layout, or as plain text for a script that does not ask for HTML."""
    if request.accept_mimetypes.accept_html:
        return Response(render_template("curate/forbidden.html", message=message), status=403, mimetype="text/html")
    return Response(message + "\n", status=403, mimetype="text/plain")


@bp.before_request
def guard() -> Any:
    given = request.args.get("token")
    if given is not None and hmac.compare_digest(given.encode(), _token().encode()) and request.method == "GET":
        rest = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
        target = request.path + (f"?{rest}" if rest else "")
        resp = redirect(target, code=303)
        resp.set_cookie(COOKIE, _token(), httponly=True, samesite="Strict", path="/curate")
        return resp
    held = request.cookies.get(COOKIE) or request.headers.get("X-Curate-Token") or ""
    if not hmac.compare_digest(held.encode(), _token().encode()):
        return _refuse("the workbench needs the token that 'crisiskg serve --curate' printed: open the address it gave")
    if request.method not in ("GET", "HEAD"):
        sent = request.form.get("_csrf") or request.headers.get("X-CSRF-Token") or ""
        if not hmac.compare_digest(sent.encode(), csrf_token().encode()):
            return _refuse("missing or wrong CSRF token: reload the page and try again")
        origin = request.headers.get("Origin")
        if origin and urlsplit(origin).netloc != request.host:
            return _refuse(f"a write from another origin ({origin}) is refused")
    return None


@bp.after_request
def no_store(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    if request.method == "GET" and FLASH in request.cookies and resp.status_code < 300:
        resp.delete_cookie(FLASH, path="/curate")  # shown once
    return resp


@bp.context_processor
def inject() -> dict[str, Any]:
    return {"csrf": csrf_token()}


@bp.get("/")
def index() -> str:
    return render_template("curate/index.html", articles=files.articles(_seeds()), folder=_seeds() / "articles", message=_message())


def _back(stem: str, message: str = "", anchor: str = "") -> Any:
    """A redirect to the article's page that shows ``message`` once: the message travels in a signed
    cookie, not in the address, so no link can make the workbench show a text it did not write."""
    resp = redirect(url_for("curate.article", stem=stem) + (f"#{anchor}" if anchor else ""), code=303)
    if message:
        resp.set_cookie(FLASH, _sign(message), httponly=True, samesite="Strict", path="/curate")
    return resp


def _sign(message: str) -> str:
    body = base64.urlsafe_b64encode(message.encode()).decode()
    return body + "." + hmac.new(_token().encode(), b"message:" + body.encode(), hashlib.sha256).hexdigest()


def _message() -> str | None:
    """The message the last write left for this page (see ``_back``), or None."""
    body, _, mac = (request.cookies.get(FLASH) or "").partition(".")
    good = hmac.new(_token().encode(), b"message:" + body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac.encode(), good.encode()):
        return None
    return base64.urlsafe_b64decode(body.encode()).decode()


def _load(stem: str) -> tuple[Path, Path, Any]:
    try:
        txt, yml = files.paths(_seeds(), stem)
    except files.CurationError:
        abort(404)
    if not txt.exists():
        abort(404)
    return txt, yml, files.read(yml) if yml.exists() else None


@bp.post("/<stem>/start")
def start(stem: str) -> Any:
    from crisiskg.service.curate_draft import draft_mapping

    txt, yml, data = _load(stem)
    if data is None:
        files.write(yml, files.drafted(draft_mapping(txt, _seeds())))
    return _back(stem, "drafted: every suggestion is highlighted; accept, edit or reject each")


def _segments(text: str, report: Report) -> list[tuple[str, list[str], list[str]]]:
    """The text cut where the set of marks covering it changes: (text, classes, entry refs)."""
    cuts = sorted({0, len(text), *(m.begin for m in report.marks), *(m.end for m in report.marks)})
    out = []
    for a, b in itertools.pairwise(cuts):
        over = [m for m in report.marks if m.begin <= a and b <= m.end]
        out.append((text[a:b], sorted({m.kind for m in over}), sorted({m.ref for m in over})))
    return out


@bp.get("/<stem>")
def article(stem: str) -> str:
    txt, _yml, data = _load(stem)
    text = txt.read_text(encoding="utf-8")
    if data is None:
        return render_template("curate/start.html", stem=stem, text=text)
    report = check(_seeds(), stem)
    registry = files.read(_seeds() / "registry.yaml")["entities"]
    propositions = files.read(_seeds() / "propositions.yaml")["propositions"]
    sections = {s: [(i, it, files.item_text(it)) for i, it in enumerate(data.get(s) or [])] for s in files.SECTIONS}
    pending = [(i, s, files.item_text(s.get("item"))) for i, s in enumerate(files.suggestions(data))]
    notes = {k: v for k, v in (data.get("draft_notes") or {}).items() if k != "suggestions"}
    return render_template("curate/article.html", stem=stem, meta=data.get("article") or {}, segments=_segments(text, report),
                           report=report, sections=sections, pending=pending, notes=notes, registry=registry,
                           propositions=propositions, kinds=KINDS, message=_message())


def _edited(required: bool = False) -> Any:
    text = request.form.get("yaml", "")
    if not text.strip():
        if required:
            raise files.CurationError("write the item as YAML")
        return None
    return files.parse_item(text)


def _change(stem: str, apply: Any, done: str) -> Any:
    _txt, yml, data = _load(stem)
    if data is None:
        abort(404)
    try:
        anchor = apply(data)
    except files.CurationError as exc:
        return _back(stem, f"not changed: {exc}")
    files.write(yml, data)
    return _back(stem, done, anchor or "")


@bp.post("/<stem>/suggestion/<int:index>/accept")
def accept(stem: str, index: int) -> Any:
    def apply(data: Any) -> str:
        section, i = files.accept(data, index, _edited(), seeds=_seeds())
        return "" if section in (files.REGISTRY, files.ARTICLE) else f"{section}-{i}"

    return _change(stem, apply, "accepted")


@bp.post("/<stem>/suggestion/<int:index>/reject")
def reject(stem: str, index: int) -> Any:
    return _change(stem, lambda data: files.reject(data, index), "rejected")


@bp.post("/<stem>/item/<section>/<int:index>/edit")
def edit(stem: str, section: str, index: int) -> Any:
    def apply(data: Any) -> str:
        files.replace(data, section, index, _edited(required=True))
        return f"{section}-{index}"

    return _change(stem, apply, "saved")


@bp.post("/<stem>/item/<section>/<int:index>/delete")
def delete(stem: str, index: int, section: str) -> Any:
    return _change(stem, lambda data: files.delete(data, section, index), "deleted")


def _new_item(kind: str, form: Any) -> tuple[str, dict[str, Any]]:
    """The section and item a 'new' form makes (event, stance or claim)."""
    quote = form.get("quote", "").strip()
    if not quote:
        raise files.CurationError("select the words in the text (or type them) first")
    if kind == "event":
        item: dict[str, Any] = {"id": form["id"], "label": form.get("label") or quote[:80], "class": form.get("class", "Event"), "quote": quote}
        if form.get("date"):
            item["date"] = {"value": form["date"], "derivation": form.get("derivation") or "from the text"}
        roles = {r: [v.strip() for v in form.get(f"role_{r}", "").split(",") if v.strip()] for r in ("attacker", "target", "victim")}
        if any(roles.values()):
            item["roles"] = {r: v for r, v in roles.items() if v}
        return "events", item
    if kind == "stance":
        return "stances", {"id": form["id"], "holder": form["holder"], "proposition": form["proposition"],
                           "polarity": form.get("polarity", "favor"), "modality": form.get("modality", "recommendation"),
                           "strength": form.get("strength", "moderate"), "condition": None,
                           "speech_mode": form.get("speech_mode", "paraphrase"), "quote": quote}
    if kind == "claim":
        return "relations", {"subject": form["subject"], "predicate": form["predicate"], "object": form["object"], "quote": quote}
    raise files.CurationError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")


@bp.post("/<stem>/new")
def new(stem: str) -> Any:
    kind = request.form.get("kind", "")
    try:
        if kind == "entity":
            entry = {"id": request.form["id"], "type": request.form.get("type", "Person"), "label": request.form.get("quote") or request.form["label"]}
            files.add_entity(_seeds(), entry)
            return _back(stem, f"added {entry['id']!r} to the registry")
        if kind == "mention":
            files.add_alias(_seeds(), request.form["entity"], request.form["quote"])
            return _back(stem, f"'{request.form['quote']}' is now a mention of {request.form['entity']}")
        section, item = _new_item(kind, request.form)
    except KeyError as exc:
        return _back(stem, f"not added: fill in {exc.args[0]}")
    except files.CurationError as exc:
        return _back(stem, f"not added: {exc}")

    def apply(data: Any) -> str:
        return f"{section}-{files.add(data, section, files.parse_item(files.dumps(item)))}"

    return _change(stem, apply, f"added a{'n' if kind[0] in 'ae' else ''} {kind}")


@bp.post("/<stem>/check")
def live_check(stem: str) -> Any:
    """Problems of the article with one entry replaced by the posted YAML (nothing written): JSON."""
    _txt, _yml, data = _load(stem)
    if data is None:
        abort(404)
    body = request.get_json(silent=True) or {}
    try:
        item = files.parse_item(str(body.get("yaml", "")))
        where = str(body.get("entry", ""))
        if where.startswith("suggestion-"):
            number = int(where.split("-", 1)[1])
            if [s.get("section") for s in files.suggestions(data)[number:number + 1]] == [files.REGISTRY]:
                # a new registry entry: checked as an entry of registry.yaml, nothing written
                wrong = files.entry_problems(files.read(_seeds() / "registry.yaml"), item)
                return jsonify({"ok": not wrong, "problems": [{"where": "registry.yaml", "message": m, "hint": None, "entry": where}
                                                              for m in wrong]})
            files.accept(data, number, item)
        elif "-" in where:
            section, index = where.rsplit("-", 1)
            files.replace(data, section, int(index), item)
        else:
            return jsonify({"ok": False, "problems": [{"where": "", "message": "unknown entry", "hint": None}]})
    except (files.CurationError, ValueError) as exc:
        return jsonify({"ok": False, "problems": [{"where": "", "message": str(exc), "hint": None}]})
    report = check(_seeds(), stem, data=data)
    shown = [{"where": f"{p.file}:{p.line}:{p.column}" if p.line else p.file, "field": p.field, "message": p.message,
              "hint": p.hint, "entry": ref} for p, ref in report.problems]
    # not a problem (the build takes the article), but the map cannot show the events that name them
    unmapped = [{"place": place, "events": n} for place, n in report.unmapped.items()]
    return jsonify({"ok": not shown, "problems": shown, "unmapped": unmapped})


@bp.get("/search")
def search() -> Any:
    """Registry entities or propositions whose id, label or alias contains ``q``: JSON."""
    kind, q = request.args.get("kind", "entity"), request.args.get("q", "").lower()
    rows: list[tuple[str, str, list[str]]]
    if kind == "proposition":
        rows = [(p["id"], p["label"], []) for p in files.read(_seeds() / "propositions.yaml")["propositions"]]
    else:
        rows = [(e["id"], e["label"], list(e.get("aliases") or [])) for e in files.read(_seeds() / "registry.yaml")["entities"]]
    found = [{"id": i, "label": lab} for i, lab, al in rows if q in i or q in lab.lower() or any(q in a.lower() for a in al)]
    return jsonify(found[:50])


@bp.post("/<stem>/publish")
def publish_article(stem: str) -> Any:
    _txt, _yml, data = _load(stem)
    if data is None:
        abort(404)
    ok, said, problems = publish(_seeds(), Path(current_app.config["CRISISKG_BUILD_DIR"]), stem, files.ready_to_publish)
    if ok:
        return render_template("curate/published.html", stem=stem, said=said, ok=True)
    return render_template("curate/published.html", stem=stem, said=said, problems=problems, ok=False), 422

