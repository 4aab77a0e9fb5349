"""Candidate events of a sentence: class told apart, roles, places, weapon, counts, and the known event
it reports.

A sentence is read in this order, so that words which merely name violence are not drafted as
attacks: a claim of responsibility (a denied one, "No group claimed responsibility", is a relation
with polarity ``denied``, not an event); a hypothetical or recommended act ("should avoid further
strikes", "could launch airstrikes") is no event (the stance reader looks at it); a threat (warned,
vowed, threatened, "options are on the table"); a statement by a named speaker (what a minister says
about an attack is the minister's statement, and the toll a condemnation gives is the attack's); then
an act (an attack classed by its means, a killing, a vote, sanctions, a protest, negotiations, a
withdrawal). The act, its roles and counts are read from the main clause: what follows a link to an
earlier event ("..., a day after rockets killed two Americans at Camp Taji") belongs to that event,
and a capital that speaks ("Washington should ...") is a government, not a place. A drafted event
whose class, date, places and actors agree with an event of the graph takes that event's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crisiskg.curate import draft_counts
from crisiskg.curate.attribution import Holder, Name, slug
from crisiskg.curate.draft_dates import AFTER_ANOTHER, DateGuess, day_of
from crisiskg.curate.knowledge import PLACE_TYPES, Knowledge, KnownEvent
from crisiskg.curate.segments import DATELINE, Segment, quoted, stems

ATTACKS = frozenset({"Attack", "RocketAttack", "MissileAttack", "DroneStrike", "Airstrike", "Killing", "CyberAttack"})
# means word -> (class, CAMEO); the first that the sentence names classes its attack
MEANS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"\brockets?\b|\brocket fire\b|\bKatyushas?\b", re.IGNORECASE), "RocketAttack", "194"),
    (re.compile(r"\bmissiles?\b", re.IGNORECASE), "MissileAttack", "195"),
    (re.compile(r"\bdrones?\b", re.IGNORECASE), "DroneStrike", "195"),
    (re.compile(r"\bair ?strikes?\b|\bbomb(?:ed|ing|s)\b", re.IGNORECASE), "Airstrike", "195"),
    (re.compile(r"\bcyber ?(?:attacks?|strikes?)\b|\bhack(?:ers?|ed|ing)\b", re.IGNORECASE), "CyberAttack", "190"),
]
# a cyber attack's act: "hacked the networks", "attempted to breach the networks"
_CYBER_ACT = r"hacked|breached|(?:attempted|tried|sought) to (?:breach|hack|penetrate)"
# "carried out airstrikes", "conducted a drone strike": a verb that names an act only with its noun
_DID_ATTACK = (r"(?:carried out|conducted|staged|mounted)\s+(?:[\w-]+\s+){0,3}?(?:air ?strikes?|strikes?|attacks?|raids?|bombings?)|"
               # "Three Katyusha rockets landed inside the Green Zone": munitions that came down
               r"(?:rockets?|missiles?|mortars?|mortar rounds|shells|projectiles|drones?)\s+(?:[\w-]+\s+){0,2}?"
               r"(?:landed|fell|exploded|impacted|slammed into|crashed into)")
# a killing told in other words: "gunmen shot dead an activist", "was gunned down", "stabbed to death"
_SHOT_DEAD = r"(?:shot|shoots)\s+(?:\w+\s+){0,3}?dead|shot and killed|gunned down|guns down|stabbed to death|beaten to death"
# "fired tear gas to disperse the crowd" is crowd control, no attack
_NOT_ARMS = r"(?!\s+(?:tear gas|rubber bullets|warning shots|water cannons?|stun grenades|flares)\b)"
ACT = re.compile(r"\b(?:attack(?:ed|s|ing)?|struck|strikes?|fired" + _NOT_ARMS + r"|shot down|downed|launched|" + _DID_ATTACK + r"|hit|shelled|came under\b[^.]{0,30}\bfire|"
                 r"received fire|rocket fire|targeted|assassinat\w+|kill(?:ed|ing)|slaying|demise|dead|" + _CYBER_ACT + r")\b", re.IGNORECASE)
# a finite verb of an act that happened ("militias launched rockets", "came under rocket fire"); a noun
# ("the attack", "these strikes") or a gerund ("by attacking") drafts no new event on its own
# a headline's or a timeline's present tense too ("A drone strike kills ...", "Iran fires missiles"), where
# the word is no plural noun ("strikes", "attacks", "shells" and "targets" are)
DONE = re.compile(r"\b(?:attacked|struck|fire[sd]" + _NOT_ARMS + r"|shoots? down|shot down|downed|downs|launche[sd]|" + _DID_ATTACK +
                  r"|hits?|shelled|bombed|came under\b[^.]{0,30}\bfire|(?:has|have|had) (?:previously )?received fire|targeted|"
                  r"assassinate[sd]|kill(?:ed|s)|" + _SHOT_DEAD + r"|" + _CYBER_ACT + r")\b", re.IGNORECASE)
KILL = re.compile(r"\b(?:kill(?:ed|ing|s)|assassinat\w+|slaying|demise|death of|" + _SHOT_DEAD + r")\b", re.IGNORECASE)
# other acts: pattern -> (class, CAMEO)
OTHER: list[tuple[re.Pattern[str], str, str | None]] = [
    (re.compile(r"\bvot(?:ed|e to|e on|es to|es on)\b|\b(?:passed|approved|adopted)\s+(?:a|an|the)\s+(?:[\w-]+\s+)?(?:bill|law|resolution|motion)\b",
                re.IGNORECASE), "Vote", "100"),
    (re.compile(r"\b(?:imposed|reimposed|reintroduced|new|fresh)\s+(?:\w+\s+)?sanctions\b|\bsanctions (?:were |have been |are )?(?:imposed|reimposed|reintroduced)", re.IGNORECASE), "Sanction", "163"),
    (re.compile(r"\bprotest(?:s|ers| movement)\b|\bprotested\b|\b(?:stormed|besieged|rioted|marched|took to the streets)\b",
                re.IGNORECASE), "Protest", "141"),
    (re.compile(r"\bnegotiations?\b|\btalks with\b", re.IGNORECASE), "Negotiation", "046"),
    (re.compile(r"\bwithdr(?:ew|awal)\b", re.IGNORECASE), "Withdrawal", None),
    (re.compile(r"\bannouncement\b", re.IGNORECASE), "Announcement", "010"),
    # "deployed Patriot batteries", "ordered about 3,500 paratroopers ... to Kuwait", "sent two more destroyers"
    (re.compile(r"\bdeploy(?:ed|ment of)\b|\b(?:ordered|sent|sends|dispatched|rushed|deploy(?:s|ing)?)\s+(?:[\w,’'-]+\s+){0,5}?"
                r"(?:troops|soldiers|paratroopers|marines|forces|personnel|warships?|bombers|fighter jets|aircraft carriers?|carriers?|destroyers?|"
                r"batteries|missile defen[cs]e systems)\b", re.IGNORECASE), "Deployment", None),
    (re.compile(r"\b(?:form(?:ed|ing)? a (?:new )?government|appoint(?:ed|s)?\b|(?:named|nominated)\b(?=[^.;]{0,80}\b(?:prime minister|premier|president)\b)|"
                r"designate)", re.IGNORECASE), "GovernmentFormation", None),
    (re.compile(r"\b(?:political|humanitarian|economic|international|constitutional) crisis\b|\bpandemic\b", re.IGNORECASE), "Crisis", None),
    (re.compile(r"\b(?:signed|negotiated|reached|struck) (?:an? |the )?(?:\w+ ){0,3}(?:agreement|accord|deal)\b", re.IGNORECASE), "Agreement", None),
    # "seized a British-flagged tanker", "the seizure of the Stena Impero": property taken by force
    (re.compile(r"\b(?:seiz(?:ed|es|ing)|captured|impounded|commandeered)\s+(?:[\w’'-]+\s+){0,4}?(?:oil\s+)?(?:tankers?|ships?|vessels?|boats?|cargo|shipments?)\b|"
                r"\bseizure of\b", re.IGNORECASE), "Seizure", "171"),
]
# harm no one aimed at: "a stampede killed 56", "the crush", "the plane crashed" (not "crush the protests",
# not "rockets crashed into"; a sentence that names a means or a shooting down tells an attack)
ACCIDENT = re.compile(r"\bstampedes?\b|\b(?:crowd\s+)?crush(?:es)?\b(?!\s+(?:the|a|an|any|all|its|their|his|her|dissent|protests?)\b)|"
                      r"\bcrash(?:ed|es)?\b(?!\s+into\b)", re.IGNORECASE)
THREAT = re.compile(r"\b(?:threaten(?:ed|s)|warn(?:ed|s)|vow(?:ed|s)|pledged?|promised|promises|"
                    r"options are on the table)\b", re.IGNORECASE)
# a named speaker's "will retaliate" is a threat; the author's or an unnamed source's is a prediction
SPOKEN_THREAT = re.compile(r"\b(?:will|would) (?:respond|retaliate|strike back|target|regret|be (?:hit|struck|attacked|targeted)|pay (?:a|the) (?:heavy |high )?price|"
                           r"face (?:a |an )?(?:\w+ )?(?:response|revenge|retaliation|consequences))\b|\b(?:harsh|severe|crushing) (?:revenge|retaliation)\b",
                           re.IGNORECASE)
STATEMENT = re.compile(r"\b(?:said|says|saying|told|blamed|accused|asked|demanded|urged|called on|called(?= the\b)|condemned|admit(?:s|ted)|denounced|critici[sz]ed|tweet(?:ed|s)?|stated|statement|announced|declared|insisted|described|added|wrote|stressed|emphasi[sz]ed|reiterated|acknowledged|confirmed(?=\s+(?:that|on|in|to)\b))\b", re.IGNORECASE)
# what was shot down is the target, not the means: "shot down an Iranian drone" is no drone strike (what
# was intercepted was an attack's means: "intercepted four missiles fired by the Houthis")
DOWNED = re.compile(r"\b(?:shot down|shoots? down|downed|downs)\s+(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
# the words for an attack told before ("the strikes", "these raids"), and a weekday's ("Sunday's attack")
ATTACK_NOUNS = r"(?:attacks?|strikes?|air ?strikes?|raids?|bombings?|barrage)"
_DAY_S = r"(?:Sun|Satur|Fri|Thurs|Wednes|Tues|Mon)day[’']s"
CLAIM = re.compile(r"\b(?:claim(?:ed|s|ing)?|tak(?:ing|en|es|e)|took|accept(?:ed|s)?)\s+(?:full\s+|sole\s+|complete\s+)?responsibility\b|"
                   # "claimed a drone attack on ...": claimed it as theirs
                   rf"\bclaim(?:ed|s)\s+(?:the|a|an|{_DAY_S})\s+"
                   r"(?:[\w-]+\s+){0,2}?(?:attack|strike|bombing)\b(?!\s+(?:was|is|were|had|has|would|will)\b)", re.IGNORECASE)
DENIED = re.compile(r"\b(?:no (?:group|one|organi[sz]ation|militia)|nobody|not yet|has not|have not|hasn’t|haven’t|did not|didn’t|denied)\b", re.IGNORECASE)
HYPOTHETICAL = re.compile(r"\b(?:should|shouldn’t|could|would|may|might|must|if|unless|avoid|refrain|whether|ought|"
                          r"need to|needs to|any|future|further|possible|potential|likely|risk|prevent|deter|not|never|"
                          r"as long as)\s+(?:\S+\s+){0,3}$|"
                          # "to" only right before the verb ("to strike back") or its noun ("in response to the killing"):
                          # "Militias loyal to Iran fired rockets" did fire
                          r"\bto\s+(?:\w+ly\s+|(?:the|a|an)\s+)?$", re.IGNORECASE)
# "This announcement", "These attacks": a word pointing back at an event the article told before
DEMONSTRATIVE = re.compile(r"^(?:This|These|That|Those|Such)\s+(?:\w+\s+)?(?:attacks?|strikes?|announcement|vote|threats?|"
                           r"statement|tweet|killing|barrage|rockets|missiles)\b")
# a warning of what has happened: "warned that X had pushed ...", with nothing ahead in it
_WARNED_THAT = re.compile(r"\bwarn(?:ed|s)\s+(?:[\w-]+\s+){0,3}?that\s+(?P<what>[^.;:]+)", re.IGNORECASE)
_PAST = re.compile(r"\b(?:had|has|have|was|were)\s+(?:\w+ly\s+)?(?:been\s+)?\w+(?:ed|en|t)\b", re.IGNORECASE)
_AHEAD = re.compile(r"\b(?:will|would|could|may|might|shall|can|if|unless|going to|risks?)\b|[’']ll\b", re.IGNORECASE)
ADVICE = re.compile(r"\b(?:should(?:n[’']t)?|must|ought to|needs? to|avoid|refrain)\b", re.IGNORECASE)
CONDITION = re.compile(r"\b(?:if|unless|should it|as long as)\b[^.;:”\"]{3,120}", re.IGNORECASE)
CHANNELS = [(re.compile(r"\btweet|\bon Twitter\b", re.IGNORECASE), "Tweet"), (re.compile(r"\bTelegram\b"), "Telegram"),
            (re.compile(r"\bspeech\b|\b(?:televised|national|public)\s+address\b|\bremarks\b", re.IGNORECASE), "Speech"), (re.compile(r"\bstatement\b", re.IGNORECASE), "FormalStatement")]
_AGAINST = re.compile(r"\b(?:on|against|at|targeting|toward|towards)\s+(?:the\s+)?$", re.IGNORECASE)
# whom words are addressed to: "called on both Tehran and Washington to step back", "urged Baghdad to"
_ADDRESSED = re.compile(r"\b(?:called on|called upon|urged|pressed|asked|told|warned|accused|blamed|condemned)\s+(?:both\s+)?"
                        r"(?:[A-Z][\w-]*\s+(?:and|or)\s+)?$")
# a place name as the subject of a verb ("Washington should ...", "Washington and Tehran can ...") names
# a government, not where something happened
_METONYM = re.compile(r"^(?:\s+and\s+[A-Z][\w-]+)?\s+(?:should|must|would|will|can|could|may|might|has|have|had|wants?|needs?|"
                      r"says?|said|told|insists?|[a-z]+ed)\b|"
                      # "Tehran's response", "Washington's allies": the government's, not the city's place
                      r"^[’']s\s+(?:\w+\s+)?(?:response|reaction|retaliation|decision|leaders?|leadership|government|position|view|"
                      r"strategy|policy|calculus|message|warning|threats?|demands?|allies|proxies)\b")
_AIMED_AT = re.compile(r"\b(?:target|strike|hit|attack|bomb|destroy)\w*\s+(?:[\w-]+,?\s+){0,3}$", re.IGNORECASE)
_BEARING = re.compile(r"\b(?:\d+\s+(?:km|kilometers|kilometres|miles)\s+)?(?:north|south|east|west|northeast|northwest|southeast|southwest)(?:ern)?\s+of\s+(?:the\s+)?$",
                      re.IGNORECASE)
_RELATIVE_ASIDE = re.compile(r",\s+(?:who|which)\s+(?:is|are|was|were|has|have|had)\s+[^,]{3,80},")
_OFFICE_OF = re.compile(r"\b(?:governor|mayor|envoy|ambassador|representative|MP|lawmaker|senator|member)\s+(?:of|for|to|from)\s+(?:the\s+)?$",
                        re.IGNORECASE)
_LOCATIVE = re.compile(r"\b(?:in|at|near|on|from|to|outside|inside|of|over|across)\s+(?:the\s+)?$", re.IGNORECASE)
# a sentence that opens with a toll and tells no act: "No one was hurt.", "Two soldiers were wounded."
_TOLL_FIRST = re.compile(r"^(?:No one|Nobody|No\s+\w+|(?:\w+\s+){1,3}(?:were|was))\s+(?:\w+\s+)?(?:killed|hurt|injured|wounded)\b", re.IGNORECASE)
# a statement's words about the toll of an attack told before ("the strikes", "saying they killed")
_TOLL_OF = re.compile(rf"\b(?:the|these|those|its|their)\s+(?:[\w-]+\s+)?{ATTACK_NOUNS}\b.*"
                      r"\b(?:kill(?:ed|ing)|wound(?:ed|ing)|injur(?:ed|ing))\b", re.IGNORECASE)
# the words between an act and whom it hit: "struck at the", "bombed five (Kataib Hezbollah sites)"
_OBJECT_OF = re.compile(r"\s+(?:(?:at|on|against|the|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|\d+)\s+)*")
# "against five weapons storage sites of Kataib Hezbollah": the target is whose sites were hit
_AGAINST_OF = re.compile(r"\b(?:on|against|targeting|at)\s+(?:[\w-]+\s+){0,5}?of\s+(?:the\s+)?$", re.IGNORECASE)
_SUSPECT = re.compile(r"\b(?:suspect\w*|believe[sd]?|blam\w+|accus\w+|likely)\b", re.IGNORECASE)
# ", Treasury Secretary Steven Mnuchin said," or at the end: a speaker between commas, after the act
_SAID_BETWEEN = re.compile(r",\s+(?:the\s+)?(?:[A-Z][\w.’'-]*\s+){1,5}(?:said|says|announced)\s*(?:[,.;]|$)")


_SAID_LAST = re.compile(r",\s+(?:the\s+)?(?:[A-Z][\w.’'-]*\s+){1,4}(?:said|says|reported|told\s+\w+)\s*[.”\"]*\s*$")
# "from the attack", "in the Jan. 8 missile attack", "treated ... after the attack": the attack a toll is of
_FROM_THE_ATTACK = re.compile(rf"\b(?:from|in|during|by|after)\s+(?:the|that|this|these|those)\s+(?:[\w.’'-]+\s+){{0,3}}?{ATTACK_NOUNS}\b", re.IGNORECASE)
_ANAPHORA = re.compile(r"^(?:The|This|That|It|Those|These)\s+(?:\w+\s+)?(?:attacks?|strikes?|barrage|assault)?\b", re.IGNORECASE)
# a source's words of a toll, with no doer and no means: "claimed that 80 ... were killed", "said no Americans were hurt"
_REPORTED_TOLL = re.compile(r"\b(?:said|says|claimed|claims|reported|reports|told\s+\w+)\s+(?:that\s+)?(?:[\w.,’'“”\"-]+\s+){0,5}?"
                            r"(?:were|was|had been|have been|has been)\s+(?:killed|wounded|injured|hurt|harmed)\b(?!\s+(?:by|in|at|when)\b)",
                            re.IGNORECASE)
_NEGATED = re.compile(r"(?:\bno one (?:was|were)|\bnobody was|\bnot|\bnever|n[’']t|"
                      r"\bno\s+(?:[\w.’'-]+\s+){1,3}(?:was|were|had been|have been|has been))\s+(?:\w+\s+)?$", re.IGNORECASE)  # "no Americans were killed"


# a link to an earlier event: "a day after", "shortly after", "following", "in response to"
_LINK = (r"(?:(?:a|an|one|two|three|four|five|six|seven|several|few|\d+)\s+(?:days?|weeks?|hours?|months?)\s+|"
         r"(?:shortly|soon|just|only|hours|days|minutes|moments)\s+)?(?:after|following|in (?:response|retaliation) (?:to|for))\s+")
# "..., a day after rockets killed two Americans at Camp Taji": what follows the link is the earlier
# event's (a reference or a phrase), not the sentence's main one
_LATER_THAN = re.compile(r",?\s+" + _LINK, re.IGNORECASE)
# "Hours after the missile attack, the Guards shot down ...": the link opens the sentence
_LEADING_LINK = re.compile(r"^" + _LINK + r"(?P<what>[^,;:]{3,80}),\s+", re.IGNORECASE)
_RESPONSE = re.compile(r"\b(?:in (?P<retaliation>retaliation|revenge) for|to avenge|in (?:response|reply) to|(?:as )?a response to)\b", re.IGNORECASE)


_ANSWERED_END = re.compile(r"[;:]|,\s+(?:which|who|that|and|but|while|after|before|when|a day|days|weeks|hours)\b|"
                           r"\s+(?:which|that)\s+(?:came|followed|killed|left|wounded|injured)\b", re.IGNORECASE)


def response_to(seg: Segment) -> tuple[str, Segment] | None:
    """The relation a sentence's main event has to an event it names after "in retaliation for"
    (``retaliationFor``) or "in response to" (``responseTo``), with the words that name that event
    (up to the end of their phrase: "in response to Iran's missile attacks, which came after the
    drone strike ..." names the missile attacks, not the strike; a sentence ends only at its end, a
    point inside it is an abbreviation: "U.S."), or None."""
    m = _RESPONSE.search(seg.text)
    if m is None:
        return None
    relation = "retaliationFor" if m.group("retaliation") or m.group(0).lower().startswith("to avenge") else "responseTo"
    end = _ANSWERED_END.search(seg.text, m.end())
    stop = end.start() if end else len(seg.text)
    return relation, Segment(seg.begin + m.end(), seg.begin + stop, seg.text[m.end():stop], seg.paragraph, seg.index)


def _tells_saying(words: str) -> bool:
    """Whether ``words`` tell what someone said or threatened: a verb of saying with a subject
    before it ("the IRGC warned that", "Iran's foreign ministry said")."""
    m = THREAT.search(words) or STATEMENT.search(words)
    return m is not None and m.group(0).lower() not in ("statement", "described") and bool(re.search(r"\w", words[:m.start()]))


def _tells_act(words: str) -> bool:
    """Whether ``words`` tell an act of their own: an attack done, sanctions imposed, a vote ..."""
    return bool(DONE.search(words)) or any(pattern.search(words) for pattern, _, _ in OTHER)


def main_clause(seg: Segment) -> Segment:
    """``seg`` up to a link to an earlier event when the words after the link name an act ("X carried
    out airstrikes on Thursday, a day after rockets killed ...", "imposed sanctions, in response to
    the missile attacks", "resigned in November after weeks of deadly protests") or words said ("...,
    days after the IRGC warned that ..."): that act or those words are not the sentence's own. A link
    that opens the sentence ("Hours after the missile attack, the Guards shot down an airliner") leaves
    the words after its comma when they tell an act. Else ``seg``."""
    lead = _LEADING_LINK.match(seg.text)
    rest = seg.text[lead.end():] if lead else ""
    if lead and len(rest.split()) >= 3 and (ACT.search(lead.group("what")) or _tells_act(lead.group("what"))) and _tells_act(rest):
        return Segment(seg.begin + lead.end(), seg.end, seg.text[lead.end():], seg.paragraph, seg.index)
    link_at = _LATER_THAN.search(seg.text)
    tail = seg.text[link_at.end():] if link_at else ""
    if link_at is None or len(seg.text[:link_at.start()].split()) < 3 or not (_tells_act(tail) or ACT.search(tail) or _tells_saying(tail)):
        return seg
    head = seg.text[:link_at.start()]
    return Segment(seg.begin, seg.begin + len(head), head, seg.paragraph, seg.index)


# the CAMEO code of what a statement does, by its verb: 111 criticize or denounce, 020 make an appeal
# or request, 100 demand; 010 make a statement otherwise
_SAID_CODES = [(re.compile(r"\b(?:condemn\w*|denounc\w*|critici[sz]\w*|blam(?:ed|es)|accus(?:ed|es))\b", re.IGNORECASE), "111"),
               (re.compile(r"\b(?:demand\w*)\b", re.IGNORECASE), "100"),
               (re.compile(r"\b(?:(?:ask(?:ed|s)?|urg(?:ed|es))\s+(?:[\w.’'-]+\s+){1,3}?to\s+[a-z]|called on|calls on|appeal(?:ed|s)? (?:to|for))",
                           re.IGNORECASE), "020")]


def _said_code(text: str) -> str:
    return next((code for pattern, code in _SAID_CODES if pattern.search(text)), "010")


def _act(text: str) -> re.Match[str] | None:
    """The act word of a sentence: a finite verb that is not negated ("no one was killed"), else a noun."""
    return next((m for m in DONE.finditer(text) if not _NEGATED.search(text[:m.start()])), None) or \
        next((m for m in ACT.finditer(text) if not _NEGATED.search(text[:m.start()])), None)


@dataclass
class Reading:
    """What one sentence gives: an event (or none), a relation, and why."""

    event: dict[str, Any] | None
    relation: dict[str, Any] | None
    why: str


def _classify(text: str, holder: Holder) -> tuple[str | None, str | None, str]:
    """(class, CAMEO, why) for a sentence, or (None, None, why) when it drafts no event."""
    claim = CLAIM.search(text)
    if claim:
        if DENIED.search(text[:claim.start()]):
            return None, None, "a denied claim of responsibility: a relation, not an event"
        return "ClaimOfResponsibility", "015", f"'{claim.group(0)}'"  # CAMEO 015: acknowledge or claim responsibility
    threat = THREAT.search(text)
    if threat is None and holder.id != "author" and not holder.id.startswith("source:"):
        threat = SPOKEN_THREAT.search(text)
    # a speaker named in this sentence ("X said", "He told"), not one whose quotation goes on
    named = holder.id != "author" and not holder.id.startswith("source:") and not holder.why.startswith("inside a quotation")
    if threat and not HYPOTHETICAL.search(text[:threat.start()]):
        if ADVICE.search(text) and not CONDITION.search(text):
            # a warning that something should (not) be done is advice: a stance, said in a statement
            if named:
                return "Statement", "010", f"'{threat.group(0)}' gives advice, not a threat: {holder.why}"
            return None, None, f"'{threat.group(0)}' gives advice, not a threat: a stance, no event"
        warned = _WARNED_THAT.search(text, threat.start())
        if threat.group(0).lower().startswith("warn") and warned and _PAST.search(warned.group("what")) \
                and not _AHEAD.search(warned.group("what")):
            # "warned that the killing had pushed the region to the edge of war": what has happened, no threat
            return "Statement", "010", f"'{threat.group(0)}' tells of what has happened, not of what will: a statement"
        return "Threat", "130", f"threat word '{threat.group(0)}'"
    act = _act(text)
    speech = STATEMENT.search(text)
    accident = ACCIDENT.search(text)
    if accident and not HYPOTHETICAL.search(text[:accident.start()]) and not any(p.search(text) for p, _, _ in MEANS) \
            and not re.search(r"\b(?:shot|shoots?) down\b|\bdowned\b", text, re.IGNORECASE):
        return "Accident", None, f"'{accident.group(0)}': harm no one aimed at, no attack"
    if named and not holder.words.lower().startswith("according") and speech:
        done = DONE.search(text[:speech.start()])
        # "Iran's retaliatory strikes on Wednesday caused no casualties, the Pentagon said": what the
        # speaker's words at the end tell of is the attack, reported by the speaker
        told = _SAID_LAST.search(text) is not None and ACT.search(text[:speech.start()]) is not None
        # "The United States on Friday imposed sanctions on ..., Treasury Secretary Steven Mnuchin said,
        # in response to ...": the act the words between commas report, not a statement
        between = _SAID_BETWEEN.match(text, max(text.rfind(",", 0, speech.start()), 0))
        told = told or between is not None and any((o := p.search(text, 0, speech.start())) and not HYPOTHETICAL.search(text[:o.start()])
                                                   for p, _, _ in OTHER)
        if not done and not told:
            return "Statement", _said_code(text), f"{holder.why}: a statement, not the act it speaks of"
    if act:
        if HYPOTHETICAL.search(text[:act.start()]):
            return None, None, f"'{act.group(0)}' is hypothetical or recommended here: no event"
        # the means named nearest the act word classes the attack
        acts = [a.start() for a in ACT.finditer(text)] + [a.start() for a in DONE.finditer(text)]
        means = sorted((min(abs(m.start() - a) for a in acts), cls, cameo, m.group(0)) for pattern, cls, cameo in MEANS for m in pattern.finditer(text)
                       if not DOWNED.search(text, 0, m.start()))
        if means and means[0][0] < 60:
            return means[0][1], means[0][2], f"act '{act.group(0)}' by means '{means[0][3]}'"
        if KILL.search(text):
            return "Killing", "186", f"'{KILL.search(text).group(0)}'"  # type: ignore[union-attr]
        return "Attack", "190", f"act '{act.group(0)}'"
    for pattern, cls, code in OTHER:
        m = pattern.search(text)
        if m and not HYPOTHETICAL.search(text[:m.start()]):
            return cls, code, f"'{m.group(0)}'"
    if speech and named:
        return "Statement", _said_code(text), holder.why
    return None, None, "no event word"


def _roles(cls: str, seg: Segment, names: list[Name], holder: Holder, knowledge: Knowledge) -> tuple[dict[str, list[str]], list[str], list[str], str | None]:
    """(roles, places, target places, weapon) of an event read from its sentence."""
    roles: dict[str, list[str]] = {}
    places: list[str] = []
    target_places: list[str] = []
    weapon = None
    act = _act(seg.text)
    if cls not in ATTACKS:  # a vote, sanctions, a protest ...: the last word that classed it is the act,
        # a verb before a title ("named X as prime minister-designate"; "Prime Minister-designate X failed to form")
        found = [m for pattern, c, _ in OTHER if c == cls for m in pattern.finditer(seg.text)]
        verbs = [m for m in found if not m.group(0).lower().endswith("designate")]
        act = max(verbs or found, key=lambda m: m.start(), default=act)
    pivot = seg.begin + (act.end() if act else len(seg.text))
    # "missiles fired by Yemen's Houthi rebels": the agent after "by" did it, not who stands before
    passive = bool(act) and cls in ATTACKS and bool(re.match(r"\s+by\s", seg.text[act.end():]))  # type: ignore[union-attr]
    filed = DATELINE.match(seg.text)
    # "The Houthis, who are backed by Iran, fired ...": who a relative clause names takes no part in the act
    aside = [(seg.begin + m.start(), seg.begin + m.end()) for m in _RELATIVE_ASIDE.finditer(seg.text)]
    # "80 U.S. soldiers died": the nation of the people counted, not an actor ("18 Katyusha rockets" still
    # names the weapon)
    counted = [(seg.begin + m.start(), seg.begin + m.end()) for m in draft_counts.COUNT.finditer(seg.text)]
    starts = {n.begin for n in names}
    # "..., a U.S. official said": the words that attribute the sentence name its source, not a party to its act
    said = seg.text.rfind(holder.words) if holder.words and cls not in ("Statement", "Threat", "ClaimOfResponsibility") else -1
    for n in names:
        if not (seg.begin <= n.begin and n.end <= seg.end) or filed and n.begin < seg.begin + filed.end():
            continue  # outside the sentence, or in its dateline
        if any(b <= n.begin < e for b, e in aside) or 0 <= said <= n.begin - seg.begin < said + len(holder.words):
            continue
        kinds = set(n.kind.split("/"))
        if "Weapon" in kinds:
            weapon = weapon or n.entity
            continue
        before = seg.text[:n.begin - seg.begin]
        hit = bool(act) and n.begin >= pivot and bool(re.fullmatch(_OBJECT_OF, seg.text[pivot - seg.begin:n.begin - seg.begin]))
        against = _AGAINST.search(before[-25:]) or _AGAINST_OF.search(before[-60:]) or hit
        if cls == "Deployment" and "State" in kinds and re.search(r"\b(?:to|in|into|inside)\s+$", before[-8:]):
            places.append(n.entity)  # "sent troops to Kuwait": where they go, not who is deployed
            continue
        if kinds & PLACE_TYPES and not kinds & {"State"}:
            if _BEARING.search(before[-30:]):
                continue  # "Camp Taji north of Baghdad": Baghdad says where Camp Taji is, not where it happened
            if _OFFICE_OF.search(before[-30:]):
                continue  # "Adnan al-Zurfi, a former governor of Najaf": a person's office, not where it happened
            aimed_at = cls in ATTACKS or cls == "Threat" and _AIMED_AT.search(before[-60:])
            if "City" in kinds and (_ADDRESSED.search(before[-60:]) or
                                    not _LOCATIVE.search(before[-16:]) and (not aimed_at or _METONYM.match(seg.text[n.end - seg.begin:]))):
                # "Washington should respect ...", "asked Washington to": the capital stands for its
                # government; a city is where something happened after "in", "at", ..., or an attack's or
                # a threat's target ("would target Haifa, Israel, and Dubai")
                continue
            if n.entity not in places:
                places.append(n.entity)
            if cls in ATTACKS and against and n.entity not in target_places:
                target_places.append(n.entity)
            continue
        if any(b <= n.begin < e for b, e in counted):
            continue
        if re.match(r"[’']s ", seg.text[n.end - seg.begin:n.end - seg.begin + 3]) and n.end + 3 in starts:
            continue  # "Iran's Revolutionary Guards shot down": the Guards did it; Iran is whose they are
        if cls in ("Statement", "Threat", "ClaimOfResponsibility"):
            role = {"Statement": "speaker", "Threat": "speaker", "ClaimOfResponsibility": "claimant"}[cls]
            if n.entity == holder.id and n.entity not in roles.get(role, []):
                roles.setdefault(role, []).append(n.entity)
            elif cls == "Threat" and n.begin > pivot and "Person" not in kinds:
                roles.setdefault("target", []).append(n.entity)
            continue
        if cls in ATTACKS:
            if n.entity == holder.id and n.text in holder.words:
                continue  # "According to the Fars news agency, 15 missiles were fired": the source, not a doer
            if cls == "Killing" and "Person" in kinds and n.begin > pivot:
                role = "victim"
            elif passive and n.begin >= pivot and re.search(r"\bby\s+(?:the\s+)?$", before):
                role = "attacker"
            elif passive and n.begin < pivot:
                # "U.S. personnel have been killed by ...", "Saudi Arabia's air defenses intercepted missiles
                # fired by ...": what the attack was done to, not its doer
                role = "victim" if cls == "Killing" and "Person" in kinds else "target"
            elif n.begin < pivot and not against and not re.search(r"\bcame under\b", seg.text):
                role = "suspectedAttacker" if _SUSPECT.search(before) else "attacker"
            elif against or re.search(r"\bcame under\b", seg.text) and n.begin < pivot:
                role = "target"
            else:
                continue
        elif cls in ("Crisis", "Accident"):
            continue  # a crisis has no agent a sentence can name by position, an accident none at all
        elif cls in ("Vote", "Protest", "Sanction", "Announcement", "Withdrawal", "Deployment", "GovernmentFormation", "Seizure"):
            # "lawmakers voted to expel U.S. forces": after the act, only "by X" names the agent
            role = "agent" if n.begin < pivot or re.search(r"\bby\s+(?:the\s+)?$", before) else "affected"
            if cls == "Protest" and role == "affected" and not _AGAINST.search(before[-25:]):
                continue  # "marched ..., demanding the expulsion of U.S. troops from Iraq": what they ask for, not whom it is against
        else:
            role = "participant"
        if n.entity not in roles.get(role, []):
            roles.setdefault(role, []).append(n.entity)
    if cls in ("Statement", "Threat") and "speaker" not in roles and holder.id != "author" and not holder.id.startswith("source:"):
        roles["speaker"] = [holder.id]  # "He told reporters ...": the speaker named before
    # the most specific places: a country drops out when a place inside it is named
    inner = {knowledge.entities.get(p, {}).get("located_in") for p in places}
    places = [p for p in places if p not in inner] or places
    return roles, places, target_places, weapon


def classes(event: dict[str, Any]) -> set[str]:
    """The classes of a drafted or referenced event (its ``class`` is one name or a list)."""
    return {event["class"]} if isinstance(event["class"], str) else set(event["class"])


SAYING = frozenset({"Statement", "Announcement"})  # "Iran announced that ...": the graph's announcement is the statement
SAID = frozenset({"Statement", "Threat", "Announcement", "ClaimOfResponsibility"})  # things said (not done)


def same_family(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two drafted events have a class in common, or are both attacks, or both things said."""
    ca, cb = classes(a), classes(b)
    return bool(ca & cb or (ca & ATTACKS and cb & ATTACKS) or (ca & SAYING and cb & SAYING))


def same_event(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two events drafted from one article tell of the same event: one kind, and the same
    day or the same place, and no date that sets them apart."""
    if not same_family(a, b) or (classes(a) | classes(b)) & SAID:
        return False  # two things said are two statements, even on one day
    da, db = (a.get("date") or {}).get("value"), (b.get("date") or {}).get("value")
    if da and db and da != db:
        return False
    places_a = set(a.get("places", [])) | set(a.get("target_places", []))
    places_b = set(b.get("places", [])) | set(b.get("target_places", []))
    if not classes(a) & ATTACKS:
        # a crisis, protest or negotiation told twice: the same class with the same (or no) actors and places
        actors_a = places_a | {i for ids in a.get("roles", {}).values() for i in ids}
        actors_b = places_b | {i for ids in b.get("roles", {}).values() for i in ids}
        return classes(a) == classes(b) and (actors_a == actors_b or bool(actors_a & actors_b))
    return bool(da and da == db) or bool(places_a & places_b)


def link(event: dict[str, Any], date: DateGuess | None, knowledge: Knowledge, people: frozenset[str] = frozenset()) -> tuple[str, float, str] | None:
    """The known event this draft reports (id, confidence, why), or None. ``people``: the persons
    the event is done to (affected, victim, target): a known event done to other persons only
    ("named Adnan al-Zurfi" against the graph's "appoint Mustafa Kadhimi") is another one."""
    classes = {event["class"]} if isinstance(event["class"], str) else set(event["class"])
    mine = set(event.get("places", [])) | set(event.get("target_places", [])) | {i for ids in event.get("roles", {}).values() for i in ids}
    if event.get("weapon"):
        mine.add(event["weapon"])
    span = day_of(date) if date else None
    named = {i for ids in event.get("roles", {}).values() for i in ids}
    best: tuple[float, str, str] | None = None
    for known in knowledge.events.values():
        same_family = classes & known.classes or (classes & ATTACKS and known.classes & ATTACKS)
        if not same_family:
            continue
        theirs = {i for i in known.entities if i in knowledge.entities and "Person" in knowledge.types(i)} - named
        if people and not people & known.entities and theirs:
            continue  # another person's appointment (Kadhimi's): another event
        score, reasons = 0.0, []
        if classes & known.classes:
            score += 1
            reasons.append("same class")
        if span and known.span:
            if not span.overlaps(known.span):
                continue
            score += 2 if span.precision == known.span.precision == "day" else 1
            reasons.append("date agrees")
        shared = mine & known.entities
        score += 1.5 * len(shared)
        if shared:
            reasons.append("shares " + ", ".join(sorted(shared)))
        if score >= 3.5 and (best is None or score > best[0]):
            best = (score, known.id, "; ".join(reasons))
    if best is None:
        return None
    return best[1], round(min(0.95, best[0] / 7), 2), best[2]


_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are)\s+(?:\w+ly\s+|later\s+|also\s+)?$", re.IGNORECASE)


def _acts(words: str) -> bool:
    """Whether ``words`` tell an act done, a passive toll aside ("were killed in the strikes" is what
    the strikes did, told from the killed's side)."""
    return any(not _PASSIVE.search(words, 0, m.start()) for m in DONE.finditer(words))


def read(text: str, seg: Segment, names: list[Name], holder: Holder, date: DateGuess | None, knowledge: Knowledge,
         previous: dict[str, Any] | None, head: Segment | None = None) -> Reading:
    """The event (or relation) one sentence gives; ``previous`` is the last attack drafted, which a
    sentence such as "The attack killed three" adds its counts to instead of drafting a new event.
    ``head``: the sentence's :func:`main_clause`, when the caller has it already."""
    head = head or main_clause(seg)
    cls, cameo, why = _classify(head.text, holder)
    counts = draft_counts.read(head.text, set(knowledge.entities))
    for items in counts.values():
        for item in items:
            item.update(quoted(text, item.pop("quote"), seg.begin))
            if holder.id != "author":
                item["claimed_by"] = holder.id
                if holder.words:
                    item["attribution"] = holder.words
    if previous is not None and counts.get("casualties") and not _acts(seg.text) and _FROM_THE_ATTACK.search(seg.text) \
            and cls not in ("Statement", "Threat"):  # a statement's toll is the attack's too, below, and the statement stays
        # "More than 100 U.S. troops were later diagnosed with brain injuries from the attack", "80 were
        # killed in the strikes"
        merge_counts(previous, counts)
        return Reading(None, None, "the toll of the attack told before ('from the attack')")
    if previous is not None and counts.get("casualties") and not _acts(seg.text) and _REPORTED_TOLL.search(seg.text) \
            and not any(p.search(seg.text) for p, _, _ in MEANS) and classes(previous) & ATTACKS:
        # "Iranian state TV claimed that 80 'American terrorists' were killed", "U.S. officials said no
        # Americans were killed": another account of the toll of the attack told before, not a killing
        merge_counts(previous, counts)
        return Reading(None, None, f"another account of {previous['id'] or 'the attack told before'}; its casualties added to it")
    if cls is None:
        claim = CLAIM.search(seg.text)
        if claim and previous is not None:
            phrase = seg.text[DENIED.search(seg.text[:claim.start()]).start():claim.end()]  # type: ignore[union-attr]
            return Reading(None, {"subject": "anyone", "predicate": "claimedResponsibilityFor", "object": previous["id"],
                                  "polarity": "denied", **quoted(text, phrase, seg.begin)}, why)
        if counts and previous is not None and (_ANAPHORA.match(seg.text) or _TOLL_FIRST.match(seg.text)):
            merge_counts(previous, counts)  # "The attack killed three", "No one was hurt.": the attack told before
        return Reading(None, None, why)
    said = date.words if date is not None and head is not seg else None
    if said and said not in head.text:
        date = None  # "sanctions reintroduced following Trump's 2018 withdrawal": 2018 is the withdrawal's
    if date is not None and cls in ("Statement", "Threat") and (date.began or date.derivation.startswith("from the previous")):
        date = None  # "said the attack was the 18th since late October": not when it was said
    if date is not None and cls in ("Statement", "Threat") and date.words and \
            re.search(rf"{re.escape(date.words)}\s+(?:[\w-]+\s+)?{ATTACK_NOUNS}\b", head.text, re.IGNORECASE):
        date = None  # "said no Americans were harmed in the Jan. 8 attack": the attack's day, not the words'
    own_date = date is not None and not date.derivation.startswith("from the previous")
    if previous is not None and (cls in ATTACKS and classes(previous) & ATTACKS or cls == "Accident" and cls in classes(previous)) \
            and _ANAPHORA.match(seg.text) and not own_date:
        merge_counts(previous, counts)
        return Reading(None, None, f"'{seg.text.split()[0]} ...' continues the {'accident' if cls == 'Accident' else 'attack'} before it")
    event: dict[str, Any] = {"id": "", "label": seg.text if len(seg.text) <= 100 else seg.text[:97] + "...", "class": cls}
    if cameo:
        event["cameo"] = cameo
    event.update(quoted(text, seg.text, seg.begin))
    if date:
        event["date"] = date.as_seed()
    roles, places, target_places, weapon = _roles(cls, head, names, holder, knowledge)
    if places:
        event["places"] = places
    if target_places:
        event["target_places"] = target_places
    if roles:
        event["roles"] = roles
    if cls in ("Statement", "Threat"):
        event["channel"] = next((ch for p, ch in CHANNELS if p.search(seg.text)), "Unspecified")
    if cls == "Threat":
        cond = CONDITION.search(seg.text)
        event["condition"] = cond.group(0).strip() if cond else None
    if weapon:
        event["weapon"] = weapon
    if holder.id != "author" and cls not in ("Statement", "Threat"):
        event["reported_by"] = holder.id
        source = {"source": {"description": holder.source_description, "quote": holder.words}} if holder.source_description else {}
    else:
        source = {}
    if cls == "Statement" and previous is not None and counts.get("casualties") and \
            (_TOLL_OF.search(head.text) or _FROM_THE_ATTACK.search(seg.text)):  # "after the attack" may end the main clause
        # "Iraq condemned the strikes, saying they killed three soldiers", "said no Americans were harmed
        # in the Jan. 8 attack": the toll of the attack told before, as the speaker gives it
        merge_counts(previous, {"casualties": counts.pop("casualties")})
    merge_counts(event, counts)
    done_to = frozenset(n.entity for n in names if "Person" in n.kind.split("/") and any(
        n.entity in roles.get(role, []) for role in ("affected", "victim", "target")))
    linked = link(event, date, knowledge, done_to)
    after = AFTER_ANOTHER.search(seg.text)
    if linked and after and any(REFERS[c].search(after.group(0)) for c in knowledge.events[linked[0]].classes if c in REFERS):
        linked = None  # "Hours after the missile attack, the Guards shot down an airliner": not the attack it follows
    if cls in ATTACKS and not linked and not DONE.search(seg.text) and not own_date:
        return Reading(None, None, f"{why}: a mention of an attack, not a new one (no act verb, no date)")
    # a named speaker's account of an attack (not the news an unnamed source relays: "..., medical sources said")
    if cls in ATTACKS and not linked and not own_date and \
            (holder.id != "author" and not holder.id.startswith("source:") and not holder.words.lower().startswith("according")
             or seg.text.startswith(("“", '"'))):
        return Reading(None, None, f"{why}: a speaker's account of an attack the graph does not hold; the speaker's words, not an event")
    confidence = 0.6 if cls in ATTACKS or cls in ("Statement", "Threat") else 0.4
    if linked:
        event["id"] = linked[0]
        event["suggested"] = {"why": f"{why}; the graph's event {linked[0]} ({linked[2]})", "confidence": linked[1], "links": linked[0], **source}
    else:
        main = next((i for role in ("target", "victim", "speaker", "agent", "attacker") for i in roles.get(role, [])), None) or (places[0] if places else "")
        event["id"] = "draft-" + slug(" ".join(x for x in (re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cls), main, date.value.split("/")[0] if date else "") if x))
        event["suggested"] = {"why": why, "confidence": confidence, **source}
    return Reading(event, None, why)


# who did an attack, as someone says it: "Kataib Hezbollah was behind the attack", "holds Iran
# responsible for the attack", "blamed X for the strike"; and who denies it: "The group denied any role"
_THE_ATTACK = rf"(?:the|this|that|{_DAY_S})\s+(?:[\w-]+\s+){{0,2}}?" \
              r"(?:attack|strike|air ?strike|bombing|barrage|assault|rocket fire)\b"
_BEHIND = re.compile(r"^\s+(?:was|were|is|are)\s+(?:(?:likely|probably|almost certainly|most likely|also)\s+)?(?:behind|responsible for)\s+"
                     + _THE_ATTACK, re.IGNORECASE)
_HOLDS = re.compile(r"\b(?:holds?|held|holding|blam(?:ed|es|ing))\s+$", re.IGNORECASE)
_FOR = re.compile(r"^\s+(?:responsible\s+)?for\s+" + _THE_ATTACK, re.IGNORECASE)
_DENIES = re.compile(r"^\s+(?:has\s+|have\s+)?(?:denied|denies|rejected)\s+(?:any\s+)?(?:role|involvement|responsibility)\b", re.IGNORECASE)
_THE_GROUP = re.compile(r"^(?:The|the)\s+(?:group|militia|organi[sz]ation|movement)(?=\s+(?:has\s+|have\s+)?(?:denied|denies|rejected))")
ACTOR_KINDS = {"Militia", "ArmedForce", "Organisation", "Government", "State", "Person", "IntelligenceAgency"}


def responsibility(text: str, seg: Segment, names: list[Name], holder: Holder, previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """The relation ``responsibleFor`` a sentence states between an actor and the attack told before
    (``previous``): affirmed as the sentence's holder claims it, or denied by the actor itself; or None."""
    if previous is None:
        return None
    actors = [n for n in names if set(n.kind.split("/")) & ACTOR_KINDS and n.end <= seg.end]
    here = [n for n in actors if n.begin >= seg.begin]
    relation: dict[str, Any] | None = None
    for n in here:
        after, before = seg.text[n.end - seg.begin:], seg.text[:n.begin - seg.begin]
        if _BEHIND.match(after) or _HOLDS.search(before) and _FOR.match(after):
            relation = {"subject": n.entity, "predicate": "responsibleFor", "object": previous["id"]}
            if holder.id != "author":
                relation["claimed_by"] = holder.id
                if holder.words and holder.words in seg.text:
                    relation["attribution"] = holder.words
            break
        if _DENIES.match(after):
            relation = {"subject": n.entity, "predicate": "responsibleFor", "object": previous["id"], "polarity": "denied", "claimed_by": n.entity}
            break
    group = _THE_GROUP.match(seg.text)
    if relation is None and group is not None:
        # "The group denied any role": the last group the article named before
        earlier = [n for n in actors if n.end <= seg.begin and set(n.kind.split("/")) & {"Militia", "ArmedForce", "Organisation"}]
        if earlier:
            who = earlier[-1].entity
            relation = {"subject": who, "predicate": "responsibleFor", "object": previous["id"], "polarity": "denied", "claimed_by": who}
    if relation is not None:
        relation.update(quoted(text, seg.text, seg.begin))
    return relation


def merge_counts(event: dict[str, Any], counts: dict[str, list[dict[str, Any]]]) -> None:
    """Add the counts read from a sentence (``draft_counts.read``) to ``event``."""
    for key, items in counts.items():
        if key == "munitions":
            if "munitions" not in event:
                event["munitions"] = items[0] if len(items) == 1 else items
            continue
        event.setdefault(key, []).extend(items)


# event class -> the nouns and verbs that refer to an event of that class
REFERS: dict[str, re.Pattern[str]] = {cls: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for cls, words in {
    "Killing": r"kill(?:ing|ed)|assassinat\w+|slaying|demise|death of|took out|taken out",
    "DroneStrike": r"drone strike|drone",
    "MissileAttack": r"missile (?:attacks?|strikes?)|missiles",
    "RocketAttack": r"rocket (?:attacks?|fire)|rockets",
    "Attack": r"attacks?|strikes?",
    "Agreement": r"accord|agreement|deal|JCPOA",
    "Withdrawal": r"withdr(?:awal|ew)|quit",
    "Sanction": r"sanctions|maximum pressure|pressure campaign",
    "Announcement": r"announcement|announced",
    "Vote": r"vot(?:e|ed)",
    "Protest": r"protests?|protest movement",
    "Statement": r"tweet(?:ed)?|statement",
    "Threat": r"threat(?:en(?:ed|ing))?|pledge|promised|warn(?:ed|ing)",
    "Crisis": r"crisis|pandemic",
    "Negotiation": r"negotiations?|talks",
    "Seizure": r"seiz(?:ure|ed)",
    "Accident": r"stampede|crush|crash",
}.items()}


def _dated_word(text: str, end: int, date: DateGuess | None) -> bool:
    """Whether the words ``date`` was read from follow the word ending at ``end`` within two words
    ("warned on March 12", "the strike on Sunday"): the date is that word's event's."""
    said = date.words if date is not None else None
    if not said:
        return False
    at = text.find(said, end)
    return at >= 0 and len(text[end:at].split()) <= 2


_NEW_BEFORE = re.compile(r"\b(?:new|fresh|further|additional|more|another)\s+(?:[\w-]+\s+)?$", re.IGNORECASE)


def references(text: str, seg: Segment, names: list[Name], date: DateGuess | None, knowledge: Knowledge,
               enough: float = 2.5) -> list[dict[str, Any]]:
    """Events of the graph that a sentence refers to ("Soleimani's killing", "the 2015 nuclear accord"):
    a word for the event's class together with its actors, places or date, and words of its label,
    weighing at least ``enough`` (less where the words are known to name an earlier event)."""
    inside = {n.entity for n in names if seg.begin <= n.begin and n.end <= seg.end and n.known}
    places_named = {e for e in inside if knowledge.types(e) & (PLACE_TYPES - {"Country"}) and not knowledge.types(e) & {"State"}}
    mine = set(stems(seg.text))
    span = day_of(date) if date and not date.derivation.startswith("from the previous") else None
    accident = ACCIDENT.search(seg.text)
    out: list[tuple[float, KnownEvent, re.Match[str], list[str], list[str]]] = []
    for known in knowledge.events.values():
        hits = [(cls, m) for cls in sorted(known.classes, key=lambda c: (c in ("Attack", "Event"), c)) if cls in REFERS
                for m in [REFERS[cls].search(seg.text)] if m]
        if not hits:
            continue
        specific, word = hits[0]
        if accident is not None and accident.start() < word.start() and KILL.match(word.group(0)):
            continue  # "a stampede at the burial of Soleimani killed 56": the accident's toll, not his killing
        if _NEW_BEFORE.search(seg.text, 0, word.start()):
            continue  # "announced new sanctions", "further attacks": not the ones the graph holds
        if span and known.span and _dated_word(seg.text, word.end(), date) and not span.overlaps(known.span):
            continue  # "warned on March 12 that ...": another warning than the graph's of 8 January
        shared = inside & known.entities
        salient = {e for e in shared if not knowledge.types(e) & {"State", "Country", "Weapon"}}
        # a sentence that names a specific place refers to an event at that place, not elsewhere
        elsewhere = bool(places_named) and not places_named & known.entities
        label_words = (mine & {w for label in known.labels for w in stems(label)}) - set(stems(word.group(0)))  # "missile attacks": both words
        if known.classes & SAID:
            # a speaker says many things: their name in the label of one of them ("Rouhani" of "Rouhani
            # threatens ...") is counted once, as the speaker, not again as a word of that label
            label_words -= {w for e in salient if "Person" in knowledge.types(e)
                            for n in (knowledge.entities[e].get("label") or "", *(knowledge.entities[e].get("aliases") or [])) for w in stems(n)}
        score = 1.5 * len(salient) + 0.5 * len(shared - salient) + 0.5 * len(label_words) + (0.5 if specific not in ("Attack", "Event") else 0) \
            - (1.5 if elsewhere else 0)
        if span and known.span and span.precision in ("day", "year") and known.span.precision == span.precision \
                and span.overlaps(known.span):
            score += 1.5
        if score >= enough:
            out.append((score, known, word, sorted(shared), sorted(label_words)))
    out.sort(key=lambda x: -x[0])
    # the best reference, and a second one only if it is of another kind, named by other words ("the
    # rocket attack on Camp Taji" is not also an earlier attack on it) and as well supported
    kept = out[:1] + [o for o in out[1:2] if out and not (o[1].classes & out[0][1].classes) and o[0] >= out[0][0] - 0.5
                      and (o[2].end() <= out[0][2].start() or out[0][2].end() <= o[2].start())]
    events = []
    for score, known, word, common, words in kept:
        ev: dict[str, Any] = {"id": known.id, "label": known.labels[0] if known.labels else known.id,
                              "class": next(iter(known.classes)) if len(known.classes) == 1 else sorted(known.classes)}
        ev.update(quoted(text, seg.text, seg.begin))
        if date and span is not None and (known.span is None or span.overlaps(known.span)):
            ev["date"] = date.as_seed()  # (a day the graph's event cannot have is the sentence's, not the event's)
        why = f"refers to the graph's event {known.id}: '{word.group(0)}'" + (f", {', '.join(common)}" if common else "") + \
              (f", label words {', '.join(words)}" if words else "")
        ev["suggested"] = {"why": why, "confidence": round(min(0.9, score / 6), 2), "links": known.id}
        events.append(ev)
    return events
