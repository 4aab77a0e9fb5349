"""Who says what: names with their titles, and the speaker, claimant or unnamed source of a sentence.

Names are the registry's aliases found in the text plus the other capitalised names, each unknown one
proposed as a registry entry with a class guessed from its words and its title ("Defense Secretary
Mark Esper" is the title "Defense Secretary" and the person Mark Esper). A sentence's holder comes
from attribution patterns: "according to X", "X said / told / warned ...", "X's military condemned
...", "..., X said", a pronoun after a named speaker, a quotation continuing the last speaker's
words, and unnamed sources ("one former official", "some analysts argue") that become the article's
``sources:``; "..., said X" needs X to end the clause ("said Iraq must ..." makes Iraq the subject,
not the speaker). A count ("Three") is never a name, nor are the people it counts ("one Briton"), and
a weapon's name ("Katyusha rockets") is proposed as a Weapon. ``byline`` reads "By NAME[, PUBLISHER]"
at the top of the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from crisiskg.curate.knowledge import PLACE_TYPES, Knowledge
from crisiskg.curate.segments import DATELINE, Segment
from crisiskg.textscan import DEMONYMS, UPPER, candidate_names, overlaps

HEADS = (r"Secretary(?:-General|[^\S\n]+of[^\S\n]+(?:the[^\S\n]+)?(?:State|Defen[cs]e|War|Energy|Commerce|Treasury|Homeland Security))?|Minister(?:-designate)?|President|Vice President|Leader|Chairman|Director|"
         r"General|Gen\.|Lt\.|Col\.|Maj\.|Adm\.|Admiral|Colonel|Lieutenant|Major General|Brigadier|Captain|Sergeant|Sen\.|Senator|Rep\.|Representative|Ayatollah|Ambassador|"
         r"Spokesman|Spokeswoman|Commander|Chief|King|Prince|Sheikh|Speaker|Governor|Gov\.|Mayor|Judge|Dr\.|Chancellor|Emir|Premier")
_TITLE_LEAD = re.compile(rf"(?:(?:{HEADS}|Senior|Deputy|Top)[^\S\n]+)+")  # the title words a title's other words follow
_LOW = rf"(?:[^\W\d_{UPPER}]|[’'-])"  # a lower-case letter of any script, or an apostrophe or hyphen inside a name
_CAP = f"[{UPPER}]"  # a capital, accented ones included
# a name's words: "McCaul" and "DeSantis" have a capital inside
_NAME = rf"(?P<name>(?:{_CAP}{_LOW}+(?:{_CAP}{_LOW}+)?|[A-Z]\.)(?:[^\S\n]+(?:{_CAP}{_LOW}+(?:{_CAP}{_LOW}+)?|[A-Z]\.|al-[A-Z][\w-]+|bin|ibn))*)"
# the words of a title before its head: never across a sentence's end ("... Iran. Speaker Nancy Pelosi"),
# an initialism ("U.S.") kept
TITLED = re.compile(rf"(?P<title>(?!(?:of|the)[^\S\n])(?:(?:{_CAP}[\w-]*|(?:[A-Z]\.)+|of|the)[^\S\n]+){{0,4}}?(?:{HEADS})(?:[^\S\n]+(?:{HEADS}))*)[^\S\n]+" + _NAME)
# a title in lower case before a name: "defence minister Jafar al-Hussaini", "Iran's foreign ministry
# spokesman Abbas Mousavi" (whose it is belongs to the title); a verb before it is not ("named
# intelligence chief X")
_LOWER_TITLE = (r"(?<![\w’'])(?P<title>(?:(?:(?!The\b)[A-Z][a-z]+[^\S\n]+){0,2}[A-Z][a-z]+[’']s[^\S\n]+|(?:Chief|Senior|Deputy|Top)[^\S\n]+(?:[A-Z][\w-]+[^\S\n]+){1,2})?(?:(?!(?:named|appointed|nominated|replaced|met|told|said|called|"
                r"and|with|by|as|the|a|an)\b)[a-z][\w’'-]*[^\S\n]+){0,2}?(?:minister|secretary|spokes(?:man|woman)|commander|chief|"
                r"general|leader|ambassador|envoy|president|director|adviser|advisor))")
LOWER_TITLED = re.compile(_LOWER_TITLE + r"[^\S\n]+" + _NAME)
# the same title before a comma and the name between commas: "Iraq's caretaker prime minister, Adel Abdul-Mahdi, told"
TITLE_COMMA = re.compile(_LOWER_TITLE + r",[^\S\n]+" + _NAME + r"(?=,)")
APPOSITION = re.compile(rf"(?P<name>(?:[A-Z]\.\s+)?{_CAP}{_LOW}+(?:\s+(?:[A-Z]\.|{_CAP}{_LOW}+))+),\s+(?P<title>(?:an?\s+|the\s+)?(?:[A-Za-z][\w-]*\s+){{0,4}}?"
                        r"(?:director|chief|head|spokesman|spokeswoman|minister|secretary|president|fellow|professor|adviser|"
                        r"advisor|analyst|chairman|commander|founder|ambassador|editor|correspondent|officer|scholar|researcher|"
                        r"expert|historian|economist|specialist|lecturer|scientist)\b[^,.;:]{0,120})")
SPEECH = (r"said|says|say|told|tells|added|adds|warned|warns|announced|announces|tweeted|tweets|stated|insisted|insists|"
          r"argued|argues|argue|reported|reports|blamed|blames|accused|accuses|asked|asks|demanded|demands|condemned|condemns|denounced|denounces|criticized|criticised|claimed|claims|noted|notes|wrote|writes|explained|declared|vowed|vows|pledged|promised|"
          r"threatened|believes|believe|believed|suggested|suggest|suggests|described|describes|urged|urges|"
          r"called|calls|asserted|acknowledged|acknowledges|admitted|admits|confirmed|confirms|denied|denies|stressed|predicted|predicts|"
          r"thinks|think")
UNNAMED = re.compile(r"\b(?P<who>(?:(?:one|a|an|two|three|several|some|many|other|most|few|senior|former|top|western|"
                     r"US|U\.S\.|American|Iraqi|Iranian|(?-i:[A-Z][a-z]+(?:i|ian|ese|ish|an))|military|defense|intelligence|administration|"
                     r"government|security|and)\s+){1,5}"
                     r"(?:officials?|diplomats?|sources?|analysts?|experts?|commentators?|observers?|critics?|lawmakers?|"
                     r"elements\s+of\s+[\w’' ]{1,30}?military|Iraqis|Iranians|Americans|state (?:television|TV|media)))\b", re.IGNORECASE)
# a source with no word before it: "according to diplomats in the region", "according to officials"
_ACCORDING_BARE = re.compile(r"\baccording to\s+(?P<who>(?:officials|diplomats|sources|analysts|experts|observers|witnesses|residents|"
                             r"people familiar with[\w ]{1,30}?)(?:\s+(?:in|at|from|close to|familiar with)\s+(?:the\s+)?[\w ]{1,30}?)?)(?=[,.;:]|$)",
                             re.IGNORECASE)
_SOME = re.compile(r"^(?:Some|Others|Many|Critics|Analysts|Experts|Observers|Diplomats|Officials)\b"
                   r"(?=\s+(?:may|might|suggest|say|said|argue|believe|think|view|see|will|would|warn|warned))")
# "Iraq's military condemned": the actor whose body speaks holds the words
# "X had initially said", "X also told", "X later denied"
_ADVERB = r"(?:also|initially|first|earlier|previously|later|again|repeatedly|publicly|privately|then|since)"
_SPEECH_AFTER = re.compile(rf"^(?:[’']s\s+(?:[A-Za-z]+\s+){{1,2}}(?=(?:{SPEECH})\b))?(?:,[^,]{{0,100}},)?,?\s*(?:(?:[a-z]+ed|spoke|met|held|sent|took|gave|made|wrote)\b[^,.;:“\"]{{0,60}}?\band\s+)?(?:has\s+|had\s+|have\s+|having\s+)?(?:{_ADVERB}\s+)?(?:{SPEECH})\b")
_SPEECH_BEFORE = re.compile(rf"(?:{SPEECH})\s*$")
# "..., officials said.", "..., witnesses told the agency.": an unnamed source at the end of the sentence
_UNNAMED_LAST = re.compile(rf",\s+(?P<who>(?:the\s+)?(?:(?:medical|hospital|local|security|police|military|government|Iraqi|Iranian|U\.S\.|US|"
                           rf"American|Western|senior)\s+){{0,2}}(?:officials|diplomats|sources|witnesses|residents|police|analysts|experts))\s+"
                           rf"(?:{SPEECH})\b(?:\s+[\w.]+){{0,3}}\s*[.”\"]*\s*$", re.IGNORECASE)
# "according to the semi-official Fars", "according to Joint Chiefs Chairman Gen." (a title is cut off before)
_ACCORDING = re.compile(r"\baccording to\s+(?:the\s+)?(?:(?-i:[a-z][\w-]*)\s+){0,4}$", re.IGNORECASE)
# "From Iran's perspective, ...", "In Tehran's view, ...": the view is the named actor's
_VIEW_BEFORE = re.compile(r"(?:^|[,;]\s*)(?:from|in|to)\s+(?:the\s+)?$", re.IGNORECASE)
_VIEW_AFTER = re.compile(r"^[’']s?\s+(?:perspective|point of view|view|eyes|calculus|thinking|mind)\b", re.IGNORECASE)
# after "said X": a lower-case word other than these makes X the subject of the words said
_CLAUSE_GOES_ON = re.compile(r"^[’']?s?\s+(?!(?:in|on|at|of|from|to|during|after|before|and|who|whose|which|according|earlier|later|last|"
                             r"this|that|when|while|as|with|by|late|early|today|yesterday|on|via|through|adding|citing)\b)[a-z]")
_PRONOUN = re.compile(rf"^(?P<p>He|She|They|It)\s+(?:also\s+)?(?:{SPEECH})\b")
# '"We did not seek to kill anyone," he told state television.'
_PRONOUN_AFTER_QUOTE = re.compile(rf"[,?!][”\"]\s+(?P<p>he|she|they|it)\s+(?:also\s+)?(?:{SPEECH})\b")

# word in an unknown name -> class guessed for it (first hit wins; a title makes a Person)
CLASS_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:Council|Institute|Institution|Center|Centre|Foundation|Endowment|Brookings|Crisis Group)\b"), "ThinkTank"),
    (re.compile(r"\b(?:University|College|School)\b"), "AcademicInstitution"),
    (re.compile(r"\b(?:Times|Post|Journal|News|Press|Reuters|Television|Agency News|Radio)\b"), "MediaOrganisation"),
    # "International Atomic Energy Agency", "World Health Organization": a body of states, not a spy agency
    (re.compile(r"^(?:International|World)\b|\bAtomic Energy\b"), "InternationalOrganisation"),
    (re.compile(r"\b(?:Agency|Intelligence|CIA|Mossad)\b"), "IntelligenceAgency"),
    (re.compile(r"\b(?:Parliament|Congress|Senate|Assembly|Majlis|(?<!White )House)\b"), "Legislature"),
    (re.compile(r"\b(?:Ministry|Government|Administration|Cabinet|Department|Pentagon|White House)\b"), "Government"),
    # and the words Iraqi armed groups' names are made of: movement, leagues, companies, brigade
    (re.compile(r"\b(?:Brigades?|Militias?|Hezbollah|Kataib|Hashd|Mobilization|Harakat|Asaib|Saraya|Liwa)\b"), "Militia"),
    (re.compile(r"\b(?:Army|Forces?|Navy|Guards?|Corps|Command|Coalition|Marines|Division|Battalion|Regiment|Fleet|Squadron|Airborne|Infantry)\b"), "ArmedForce"),
    (re.compile(r"\b(?:United Nations|NATO|Union|League)\b"), "InternationalOrganisation"),
    (re.compile(r"\b(?:Base|Camp|Air Base|Fort)\b"), "MilitaryBase"),
    (re.compile(r"\b(?:Airport|Embassy|Facility|Refinery|Port|Depot|Plant|Palace)\b"), "Facility"),
    (re.compile(r"\b(?:Gulf|Sea|Strait|River|Ocean)\b"), "WaterBody"),
    (re.compile(r"\b(?:Province|Region|Governorate|Kurdistan|Zone|District|Quarter|Square|Valley|Desert|Peninsula)\b"), "Region"),
]
# an institution a nationality adjective names ("the Iraqi parliament", "the Turkish army"): an actor
# ("military" and "militia" are left out: mostly adjectives, "Iraqi military bases", "an Iraqi militia leader")
INSTITUTIONS = {"parliament": "Legislature", "legislature": "Legislature", "government": "Government", "cabinet": "Government",
                "authorities": "Government", "army": "ArmedForce", "navy": "ArmedForce"}
INSTITUTION = re.compile(r"\b[A-Z][a-z]+(?:i|ian|ese|ish|an)\s+(?P<what>" + "|".join(INSTITUTIONS) + r")\b")
# "the Iraqi military said": a military that speaks is the institution ("Iraqi military bases" are not)
SPEAKING_MILITARY = re.compile(r"(?:(?<=according to the )|(?<=statement from the )|(?<=statement by the ))[A-Z][a-z]+(?:i|ian|ese|ish|an)\s+military\b|"
                               r"\b[A-Z][a-z]+(?:i|ian|ese|ish|an)\s+military(?=\s+(?:has\s+|had\s+)?(?:also\s+)?"
                               r"(?:said|says|told|announced|confirmed|denied|reported|stated|added)\b)")
# words that are never a name, capitalised or not: a count ("Three rockets") or a weapon
_COUNTS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
           r"eighteen|nineteen|twenty|thirty|forty|fifty|dozens?|scores?|hundreds?|thousands?|several|multiple|numerous|\d+")
_WEAPONS = (r"rockets?|missiles?|drones?|mortars?|bombs?|shells?|grenades?|katyushas?|IEDs?|explosives?|munitions?|"
            r"artillery|launchers?|warheads?|projectiles?")
NOT_A_NAME = re.compile(rf"(?:(?:{_COUNTS})(?:[^\S\n]+|$))+", re.IGNORECASE)
_COUNTED = re.compile(rf"\b(?:{_COUNTS}|a|an)[^\S\n]+$", re.IGNORECASE)
_HEAD_ENDS = re.compile(r"(?:[,.;:)]|\s+(?:and|or|were|was|who|had|have|in|at|on|from)\b|\s*$)")
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:i|ian|ican|ese|ish)")
# not "-i": surnames end so ("Rouhani said"); the adjectives of nation in "-i" are listed
_ADJECTIVE = re.compile(r"[A-Z][a-z]+(?:ian|ican|ese|ish)|Saudi|Iraqi|Israeli|Qatari|Emirati|Kuwaiti|Yemeni|Omani|Bahraini|Pakistani|"
                        r"Azerbaijani|Bangladeshi|Somali|"
                        # and the ones of no common ending: "the Swiss foreign ministry", "a French diplomat"
                        r"Swiss|French|Dutch|Greek|Thai|Czech|Afghan|Arab")
_PEOPLE_NOUN = re.compile(r"[^\S\n]+(?:officials?|forces|troops|soldiers|militias?|militiamen|government|military|security|sources?|"
                          r"fighters|people|civilians|lawmakers|leaders?|parliament|army|police|authorities|diplomats?|"
                          r"officers?|personnel|media|state)\b")
WEAPON_WORDS = re.compile(rf"\b(?:{_WEAPONS})\b", re.IGNORECASE)
_MEDIA_AFTER = re.compile(r"[^\S\n]+(?:news agency|newspaper|daily|television|TV\b|radio|broadcaster)", re.IGNORECASE)
_BASE_AFTER = re.compile(r"[^\S\n]+(?:air ?base|airbase|military base|base|airfield|air field)\b")
_PLACE_CONTEXT = re.compile(r"\b(?:in|near|at|north of|south of|east of|west of|outside|from|to)\s+$")
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A lower-case id from a name, accents dropped ("António Guterres" -> antonio-guterres)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "-".join(_SLUG.sub(" ", plain.lower().replace("'", "")).split()) or "item"


@dataclass(frozen=True)
class Name:
    """A name in the text: a registry entity, or an unknown one with the entry proposed for it."""

    begin: int
    end: int
    text: str
    entity: str  # registry id, or the proposed id of a new entry
    known: bool
    kind: str  # registry type(s) joined by '/', or the guessed class
    title: str | None = None
    title_begin: int | None = None
    evidence: int = 3  # what an unknown name's class rests on (guess_class); a registry entry's is sure


@dataclass(frozen=True)
class Holder:
    """Who holds a sentence's words: an entity id, an unnamed source, or the author."""

    id: str  # entity id, 'source:<slug>' or 'author'
    words: str  # the words that attribute it ('' for the author)
    mode: str  # direct-quote | paraphrase | author-opinion
    why: str
    source_description: str | None = None


# what an attack lands on, right before a name: a place ("shelled Abu Ghraib"); a person is killed,
# targeted or wounded, and "struck Muhandis's convoy" is the convoy (the possessive is checked)
_HIT = re.compile(r"\b(?:hit|hits|struck|strikes|shelled|shelling|bombed|bombarded|pounded|rocked)\s+$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"[’']s?\b")
# the second of two places: "near Jurf al-Sakhar and Abu Kamal", "in Karbala, Najaf and Basra"
_PLACE_WORDS = r"[A-Z][\w’'-]*(?:\s+(?:[A-Z]|al-|el-)[\w’'-]*){0,2}"
_AND_PLACE = re.compile(rf"\b(?:in|near|at|outside|north of|south of|east of|west of)\s+{_PLACE_WORDS}(?:,\s+{_PLACE_WORDS})*"
                        r"(?:,?\s+(?:and|or)\s+|,\s+)$")
# what may follow the last place of a list: its end, or words of place and time ("... and Abu Kamal on
# Sunday"); "in Baghdad and Hadi al-Amiri said" goes on with a verb: a person
_LIST_END = re.compile(r"\s*(?:[.,;:)]|$|(?:and|or|on|in|at|near|during|after|before|late|early|this|last|province|provinces)\b)")
_PLACE_BEFORE = re.compile(r"\b(?:governor|mayor|province|city|town|hometown|birthplace|village|outskirts|streets|residents|people) of\s+$",
                           re.IGNORECASE)


# a country's kind, as the registry gives its countries (type: [State, Country]) joined as a Name's kind
COUNTRY = "Country/State"
# the English short names news copy uses that ISO 3166 does not ("Russian Federation", "Türkiye")
_SHORT_COUNTRY_NAMES = frozenset({"Russia", "Turkey", "Britain", "Great Britain", "Palestine"})


@functools.cache
def country_names() -> frozenset[str]:
    """The names of the world's countries: ISO 3166's (pycountry: name, common and official name,
    those written with a comma left out) and the short names news copy uses besides."""
    import pycountry  # read once, when a draft first needs it

    names = {getattr(c, a) for c in pycountry.countries for a in ("name", "common_name", "official_name") if getattr(c, a, None)}
    return frozenset(n for n in names if "," not in n and "(" not in n) | _SHORT_COUNTRY_NAMES


def guess_class(name: str, text: str, begin: int, *, titled: bool) -> tuple[str, int]:
    """The class of an unknown name, and how much the guess rests on (``Name.evidence``): 3 the name's
    own words or the words right beside it ("Balad air base", "Defense Secretary ..."), 2 the words
    before it ("in", "hit", a list of places), 1 its form (capitalised words, all capitals), 0 nothing
    (the fallback, "Organisation")."""
    if titled:
        return "Person", 3
    if name in country_names():
        return COUNTRY, 3  # "Germany said", "to Jordan and Kuwait": a country, not a city or an organisation
    if (begin == 0 or text[begin - 1] == "\n") and (filed := DATELINE.match(text[begin:begin + 120])) and filed.end("place") == len(name):
        return "City", 3  # "NEW YORK, Jan. 9, 2020 - ": where a wire story was filed
    institution = INSTITUTION.fullmatch(name)
    if institution:
        return INSTITUTIONS[institution.group("what").lower().split()[0]], 3
    military = SPEAKING_MILITARY.match(name + " said")
    if military and military.end() == len(name):
        return "ArmedForce", 3
    for pattern, cls in CLASS_WORDS:
        if pattern.search(name):
            return cls, 3
    if " " not in name and _PLACE_BEFORE.search(text[max(0, begin - 24):begin]):
        return "City", 3  # "a former governor of Najaf", "the streets of Kerman"
    if _MEDIA_AFTER.match(text[begin + len(name):begin + len(name) + 20]):
        return "MediaOrganisation", 3  # "the semi-official Fars news agency"
    if _BASE_AFTER.match(text[begin + len(name):begin + len(name) + 16]):
        return "MilitaryBase", 3  # "Balad air base"
    # "Katyusha rockets", "Grad Rockets": a weapon's name, never an actor's
    if WEAPON_WORDS.fullmatch(name.split()[-1]) or (len(name.split()) == 1 and WEAPON_WORDS.match(text[begin + len(name):begin + len(name) + 14].strip())):
        return "Weapon", 3
    if name.isupper() and len(name) > 1:
        return "Organisation", 1
    if _PLACE_CONTEXT.search(text[max(0, begin - 12):begin]) and len(name.split()) <= 3 \
            and not re.search(r"\baccording\s+to\s+$", text[max(0, begin - 20):begin], re.IGNORECASE):  # a source, not a town
        return "City", 2
    if len(name.split()) <= 3 and not _POSSESSIVE.match(text, begin + len(name)) and \
            (_HIT.search(text[max(0, begin - 24):begin]) or
             (_AND_PLACE.search(text[max(0, begin - 120):begin]) and _LIST_END.match(text, begin + len(name)))):
        return "City", 2  # "mortars hit Jurf al-Sakhar", "near Jurf al-Sakhar and Abu Kamal": places, whatever their "al-"
    if 2 <= len(name.split()) <= 4 and all(w[:1].isupper() or w.startswith(("al-", "bin", "ibn")) for w in name.split()):
        return "Person", 1
    return "Organisation", 0


def offices(text: str, knowledge: Knowledge, known: list[Name]) -> list[Name]:
    """The persons ``text`` names by their office alone: "Iran's supreme leader said", "the Iraqi
    president", when the curated roles give that office of that state or body one holder (not
    "the U.S. president": Obama and Trump). ``known``: the registry's names in ``text``, which give
    whose office it is; a name after the office ("Iran's supreme leader Ali Khamenei") is read as a
    titled name instead."""
    titles = sorted({t for _, t, _, _ in knowledge.offices}, key=len, reverse=True)
    if not titles:
        return []
    pattern = re.compile(r"(?<![\w’'])(?:(?P<owner>[A-Z][\w.-]*(?:[^\S\n][A-Z][\w.-]*)?)[’']s|(?P<adj>[A-Z][\w.]*[a-z.]))[^\S\n]+"
                         r"(?P<title>(?i:" + "|".join(re.escape(t) for t in titles) + r"))\b(?![^\S\n]+(?:[A-Z]|al-))")
    by_span = {(n.begin, n.end): n.entity for n in known}
    out = []
    for m in pattern.finditer(text):
        of = by_span.get((m.start("owner"), m.end("owner"))) if m.group("owner") else DEMONYMS.get(m.group("adj"))
        holder = knowledge.office_holder(m.group("title"), of) if of else None
        if holder is not None and holder in knowledge.entities:
            out.append(Name(m.start(), m.end("title"), m.group(0), holder, True, "/".join(sorted(knowledge.types(holder)))))
    return out


def names(text: str, knowledge: Knowledge, *, skip: list[tuple[int, int]] | None = None) -> list[Name]:
    """Every known and unknown name of ``text`` in order, titles split from persons' names; a person
    named by an office the curated roles give to one person ("Iran's supreme leader") is that person."""
    skip = skip or []
    found: list[Name] = []
    for m in knowledge.matcher().find(text, skip):
        kind = "/".join(sorted(knowledge.types(m.entity)))
        found.append(Name(m.begin, m.end, m.text, m.entity, True, kind))
    held = offices(text, knowledge, found)
    if held:
        found = sorted([n for n in found if not any(overlaps((n.begin, n.end), (o.begin, o.end)) for o in held)] + held, key=lambda n: n.begin)
    titles: dict[tuple[int, int], tuple[str, int]] = {}
    for pattern in (TITLED, LOWER_TITLED, TITLE_COMMA):
        for m in pattern.finditer(text):
            titles.setdefault((m.start("name"), m.end("name")), (m.group("title"), m.start("title")))
    for m in APPOSITION.finditer(text):
        titles.setdefault((m.start("name"), m.end("name")), (m.group("title").strip(), m.start("title")))
    # "Chief Pentagon spokesman Jonathan Hoffman": "Pentagon" is a word of Hoffman's title, not a
    # name titled "Chief"
    titles = {(b, e): (t, tb) for (b, e), (t, tb) in titles.items()
              if not any(tb2 <= b and e <= ob for (ob, _), (_, tb2) in titles.items())}
    # a known person's title: attach it where it stands right before the name
    out: list[Name] = []
    for n in found:
        t = titles.get((n.begin, n.end)) or next((v for (b, e), v in titles.items() if e == n.end and b <= n.begin), None)
        out.append(Name(n.begin, n.end, n.text, n.entity, True, n.kind, *(t or (None, None))) if t and "Person" in n.kind else n)
    taken = [(n.begin, n.end) for n in out] + list(skip)
    # a registry entry spelt another way than its label and aliases ("Abdul-Mahdi" for "Abdul Mahdi",
    # "Antonio" for "António"): the same id, by the same slug
    spelt = {slug(w): i for i, e in knowledge.entities.items() for w in (i, e.get("label") or "", *(e.get("aliases") or []))}
    unknown: list[tuple[int, int, str]] = [(b, e, nm) for (b, e), _ in titles.items() for nm in [text[b:e]]]
    unknown += candidate_names(text)
    unknown += [(m.start(), m.end(), m.group(0)) for pattern in (INSTITUTION, SPEAKING_MILITARY) for m in pattern.finditer(text)]
    for b, e, nm in sorted(unknown, key=lambda x: (x[0], -(x[1] - x[0]))):
        title = titles.get((b, e))
        inside = [(tb, te) for (tb, te) in titles if tb <= b and e <= te and (tb, te) != (b, e)]
        owner = next((r for r in taken if r[0] == b and re.match(r"[’']s[^\S\n]+[A-Z]", text[r[1]:r[1] + 4])), None)
        if owner is not None and not any(overlaps((owner[1] + 3, e), r) for r in taken) \
                and guess_class(text[owner[1] + 3:e], text, owner[1] + 3, titled=False)[0] in PLACE_TYPES:
            # "Baghdad's Tahrir Square": a place after a known name's possessive ("Iran's Foreign Ministry"
            # is no name of its own: whose it is is part of it)
            b, nm = owner[1] + 3, text[owner[1] + 3:e]
        if any(overlaps((b, e), r) for r in taken):
            # "Michael Knights of the Washington Institute": the words before a known name, if a name
            cut = min(r[0] for r in taken if overlaps((b, e), r))
            of = re.match(r"(.+?)[^\S\n]+(?:of|at)[^\S\n]+(?:the[^\S\n]+)?$", text[b:cut]) if cut > b else None
            head = of.group(1) if of else ""
            if len(head.split()) < 2 or any(overlaps((b, b + len(head)), r) for r in taken):
                continue
            e, nm, title = b + len(head), head, titles.get((b, b + len(head)))
        # a candidate phrase that begins with a title: keep the name part only
        for (tb, te), (tt, tstart) in titles.items():
            if tstart <= b < tb and te <= e + 1 and not inside:
                b, e, nm, title = tb, te, text[tb:te], (tt, tstart)
                break
        lead = _TITLE_LEAD.match(nm)
        if lead and lead.end() < len(nm) and any(tstart <= b and e <= tb for (tb, _), (_, tstart) in titles.items()):
            b, nm = b + lead.end(), nm[lead.end():]  # "Chief Pentagon" in a title: the Pentagon
        count = NOT_A_NAME.match(nm)  # "Four Zelzal": the count is not part of the name
        if count and count.end() < len(nm):
            b, nm = b + count.end(), nm[count.end():]
        if any(overlaps((b, e), r) for r in taken) or len(nm) < 3 or NOT_A_NAME.fullmatch(nm):
            continue
        if " " not in nm and _COUNTED.search(text[max(0, b - 14):b]) and _HEAD_ENDS.match(text[e:e + 8]):
            continue  # "one Briton", "a Democrat from", "two Americans and": the people counted, not a name
        if " " not in nm and (_DEMONYM.fullmatch(nm) and _PEOPLE_NOUN.match(text[e:e + 16]) or
                              _ADJECTIVE.fullmatch(nm) and re.match(r"[^\S\n]+[a-z]", text[e:e + 3])):
            continue  # "Iraqi officials", "a Ukrainian passenger jet": an adjective of nationality, not a name
        cls, evidence = guess_class(nm, text, b, titled=title is not None)
        ordinal = _ORDINAL_BEFORE.search(text, 0, b) if cls == "ArmedForce" else None
        if ordinal is not None:
            b, nm = ordinal.start(), text[ordinal.start():e]  # "the 82nd Airborne Division": the unit's number is its name's
        if evidence < 3 and cls == "City" and any(tstart <= b and e <= tstart + len(tt) for tt, tstart in titles.values()):
            cls = "Organisation"  # "Ann Louise Hittle, an analyst at Wood Mackenzie": where one works, in a title
        # a person's id leaves out middle initials ("Mark A. Milley" -> mark-milley)
        plain = re.sub(r"[’']s\b", "", nm)  # "Russia's Foreign Ministry" -> russia-foreign-ministry
        ident = slug(" ".join(w for i, w in enumerate(plain.split()) if i == 0 or not re.fullmatch(r"[A-Z]\.", w))) if cls == "Person" else slug(plain)
        same = spelt.get(slug(plain)) or spelt.get(ident)
        if same is not None:
            kind = "/".join(sorted(knowledge.types(same)))
            out.append(Name(b, e, nm, same, True, kind, *(title if title and "Person" in kind else (None, None))))
        else:
            out.append(Name(b, e, nm, ident, False, cls, title[0] if title else None, title[1] if title else None, evidence))
        taken.append((b, e))
    # "Esper said ..." at the start of a sentence, after "Defense Secretary Mark Esper": a single word
    # that opens a sentence is no name candidate, but a person's surname named in full before is
    people = {n.text.split()[-1]: n for n in out if "Person" in n.kind and len(n.text.split()) > 1}
    for m in _CAPITALISED.finditer(text):
        full = people.get(m.group(0))
        if full is not None and m.start() > full.begin and not any(overlaps((m.start(), m.end()), r) for r in taken):
            out.append(Name(m.start(), m.end(), m.group(0), full.entity, full.known, full.kind, evidence=full.evidence))
            taken.append((m.start(), m.end()))
    return _surnames(sorted(out, key=lambda n: n.begin))


_CAPITALISED = re.compile(r"(?<![\w’'-])[A-Z][a-z][\w-]*(?![\w-])")
_ORDINAL_BEFORE = re.compile(r"(?<![\w.,])\d{1,3}(?:st|nd|rd|th)[^\S\n]+$")


def _surnames(found: list[Name]) -> list[Name]:
    """A one-word unknown name that is the last word of a person's full name in the same text
    ("Doe" after "Jane Doe") is that person."""
    people = {n.text.split()[-1]: n for n in found if "Person" in n.kind and len(n.text.split()) > 1}
    out = []
    for n in found:
        full = people.get(n.text) if not n.known and len(n.text.split()) == 1 else None
        out.append(Name(n.begin, n.end, n.text, full.entity, full.known, full.kind, n.title, n.title_begin, full.evidence) if full is not None else n)
    return out


class Attributor:
    """Finds the holder of each sentence, remembering the last speaker for pronouns and quotations."""

    def __init__(self, text: str, all_names: list[Name], knowledge: Knowledge):
        self.text = text
        titles = [(n.title_begin, n.begin) for n in all_names if n.title_begin is not None and n.title_begin < n.begin]
        # an apposition after a name ("Ali Vaez, the Iran project director at the International Crisis
        # Group, said"): the organisation inside it does not speak
        titles += [(n.title_begin, n.title_begin + len(n.title)) for n in all_names
                   if n.title and n.title_begin is not None and n.title_begin > n.begin]
        self.names = [n for n in all_names if (not any(p in n.kind for p in ("City", "MilitaryBase", "Facility", "WaterBody", "Region", "Weapon"))
                                               or "State" in n.kind) and not any(b <= n.begin < e for b, e in titles)]
        self.last: Name | None = None
        self.interviewee: Name | None = None  # the person an expert's paragraph introduces ("Name, director of ...")
        self.answering = False  # inside an "A: ..." paragraph of an interview
        self.knowledge = knowledge
        self.paragraph = -1
        self.in_quote = False  # inside a quotation that an earlier sentence opened

    def _in(self, seg: Segment) -> list[Name]:
        return [n for n in self.names if seg.begin <= n.begin and n.end <= seg.end]

    def holder(self, seg: Segment) -> Holder:
        """The holder of ``seg``'s words; call it on the sentences in order."""
        if seg.paragraph != self.paragraph:
            # a paragraph that opens with a quotation mark goes on with the quotation, and so does a
            # bullet of a list inside it; another paragraph ends it
            bullet = seg.text.startswith(("•", "- ", "* ", "– "))
            self.paragraph, self.in_quote = seg.paragraph, seg.text.startswith(("“", '"')) or (bullet and self.in_quote)
            # an interview: "A: ..." paragraphs are the answers of the person introduced, "Q: ..." the interviewer's
            self.answering = bool(_ANSWER.match(seg.text)) and self.interviewee is not None
        continuing = self.in_quote
        opened, closed = seg.text.count("“"), seg.text.count("”")
        if opened > closed:
            self.in_quote = True
        elif closed > opened:
            self.in_quote = False
        found = self._holder(seg)
        if found.id == "author" and self.answering and self.interviewee is not None:
            return Holder(self.interviewee.entity, "", "direct-quote", f"an answer of {self.interviewee.text} in the interview")
        if found.id == "author" and continuing and self.last is not None:
            return Holder(self.last.entity, "", "direct-quote", f"inside a quotation of {self.last.text}")
        if found.id == "author" and not continuing and not opened and found.why.startswith("no attribution"):
            self.last = None  # the author's own words: a later "He" or quotation needs a new speaker
        return found

    def _holder(self, seg: Segment) -> Holder:
        text, inside = seg.text, self._in(seg)
        quoted = bool(re.search(r"[“\"]", text))
        for n in inside:
            before = self.text[seg.begin:n.begin if n.title_begin is None else min(n.begin, n.title_begin)]
            according = _ACCORDING.search(before)
            if according:  # the words as the text has them, to quote
                return self._named(n, self.text[seg.begin + according.start():n.end], "paraphrase", "'according to' names the source")
            view = _VIEW_AFTER.match(self.text[n.end:seg.end])
            if view and _VIEW_BEFORE.search(before):
                return Holder(n.entity, f"{before.strip()} {n.text}{view.group(0)}".strip(), "paraphrase", f"'{view.group(0).strip('’ ')}' of {n.text}")
        for n in inside:
            after = self.text[n.end:seg.end]
            spoke = _SPEECH_AFTER.match(after)
            # "A spokesman for the coalition, Colonel Myles Caggins, said": the person between the commas speaks
            named_between = spoke is not None and any("Person" in o.kind and n.end < o.begin < n.end + spoke.end()
                                                       and "," in self.text[n.end:o.begin] for o in inside)  # set off by commas
            if spoke and not named_between and not re.match(r"^\s*(?:that|who|which)\b", after):
                mode = "direct-quote" if re.search(r"[“\"]", after) else "paraphrase"
                verb = spoke.group(0).strip(", ").split()[-1]
                # the words as the text has them, to quote ("Iraq’s military condemned"), when they are short
                words = n.text + after[:spoke.end()] if spoke.end() <= 30 else f"{n.text} {verb}"
                return self._named(n, words, mode, f"'{n.text} {verb}'")
            # '"...," said Ayatollah Ali Khamenei': the verb comes before the title
            before = self.text[seg.begin:n.begin if n.title_begin is None else min(n.begin, n.title_begin)]
            inverted = _SPEECH_BEFORE.search(before.rstrip(" ,"))
            # "officials told Reuters": whom a verb of telling names is spoken to, not the speaker
            if (inverted and before.rstrip().endswith((",", "said", "says")) and inverted.group(0) not in ("told", "tells")
                    and not _CLAUSE_GOES_ON.match(self.text[n.end:seg.end])):
                words = self.text[seg.begin + inverted.start():n.end]  # as the text has them: "said Ayatollah Ali Khamenei"
                return self._named(n, words, "direct-quote" if quoted else "paraphrase", f"'..., {words}'")
        m = UNNAMED.search(text)
        # "Two Iraqi officials, who spoke on condition of anonymity, said": the verb after their clause
        after = re.sub(r"^,[^,]{0,80},", "", text[m.end():]) if m else ""
        if m and (re.search(rf"\b(?:{SPEECH}|may view|believe)\b", after[:40]) or _ACCORDING.search(text[:m.start()])):
            who = m.group("who")
            return Holder(f"source:{slug(who)}", who, "paraphrase", f"unnamed source '{who}'", source_description=who)
        last = _UNNAMED_LAST.search(text)
        if last:  # "..., officials said.": wire copy's attribution at the end of the sentence
            who = last.group("who")
            return Holder(f"source:{slug(who)}", last.group(0).lstrip(", ").rstrip(" .”\""), "paraphrase", f"unnamed source '{who}'",
                          source_description=who)
        bare = _ACCORDING_BARE.search(text)
        if bare:  # "according to diplomats in the region"
            who = bare.group("who")
            return Holder(f"source:{slug(who)}", bare.group(0), "paraphrase", f"unnamed source '{who}'", source_description=who)
        m2 = _SOME.match(text)
        if m2:
            return Holder(f"source:{slug(m2.group(0))}", text[:m2.end() + 20].rsplit(" ", 1)[0], "paraphrase",
                          f"unnamed source '{m2.group(0)}'", source_description=m2.group(0).lower())
        p = _PRONOUN.match(text) or _PRONOUN_AFTER_QUOTE.search(text)
        # "It added": a body named before (the Pentagon), never a person
        if p and self.last is not None and (p.group("p").lower() == "it") == ("Person" not in self.last.kind):
            return Holder(self.last.entity, text[p.start("p"):p.end()], "direct-quote" if quoted else "paraphrase", f"'{p.group('p')}' after {self.last.text}")
        # an expert's paragraph ("Name, director of ...") introduces the quotations that follow
        intro = next((n for n in inside if n.title and n.title_begin is not None and n.title_begin > n.begin and n.begin == seg.begin), None)
        if intro is not None:
            self.last = self.interviewee = intro
            return Holder("author", "", "author-opinion", "introduces a speaker")
        return Holder("author", "", "author-opinion", "no attribution: the author's words")

    def _named(self, n: Name, words: str, mode: str, why: str) -> Holder:
        self.last = n
        return Holder(n.entity, words, mode, why)


_ANSWER = re.compile(r"^(?:A|Answer)\s*:\s")
_BIO = re.compile(r"^\s*(?:\(@\w+\)\s*)?(?:is|was|serves as)\s+(?:a|an|the)\b", re.IGNORECASE)


def authors(segs: list[Segment], all_names: list[Name], *, last: int = 4) -> list[Name]:
    """The authors an article names in its closing lines ("Jane Doe (@jdoe) is a fellow at ..."):
    a person's name that opens a one-sentence paragraph among the last ``last`` paragraphs and is
    followed by 'is a/an/the'."""
    if not segs:
        return []
    final = sorted({s.paragraph for s in segs})[-last:]
    out: list[Name] = []
    for s in segs:
        if s.paragraph not in final or sum(1 for o in segs if o.paragraph == s.paragraph) > 2:
            continue
        n = next((n for n in all_names if n.begin == s.begin and "Person" in n.kind), None)
        if n is not None and _BIO.match(s.text[n.end - s.begin:]) and all(o.entity != n.entity for o in out):
            out.append(n)
    return out


_BYLINE = re.compile(r"^[^\S\n]*By[^\S\n]+(?P<who>[^\n,]+?)(?:,[^\S\n]*(?P<pub>[^\n]+?))?[^\S\n]*$", re.MULTILINE)


def byline(text: str, all_names: list[Name], *, lines: int = 6) -> tuple[list[Name], Name | None]:
    """The authors and the publisher a byline names ("By Jane Roe and John Doe, Reuters") on one of
    the first ``lines`` non-empty lines: the persons before the comma, the organisation after it;
    without a byline, the agency of a dateline ("BAGHDAD (Reuters) - ") is the publisher."""
    head = [m for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()][:lines]
    for line in head:
        m = _BYLINE.match(line.group(0))
        if m is None:
            continue
        b = line.start()
        who = [n for n in all_names if b + m.start("who") <= n.begin and n.end <= b + m.end("who") and "Person" in n.kind]
        pub = next((n for n in all_names if m.group("pub") and b + m.start("pub") <= n.begin and n.end <= b + m.end("pub")
                    and "Person" not in n.kind), None)
        if who or pub:
            return who, pub
    for line in head:  # no byline: the agency of a dateline publishes the story
        m = DATELINE.match(line.group(0))
        if m is not None and m.group("agency"):
            b = line.start()
            pub = next((n for n in all_names if b + m.start("agency") <= n.begin and n.end <= b + m.end("agency") and "Person" not in n.kind), None)
            if pub is not None:
                return [], pub
    return [], None
