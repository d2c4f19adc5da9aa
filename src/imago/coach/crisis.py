"""Crisis cues: self-harm, a threat to a person, a disclosure of abuse, and figures of speech.

Cues only: the crisis head (heads.py) decides, reading them with the sentence model, sentence
by sentence. The figurative cues ("this traffic is killing me", "I'd kill for a coffee")
exist so the head can learn that death and violence words are not a crisis by themselves.
"""

from __future__ import annotations

from imago.coach.text import Text, phrases

KINDS = ("self_harm", "violence", "abuse")
# Every crisis cue the crisis head reads, phrase lists first, then the structural ones.
CUES = (
    "self_harm",
    "violence",
    "abuse",
    "figurative",
    "self_act",
    "own_death",
    "absence",
    "threat",
    "harm_me",
    "fear_of",
    "consequence",
    "weapon",
    "joke",
    "thing",
    "over",
    "retold",
)

SELF_HARM = phrases(
    "kill myself",
    "killing myself",
    "end it all",
    "end my life",
    "ending my life",
    "end things",
    "ending it",
    "take my own life",
    "take my life",
    "suicide",
    "suicidal",
    "want to die",
    "wanna die",
    "wish i was dead",
    "wish i were dead",
    "better off dead",
    "better off without me",
    "better off if i",
    "don't want to be here",
    "dont want to be here",
    "don't want to be alive",
    "don't want to live",
    "no reason to live",
    "nothing to live for",
    "can't go on",
    "cant go on",
    "can't do this anymore",
    "hurt myself",
    "hurting myself",
    "cut myself",
    "cutting myself",
    "self harm",
    "self-harm",
    "overdose",
    "pills",
    "jump off",
    "jump in front",
    "hang myself",
    "not wake up",
    "never wake up",
    "don't want to wake up",
    "disappear forever",
    "not be around",
    "won't be around",
    "burden",
    "say goodbye",
    "saying goodbye",
    "goodbye letter",
    "note for",
    "stockpil-",
    "razor",
    "drown myself",
    "drive into",
    "not here anymore",
    "i'd be gone",
    "be gone soon",
    "no point in living",
    "no point living",
    "tired of living",
    "tired of being alive",
    "want it to stop",
    "want everything to stop",
    "make it stop",
    "ended it",
    "attempt",
    "tried to kill",
    "tried to end",
    "sleep forever",
    "give up on life",
    "not worth living",
    "die in my sleep",
    "wouldn't mind dying",
    "if i died",
    "when i'm gone",
    "after i'm gone",
    "i'm done with life",
    "done with living",
    "kill me",
    "harm myself",
    "starve myself",
)
VIOLENCE = phrases(
    "kill you",
    "kill him",
    "kill her",
    "kill them",
    "murder you",
    "hurt you",
    "hurt him",
    "hurt her",
    "hurt them",
    "i'll hurt",
    "i will hurt",
    "going to hurt",
    "gonna hurt",
    "you'll regret",
    "you will regret",
    "watch your back",
    "watch yourself",
    "make you pay",
    "make him pay",
    "make her pay",
    "you'll be sorry",
    "you will be sorry",
    "snap",
    "beat you",
    "beat him",
    "beat her",
    "smash your",
    "break your",
    "i'll kill",
    "i will kill",
    "gun",
    "knife",
    "strangle you",
    "hit you",
    "punch you",
    "slap you",
    "end you",
    "shoot",
    "stab",
    "burn your",
    "burn the house",
    "i know where",
    "teach you a lesson",
    "teach him a lesson",
    "teach her a lesson",
    "get what's coming",
    "what's coming to you",
    "lose it",
    "lay a hand",
    "put you in",
    "in hospital",
    "six feet",
    "pay for this",
    "won't see",
    "take the kids",
    "you'd better",
    "or else",
    "hurt the kids",
    "hit the kids",
    "i'll find",
    "wring your",
    "throttle",
    "choke you",
    "kick your",
    "destroy you",
)
ABUSE = phrases(
    "hit me",
    "hits me",
    "hitting me",
    "pushed me",
    "pushes me",
    "shoved me",
    "shoves me",
    "choked me",
    "chokes me",
    "strangled me",
    "slapped me",
    "slaps me",
    "kicked me",
    "kicks me",
    "punched me",
    "punches me",
    "grabbed me",
    "grabs me",
    "forced me",
    "forces me",
    "made me have sex",
    "make me have sex",
    "raped",
    "rape",
    "won't let me",
    "doesn't let me",
    "does not let me",
    "not allowed to",
    "took my phone",
    "takes my phone",
    "takes my money",
    "took my money",
    "controls my money",
    "controls the money",
    "checks my phone",
    "tracks my",
    "tracking my",
    "locked me",
    "locks me",
    "threatened me",
    "threatens me",
    "threatens to",
    "threatened to",
    "afraid to go home",
    "scared to go home",
    "scared of him",
    "scared of her",
    "afraid of him",
    "afraid of her",
    "scared of what he",
    "scared of what she",
    "hurt me",
    "hurts me",
    "bruise",
    "bruises",
    "black eye",
    "pinned me",
    "held me down",
    "spat on me",
    "threw",
    "throws things",
    "keeps me from",
    "stops me from",
    "cut me off",
    "isolat-",
    "walking on eggshells",
    "car keys",
    "my passport",
    "my bank card",
    "my wages",
    "allowance",
    "permission",
    "followed me",
    "follows me",
    "reads my messages",
    "read my messages",
    "scared for my life",
    "fear for my",
    "strangl-",
    "suffocat-",
    "abuse",
    "abusive",
    "abused",
    "molest-",
    "assault-",
)
# Harm that is over: the writer places it in the past or says they are safe now. Past abuse
# told from safety is not a crisis (docs/coach-labels.md); the same words without these are.
OVER = phrases(
    "used to",
    "years ago",
    "long ago",
    "a long time ago",
    "back then",
    "at the time",
    "when i was a kid",
    "when i was little",
    "when i was a child",
    "when i was young",
    "as a kid",
    "as a child",
    "growing up",
    "that's over",
    "that is over",
    "it's over now",
    "all behind me",
    "behind us",
    "i'm safe",
    "i am safe",
    "i feel safe",
    "we're safe",
    "we are safe",
    "safe now",
    "at peace",
    "out of that",
    "got out",
    "before i met you",
    "in the past",
    "no longer",
    "i'm okay now",
    "i'm ok now",
    "i'm fine now",
    "these days",
)
# Someone else's story, retold: a friend's, a relative's, a stranger's in the news.
RETOLD = phrases(
    "my friend",
    "a friend",
    "friend of mine",
    "told me her",
    "told me his",
    "told me about her",
    "told me about his",
    "told me that her",
    "told me that his",
    "her husband",
    "her boyfriend",
    "her partner",
    "his wife",
    "his girlfriend",
    "his partner",
    "an article",
    "i read",
    "i heard about",
    "on the radio",
)
FIGURATIVE = phrases(
    "killing me",
    "kill for",
    "would kill for",
    "could kill for",
    "dying to",
    "died laughing",
    "nearly died",
    "could have died",
    "could've died",
    "die of embarrassment",
    "kill the",
    "killer",
    "killed it",
    "murder me if",
    "kill me if",
    "will kill me",
    "would kill me",
    "gonna kill me",
    "going to kill me",
    "murder this",
    "murdered it",
    "slay-",
    "to die for",
    "dead tired",
    "dead on my feet",
    "i'm dead",
    "im dead",
    "deadline",
    "dead battery",
    "shoot me an",
    "shoot me a",
    "shot of",
    "photo shoot",
    "beat the",
    "beat them at",
    "crushed it",
    "got crushed",
    "smashed it",
    "bombed",
    "knock-out",
    "knockout",
    "in the film",
    "in the movie",
    "the film",
    "the movie",
    "the show",
    "the game",
    "the book",
    "the song",
    "lyrics",
    "episode",
    "series",
    "novel",
    "podcast",
    "documentary",
    "the news",
    "playing",
    "video game",
    "character",
    "zombie",
    "boss fight",
    "killer app",
    "kill the process",
    "kill the lights",
    "kill time",
    "killing time",
    "drop dead gorgeous",
    "break a leg",
    "hit the road",
    "hit the gym",
    "hit the sack",
    "hit me up",
    "hit it off",
    "punch line",
    "punchline",
    "bloody",
    "starving",
    "dying for",
    "bored to death",
    "scared to death",
    "worried sick",
    "sick of",
    "over my dead body",
)


# A reply (mirror, summary, validation, empathy) gives back what the sender said with the
# roles turned ("you want to hurt yourself", "so I shoved you"): read it from the sender's side
# as well, so the same cues find the crisis in the sender's message and in its reflection.
SWAP = {
    "you": "i",
    "u": "i",
    "your": "my",
    "ur": "my",
    "yours": "mine",
    "yourself": "myself",
    "you're": "i'm",
    "youre": "i'm",
    "you've": "i've",
    "you'd": "i'd",
    "you'll": "i'll",
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "im": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
}


_OBJECT_AFTER = {"to", "at", "for", "with", "of", "about", "on", "against", "into", "from", "let"}


def swapped(lows: tuple[str, ...]) -> tuple[str, ...]:
    """The words with first and second person exchanged; "you" after a verb or preposition
    is an object ("I shoved you" -> "you shoved me")."""
    out = []
    for i, w in enumerate(lows):
        prev = lows[i - 1] if i else ""
        if w in ("you", "u") and (
            prev in HARM or prev in CONTROL or prev in _OBJECT_AFTER or prev.endswith("ed")
        ):
            out.append("me")
        else:
            out.append(SWAP.get(w, w))
    return tuple(out)


def crisis_cues(text: Text, reply: bool = False) -> dict[str, list[tuple[int, int]]]:
    """The crisis cues of a text; for a reply, those read from either side."""
    cues = _crisis_cues(text, text.lows)
    if reply:
        for name, spans in _crisis_cues(text, swapped(text.lows)).items():
            cues[name] = sorted(set(cues.get(name, [])) | set(spans))
    return cues


def _crisis_cues(text: Text, lows: tuple[str, ...]) -> dict[str, list[tuple[int, int]]]:
    cues = {}
    for name, group in (
        ("self_harm", SELF_HARM),
        ("violence", VIOLENCE),
        ("abuse", ABUSE),
        ("figurative", FIGURATIVE),
        ("over", OVER),
        ("retold", RETOLD),
    ):
        spans = [(s, e) for s, e, _ in text.find_phrases(group, lows)]
        if spans:
            cues[f"crisis_{name}"] = spans
    return cues | structure_cues(text, lows)


# Structural cues: who does what to whom, sentence by sentence. A phrase list only knows the
# phrasings it was given; these read the shape every phrasing shares (an agent, a harm verb,
# a person harmed), so "I'll glass him" and "she threw a plate at my head" are read alike.


def _forms(*bases: str) -> frozenset[str]:
    """A verb's forms from its base ("shove" -> shove, shoves, shoved, shoving); irregular
    forms are listed as bases of their own."""
    found = set()
    for base in bases:
        found.add(base)
        stem = base[:-1] if base.endswith("e") else base
        double = base + base[-1] if len(base) <= 4 and base[-1] in "tpbgd" else base
        found |= {
            base + ("es" if base.endswith(("sh", "ch", "ss", "x")) else "s"),
            stem + "ed",
            stem + "ing",
            double + "ed",
            double + "ing",
        }
    return frozenset(found)


# Verbs of bodily harm: the core of a threat, a disclosure or self-harm.
HARM = _forms(
    "kill",
    "hit",
    "knock",
    "wring",
    "bash",
    "slit",
    "hang",
    "punch",
    "slap",
    "kick",
    "stab",
    "shoot",
    "shot",
    "strangle",
    "choke",
    "beat",
    "batter",
    "smash",
    "break",
    "broke",
    "broken",
    "push",
    "shove",
    "grab",
    "throttle",
    "bleed",
    "bled",
    "burn",
    "burnt",
    "cut",
    "harm",
    "murder",
    "glass",
    "lamp",
    "thump",
    "deck",
    "shake",
    "shook",
    "drown",
    "poison",
    "suffocate",
    "pin",
    "throw",
    "threw",
    "thrown",
    "rape",
    "touch",
    "force",
    "threaten",
    "attack",
    "injure",
    "bruise",
    "scratch",
    "starve",
    "overdose",
    "end",
)
# Verbs of control over a person (coercive control is abuse without a blow).
CONTROL = _forms(
    "take",
    "took",
    "taken",
    "hide",
    "hid",
    "hidden",
    "lock",
    "check",
    "read",
    "track",
    "follow",
    "keep",
    "kept",
    "stop",
    "corner",
    "isolate",
    "monitor",
    "control",
    "forbid",
    "forbade",
    "trap",
)
FIRST = {"i", "i'm", "im", "i'll", "ill", "i'd", "i've", "ive", "we", "we'll", "me"}
SECOND = {"you", "u", "you'll", "you're", "you've", "you'd", "ya"}
THIRD = {"he", "she", "they", "he'll", "she'll", "he's", "she's", "he'd", "she'd", "they'll"}
PEOPLE = {
    "him",
    "her",
    "them",
    "you",
    "u",
    "ya",
    "yourself",
    "mum",
    "mom",
    "dad",
    "mother",
    "father",
    "brother",
    "sister",
    "wife",
    "husband",
    "partner",
    "boyfriend",
    "girlfriend",
    "ex",
    "son",
    "daughter",
    "kid",
    "kids",
    "child",
    "children",
    "baby",
    "boss",
    "manager",
    "teacher",
    "neighbour",
    "neighbor",
    "neighbours",
    "neighbors",
    "friend",
    "lad",
    "bloke",
    "guy",
    "man",
    "woman",
    "people",
    "anyone",
    "somebody",
    "someone",
}
SELF = {"myself", "me", "my", "yourself"}
BODY = {
    "arm",
    "arms",
    "wrist",
    "wrists",
    "face",
    "head",
    "throat",
    "neck",
    "jaw",
    "nose",
    "teeth",
    "legs",
    "leg",
    "back",
    "skin",
    "body",
    "thigh",
    "thighs",
}
# What a person holds that a controlling partner takes: money, movement, contact.
HOLDINGS = {
    "phone",
    "keys",
    "car",
    "card",
    "cards",
    "money",
    "wages",
    "passport",
    "account",
    "messages",
    "texts",
    "location",
    "friends",
    "mates",
    "family",
}
# Intention, wish, future or condition: what turns harm words into a threat or a plan.
INTENT = {
    "will",
    "i'll",
    "ill",
    "gonna",
    "going",
    "want",
    "wanna",
    "wants",
    "wish",
    "could",
    "might",
    "would",
    "i'd",
    "if",
    "or",
    "next",
    "one",
    "swear",
    "thinking",
    "thought",
    "picturing",
    "imagine",
    "plan",
    "planning",
    "urge",
    "tempted",
    "he'll",
    "she'll",
    "you'll",
    "won't",
    "until",
    "unless",
}
# The writer's own death or absence, said as a wish, a plan or a relief.
DEATH = {
    "die",
    "dying",
    "dead",
    "death",
    "funeral",
    "gone",
    "alive",
    "living",
    "exist",
    "existing",
    "suicide",
    "suicidal",
    "overdose",
    "pills",
    "tablets",
    "painkillers",
    "meds",
    "razor",
    "razors",
    "blade",
    "rope",
    "bridge",
    "ledge",
    "balcony",
    "noose",
    "disappear",
    "burden",
    "goodbye",
}
ABSENCE = phrases(
    "not here",
    "not be here",
    "not being here",
    "be here anymore",
    "not around",
    "wasn't around",
    "wasnt around",
    "not wake",
    "wake up",
    "waking up",
    "go to sleep",
    "it to stop",
    "it all to stop",
    "be over",
    "point of",
    "no point",
    "the point",
    "had enough",
    "end it",
    "ending it",
    "ending things",
    "end things",
    "on purpose",
    "crisis line",
    "a plan",
    "miss me",
    "without me",
    "without you",
    "my own terms",
    "gone already",
    "for good",
    "permanently",
    "don't trust myself",
    "dont trust myself",
    "step back",
    "stepped back",
)
# A veiled threat names no harm, only what will follow: "you'll find out what happens".
CONSEQUENCE = phrases(
    "you'll find out",
    "you will find out",
    "find out what happens",
    "see what happens",
    "what happens to you",
    "what happens if",
    "you'll see",
    "you'll learn",
    "you'll wish",
    "you'll pay",
    "you'll end up",
    "he'll end up",
    "she'll end up",
    "you'll be next",
    "capable of",
    "last time was",
    "last one you",
    "you're lucky",
    "he's lucky",
    "she's lucky",
    "mark my words",
    "remember that",
    "i'll do time",
    "won't last",
    "won't walk",
    "accidents happen",
    "don't make me",
    "i know where",
    "won't hold back",
    "one more time and",
    "next time it won't",
    "if you ever",
    "asking for a",
    "in an ambulance",
    "in hospital",
    "in the canal",
    "on fire",
    "the hard way",
)
DETERMINERS = {"the", "this", "that", "these", "those", "a", "an", "some", "it"}
FEAR = {"scared", "afraid", "frightened", "terrified", "fear", "flinch", "freeze", "petrified"}
# Weapons and means of harm to others, read with the writer in the sentence.
WEAPONS = {
    "gun",
    "guns",
    "knife",
    "knives",
    "rifle",
    "shotgun",
    "crowbar",
    "hammer",
    "bat",
    "machete",
    "petrol",
    "gasoline",
    "acid",
    "blade",
    "axe",
    "poison",
    "bullet",
    "bullets",
}
# A joke or a figure of speech: laughter, a wink, an object that is a thing.
JOKE = {"lol", "haha", "hahaha", "lmao", "jk", "joking", "kidding", "😂", "🤣", "😅", "😜", "😉"}


def structure_cues(text: Text, all_lows: tuple[str, ...]) -> dict[str, list[tuple[int, int]]]:
    """Per sentence: an agent, a harm or control verb and who is harmed, read as
    self-harm (I ... myself), a threat (I ... you/him/her, with intent), or a disclosure
    (he/she/you ... me/my); death or absence said of oneself, fear of a person, a weapon, a
    veiled consequence; and what speaks against a crisis: a thing harmed ("strangle the
    printer"), laughter (a joke). `all_lows`: the text's words, or a reply's read from the
    sender's side."""
    found: dict[str, list[tuple[int, int]]] = {}

    def add(name: str, start: int, end: int) -> None:
        found.setdefault(name, []).append((start, end))

    absence = text.find_phrases(ABSENCE, all_lows)
    consequence = text.find_phrases(CONSEQUENCE, all_lows)
    offset = 0
    for sentence in text.sentences:
        lows = all_lows[offset : offset + len(sentence.words)]
        offset += len(sentence.words)
        words = sentence.words
        span = (sentence.start, sentence.end)
        first = any(w in FIRST or w in ("my", "myself") for w in lows)
        intent = any(w in INTENT or w.endswith("'ll") for w in lows)
        for i, w in enumerate(lows):
            left = lows[max(0, i - 4) : i]
            right = lows[i + 1 : i + 5]
            # "hurt" is a feeling as often as a blow: a harm verb only when meant ("want to
            # hurt", "I'll hurt"), never when "I was hurt" or "didn't mean to hurt you".
            hurt = (
                w in ("hurt", "hurting", "hurts")
                and any(x in INTENT or x.endswith("'ll") for x in left[-3:])
                and not any(x in ("mean", "meant", "was", "were", "felt", "feel") for x in left)
            )
            if w not in HARM and w not in CONTROL and not hurt:
                continue
            harm = w in HARM or hurt
            if harm and len(right) > 1 and right[0] in DETERMINERS and right[1] not in PEOPLE:
                if right[1] not in BODY and right[1] not in HOLDINGS:
                    add("crisis_thing", words[i].start, words[i + 2].end)  # "kill the process"
            if harm and any(r in ("myself", "yourself") for r in right[:3]):
                add("crisis_self_act", words[i].start, words[i].end)
            elif (
                harm and "my" in lows[i + 1 : i + 6] and any(r in BODY for r in lows[i + 1 : i + 7])
            ):
                # "burned my arm" is self-harm; "threw a plate at my head" is harm done to me
                add("crisis_self_act" if any(x in FIRST for x in left) else "crisis_harm_me", *span)
            # A person harmed: "hurt her", "break his jaw", "throw the kettle at you".
            victim = any(r in PEOPLE for r in right[:3]) or (
                any(r in ("his", "her", "your", "their") for r in right[:2])
                and any(r in BODY for r in right)
            )
            if harm and any(x in FIRST for x in left) and (victim or "at" in right[:4]):
                if intent:
                    add("crisis_threat", words[i].start, words[i].end)
            agent = any(x in THIRD or x in SECOND or x in PEOPLE for x in left) or any(
                x in ("my", "his", "her", "their") for x in left[-3:-1]
            )  # "my ex", "her stepdad"
            if agent and (
                (harm and any(r in ("me", "my") for r in right[:2]))
                or (
                    not harm
                    and any(r in ("my", "your") for r in right[:2])
                    and any(r in HOLDINGS for r in right[:4])
                )
            ):
                add("crisis_harm_me", words[i].start, words[i].end)
            if (
                harm
                and any(x in THIRD for x in left)
                and any(r in ("you", "your") for r in right[:2])
            ):
                add("crisis_harm_me", words[i].start, words[i].end)  # a disclosure given back
        # Death words said of oneself are strong; absence ("without me", "wake up") is
        # weaker and common in calm text, so the head weighs the two apart.
        if first and any(w in DEATH for w in lows):
            add("crisis_own_death", *span)
        if first and any(sentence.start <= s < sentence.end + 1 for s, _, _ in absence):
            add("crisis_absence", *span)
        for i, w in enumerate(lows):
            if (
                w in FEAR
                and any(r in ("of", "to", "for") for r in lows[i + 1 : i + 2])
                and any(
                    r in ("him", "her", "them", "you", "what", "go", "home", "my")
                    for r in lows[i + 2 : i + 4]
                )
            ):
                add("crisis_fear_of", words[i].start, words[i].end)
        if any(w in WEAPONS for w in lows) and (first or intent):
            add("crisis_weapon", *span)
        if any(sentence.start <= s < sentence.end + 1 for s, _, _ in consequence):
            add("crisis_consequence", *span)
        if any(w in JOKE for w in lows) or any(
            e in text.raw[sentence.start : sentence.end + 2] for e in ("😂", "🤣", "😅")
        ):
            add("crisis_joke", *span)
    return found
