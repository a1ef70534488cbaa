"""What a message in crisis looks like, as patterns a reviewer can read top to bottom.

Three readings, most urgent first:

- ``overdose``: someone is overdosing now (911, naloxone, rescue breathing);
- ``suicide``: someone may end their life (988, and 911 if it is happening now);
- ``distress``: despair without a plan ("i cant do this anymore"): a gentle check-in
  that names 988, never "Sorry, I didn't get that".

Each is a set of signs in English and Spanish, written from the kinds of message people
send in a panic: no punctuation, typos, slang, indirect ("she went in the bathroom to use and
wont answer the door", "i wanna go to sleep and never wake up", "mi pana no respira").

Two frames keep an overdose reading away from messages that are about overdose but are not
one happening now: a question in general ("how do i know if someone is overdosing", "what do i
do if someone ods") and a past overdose ("i od'd last week", "he overdosed in the fall"). A
sign of an overdose happening now (not breathing, blue lips, won't wake) wins over both.

Patterns run on a normalized copy of the message: lowercase, accents folded ("está" is
"esta"), apostrophes dropped ("he's" is "hes"), every other non-letter, non-digit a single
space. Every pattern is an alternation with bounded gaps, so matching is linear in the length
of the message. Nothing here logs the message.
"""
from __future__ import annotations

import re
import unicodedata

OVERDOSE = "overdose"
SUICIDE = "suicide"
DISTRESS = "distress"
AFTERCARE = "aftercare"  # an overdose that is over: "i od'd last week", "she od'd last night but shes ok now"


def normalize(text: str) -> str:
    """Lowercase, accents folded, apostrophes dropped, other symbols as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"['’`´]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# --- words ------------------------------------------------------------------------------------------
# Someone other than the writer, as a subject or an object: "he", "my friend", "mi pana".
# People one texts about (not "my phone", "my back").
_PEOPLE = (r"(?:friend|friends|bf|gf|boyfriend|girlfriend|boy|girl|man|woman|guy|dude|lady|kid|kids|child|baby|son|"
           r"daughter|brother|bro|sister|sis|mom|mother|mama|dad|father|papa|husband|wife|partner|fiance|fiancee|ex|"
           r"roommate|roomie|cousin|uncle|aunt|auntie|nephew|niece|grandma|grandpa|homie|homeboy|homegirl|buddy|pal|"
           r"neighbor|coworker|client|patient|wifey|hubby|old man|old lady|twin|stepson|stepdaughter|stepdad|stepmom|"
           r"amigo|amiga|pana|panas|hermano|hermana|hijo|hija|esposo|esposa|novio|novia|pareja|primo|prima|"
           r"tio|tia|abuelo|abuela|vecino|vecina|companero|companera|marido|mujer|bebe|chamaco|muchacho|muchacha|"
           r"jeva|jevo|carnal|compa|mano)")
_PERSON = (rf"(?:he|she|they|hes|shes|theyre|him|her|them|someone|somebody|some(?:one|body) else|"
           rf"(?:my|our|his|her|their|a|the|this|that) (?:\w+ )?{_PEOPLE}|{_PEOPLE}|"
           rf"el|ella|(?:mi|mis|tu|su|un|una|el|la) (?:\w+ )?{_PEOPLE}|alguien)")
_SOMEONE = rf"(?:{_PERSON}|i|im|me)"
# Having used: the context that turns "not answering the door" into an emergency.
_USED = (r"(?:used|using|use|shot up|shooting up|did a (?:shot|hit|line|bag)|hit|fent|fetty|fentanyl|dope|heroin|"
         r"blues|pills|perc\w*|oxy|xan\w*|tranq|got high|high|nodding|nodded|needle|rig|snorted|sniffed|smoked|"
         r"took|laced|bag|bags|usando|uso|se metio|metiendose|se inyecto|drogas?|pastillas|fentanilo|heroina|"
         r"se dio un pase|un pase|arreglo|usar|de usar)")
_OD_NOUN = r"(?:od|o d|overdose|overdoses|sobredosis)"
_OD_NOW = r"(?:oding|odding|odin|odeing|overdosing|overdosin|overdoseing|overdossing|overdozing|odeando|sobredosiando)"
_OD_PAST = r"(?:od|odd|oded|odded|overdosed|overdosd|odded out)"

# --- frames that are not an overdose happening now --------------------------------------------------
# A question about overdose in general: "how do i know if someone is overdosing", "what do i do if
# someone ods", "can you od on methadone", "what are the signs of an overdose".
_GENERAL_QUESTION = _any(
    rf"\b(?:if|in case|when|once) (?:someone|somebody|a person|a friend|people|ur|your|you|u|one|they|he|she|i|my \w+)"
    rf"(?: \w+){{0,3}} (?:ods?|{_OD_NOW}|overdoses?|stops? breathing|(?:isnt|is not|not) breathing|wont wake|"
    r"turns? blue|goes? blue|passes out|falls out|nods out|needs narcan|is dying)\b",
    rf"^(?:how|what|whats|when|why|where|which|is it|is there|are there|can|could|does|do|should|would|will|who)\b"
    rf"(?: \w+){{0,8}} (?:{_OD_NOUN}|{_OD_NOW}|{_OD_PAST}|overdosing|narcan|naloxone)\b",
    r"\b(?:signs?|symptoms?|chances?|risks?|rates?|statistics|stats|deaths?) of (?:an? )?(?:od|overdose)",
    rf"\b(?:how|ways?) to (?:prevent|reverse|stop|avoid|spot|recognize|treat) (?:an? )?{_OD_NOUN}",
    r"\b(?:declared|declares|declaring|crisis|epidemic|awareness|prevention|training|class|kit|kits|day|month|"
    r"anniversary|vigil|memorial) (?:an? )?(?:overdose|od)\b|\b(?:overdose|od) (?:crisis|epidemic|awareness|"
    r"prevention|training|class|kit|kits|day|month|anniversary|vigil|memorial|emergency declaration|deaths|rates?)\b",
    r"\b(?:no|not|isnt|arent|wasnt|never) (?:\w+ )?(?:overdosing|oding)\b|\bno (?:esta en|tiene una?) sobredosis\b",
    # What someone fears may happen, not what is happening.
    r"\b(?:will|would|could|might|may|gonna|going to|dont want (?:him|her|them|to)|not to)(?! have) (?:\w+ ){0,2}?"
    r"(?:od|overdose|die)\b(?! (?:rn|right now|now))",
    r"\b(?:worried|scared|afraid|terrified|fear|fears|nervous|paranoid) (?:that |of |about )?(?:\w+ ){0,3}?"
    r"(?:od|overdose|overdosing|oding|dying)\b",
    # Figures of speech and daily routine.
    r"\bwake up (?:in the morning|early|on time|in time|for (?:work|school|dosing|the clinic))\b|\bdead end\b|"
    r"\bdie young\b|\blive fast\b|\b(?:bored|scared|sick|worried) to death\b|\bdying (?:to|for)\b|"
    r"\b(?:phone|battery|car|laptop) (?:is |s )?(?:dying|dead|about to die)\b",
    r"^(?:como|que|cuales|cuando|cuantas?|cuantos|donde|es|se puede|puedo|hay) (?:se |hago |hacer |hay que )?"
    r"(?:\w+ ){0,5}(?:sobredosis|narcan|naloxona)\b(?!.*\b(?:ahora|ahorita|ayuda)\b)",
    r"\bsi (?:llamo|alguien|una persona|le da|tiene|me da|se pasa)\b|\bif i call 911\b",
    r"\b(?:concientizacion|prevencion|estadisticas|evento|mueren de) (?:\w+ ){0,3}(?:sobredosis)\b|"
    r"\bsobredosis (?:al ano|por ano)\b",
    # Stories, films, pretending, and wanting to end the addiction, not a life.
    r"\b(?:in the|on the|in a|in that) (?:movie|film|show|series|book|song|video|news|game)\b|"
    r"\b(?:acts?|acting) like\b|"
    r"\b(?:en las|en la) (?:noticias|pelicula|novela|serie|cancion|tele)\b|\bsalio en\b|"
    r"\bpretend\w*|\bso dramatic\b|\bto die for\b|\b(?:pelicula|novela|documental|documentary|movie|film)\b|"
    r"\bque (?:calor|frio|hambre)\b|\b(?:isnt|not|arent) on opioids\b|\b(?:not|never|im not) suicidal\b|"
    r"\bmuert[oa] de (?:miedo|hambre|risa|cansancio|sueno|frio|calor|"
    r"ganas|verguenza|envidia)\b|\b(?:me muero|muriendo|morir|morirme) de (?:la )?(?:hambre|risa|sueno|ganas|frio"
    r"|calor|"
    r"verguenza|miedo|envidia)\b|\bhello darkness\b",
    r"\b(?:end|kill|quit|beat|stop|kick|break|matar|dejar|terminar con|acabar con) (?:this|my|the|este|esta|mi|el|la) "
    r"(?:addiction|habit|use|using|dependence|vicio|adiccion|droga|vida de droga)\b|\bdejar de usar\b",
)
# A past overdose: aftercare, not the 911 steps.
_PAST = _any(
    r"\blast (?:week|month|year|night|summer|winter|spring|fall|time|weekend|christmas|friday|saturday|sunday)\b",
    r"\b(?:this|earlier this) (?:year|month|week)\b|\bover the weekend\b|\b(?:on|last) (?:monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\b|\b(?:once|twice|\d+ times) (?:already|before)\b|\b(?:before|already) and\b",
    r"\b(?:\d+|a|an|one|two|three|four|five|few|couple|couple of|several) (?:days?|weeks?|months?|years?|hours?) "
    r"(?:ago|back)\b",
    r"\b(?:yesterday|the other day|in the past|back in|years back|used to|since then|been clean since|"
    r"(?:in|this) (?:the )?(?:fall|spring|summer|winter|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|19\d\d|20\d\d))\b",
    r"\b(?:died|passed away|passed|lost \w+|killed) (?:of|from|to|by) (?:an? )?(?:od|overdose|fent\w*|heroin|dope)",
    r"\b(?:ive|i have|he has|she has|they have|hes|shes) (?:overdosed|odd|oded|od) (?:\w+ )?(?:times|before)\b",
    r"\b(?:after|since) (?:my|his|her|their|an|the|that) (?:od|overdose)\b",
    r"\b(?:ok|okay|fine|alright|good|stable|awake|home|out of the hospital) now\b",
    r"\b(?:almost|nearly) died\b|\b(?:funeral|memorial|vigil|grief|rip|rest in peace|obituary)\b",
    r"\b(?:el ano pasado|la semana pasada|el mes pasado|anoche|ayer|hace (?:\w+ )?(?:dias|semanas|meses|anos)|"
    r"murio de|fallecio|perdi a|tuvo una sobredosis|ya (?:esta|estan|esta bien|se recupero)|"
    r"(?:en|de|desde) (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
    r"diciembre))\b",
)

# --- an overdose happening now ----------------------------------------------------------------------
# Signs that hold on their own, past or question or not: the body is in trouble now.
_OVERDOSE_NOW = _any(
    # Breathing.
    r"\b(?:not|isnt|aint|stopped|stop|barely|hardly|cant|cannot|no longer|quit|quits) (?:\w+ )?"
    r"(?:breathing|breathin|breating|breathng|breathe)\b",
    r"\b(?:breathing|breathin) (?:really |so |very |real |is |super )?(?:slow|slowly|weird|shallow|funny|strange|"
    r"wrong|bad)\b|\b(?:slow|shallow|no) (?:breathing|breaths?)\b",
    r"\bno (?:respira|esta respirando)\b|\brespira(?:ndo)? (?:muy |bien )?(?:despacio|lento|raro|poco)\b|"
    r"\bno respira bien\b|\bdejo de respirar\b",
    # Will not wake.
    r"\b(?:cant|cannot|couldnt|can not) (?:wake|waken) (?!up\b|me\b|myself\b)\w+|"
    r"\b(?:cant|cannot|couldnt|can not) get (?:him|her|them|\w+) (?:up|to wake|awake|to respond|to open (?:his|her"
    r"|their)"
    r" eyes)\b|\bbreathing is (?:real |really |so |very )?(?:loud|weird|slow|shallow)\b",
    r"(?<!\bi )(?<!\bim )(?<!\bto )\b(?:wont|will not|isnt|not|aint|doesnt|does not) (?:wake|waking|wakin|woke)"
    r"(?! (?:me|myself|us)\b)(?: up)?\b"
    r"(?! (?:early|on time|in time|in the morning|for (?:work|school|dosing)))",
    r"\b(?:no|ni) (?:se )?despierta\b|\bno (?:lo|la|le|los) (?:puedo|podemos|puedes) despertar\b|\bno despierta\b",
    # Not responding, not moving.
    rf"\b{_PERSON} (?:is |are )?(?:not|isnt|wont|cant|aint|doesnt|not even) (?:respond|responding|responsive|"
    r"react|reacting|moving|move)\b(?! to (?:my )?(?:texts?|calls?|messages?|me|emails?)\b)",
    r"\bunrespons\w*|\bnot responsive\b|\bno pulse\b|\bunconscious\b|\bunconcious\b|\binconsciente\b",
    r"\bno (?:reacciona|responde|se mueve)\b(?! (?:a |mis |el |la |los |las )?(?:llamadas|mensajes|telefono|correos))"
    r"|\bsin (?:reaccionar|responder|moverse)\b",
    # Colour.
    r"\b(?:turning|turned|going|gone|lips|lip|face|skin|fingers|fingertips|nails|mouth) (?:\w+ ){0,2}?"
    r"(?:blue|purple|gray|grey)\b",
    rf"\b{_PERSON} (?:is |are |s )?(?:turning |going |all |so |kinda |like |looking |real )?"
    r"(?:blue|purple|grey|gray)\b",
    r"\b(?:blue|purple|gray|grey) (?:lips|lip|face|fingers|fingertips|skin)\b",
    r"\b(?:esta|se puso|se esta poniendo|tiene (?:los labios|la cara|la boca)|labios|cara) (?:\w+ )?"
    r"(?:morad[oa]s?|azul(?:es)?|palid[oa]s?|gris)\b",
    # The body.
    r"\b(?:is|went|fell|gone|hes|shes|body|all|completely|totally) limp\b|\blimp and\b",
    r"\b(?:eyes|eye) (?:are |r )?(?:rolled|rolling|rollin) (?:back|up)\b|\bojos en blanco\b",
    r"\bfoaming\b|\bfoam (?:at|from|coming)\b|\bespuma\b|\bgurgl\w*|\bgargaras\b|\bgargarear\w*|"
    r"\bdeath rattle\b|\b(?:snoring|roncando|ronca) (?:\w+ )?(?:weird|weirdly|strange|funny|loud|loudly|raro|"
    r"extrano|fuerte)\b|\b(?:snoring|choking) (?:sounds|noises)\b",
    r"\bcold and clammy\b|\b(?:cant|cannot|couldnt|wont) be (?:woken|woke|waken|awakened)\b|\bout cold\b",
    r"\b(?:cant|cannot|couldnt|no) (?:feel|find|get) (?:a |his |her |their )?pulse\b|\bgasping\b|"
    r"\bbarely (?:moving|breathing|awake|conscious)\b|\b(?:wont|not|isnt|aint) (?:come around|coming around|"
    r"come to|coming to)\b|\b(?:going|went|nodding|nodded) back out\b|\bhead on the (?:wheel|steering wheel)\b|"
    r"\bapenas respira\b|\bno (?:ta|esta) respirando\b|\bmora[od]o?\b|\bcomo que se ahoga\b|\bse (?:esta )?ahogando\b|"
    r"\brespira (?:bien )?despacito\b|\bfoam (?:around|on|in) (?:her|his|their) mouth\b|\bbreathing feels slow\b|"
    r"\b(?:barely|cant|cannot) (?:wake|rouse) (?:him|her|them)\b|\bcant rouse\b|\bgoing back under\b|"
    r"\b(?:all )?floppy\b|\bstill out\b|\bkeeps stopping breathing\b|\bstopping breathing\b|"
    r"\bstaring and not responding\b|\beyes (?:are )?rolling\b|\bdusky\b|\b(?:se quedo|esta) tieso\b|"
    r"\bse me cierran los ojos\b|\bfrio y palido\b|\bcold and pale\b|\bno le encuentro el pulso\b|"
    r"\bpecho pesado\b|\bchest (?:feels )?heavy\b.{0,40}?\b(?:took|used|too much|high)\b",
    r"\b(?:wont|cant|cannot|can not) stay awake\b|\bno (?:se )?(?:puede )?mantener despiert[oa]\b",
    r"\bbreath\w* (?:like |only |maybe )?(?:\d+|once|twice|one|two) (?:times? )?(?:a|per|every) (?:minute|min)\b",
    r"\bchest (?:isnt|is not|not|aint|stopped|is barely) (?:moving|rising|going up)\b",
    r"\bno (?:puedo|puede|podia|puedes) respirar\b|\bojos (?:pa|para) (?:atras|arriba)\b|\besta tieso\b|"
    r"\b(?:toda|todo|bien|muy) (?:morad[oa]|azul)\b",
    r"\b(?:on the (?:\w+ )?(?:floor|ground|street)|in the (?:tub|bathtub)|tirad[oa]|passed out|laid out|slumped)\b"
    r".{0,40}?\b(?:not|isnt|wont|no|ni|cant) (?:moving|move|responding|respond|breathing|waking|answering|answer|"
    r"se mueve|responde|respira|despierta|contesta)\b",
    r"\b(?:palid[oa]|pale|gray|grey|sudando frio|cold sweat|sweaty)\b.{0,40}?\b(?:no contesta|no responde|"
    r"not answering|wont answer|no reacciona|not responding|wont respond)\b",
    r"\b(?:on the (?:floor|ground)|passed out|fell out|laying|lying|slumped|found (?:him|her|them))\b.{0,40}?"
    r"\b(?:purple|blue|gray|grey|morad[oa])\b",
    r"\b(?:tirad[oa]|on the (?:floor|ground|street)|passed out|laid out|found)\b.{0,50}?\b(?:needle|aguja|jeringa|rig)"
    r"\b",
    # A child who swallowed medicine or drugs: poison, an emergency however calm they look.
    r"\b(?:kid|child|toddler|baby|son|daughter|\d+ ?(?:yr|year|yo|ano)s?(?: old)?|nena|nene|bebe|nino|nina|hijo|hija)"
    r"\b.{0,40}?\b(?:drank|ate|swallowed|got into|took|se tomo|se comio|tomo|se trago)\b.{0,30}?"
    r"\b(?:methadone|metadona|"
    r"pills|pastillas|subs|suboxone|bupe|fent|fentanilo|medicine|meds|medicina)\b",
    r"\bbreathing\b.{0,20}?\b(?:barely|hardly|real slow|so slow)\b",
    r"\bno (?:tiene|le siento el) pulso\b|\bno abre los ojos\b|\b(?:esta )?convulsionando\b|\bse desmayo\b.{0,40}?"
    r"\b(?:no (?:despierta|reacciona|responde|respira))\b",
    r"\bcold and (?:not moving|wont move|stiff)\b|\b(?:se quedo|esta) frio\b",
    r"\bcollapsed\b|\bfading fast\b|\bseizing\b|\bhaving a seizure\b|\bconvulsion\w*\b",
    r"\b(?:passed|fell|nodded|blacked|knocked|laid|lying|laying|slumped|tirad[oa]) (?:out|down|back|over|en el piso|"
    r"en el suelo)"
    r"\b.{0,60}?\b(?:wont|not|cant|isnt|doesnt|aint|no|ni) (?:\w+ )?(?:respond|responding|wake|waking|move|moving|"
    r"breathing|answer|answering|pulse|reacciona|responde|despierta|respira|se mueve)\b",
    rf"\b(?:passed|fell|nodded|blacked) out\b.{{0,60}}?\b(?:needle|rig|after (?:a |the )?(?:shot|hit|using|{_USED}))\b",
    r"\b(?:sounds like|making|is|hes|shes|like hes|like shes) (?:\w+ )?(?:gargling|gargle)\b|\bgargling (?:sound|noise)"
    r"|\bbreathing (?:\w+ ){0,3}gargl\w*",
    # Naloxone given, not enough.
    r"\b(?:gave|give|given|used|sprayed|did|hit \w+ with|le di|le puse|le dimos|le pusimos|le echamos) "
    r"(?:\w+ ){0,3}(?:narcans?|naloxone|naloxona)\b.{0,50}?\b(?:still|nothing|not|no|wont|isnt|another|again|"
    r"sigue|nada|ni|se volvio|volvio a|went back|back out)\b",
    r"\b(?:narcans?|naloxone|naloxona) (?:isnt|is not|not|didnt|did not|aint|wont|doesnt|no) "
    r"(?:\w+ )?(?:working|work|help|helping|doing|hace|funciona|funciono|sirve)\b",
)

# Overdose named as happening now; a past or a general question is a different matter.
_OVERDOSE_NAMED = _any(
    rf"\b{_OD_NOW}\b",
    rf"\b(?:just|think|thinks|might have|may have|maybe|probably|prob|i think|omg|help|pls|plz|please|hurry|"
    rf"someone|somebody|{_PERSON}) (?:\w+ ){{0,2}}?(?:{_OD_PAST})\b",
    r"\b(?:having|havin|had|has|is having) an? (?:od|overdose)\b",
    rf"\b(?:{_PERSON}|i) (?:is |are |am |s |just |really |literally |prob |probably )?(?:dying|dead)\b"
    r"(?! (?:to|for|of laughter|laughing|tired|"
    r"inside|serious|end|set|wrong|right|last|battery)\b)",
    r"\bse (?:esta |nos esta )?muriendo\b|\bse (?:nos )?muere\b|\bme estoy muriendo\b",
    r"\b(?:way too high|too high and scared|me pase de la dosis|creo que me pase)\b|"
    r"\b(?:im|i am|feel like im|feel like i am|i feel like im) "
    r"(?:fading|slipping|going out|passing out|blacking out)\b",
    r"\b(?:too strong|hit (?:me|him|her) too hard|me pego (?:duro|fuerte)|esta muy fuerte)\b.{0,60}?"
    r"\b(?:help|slipping|fading|cant breathe|siento que me voy|ayuda|me voy)\b|\bsiento que me voy\b",
    rf"\b{_PERSON} (?:is |s )?(?:od|oding|overdosing)\b",
    r"^(?:(?:help|please|pls|plz|omg|sos|911)\s+)*(?:od|oding|overdose|overdosing)(?:\s+(?:help|please|pls|plz|now|"
    r"rn|asap|911|emergency|here))+$|^(?:help|sos)\s+(?:\w+\s+)?(?:od|oding|overdose|overdosing)$",
    r"\b(?:od|overdose) (?:rn|right now|now|happening|in progress|here|at my)\b",
    r"\bsobredosis\b",
    r"\bse (?:paso|le paso la mano|metio demasiado|metio mucho|dio demasiado)\b|\bse paso de dosis\b",
    r"\b(?:took|taken|did|done|used|shot|smoked|snorted|had|tomo|se tomo|se metio) (?:way |waaay |mucho |muchas |"
    r"demasiad[oa]s? )?(?:too (?:much|many)|demasiado|muchas pastillas|todas las pastillas)\b(?! time)",
    r"\blaced\b.{0,40}?\b(?:fell out|passed out|wont|not breathing|out cold|down)\b",
)

# A door that stays shut after using: the indirect overdose.
_NO_ANSWER = _any(
    r"\b(?:not|isnt|wont|aint|doesnt|hasnt|no|not been) (?:answering|answer|responding|respond|coming out|come out|"
    r"opening|open)\b",
    r"\b(?:no|dont get an?) (?:answer|response)\b|\bno contesta\b|\bno (?:abre|sale|responde)\b",
    r"\b(?:hasnt|wont|havent) (?:come|came|heard) (?:out|back|anything)\b",
    r"\bbeen (?:in there )?(?:like |over |almost |about )?(?:\d+|a while|forever|an hour|half an hour|ten|twenty|"
    r"thirty|forty)(?: \w+)? (?:min|mins|minutes|hour|hours|hr|hrs)?\b",
)
_PUPILS = r"\bpupils (?:are |r )?(?:pinpoint|tiny|small|like pins?)\b|\b(?:pinpoint|tiny|small) pupils\b"
_NODDING = r"\b(?:nodding|nodded|nods|keeps nodding) (?:off|out)\b"
_TOOK_A_LOT = (r"\b(?:took|swallowed|ate|drank|got into|se tomo|se comio|se trago)\b.{0,40}?\b(?:pills|methadone|"
               r"metadona|pastillas|meds|bottle|dope|fent|fentanilo|subs)\b")
_DROWSY = r"\b(?:sleepy|drowsy|wont stay awake|cant stay awake|nodding|dormid[oa]|no despierta|mareado)\b"
_SHUT_IN = r"\b(?:bathroom|restroom|door|locked|stall|closet|room|car|bano|puerta|encerr\w*)\b"
# A bathroom that stays silent is an emergency even when nobody says they used.
_SILENT_BATHROOM = (r"\b(?:locked|encerrad[oa])\b.{0,30}?\b(?:bathroom|restroom|bano)\b.{0,60}?\b(?:wont answer"
                    r"|not answering|"
                    r"no contesta|no responde|dont hear anything|no se oye nada)\b")


def overdose_now(text: str) -> bool:
    if _OVERDOSE_NOW.search(text):
        return True
    if _GENERAL_QUESTION.search(text) or _PAST.search(text):
        return False
    if _OVERDOSE_NAMED.search(text):
        return True
    if (re.search(_PUPILS, text) or re.search(_NODDING, text)) and _NO_ANSWER.search(text):
        return True
    if re.search(_SILENT_BATHROOM, text):
        return True
    if re.search(_TOOK_A_LOT, text) and (_NO_ANSWER.search(text) or re.search(_DROWSY, text)):
        return True
    return bool(re.search(_SHUT_IN, text) and _NO_ANSWER.search(text) and re.search(rf"\b{_USED}\b", text))


# --- suicide ------------------------------------------------------------------------------------------
_SUICIDE = _any(
    # Saying it.
    r"\b(?:kill|killing|kil|end|ending|off|offing|shoot|hang|hanging|hurt|cut) (?:my ?self|meself|myslef)\b"
    r"(?! (?:up|at|with|working|doing|over|laughing|trying)\b)",
    r"(?<![0-9] )(?<![0-9])\bkms\b",
    r"(?<!\bnot )(?<!\bim not )\b(?:suicid|sucid|suisid|suicd|suicied|sucuid|suicidio|suicidarme|suicidar)\w*",
    r"(?:^|(?<!\bthought )(?<!\blike )\bi |\bim |\bi am |\bi just |\bi really |\bi kinda |\bi honestly |\bi def |"
    r"\bi think i |\bjust )"
    r"(?:(?!dont |do |not |never |didnt )\w+ )?(?:want|wanna|wanted|ready|going|gonna|trying|plan|planning|about) "
    r"(?:to |2 )?(?:die|be dead|end it|end things|not be here|not exist|disappear|overdose|od)\b"
    r"(?! (?:with|for|out|if|without|unless|of|from|in withdrawal|laughing)\b)",
    r"(?<!\bdont )(?<!\bdo not )(?<!\bnever )(?<!\bnot )\b(?:want|wanna) (?:to |2 )?(?:die|be dead)\b"
    r"(?! (?:for|out|laughing|of laughter)\b)",
    r"\brather (?:be )?(?:dead|gone|not here)\b|\bbetter off (?:dead|gone|without me|not here)\b",
    r"\b(?:end|ending) (?:it all|my (?:own )?life|it tonight|it today|everything|my suffering)\b",
    r"\b(?:take|taking) my (?:own )?life\b",
    r"\b(?:no reason|no point|nothing left|nothing) (?:to live|in living|living|to live for)\b|"
    r"\bnothing to live for\b|\b(?:not|isnt|aint) worth living\b",
    # Not wanting to be here, or to wake up.
    r"\b(?:dont|do not|dnt|no longer|dont even|do not even) (?:want|wanna) (?:to |2 )?(?:live|be alive|"
    r"be here|exist|wake up|keep living|go on)\b",
    r"\b(?:want|wanna|wish|hope|hoping) (?:to |i )?(?:not exist|didnt exist|wasnt here|wasnt born|was never born|"
    r"wasnt alive|was dead|were dead|could die|could disappear|didnt wake up|dont wake up|never wake up|"
    r"wouldnt wake up|wont wake up|die in my sleep)\b(?! for (?:a|the) (?:weekend|day|while|bit|week))",
    r"\b(?:sleep|go to sleep|fall asleep|close my eyes) (?:\w+ ){0,2}(?:forever|and never wake|and not wake|"
    r"and never open)\b|\bnever wake up again\b|\bsleep forever\b|\bsleep for good\b",
    r"\b(?:not|never) (?:to )?wake up (?:again|ever|tomorrow)\b|\bto (?:not|never) wake up\b",
    # The means.
    r"\b(?:gonna|going to|want to|wanna|about to|will|ill|plan to|planning to|ready to|finna|bout to) "
    r"(?:take|swallow|down|eat|use|do|shoot|snort) (?:all|every one|the whole bottle|everything|it all)\b",
    r"\b(?:take|taking|took|swallow|swallowed|down|downed) (?:all|the whole bottle) (?:of )?(?:my |the |these )?"
    r"(?:\w+ )?(?:pills|meds|bottle|medicine|tablets)\b.{0,30}?"
    r"\b(?:tonight|to die|so i|and (?:sleep|never|not)|forever)",
    r"\bso (?:that )?i (?:dont|wont|never|can|could|would) (?:wake up|die|be here|have to wake up)\b",
    r"\b(?:hope|hoping|wish|pray|praying) (?:it|this|that|the \w+) (?:kills|takes|ends|finishes) me\b",
    r"\bno reason (?:for me )?to (?:be here|live|keep going|stay|go on)\b",
    r"\b(?:dont|cant|do not|cannot) see (?:a|any) way out\b|\bno other way out\b",
    r"\b(?:giving up|give up|gave up|im done|i quit)\b.{0,40}?\b(?:goodbye|bye|farewell)\b",
    r"\b(?:enough|all my|the whole) (?:\w+ ){0,2}(?:to (?:never|not) wake up|to die|to end it|to not come back)\b",
    r"\b(?:hot ?shot|od|overdose|overdosing|oding) (?:\w+ ){0,2}on purpose\b|\bon purpose (?:od|overdose)\b",
    r"\b(?:hope|hoping|praying|wish) (?:the |this |my )?(?:next )?(?:bag|shot|hit|dose|one|pill|line) "
    r"(?:kills|takes|finishes|ends) me\b",
    r"\b(?:last|final) (?:shot|hit|bag|dose|one|line)(?: \w+)? ever\b|\bmy (?:last|final) (?:shot|hit|bag|dose) ever\b"
    r"|\bthis (?:shot|hit|bag|dose) (?:to be|is|will be) my (?:last|final)\b",
    r"\b(?:rope|noose|gun|pistol|razor|blade)\b.{0,40}?\b(?:myself|know where|ready|tonight|loaded|for me|use it)\b"
    r"|\bloaded (?:the|my|a) (?:gun|pistol)\b|\bgun (?:to|in) my (?:head|mouth)\b",
    r"\b(?:standing|sitting|up|on top of) (?:on )?(?:the|a|this) (?:bridge|ledge|roof|edge|overpass|tracks|"
    r"building)\b|\b(?:about to|going to|gonna|ready to|finna|bout to|want to|wanna) jump\b"
    r"(?! (?:in|on|into|onto|at|through|over|ship|start|the gun|rope|back|right|out of bed))"
    r"|\bjump (?:off|from) (?:the|a|this) (?:bridge|roof|building|overpass)\b",
    r"\b(?:gonna|going to|will|ill|about to|want to|wanna|do|doing|take|shoot|meter|meterme|me voy a meter|hacer|"
    r"give myself) (?:a |un |myself a |this )?hot ?shot\b|\bhot ?shot (?:tonight|on purpose|and)\b|"
    r"\bmake it permanent\b|\bdone (?:living|with life|with living|being alive)\b",
    r"\b(?:have|got|bought|tied|found|made) (?:the |a |my )?(?:rope|noose)\b",
    r"\bim (?:a|such a|just a|only a) burden\b|\bsoy una carga\b",
    r"\b(?:going|headed|heading|walking|driving) to (?:the|a) (?:bridge|roof|tracks|lake|river|overpass)\b",
    r"\b(?:wont|will not|not gonna|aint gonna|not going to) be (?:here|around|alive) (?:tomorrow|much longer|anymore|"
    r"by morning|next week|after tonight)\b",
    r"\b(?:got|have|grabbed|took|holding|bought|loaded) (?:my |a |the |\w+s )?(?:\w+ )?(?:gun|pistol|glock|revolver|"
    r"shotgun|rifle)\b(?! (?:charge|case|license|permit|show|range|safety))",
    r"\bjump(?:ing)? (?:off|from|in front of)\b|\bin front of (?:a|the) (?:train|truck|bus|car|semi)\b|"
    r"\bwalk(?:ing)? into (?:the|a) (?:lake|river|ocean|sea|water|traffic)\b",
    r"\b(?:drive|crash|wreck|chocar) (?:my |the |el |mi )?(?:car|truck|carro)\b.{0,20}?"
    r"\b(?:into|a proposito|on purpose|"
    r"off)\b",
    r"\bso (?:nobody|no one) (?:can|will|could) (?:narcan|save|find|stop) me\b|\blet (?:the )?(?:dope|fent|drugs?) "
    r"take me\b",
    r"\b(?:easiest|quickest|painless|painlessly|best|fastest) way to (?:die|kill myself|end it|go)\b|"
    r"\bwould (?:dying|it hurt to die)\b|\bhow (?:much|many) (?:\w+ ){0,3}(?:would it take|does it take|it takes) to "
    r"(?:die|not wake up|stop breathing|kill)\b",
    r"\b(?:pills|gun|rope|knife|blade|razor) (?:in my hand|ready|right here|lined up)\b",
    r"\b(?:tried|try|trying) (?:to )?(?:kill myself|od|overdose|end it|die)\b(?! (?:on accident|by accident))",
    r"\bwho would (?:care|notice|miss me|even care)\b.{0,20}?\b(?:if i|me|im gone)\b|\bwho would miss me\b|"
    r"\bif i (?:died|was gone|were gone|disappeared) (?:\w+ ){0,2}(?:who|nobody|no one)\b",
    r"\b(?:taking|take|gonna take|swallowing|swallow) (?:them|these|it) all\b|\btake all of them\b",
    r"\bsorry for everything\b|\bim (?:out|gone) for good\b(?! to)|\b(?:wont|will not|never) hear from me again\b",
    r"\bcut(?:ting)? (?:deep|my wrists?|myself)\b|\b(?:slit|cut) my wrists?\b",
    r"\b(?:said |told (?:\w+ ){1,2})(?:my )?goodbyes?\b(?! to (?:my )?(?:old )?(?:clinic|doctor|dealer|job|place|town|"
    r"city|state|program|counselor))|\b(?:wrote|made|finished|left) (?:my|a) (?:will|note|suicide note"
    r"|goodbye letter)\b|"
    r"\b(?:wrote|left|writing) (?:\w+ )?letters\b|\bmy note is\b|\bnote (?:is )?on the (?:table|counter|bed|door)\b",
    r"\b(?:got|have|made) a plan\b.{0,40}?\b(?:going through|do it|tonight|going to|gonna)\b|"
    r"\bgoing through with it\b",
    r"\bno point (?:in )?(?:being alive|living|to living|going on)\b",
    r"\b(?:shoot|use|do|take|snort) (?:this|the|my) whole (?:bag|bottle|thing|gram|stash)\b",
    r"\b(?:hope|hoping|wish) i (?:od|overdose|die|dont come back|never come back|dont make it)\b|"
    r"\bi (?:dont|never) come back\b",
    r"\b(?:they|theyd|everyone|everybody|family|kids|wife|husband|mom|dad|the world|people)\b.{0,40}?\bbetter off\b"
    r"(?=\s*(?:$|without|if i|when i|dead|and\b))|\bbetter off without\b",
    r"\b(?:dont|do not|cant) see myself (?:making it|living|being here|alive)\b|"
    r"\bmaking it (?:past|through) (?:this|the|tonight|today)\b(?! (?:class|program|detox|taper))",
    r"\b(?:leave|leaving) this world\b|\b(?:irme|ir|salir) de este mundo\b|\bdejar este mundo\b",
    r"\b(?:going to|gonna|will|ill) finish it\b|\bfinish (?:it|this) tonight\b",
    r"\bdont (?:try to |come )?(?:find|look for) me\b|\bno me busquen\b",
    # Saying goodbye.
    r"\b(?:this is|its) (?:my )?(?:last|final) (?:text|message|msg|goodbye|words?)\b"
    r"|\bthis is goodbye\b(?! to (?:my )?(?:old )?(?:clinic|doctor|"
    r"dealer|job|place|town|city|program))",
    r"\b(?:goodbye|bye) (?:everyone|everybody|forever|world|all)\b(?! (?:bad )?habits?\b)|\b(?:goodbye"
    r"|bye)\b(?! to (?:my )?(?:old )?(?:clinic|"
    r"doctor|dealer|job|place|town|city))\b.{0,40}\b(?:forever|for good|love you all|im done|giving up)\b"
    r"(?!.*\bhabits?\b)",
    r"\btell (?:my |her |him |them )?\w+ (?:i love|that i love|i loved|im sorry)\b",
    r"\b(?:wrote|writing|left|leaving) (?:my |a |the )?(?:suicide )?(?:note|letters|goodbye letter)\b",
    r"\b(?:giving|gave|give) (?:away )?(?:all )?(?:my|away my) (?:stuff|things|dog|cat|kids|belongings)\b.{0,60}?"
    r"(?:wont need|not need|dont need|after tonight|where im going)",
    r"\b(?:wont|will not|dont|not gonna|not going to) (?:need|be needing) (?:it|them|anything|this)\b.{0,30}?"
    r"\b(?:where im going|after tonight|anymore|soon)\b",
    r"\bwhen im gone\b|\bafter im gone\b|\bonce im gone\b",
    r"\b(?:nobody|no one|noone|nobody would|no one would|nobody will|no one will) (?:\w+ ){0,2}"
    r"(?:notice|miss me|care|even notice)\b.{0,30}?\b(?:if i|when i|im gone|i was gone|i died|i die)",
    r"\b(?:after|past) (?:tonight|today)\b.{0,40}?\b(?:wont be|will not be|no more|not be)\b",
    r"\b(?:burden|problem)\b.{0,60}?\b(?:fix that|fix it|end it|not for long|tonight|gone soon)\b",
    r"\bno way out (?:but|except|other than)\b|\bonly way out is\b",
    r"\b(?:mom|mama|dad|mother|baby|kids) if you (?:read|see|find) this\b",
    # Spanish.
    r"\bme (?:voy a|quiero|pienso|vas a) (?:matar|morir|ahorcar|suicidar|colgar|tirar|cortar|quitar la vida)\b"
    r"(?! de (?:la )?(?:verguenza|risa|hambre|miedo|frio|calor|sueno|ganas))|"
    r"\b(?:quiero|voy a|pienso|me gustaria|deseo|prefiero) (?:matarme|morirme|morir|ahorcarme|suicidarme|colgarme|"
    r"tirarme|quitarme la vida|cortarme las venas|acabar con todo|acabar con mi vida)\b"
    r"(?! de (?:la )?(?:verguenza|risa|hambre|miedo|frio|calor|sueno|ganas))|\bmatarme\b|\bahorcarme\b|"
    r"\bmejor me muero\b|\bpara que vivir\b|\bcortarme las venas\b|\b(?:saltar|tirarme) (?:del|de un|desde el) "
    r"(?:puente|edificio|techo)\b|\bsobredosis a proposito\b|\ba proposito para no despertar\b",
    r"\b(?:ya )?no quiero (?:vivir|seguir viviendo|seguir|estar aqui|despertar|existir)\b",
    r"\b(?:quisiera|quiero|ojala) (?:estar muert[oa]|morir|morirme|no despertar|no haber nacido|desaparecer)\b|"
    r"\bojala (?:no despierte|me muera|me muriera)\b|\bestar muert[oa]\b",
    r"\bdormir(?:me)? y no despertar\b|\bno despertar (?:nunca|jamas|mas)\b|\bdormir para siempre\b|"
    r"\bpara no despertar\b|\b(?:seria|sera) mejor (?:si me muero|que me muera|sin mi)\b",
    r"\b(?:tomarme|me voy a tomar|tomar) todas las pastillas\b",
    r"\b(?:mi|este es mi|es mi) ultimo mensaje\b|\badios (?:a todos|para siempre)\b|\bmi ultima (?:carta|nota|vez)\b|"
    r"\bcuiden a mis (?:hijos|hijas|ninos|bebes)\b|\bperdonenme\b",
    r"\b(?:estarian|estaria|estarias|estan|viven) mejor sin mi\b|\bnadie (?:se daria cuenta|me extranaria|"
    r"me va a extranar|notaria)\b",
    r"\b(?:regale|regalo|di) (?:todas )?mis cosas\b|\bno (?:las|los|lo) voy a necesitar\b",
    r"\besta noche (?:me acabo|se acaba|termino|me mato)\b|\bacabar con (?:todo|mi vida)\b|"
    r"\bdesaparecer para siempre\b|\bno vale la pena (?:seguir|vivir)\b",
    r"\b(?:pistola|arma|soga|cuerda)\b.{0,40}?\b(?:conmigo|usarla|matarme|me mato|lista|listo|preparad[oa]|"
    r"cargad[oa]|lo que voy a hacer)\b",
    r"\b(?:a nadie le importaria|nadie (?:me )?extranaria|a nadie le va a importar) si me (?:muero|voy|mato)\b|"
    r"\bya no voy a estar (?:aqui|aca|con ustedes|viv[oa])\b|\bperdon(?:enme)? por todo\b|\bme voy para siempre\b|"
    r"\bdeje (?:una |unas |mi |las )?(?:carta|cartas|nota)\b|\bcarta de despedida\b|\bcuid(?:a|en|es) a mi (?:mama"
    r"|papa|hijos?|hijas?|familia)\b",
    r"\bpa(?:ra)? no (?:volver|despertar)\b|\bsi no despertaba\b|\bojala (?:esta|este|la proxima|el proximo) me mate\b",
    r"\b(?:no tengo|sin) (?:razon|razones|motivo|motivos) para vivir\b|\b(?:ya )?tengo (?:un|el) plan\b",
    r"\bpensando en (?:tirarme|matarme|morirme|suicidarme|ahorcarme|quitarme la vida|saltar)\b|"
    r"\b(?:voy a|me voy a|quiero) (?:saltar|tirarme)\b|\btomarme tod[oa]s? (?:la|el|las|los)\b|"
    r"\b(?:quisiera|ojala) no haber despertado\b|\ba proposito\b.{0,30}?\b(?:sobredosis|meti|despertar|morir)\b|"
    r"\b(?:meti|meto|metere) (?:\w+ ){0,3}a proposito\b",
)

# Said without saying it: finality, burden, a plan or the means, regret at being revived, wanting
# to be with someone who died. Each alone can be ordinary ("its time for my appointment"); these
# are the wordings that are not.
_SUICIDE_INDIRECT = _any(
    # Farewells.
    r"\blast (?:time )?(?:you(?:ll| will)?|youll|u(?:ll)?) (?:hear|see) (?:from )?me\b|\blast (?:message|text|msg)\b"
    r"(?=\W*(?:$|thanks|thank|bye|goodbye|love|sorry|from me|ever))|\blast time i (?:ask|reach out|bother|text)\b|"
    r"\b(?:ill|i will|im gonna|ima) be gone (?:by then|soon|tomorrow|by morning|after tonight)\b|"
    r"\bsaving (?:them|it|my \w+) (?:all )?up\b|\b(?:deje|escribi) (?:unas |las )?cartas\b|"
    r"\bhow (?:much|many) .{0,40}?\b(?:would|will|does|to) (?:make|kill|stop)\b.{0,30}?\b(?:for good|die|breathing)\b"
    r"|\bultima vez que (?:me )?(?:escriben|escribo|saben de mi)\b|"
    r"\b(?:esta es |es )?mi despedida\b",
    r"\bjust wanted to say (?:bye|goodbye)\b|\bif i dont (?:text|answer|reply|write) back\b.{0,30}?\bknow why\b|"
    r"\b(?:sorry|lo siento) (?:for|por) (?:all|everything|todo)\b.{0,60}?\b(?:goodbye|bye|love you|adios|los quiero)\b|"
    r"\b(?:writing|write|wrote) (?:my )?goodbye (?:texts?|letters?|messages?)\b|\b(?:its|it is) not (?:her|his|your"
    r"|their)"
    r" fault\b|\b(?:can|will|could) (?:ever |someday )?forgive me\b|\bforgive me (?:someday|one day)\b",
    r"\btell (?:my|the) (?:\w+ ){1,3}(?:she|he|they) (?:was|were) (?:always )?(?:nice|good|kind)\b|"
    r"\b(?:thanks|thank you|thank u) for (?:everything|trying)\b.{0,50}?\b(?:last|goodbye|bye|hear from me|not (?:her"
    r"|his)"
    r" fault|im done|gone)\b|\b(?:last|goodbye)\b.{0,40}?\bthanks for (?:everything|trying)\b",
    # A burden, soon gone.
    r"\bwont be (?:a )?(?:problem|burden|bother)\b|\bno voy a ser un problema\b|\bout of (?:every(?:one|body)s|your"
    r"|their)"
    r" hair\b|\b(?:easier|better|lighter) (?:for everyone |for everybody |for them |)(?:if i (?:just )?(?:go|leave"
    r"|was gone|"
    r"disappear|die|wasnt here)|without me)\b|\bbe relieved if i\b|\bdeserve better than me\b",
    r"\b(?:cant|cannot|dont) see (?:any|a) (?:kind of )?future\b|\bno (?:le )?veo futuro\b|\bno future for me\b",
    r"\bnothing (?:left )?for me here\b|\bno tengo (?:por|para) que vivir\b|\bi dont belong here anymore\b",
    # It is decided.
    r"^(?:i think |i guess |well )?(?:its|it is) (?:time|my time)\W*$|\bits my time\b|\btonight is the night\b|"
    r"^(?:creo que )?ya es hora\W*$|\b(?:already|ya lo) decid\w*\b.{0,30}?\b(?:dont try|no me traten|please)\b|"
    r"\bim done waiting\b|\b(?:made|make|hice las) (?:my )?paces? con dios\b|\bmade my peace\b",
    r"\b(?:everything|its all|all) (?:is )?(?:in order|handled|taken care of) now\b|\bso i can go\b|"
    r"\b(?:make sure|take care of|look after|cuiden a|cuida a) (?:someone )?(?:\w+ ){0,3}(?:my )?(?:dog|cat|pets?"
    r"|perro|"
    r"gato)\b.{0,30}?\b(?:after|when im gone|cuando (?:yo )?ya no)\b",
    r"\b(?:gave|giving|give) (?:away )?(?:\w+ ){0,3}(?:dog|cat|stuff|things|jacket|boots|truck|car|keys|passwords?|"
    r"phone|belongings|clothes)\b.{0,80}?\b(?:handled|wont need|dont need|just in case|where im going|in order)\b|"
    r"\bwho gets my (?:stuff|things)\b",
    # Not waking, not going on.
    r"\b(?:sleep|slept) and (?:never|not) (?:wake|woke)(?: up)?\b|\bnot deal with (?:anything|nothing|it"
    r"|any of it) ever\b|"
    r"\bno quiero (?:amanecer|despertar)\b",
    r"\b(?:want|wish) (?:it|the pain|everything|this|all this|it all) (?:to )?(?:stop|end|be over) (?:forever|for good|"
    r"permanently)\b|\bdont want to keep going\b|\bpoint of (?:staying|living|going on)\b"
    r"|\bnot (?:to )?exist anymore\b|"
    r"\b(?:tired|cansad[oa]) (?:of|de) (?:being alive|living|life|vivir)\b",
    # Sorry to be revived.
    r"\bwhy did (?:they|you|u) (?:narcan|revive|save|bring back) me\b|\bdidnt want to come back\b|\bwish i (?:didnt"
    r"|hadnt)"
    r" (?:survive|make it|wake)\w*\b|\b(?:should have|shoulda|should of|wish they had|wish (?:the )?\w+ had)"
    r" (?:just )?let me (?:go|die)\b|\bjust let me go\b|\bdont want narcan\b|\bpor que me revivieron\b|"
    r"\bno queria volver\b",
    # To be with someone who died.
    r"\b(?:wanna|want to|going to) (?:go )?(?:be with|follow) (?:her|him|them|my \w+)\b|\bit should (?:of"
    r"|have) been me\b|"
    r"\bme quiero ir con (?:el|ella)\b|\bin heaven\b.{0,30}?\b(?:be with|join)\b|\b(?:be with"
    r"|join) (?:\w+ ){0,3}in heaven\b",
    # The means, at hand.
    r"\b(?:\d+|a bunch of|a lot of|all these|un monton de) (?:\w+ )?(?:pills|pastillas)\b.{0,40}?\b(?:saved"
    r"|stockpil\w*|"
    r"guardadas|right here|next to me|lined up|para cuando)\b|\bstockpiling\b|\bpills (?:are )?(?:right here"
    r"|next to me)\b",
    r"\b(?:rope|noose|soga)\b.{0,50}?\b(?:looking at|staring at|garage|ready|tied|beam|tree)\b",
    r"\b(?:gun|pistol|pistola)\b.{0,60}?\b(?:nobody|no one|alone|in my lap|in my hand|loaded|nadie)\b",
    r"\b(?:walking|going|headed) (?:out )?to the (?:train )?tracks\b|\btracks\b.{0,30}?\b(?:now|tonight|lay|lie|sit)\b|"
    r"\bvias del tren\b|\bwhen the (?:express|train|next train) comes\b",
    r"\bgarage (?:door )?(?:shut|closed)\b|\bgaraje cerrado\b|\b(?:overpass|bridge|ledge|roof)\b.{0,40}?\b(?:the drop"
    r"|jump|"
    r"fall)\b|\ben el puente\b.{0,30}?\b(?:bajar|saltar|tirar)\w*",
    r"\b(?:drive|driving|crash|crashing) (?:my |the )?(?:car|truck)? ?into (?:the |a )?(?:lake|river|tree|wall|pole"
    r"|ocean|"
    r"traffic)\b|\bcutting deeper\b|\bcortando mas hondo\b|\b(?:holding|have|got) (?:the |a |my )?(?:knife|blade"
    r"|razor)\b",
    r"\b(?:pills|tylenol|meds|bottle|vodka)\b.{0,40}?\blined up\b|\b(?:lethal|fatal|deadly) dose\b",
    r"\bnext time i use im not stopping\b|\bwhat i have left\b.{0,30}?\bwont wake\b|\blook like an accident\b|"
    r"\bvoices (?:say|tell me)\b.{0,30}?\b(?:jump|kill|die|end)\b|\bwhere nobody (?:will|would|can) find me\b|"
    r"\bme voy a meter todo\b|\bhoy me mato\b",
    # Someone else, said to be in danger.
    r"\b(?:says?|said|keeps saying|told me|wrote|texted) (?:that )?(?:he|she|they) (?:wants? to die"
    r"|is going to (?:kill|end)|"
    r"(?:is )?gonna (?:kill|end)|wont be (?:around|here)|will not be (?:around|here))\b|\bse (?:va|quiere) (?:a )?"
    r"(?:tirar|matar|quitar la vida|ir)\b|\bdice que se (?:va|quiere)\b|"
    r"\bgoodbye\b.{0,100}?\b(?:fent|pills|gun|rope)\b|"
    r"\b(?:keeps|kept) (?:texting|calling|saying) (?:me |us )?(?:goodbye|bye)\b",
    # It is tonight, it is decided, nobody will find them in time.
    r"\btonight (?:is it|im letting go|is the night|its happening)\b|\b(?:im|i am) letting go\b|\bletting go tonight\b|"
    r"\bnothing (?:left )?to (?:stay|live) for\b|\bnothing else to lose\b|\bmight as well lose me\b|"
    r"\b(?:ive|i have) made sure\b|\bnext time (?:ill|i will) make sure\b|\bno one will find me\b|"
    r"\bfinish the job\b|\bchecking out for good\b|\bfor good\b.{0,20}?\b(?:checking out|gone|leaving)\b|"
    r"\bknow how (?:id|i would|i will|i d) do it\b|\benough to do it\b|\bnot an accident\b|"
    r"\bnobody will know it was on purpose\b|\b(?:use|shoot|do it) (?:till|until) i (?:dont|never) wake\b|"
    r"\blast time i (?:ever )?wake up\b|\b(?:happier|better|easier) if i (?:od|odd|died|was gone|didnt come back)\b"
    r"|\b(?:go |ready to go )?join (?:her|him|them)\b|\bfree without me\b|"
    r"\bgave away all my (?:stuff|things)\b|\btaken care of after\b|\bsomeone to know before\b|"
    r"\bwont be around for\b|\bgave me his (?:watch|ring|chain)\b",
    # Means and methods asked about, or at hand.
    r"\b(?:dose|amount|how much|how many (?:grams|pills|mg))\b.{0,40}?\b(?:stop my heart|lethal|kill me|to die|"
    r"is fatal|would kill)\b|\bhow long does it take to die\b|\b(?:most |least )?painless\b|\bquickest\b|"
    r"\bnumber of pills\b|\basking for (?:me|myself)\b|\bmake (?:someone|somebody|a person|me|you) (?:not|never) "
    r"wake up\b|\bmost (?:fent|pills|dope) someone could take\b|"
    r"\b(?:\d\d|9mm|glock|45|38|22) in my (?:lap|hand|mouth)\b|\bstaring at my (?:gun|pills|rope)\b|"
    r"\bbelt to the\b|\bhanging is\b|\brazor blades?\b|\bburn(?:ing)? myself\b|\bself ?harm\w*|"
    r"\btaking everything in (?:this|the) bottle\b|\bfull bottle of\b.{0,40}?\b(?:nothing|tonight|lose)\b|"
    r"\b(?:drove|driving|walked|went) to the (?:bridge|river|tracks|lake)\b|\b(?:at|by) the (?:river|bridge|tracks)\b"
    r".{0,30}?\b(?:now|looking down|goodbye)\b|\btracks\b.{0,40}?\bwalk over\b|\bvoices\b.{0,40}?\bdo it\b",
    r"\b(?:ya )?me despedi de\b|\bme voy (?:pa|para) siempre\b|\bme (?:corte|estoy cortando)\b|"
    r"\b(?:pistola|arma|navaja|cuchillo)\b.{0,30}?\b(?:en la mano|no la quiero soltar|trae)\b|"
    r"\btodo el (?:fentanilo|perico|polvo) de una vez\b|\bultima vez que le escribo\b|\b(?:es )?mortal\b|"
    r"\bguardando sus (?:medicinas|pastillas)\b|\b(?:que )?(?:la|lo|nos) perdonemos\b|\bcompre la soga\b|"
    r"\bfrasco entero\b|\bhoy acabo con todo\b|\btodas mis pastillas\b.{0,30}?\brapido\b|"
    r"\bno me hubieran revivido\b|\bdile a mi (?:\w+ )?que (?:lo|la|los) (?:quise|quiero)\b|"
    r"\b(?:me las voy a tomar|me voy a tomar) todas\b|\bno tiene sentido seguir\b",
)

# --- despair without a plan ------------------------------------------------------------------------
_DISTRESS = _any(
    r"\b(?:cant|cannot|can not|dont know if i can|dont think i can) (?:do|take|handle|keep doing) (?:this|it|any ?more|"
    r"this anymore|it anymore|the pain|this pain|much more)\b",
    r"\bcant (?:take|do|handle) (?:\w+ ){0,2}anymore\b|\bcant go on\b|\bcant keep (?:going|living|doing this)\b",
    r"\b(?:i give up|giving up|gave up on (?:myself|everything|life)|im done with (?:everything|life|it all)|"
    r"done trying)\b",
    r"\b(?:hopeless|worthless|helpless|no hope|waste of (?:space|air|life)|im broken|so broken)\b",
    r"\b(?:i hate|hate) my (?:life|self)\b|\bhate myself\b",
    r"\b(?:tired|sick|exhausted) of (?:everything|it all|all of it|living|life|being alive|fighting|trying)\b|"
    r"\bso tired of all\b|\bim so tired\b(?! of (?:calling|waiting|driving))",
    r"\b(?:how much longer|how long) (?:can|i can) (?:i )?(?:keep going|do this|hold on|take this)\b|"
    r"\bkeep going like this\b",
    r"\b(?:so|all|totally|completely) alone\b|\bnobody (?:understands|cares|gets it)\b|\bno one (?:understands|"
    r"cares)\b",
    r"\bwhats (?:even |really |the |)(?:even )?the point\b|\bwhat is (?:even )?the point\b|\bwhy (?:do i "
    r"|i )?(?:even )?(?:bother|try|keep trying)\b",
    r"\bwant (?:it|everything|this) (?:all )?to (?:stop|end|be over)\b|\bjust want (?:it|everything) to stop\b",
    r"\b(?:end|at the end) of my rope\b|\bdont care what happens to me\b|\bdont care (?:if i|anymore)\b",
    r"\bim (?:such )?a (?:failure|mess|burden)\b",
    r"\b(?:keep|always) (?:failing|messing up|screwing up)\b|\bnothing (?:ever )?(?:gets|goes) (?:better|right)\b|"
    r"\beveryone (?:left|leaves|gave up on) me\b|\b(?:exhausted|tired|worn out) (?:from|of) fighting\b|"
    r"\bim (?:so |just )?worn out\b|\b(?:feel|im|so) empty\b(?! (?:tank|bottle|stomach))|\bcry all day\b|"
    r"\bsick of being sick\b|\bim drowning\b|\b(?:screwed|messed|fucked) up again\b|"
    r"\bdont know what im doing anymore\b|\b(?:everything|my life|it all) (?:falls|is falling|fell) apart\b|"
    r"\bhow much more i can (?:take|handle)\b|"
    r"\bnever gets better\b|\bpoint of (?:trying|anything|it all)\b|\bletting everyone down\b|"
    r"\bmessed (?:everything|it all) up\b|\bhate my (?:whole |stupid )?life\b",
    r"\bno sirvo para nada\b|\bsoy un(?:a)? fracas\w*|\btodo me sale mal\b|\bno tengo esperanza\b|"
    r"\bhech[oa] mierda\b|\bvaci[oa] por dentro\b|\bnadie me (?:entiende|quiere)\b|\bcansad[oa] de luchar\b|"
    r"\bme canse de luchar\b|\blloro todos los dias\b|\bme siento (?:sol[oa]|vaci[oa]|perdid[oa]|sin ganas)\b|"
    r"\bestoy desesperad[oa]\b|\bruined everything\b|\bfeel worse than ever\b|\bmiss my kids so much\b|"
    r"\b(?:everybody|everyone) gave up on me\b|\bcant stop crying\b|\bme siento (?:muy )?sol[oa]\b|"
    r"\bno se que hacer con mi vida\b|\bme odio\b|\bextrano (?:mucho )?a mis hijos\b|\bles falle a todos\b|"
    r"\bno puedo dejar de llorar\b|\bpanic attack\b|\bhate who ive become\b|\bso ashamed\b|"
    r"\bhow much more of this i can take\b|\blosing my mind\b|\bliving in my car\b|\bsomeone to talk to\b|"
    r"\breally struggling\b|\bterrified (?:im|i will|ill) (?:relapse|use)\b|\bsitting on the curb crying\b"
    r"|\bgoing crazy\b|\bangry at myself\b|"
    r"\bim wrecked\b|\bdont know what to do next\b|\bbad day\b|\b(?:mucha )?verguenza\b.{0,20}?\bno se que hacer\b|"
    r"\bmucha ansiedad\b|\btengo mucho miedo\b|\bestoy agotad[oa]\b|\bestresa[od]o?\b|\bcomo basura\b|"
    r"\bmuy triste\b|\bhablar con alguien\b|\bno point anymore\b",
    r"\b(?:no puedo|ya no puedo|no aguanto) (?:mas|con esto|con esta vida)\b|\bya me rendi\b|\bme rindo\b",
    r"\bsin esperanza\b|\bpara que sigo\b|\bque sentido tiene\b|\bno tiene sentido\b|"
    r"\bestoy (?:sol[oa]|cansad[oa] de todo)\b|\bno se cuanto mas\b|\bcansad[oa] de (?:todo|vivir|luchar)\b",
)


_OVERDOSE_TOLD = re.compile(
    rf"\b(?:{_OD_PAST}|{_OD_NOUN}|narcanned|(?:brought|bring) (?:me|him|her|them )?back|revived|"
    r"(?:gave|give|given|had to give) (?:me|him|her|them) (?:\w+ )?(?:narcan|naloxone)|got narcan)\b")


def past_overdose(text: str) -> bool:
    """An overdose that is over, named as such: aftercare (naloxone at home, not using alone)."""
    return bool(_PAST.search(text) and _OVERDOSE_TOLD.search(text) and not _GENERAL_QUESTION.search(text))


# Using to die, said outright: a suicide reading even where an overdose sign is named ("how much it
# takes to stop breathing", "enough pills saved up to not wake up").
_SUICIDE_BY_OVERDOSE = _any(
    r"\bto (?:not|never) wake up\b|\bhow (?:much|many) (?:\w+ ){0,3}(?:would it take|does it take|it takes) to\b",
    r"\bmake (?:someone|somebody|a person|me|you) (?:not|never) wake up\b",
    r"\b(?:on purpose|a proposito|hot ?shot)\b|\b(?:saved|saving) up\b|\bfor good\b",
    r"\b(?:quisiera|ojala|wish) (?:no haber despertado|i didnt wake up|i hadnt woken)\b",
)


# An SMS of ten parts is 1,530 characters: more than that is read up to here (the patterns' cost
# grows with the length; an emergency is said within this).
MAX_SCAN_CHARS = 1600


# Despair that names a time, the means or an ending is a risk of suicide, not only despair.
_DESPAIR_WITH_INTENT = re.compile(
    r"\b(?:tonight|for good|do it|finish|letting go|enough to|pills|gun|rope|bridge|the job|im going to|gonna|ready to|"
    r"pastillas|esta noche|acabar|acabo|para siempre|pa siempre|disappear|desaparecer|lethal|mortal|motel room|"
    r"a bag and)\b")


def crisis_kind(text: str) -> str | None:
    """overdose, suicide, distress, aftercare, or None: the most urgent reading of a message."""
    normalized = normalize(text[:MAX_SCAN_CHARS])
    if not normalized:
        return None
    if _SUICIDE_BY_OVERDOSE.search(normalized) and (_SUICIDE.search(normalized)
                                                    or _SUICIDE_INDIRECT.search(normalized)):
        return SUICIDE
    if overdose_now(normalized):
        return OVERDOSE
    if _SUICIDE.search(normalized) or _SUICIDE_INDIRECT.search(normalized):
        return SUICIDE
    if _DISTRESS.search(normalized):
        return SUICIDE if _DESPAIR_WITH_INTENT.search(normalized) else DISTRESS
    if past_overdose(normalized):
        return AFTERCARE
    return None


def general_question(text: str) -> bool:
    """A question about overdose in general ("how do i know if someone is overdosing")."""
    return bool(_GENERAL_QUESTION.search(normalize(text)))


def told_in_the_past(text: str) -> bool:
    """Words that put what is told in the past ("last week", "in the fall", "ok now")."""
    return bool(_PAST.search(normalize(text)))
