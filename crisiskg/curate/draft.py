"""A first annotation file for a new article, for a curator (or the workbench) to finish.

``draft_mapping(article, seeds_dir, *, store=None)`` reads the article against what the graph already
knows (``crisiskg.curate.knowledge``: registry, propositions, the reviewed articles' events and
stances) and returns a mapping in the seed format (``seeds/README.md``) with these additions:

- every drafted item of ``sources``, ``events``, ``relations``, ``roles`` and ``stances`` carries
  ``suggested: {why: <the evidence in words>, confidence: <0..1>}``; an event recognised as one the
  graph holds keeps that event's id and its ``suggested`` adds ``links: <id>``;
- new ids start with ``draft-``; a holder, claimant or role may name a proposed entity (an id not yet
  in the registry), listed with its guessed class under ``draft_notes.new_entities`` as
  ``{id, type, label, mentions, title?, suggested}``;
- ``draft_notes`` also lists the registry entities found (id -> mentions), ``stance_candidates``
  (stances whose proposition is ``None``: none of ``propositions.yaml`` fits, add one) and
  ``left_out`` (sentences with an event word that drafted no event, and why).

The article's ``authors`` are the people a byline ("By Jane Doe, Reuters", which also gives the
``publisher``) or a closing line ("Jane Doe is a fellow at ...") names; a single one holds the author's own words. With no publication date in the text,
``published`` is estimated from the known events the article names, and the derivation says so.
A sentence drafts its main event and the events its phrases name (``crisiskg.curate.draft_phrases``),
and a ``responsibleFor`` relation when it says who was behind the attack told before, or that a
group denies it (``crisiskg.curate.draft_events.responsibility``). Without a byline, a wire
dateline's agency ("BAGHDAD (Reuters) - ") is the publisher.

``draft(article, seeds_dir)`` renders that mapping as the YAML of a ``status: draft`` seed file that
the loader reads (the build refuses it as a draft): the ``suggested`` keys move to
``draft_notes.suggestions`` (by item path), and an item that needs a proposed entity moves to
``draft_notes.needs_new_entities`` (with any item naming it) until the curator adds that entity to the registry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from crisiskg.curate import draft_dates, draft_events, draft_phrases, draft_stances
from crisiskg.curate import knowledge as knowledge_mod
from crisiskg.curate.attribution import COUNTRY, Attributor, Holder, Name, authors, byline, names, slug
from crisiskg.curate.knowledge import Knowledge
from crisiskg.curate.segments import Segment, quoted, segments, stamps
from crisiskg.errors import CrisisKGError
from crisiskg.textscan import MONTH_ABBREVIATIONS, MONTHS, month_number

FURNITURE = re.compile(r"^(?:Home\s*>|.*\b\d+\s+views?\b|.*\bSign up\b|Related(?: Content| Articles)?$|Share\b|Advertisement$|"
                       r"[-–—]?\s*(?:" + "|".join(MONTHS) + r")\s+\d{1,2},\s+\d{4}$|Image:|Photo:)", re.IGNORECASE)


ADDED = re.compile(r"\b(?:added|adds|went on|continued)\b")
OWN_VIEW = re.compile(r"\bbut\s+(?:I|we)\s+(?:believe|think|expect|suspect|would argue|argue|am convinced)\b")


# messaging services named as a channel, and the channel each stands for (a curator lists them under
# ignored_names, not as registry entities)
SERVICES = {"Twitter": "Tweet", "Telegram": "Telegram", "Facebook": "Unspecified", "Instagram": "Unspecified", "YouTube": "Unspecified"}


def guess_published(text: str) -> tuple[dt.date | None, str]:
    # "January 12, 2020", or a wire dateline's "Jan. 30, 2020"
    m = re.search(r"(" + "|".join(MONTHS) + "|" + MONTH_ABBREVIATIONS + r")\s+(\d{1,2}),\s+(\d{4})", text)
    if not m:
        return None, "not found in the text: a curator must set it"
    date = dt.date(int(m.group(3)), month_number(m.group(1)), int(m.group(2)))
    return date, f"guessed from the text: {m.group(0)!r} (first full date in the article; check it)"


def _read(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise CrisisKGError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CrisisKGError(f"{path} is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    if not text.strip():
        raise CrisisKGError(f"{path} is empty")
    return text


def draft_mapping(article: Path | str, seeds_dir: Path | str, *, store: Knowledge | None = None) -> dict[str, Any]:
    """The draft of ``article`` (a .txt file) as a mapping (see the module docstring for its shape).

    ``store``: the :class:`~crisiskg.curate.knowledge.Knowledge` to link against, already read
    (``knowledge.load(seeds_dir)``: a workbench keeps one across drafts; a benchmark passes a
    leave-one-out view); by default it is read from ``seeds_dir``.
    Raises CrisisKGError when the article cannot be read, TypeError for another kind of ``store``.
    """
    if store is not None and not isinstance(store, Knowledge):
        raise TypeError(f"store must be a crisiskg.curate.knowledge.Knowledge (knowledge.load(seeds_dir)), not {type(store).__name__}")
    path = Path(article)
    text = _read(path)
    # drafting an article anew: its present annotation (perhaps unfinished) is neither read nor learned from
    know = store if store is not None else knowledge_mod.load(seeds_dir, leave_out=path.stem)
    lines = [m for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]
    furniture = [m for m in lines if FURNITURE.match(m.group(0).strip())]
    body_lines = [m for m in lines if m not in furniture]
    # a headline is a short first line that does not end as a sentence does; a text without one
    # gets its opening words as a title
    first = body_lines[0] if body_lines else None
    title_m = first if first is not None and len(first.group(0).strip()) <= 150 and not first.group(0).strip().endswith(".") else None
    title = title_m.group(0).strip(" \t\r\ufeff") if title_m else ("(untitled) " + " ".join(text.split()[:12]) + "…" if text.strip() else path.stem)
    published, derivation = guess_published(text)
    skip = [(m.start(), m.end()) for m in furniture]
    found = names(text, know, skip=skip)
    attributor = Attributor(text, found, know)
    index = draft_stances.PropositionIndex(know.propositions, know.matcher())
    segs = [s for s in segments(text) if not any(b <= s.begin < e for b, e in skip)]
    estimated = False
    if published is None:
        published, derivation = _after_known(text, segs, found, know, derivation)
        estimated = published is not None
    dates = draft_dates.resolve(segs, published, estimated=estimated, stamped=stamps(text))
    pub = published or dt.date.today()  # a placeholder the curator replaces; relative dates stay unresolved
    signed, publisher = byline(text, found)
    writers = signed + [w for w in authors(segs, found) if all(w.entity != s.entity for s in signed)]
    # a single author named in the closing lines holds the author's own words
    sole = writers[0] if len(writers) == 1 and writers[0].known else None
    repeated = draft_stances.repeated(text, know)
    covered = [(text.find(st["quote"]), text.find(st["quote"]) + len(st["quote"])) for st in repeated]

    events: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = list(repeated)
    left_out: list[dict[str, str]] = []
    candidates: list[dict[str, Any]] = []  # stances that fit no proposition yet
    previous: dict[str, Any] | None = None
    for seg in segs:
        holder = attributor.holder(seg)
        clause = draft_events.main_clause(seg)
        linked_on = clause is not seg  # "..., a day after ...": the rest is another event's
        contrasted = None
        if OWN_VIEW.search(seg.text) and holder.id != "author":
            # "Some suggest X, but I believe Y": the sentence's view is the author's; the others'
            # view it sets aside is a candidate for the curator
            contrasted = holder
            holder = Holder("author", "", "author-opinion", f"'{OWN_VIEW.search(seg.text).group(0)}': the author's own view")  # type: ignore[union-attr]
        if sole is not None and holder.id == "author":
            holder = Holder(sole.entity, "", "author-opinion", f"the author's words (the closing line names {sole.text} as the author)")
        if title_m is not None and seg.begin < title_m.end():
            continue  # the headline restates the story; it is drafted from the body
        if draft_events.DEMONSTRATIVE.match(seg.text) and events:
            left_out.append({"quote": seg.text, "why": "points back at an event told before"})
            reading = draft_events.Reading(None, None, "points back")
            refs = []
        else:
            when = dates.get(seg.index)  # the main clause's date
            acting = holder
            if linked_on:
                # "US aircraft struck ... on Sunday, days after the IRGC warned on March 12 that ...": who
                # speaks and when, in the words after the link, are the earlier event's, not the main one's
                if holder.words and holder.words not in clause.text:
                    acting = Holder("author", "", "author-opinion", f"{holder.why}, after the link: the main clause is the author's")
                if when is not None and when.words and when.words not in clause.text:
                    when = draft_dates.find(clause.text, published, estimated=estimated) or when
            reading = draft_events.read(text, seg, found, acting, when, know, previous, clause)
            refs = draft_events.references(text, seg, found, dates.get(seg.index), know)
        named_attack = next((r for r in refs if draft_events.classes(r) & draft_events.ATTACKS), None) if reading.event is None else None
        # "Hours after the missile attack, ...": a later event, not another account of the attack
        after_another = draft_dates.AFTER_ANOTHER.search(seg.text)
        earlier = next((e for e in events if reading.event is not None and reading.event["id"].startswith("draft-")
                        and after_another is None and draft_events.same_event(reading.event, e)), None)
        if earlier is not None and reading.event is not None:
            left_out.append(_another_account(seg.text, earlier, reading.event))
            reading.event = None
        said = events[-1] if events and reading.event is not None and reading.event["class"] in ("Statement", "Threat") \
            and ADDED.search(seg.text) else None
        if said is not None and reading.event is not None and said["class"] == reading.event["class"] \
                and said.get("roles", {}).get("speaker") == reading.event.get("roles", {}).get("speaker"):
            # "It added that ...", '"...," Salami added': more of the statement or threat drafted just before
            left_out.append({"quote": seg.text, "why": f"goes on with {said['id']}, drafted above"})
            reading.event = None
        if reading.event is not None and reading.event["id"].startswith("draft-"):
            same = next((r for r in refs if draft_events.same_family(reading.event, r) and _dates_agree(reading.event, know.events[r["id"]])), None)
            if same is not None:  # the sentence's event is one the graph holds
                reading.event.update(id=same["id"], suggested={**same["suggested"], "why": f"{reading.why}; {same['suggested']['why']}"})
                if not draft_events.classes(reading.event) & draft_events.classes(same):  # "Iran announced ...": the graph's Announcement
                    reading.event["class"] = same["class"]
                    reading.event.pop("cameo", None)
                refs.remove(same)
        if reading.event is not None:
            ev = reading.event
            # "shortly after the attack": the article's news, the first attack it dates; "hours after the
            # missile attack": the last missile attack drafted before
            dated = [e for e in events if draft_events.classes(e) & draft_events.ATTACKS and e.get("date")]
            named = [e for e in dated if after_another and any(draft_events.REFERS[c].search(after_another.group(0))
                                                               for c in draft_events.classes(e) - {"Attack"} if c in draft_events.REFERS)]
            attack = named[-1] if named else next(iter(dated), None)
            carried = str((ev.get("date") or {}).get("derivation", "")).startswith("from the previous")
            if ("date" not in ev or carried) and attack is not None:
                after = draft_dates.soon_after(seg.text, attack["id"], attack.get("date"))
                if after is not None:
                    ev["date"] = after.as_seed()
            told = dates.get(seg.index)
            if "date" not in ev and told is not None and not told.derivation.startswith("from the previous") \
                    and linked_on and published is not None:
                # "sanctions reintroduced following Trump's 2018 withdrawal": after the earlier event's date,
                # before the article was written
                since = draft_dates.after(told, published)
                if since is not None:
                    ev["date"] = since.as_seed()
            if ev["id"].startswith("draft-"):
                ev["id"] = _unique(ev["id"], {e["id"] for e in events})
            if any(e["id"] == ev["id"] for e in events):
                left_out.append(_another_account(seg.text, next(e for e in events if e["id"] == ev["id"]), ev))
            else:
                events.append(ev)
                if draft_events.classes(ev) & (draft_events.ATTACKS | {"Accident"}):
                    previous = ev  # the harm told last: "The attack killed three", "No one was hurt." next
        elif reading.why != "no event word" and not (left_out and left_out[-1]["quote"] == seg.text):
            left_out.append({"quote": seg.text, "why": reading.why})  # once a sentence: why it was left out, said above
        for ev in list(refs):
            if reading.event is not None and not linked_on and draft_events.same_family(reading.event, ev) \
                    and not _dates_agree(reading.event, know.events[ev["id"]]):
                # "Trump tweeted on Friday ...": another tweet than the one the graph holds from Tuesday
                refs.remove(ev)
        for ev in refs:
            # the sentence's date is its main event's ("airstrikes on Thursday, a day after rockets hit
            # Camp Taji"): an event of the graph named beside it keeps the graph's date
            if reading.event is not None and ev.get("date") and ev["date"] == reading.event.get("date") \
                    and not _dates_agree(ev, know.events[ev["id"]]):
                del ev["date"]
            if not any(e["id"] == ev["id"] for e in events):
                events.append(ev)
        toll_of = next((e for r in refs if draft_events.classes(r) & draft_events.ATTACKS for e in events if e["id"] == r["id"]), None)
        if toll_of is not None and (reading.event is None or not draft_events.classes(reading.event) & draft_events.ATTACKS):
            previous = toll_of  # the attack told last, though the graph holds it: "... were killed in the strikes" next
        if reading.event is not None and toll_of is not None and reading.event.get("casualties") \
                and draft_events.classes(reading.event) & draft_events.SAYING:
            # "The Pentagon said 50 service members had been diagnosed with brain injuries after Iran's
            # missile attack": words have no casualties; the toll is the attack's, as the speaker gives it
            draft_events.merge_counts(toll_of, {"casualties": reading.event.pop("casualties")})
        answer = draft_events.response_to(seg) if reading.event is not None else None
        # "imposed sanctions ..., in response to the missile attacks": what the main event answers is the
        # event of the graph the words after the link name (they name an earlier event, so less is enough)
        answered = next(iter(draft_events.references(text, answer[1], found, None, know, enough=1.0)), None) if answer else None
        if answer and answered and reading.event is not None and answered["id"] != reading.event["id"]:
            relation = {"subject": reading.event["id"], "predicate": answer[0], "object": answered["id"],
                        "claimed_by": holder.id if holder.id != "author" else "author", **quoted(text, seg.text, seg.begin)}
            relations.append({**relation, "suggested": {"why": f"'{answer[0]}': the sentence's event answers {answered['id']}", "confidence": 0.5}})
            if not any(e["id"] == answered["id"] for e in events):
                events.append({**answered, **quoted(text, seg.text, seg.begin)})
        here = [e for e in events if e.get("quote") and e["quote"] in seg.text]
        drafted = {c for e in here for c in ([e["class"]] if isinstance(e["class"], str) else e["class"])}
        for ev in draft_phrases.read(text, seg, found, holder, published, drafted, estimated=estimated, head=clause):
            if _told_again(ev, previous, dates.get(seg.index)):
                # "Iraq's military said that 22 missiles had been fired, 17 at Ain al-Asad ...": no doer,
                # no day of its own: the attack told before, whose counts the statement gives
                for main in (e for e in here if draft_events.classes(e) & draft_events.SAYING):
                    _more_counts(previous, main)  # type: ignore[arg-type]
                    for key in ("casualties", "munitions", "counts"):  # added, or given there already
                        main.pop(key, None)
                continue
            ev["id"] = _unique(ev["id"], {e["id"] for e in events})
            events.append(ev)
            if draft_events.classes(ev) & draft_events.ATTACKS and ev["suggested"]["why"].startswith(draft_phrases.REPORTED):
                for main in (e for e in here if draft_events.classes(e) & draft_events.SAYING):
                    _reported_toll(seg, ev, main, found)
            for main in here:  # a date inside the phrase is the phrase's event's, not the sentence's
                if ev.get("date") and (main.get("date") or {}).get("value") == ev["date"]["value"]:
                    del main["date"]
        if reading.relation is not None:
            relations.append({**reading.relation, "suggested": {"why": reading.why, "confidence": 0.6}})
        # "denied responsibility for the Camp Taji attack": the attack the sentence names, else the last one told
        blamed = draft_events.responsibility(text, seg, found, holder, named_attack or previous)
        if blamed is not None:
            who = blamed.get("attribution") or str(blamed.get("claimed_by", "the author")).removeprefix("source:")
            why = f"{blamed['subject']} denies a role in {blamed['object']}" if blamed.get("polarity") == "denied" else \
                f"'{who}' holds {blamed['subject']} responsible for {blamed['object']}"
            relations.append({**blamed, "suggested": {"why": why, "confidence": 0.5}})
        if not any(b <= seg.begin < e or seg.begin <= b < seg.end for b, e in covered):
            read = draft_stances.read_all(text, seg, holder, index, names=found, know=know, written=published)
            if read and contrasted is not None:
                other = draft_stances.set_aside(text, seg, contrasted, read[0], index, names=found, know=know, written=published)
                if other is not None:
                    (candidates if other["proposition"] is None else stances).append(other)
            for stance in read:
                (candidates if stance["proposition"] is None else stances).append(stance)

    sources = _sources(text, events, relations, stances, candidates)
    for st in stances + candidates:
        if not st["id"]:
            holder_id = st["holder"] if isinstance(st["holder"], str) else "-".join(st["holder"])
            st["id"] = _unique("draft-" + slug(f"{holder_id} {st['proposition'] or st['modality']}"), {s["id"] for s in stances + candidates})

    roles = [{"holder": n.entity, "title": n.title, **quoted(text, text[min(n.begin, n.title_begin or n.begin):max(n.end, (n.title_begin or 0) + len(n.title or ""))], n.begin - 200),
              "suggested": {"why": "a title written with the name", "confidence": 0.7}}
             for n in _first_titles(found)]
    unknown = [n for n in found if not n.known]
    mentions = Counter(n.entity for n in unknown)
    new_entities, seen = [], set()
    ignored: list[dict[str, str]] = []
    for n in unknown:
        if n.entity in seen:
            continue
        seen.add(n.entity)
        if n.text in SERVICES:  # "on its Telegram channel", "on Twitter": the channel, not an actor
            ignored.append({"name": n.text, "reason": f"the messaging service where it was said (channel: {SERVICES[n.text]})"})
            continue
        # the class the mention with the most to go on shows ("Rockets hit Balad" in a headline, "Balad
        # air base" in the text); the first of them when several have as much
        kind = max((o for o in unknown if o.entity == n.entity), key=lambda o: o.evidence).kind
        # a country is written as the registry writes its countries: type [State, Country]
        entry: dict[str, Any] = {"id": n.entity, "type": ["State", "Country"] if kind == COUNTRY else kind, "label": n.text, "mentions": mentions[n.entity]}
        if n.title:
            entry["title"] = n.title
        inside = _located_in(text, n, found, know) if kind in knowledge_mod.PLACE_TYPES else None
        if inside is not None:
            entry["located_in"] = inside
        mapped = kind in knowledge_mod.PLACE_TYPES and kind != "Country"  # a country has no point by design
        entry["suggested"] = {"why": "a name not in the registry" + (f", written with the title {n.title!r}" if n.title else "") +
                              (f", in {inside} as the text places it" if inside else "") +
                              ("; add 'point: [latitude, longitude]' or its events stay off the map" if mapped else ""),
                              "confidence": 0.6 if n.title or mentions[n.entity] > 1 else 0.4}
        new_entities.append(entry)
    head = _headline(text, title_m)
    return {
        "article": {
            "text": path.name, "status": "draft", "title": title, "genre": "news", "publisher": publisher.entity if publisher else None, "authors": [w.entity for w in writers],
            "published": {"date": pub.isoformat(), "precision": "day", "derivation": derivation},
            "headline": head, "furniture": [quoted(text, m.group(0).strip(), m.start()) for m in furniture], "captions": [],
            **({"ignored_names": ignored} if ignored else {}),
        },
        "sources": sources, "events": events, "relations": relations, "roles": roles, "stances": stances,
        "draft_notes": {
            "how_to_finish": "Check every guess against the text; fix classes, roles, places and dates; check the "
                             "propositions against propositions.yaml; add new entities to registry.yaml; then set status: reviewed.",
            "registry_entities_found": dict(sorted(Counter(n.entity for n in found if n.known).items())),
            "new_entities": new_entities,
            "stance_candidates": candidates,
            "left_out": left_out,
        },
    }


def _after_known(text: str, segs: list[Any], found: list[Any], know: Knowledge, derivation: str) -> tuple[dt.date | None, str]:
    """A publication date the text does not give, estimated as the latest day of the known events
    the article names (it was written on that day or after), and its derivation."""
    spans = {}
    for seg in segs:
        for ev in draft_events.references(text, seg, found, None, know):
            span = know.events[ev["id"]].span
            if span is not None and span.precision == "day":
                spans[ev["id"]] = span.latest
    if not spans:
        return None, derivation
    last = max(spans, key=lambda i: spans[i])
    return spans[last], (f"{derivation}; estimated as {spans[last].isoformat()}, the day of {last}, the latest known event the "
                         "article names: relative dates are resolved against it (check it)")


def _headline(text: str, title_m: re.Match[str] | None) -> list[dict[str, Any]]:
    if title_m is None:
        return []
    return [quoted(text, title_m.group(0).strip(" \t\r\ufeff"), title_m.start())]  # a byte-order mark is no part of it


# the words that place a new place in a known one: "Baghdad's (heavily fortified) Green Zone",
# "Besmaya in Iraq", "Besmaya, Iraq"
_OWNER = re.compile(r"[’']s(?:[^\S\n]+[a-z][\w-]*){0,3}[^\S\n]+")
_IN = re.compile(r"[^\S\n]+(?:in|inside)[^\S\n]+(?:the[^\S\n]+)?")
_COMMA = re.compile(r",[^\S\n]*")


def _located_in(text: str, place: Any, found: list[Any], know: Knowledge) -> str | None:
    """The known place a new one lies in, as the text says it (after a comma, only a country)."""
    for n in found:
        if not n.known or not know.types(n.entity) & knowledge_mod.PLACE_TYPES:
            continue
        if n.end <= place.begin and _OWNER.fullmatch(text[n.end:place.begin]):
            return str(n.entity)
        between = text[place.end:n.begin] if n.begin >= place.end else ""
        if _IN.fullmatch(between) or _COMMA.fullmatch(between) and know.types(n.entity) & {"Country", "State"}:
            return str(n.entity)
    return None


def _first_titles(found: list[Any]) -> list[Any]:
    out, seen = [], set()
    for n in found:
        if n.title and "Person" in n.kind and n.entity not in seen:
            seen.add(n.entity)
            out.append(n)
    return out


def _reported_toll(seg: Segment, act: dict[str, Any], said: dict[str, Any], found: list[Name]) -> None:
    """"The Popular Mobilization Forces said five of its fighters were killed in a U.S. airstrike near
    Karbala": the toll and the places inside the words of the act a statement reports are the act's,
    not the statement's."""
    at = seg.text.find(act["quote"])
    if at < 0:
        return
    begin, end = seg.begin + at, seg.begin + at + len(act["quote"])
    for key in ("casualties", "munitions", "counts"):
        inside = [c for c in said.get(key) or [] if c["quote"] in act["quote"]]
        if inside:
            act.setdefault(key, []).extend(inside)
            kept = [c for c in said[key] if c not in inside]
            if kept:
                said[key] = kept
            else:
                del said[key]
    named = {n.entity for n in found if begin <= n.begin and n.end <= end}
    moved = [p for p in said.get("places") or [] if p in named]
    if moved:
        act["places"] = list(dict.fromkeys([*act.get("places", []), *moved]))
        said["places"] = [p for p in said["places"] if p not in moved]
        if not said["places"]:
            del said["places"]


def _told_again(phrase: dict[str, Any], previous: dict[str, Any] | None, when: draft_dates.DateGuess | None) -> bool:
    """Whether an attack a phrase reports ("said that 22 missiles had been fired") is the attack told
    before: no doer, no date of its own, and the sentence's day (if any) is that attack's."""
    if previous is None or not draft_events.classes(phrase) & draft_events.ATTACKS or phrase.get("roles") or phrase.get("date") \
            or not phrase["suggested"]["why"].startswith(draft_phrases.REPORTED):  # "previous attacks on shipping": earlier ones
        return False
    day = (previous.get("date") or {}).get("value")
    return when is None or day is None or when.value == day


def _another_account(quote: str, event: dict[str, Any], other: dict[str, Any]) -> dict[str, str]:
    """The left-out note for a sentence whose event ``other`` tells ``event`` (drafted above) again,
    once ``other``'s counts are added to it."""
    counted = _more_counts(event, other)
    return {"quote": quote, "why": f"another account of {event['id']}, drafted above" +
            (f"; its {' and '.join(counted)} added to it" if counted else "")}


def _more_counts(event: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """Add to ``event`` the casualties, munitions and other counts of ``other``, another account of it
    ("Iranian state television reported that 80 ... were killed" after the attack was told): each
    count is its source's claim, so a count is added unless the same source gives the same count.
    Returns what was added ("casualties", ...)."""
    added = []
    for key in ("casualties", "munitions", "counts"):
        have = event.get(key) or []
        have = [have] if isinstance(have, dict) else list(have)
        given = other.get(key) or []
        new = [c for c in ([given] if isinstance(given, dict) else given)
               if not any(_same_count(c, h) for h in have)]
        if new:
            event[key] = have + new if key != "munitions" or len(have) + len(new) > 1 else new[0]
            added.append(key)
    return added


def _same_count(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two counts say the same: one number, status and thing counted, from one source."""
    return all(a.get(k) == b.get(k) for k in ("count", "status", "what", "nationality", "claimed_by"))


def _dates_agree(event: dict[str, Any], known: Any) -> bool:
    """Whether a drafted event's date (if any) can be the known event's ("again on Friday, a week
    after the attack on Camp Taji" tells of two attacks)."""
    date = event.get("date")
    if not date or known.span is None:
        return True
    try:
        mine = draft_dates.day_of(draft_dates.DateGuess(str(date["value"]), date["precision"], "", date.get("earliest"), date.get("latest")))
    except ValueError:
        return True
    return mine.overlaps(known.span)


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    i = 2
    while f"{base}-{i}" in taken:
        i += 1
    return f"{base}-{i}"


def _sources(text: str, *sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The unnamed sources the drafted items name (``source:<slug>`` holders), declared once each,
    and the items rewritten to name them by id."""
    out: dict[str, dict[str, Any]] = {}

    def swap(value: Any, item: dict[str, Any]) -> Any:
        if isinstance(value, str) and value.startswith("source:"):
            sid = value.split(":", 1)[1]
            if sid not in out:
                src = (item.get("suggested") or {}).get("source") or {}
                words = src.get("quote") or item.get("attribution") or sid.replace("-", " ")
                found = re.search(re.escape(words), text, re.IGNORECASE)
                words = found.group(0) if found else words
                description = src.get("description") or words
                out[sid] = {"id": sid, "description": description, **(quoted(text, words) if words in text else {"quote": description}),
                            "suggested": {"why": "an unnamed source the article quotes", "confidence": 0.6}}
            return sid
        return value

    def walk(item: dict[str, Any]) -> None:
        for key in ("holder", "claimed_by", "reported_by"):
            if key in item:
                item[key] = swap(item[key], item)
        for value in item.values():
            if isinstance(value, list):
                for sub in value:
                    if isinstance(sub, dict):
                        walk(sub)
            elif isinstance(value, dict) and value is not item.get("suggested"):
                walk(value)

    for section in sections:
        for item in section:
            walk(item)
            (item.get("suggested") or {}).pop("source", None)  # declared under sources now
    return [s for s in out.values() if s["quote"] in text]


def _refs(item: Any) -> set[str]:
    if isinstance(item, dict):
        out: set[str] = set()
        for key, value in item.items():
            if key in ("holder", "claimed_by", "reported_by", "weapon", "nationality", "places", "target_places", "roles", "subject", "object"):
                out |= {value} if isinstance(value, str) else _flat(value)
            elif key != "suggested":
                out |= _refs(value)
        return out
    if isinstance(item, list):
        return set().union(*(_refs(v) for v in item)) if item else set()
    return set()


def _flat(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_flat(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_flat(v) for v in value)) if value else set()
    return set()


def render(mapping: dict[str, Any]) -> dict[str, Any]:
    """The seed document of a draft mapping: suggestions and items needing new entities moved to
    ``draft_notes`` (see the module docstring)."""
    doc = {k: v for k, v in mapping.items() if k != "draft_notes"}
    notes = dict(mapping["draft_notes"])
    proposed = {e["id"] for e in notes.get("new_entities", [])}
    suggestions: dict[str, Any] = {}
    waiting: list[dict[str, Any]] = []
    # an item that names a waiting item (a relation's event) waits with it: a seed file names only
    # the ids the registry, the graph or the file itself defines
    held: set[str] = set()
    for section in ("sources", "events", "relations", "roles", "stances"):
        kept: list[dict[str, Any]] = []
        for item in doc.get(section) or []:
            item = dict(item)
            suggested = item.pop("suggested", None)
            needs = sorted(_refs(item) & (proposed | held))
            if needs:
                waiting.append({"section": section, "needs": needs, "item": item})
                if isinstance(item.get("id"), str):
                    held.add(item["id"])
                continue
            if suggested:
                suggested = {k: v for k, v in suggested.items() if k != "source"}
                suggestions[f"{section}[{len(kept)}] {item.get('id', item.get('holder', ''))}".strip()] = suggested
            kept.append(item)
        doc[section] = kept
    article = dict(doc["article"])
    for key in ("authors", "publisher"):  # a byline's author or publisher not yet in the registry
        value = article.get(key)
        needs = sorted(_flat(value) & proposed) if value else []
        if needs:
            article[key] = [v for v in value if v not in proposed] if isinstance(value, list) else None
            waiting.append({"section": "article", "needs": needs, "item": {key: value}})
    doc["article"] = article
    for entry in notes.get("new_entities", []):
        entry.pop("suggested", None)
    notes["suggestions"] = suggestions
    notes["needs_new_entities"] = waiting
    doc["draft_notes"] = notes
    return {k: v for k, v in doc.items() if v or k in ("article", "events", "stances")}


def draft(article: Path | str, seeds_dir: Path | str) -> str:
    """The YAML text of a draft annotation file for ``article`` (a .txt file)."""
    doc = render(draft_mapping(article, seeds_dir))
    header = f"# Draft annotations for {Path(article).name}, written by 'crisiskg draft'. A curator must review every line.\n"
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
