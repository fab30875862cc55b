"""The input-side check: guest messages that try to override or extract the assistant's
instructions get a fixed refusal before any LLM call (English, German, Dutch, French, Spanish)."""

from __future__ import annotations

import re

from llm.guard.sentences import fold

_RULE_NOUNS = (
    r"(?:rules|instructions?|guidelines|directives|directions|prompts?|programming|restrictions|"
    r"guardrails|constraints|filters|safeguards)"
)
_FILLER = (
    r"(?:(?:all|any|of|your|the|my|these|those|previous|previously|prior|above|earlier|preceding|original|"
    r"initial|system|current|existing|every|following|safety|given|old|other|its|their)\s+){0,4}"
)
_SECRET_ADJ = r"(?:(?:full|exact|original|initial|hidden|secret|complete|entire|whole)\s+)*"
_DE_FILL = (
    r"(?:(?:alle|alles|die|deine|ihre|vorherigen|bisherigen|obigen|vorigen|der|den|dem|system)\s+){0,3}"
)
_NL_FILL = r"(?:(?:alle|al|je|jouw|de|het|eerdere|vorige|voorgaande|bovenstaande|systeem)\s+){0,3}"
_FR_FILL = r"(?:(?:toutes|toute|tous|les|tes|vos|mes|ces|des|la|le|de)\s+){0,3}"
_ES_FILL = r"(?:(?:todas|todos|toda|las|los|tus|sus|mis|estas|esas|de|el|la)\s+){0,3}"
_INJECTION = re.compile(
    "|".join(
        [
            # English
            r"\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon)\s+"
            + _FILLER
            + _RULE_NOUNS
            + r"\b",
            r"\b(?:ignore|disregard|forget)\s+(?:everything|all)\s+(?:you\s+(?:were|have\s+been|'ve\s+been)\s+"
            r"(?:told|instructed|taught|given)|(?:of\s+)?(?:the\s+)?above|before\s+this)",
            r"\b(?:print|show|reveal|repeat|display|output|dump|leak|share|expose|tell|give|what\s+(?:is|are|were))"
            r"\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?(?:your\s+"
            + _SECRET_ADJ
            + r"(?:system\s+)?(?:prompt|instructions|"
            r"system\s+message|rules\s+you\s+(?:were|have\s+been)\s+given)|the\s+"
            + _SECRET_ADJ
            + r"(?:system\s+)?"
            r"(?:prompt|system\s+message))\b",
            r"\b(?:repeat|print|output)\s+(?:everything|all|the\s+text|the\s+words)\s+above\b",
            r"\bsystem\s+(?:prompt|instructions|message)\b|\b(?:hidden|secret)\s+(?:prompt|instructions)\b",
            r"\binitial\s+prompt\b",
            r"\byou\s+are\s+now\s+(?:a|an|in|no\s+longer|free|unrestricted|dan|jailbroken|called|named|going\s+to)\b",
            r"\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must|shall|should|can)\b",
            r"\b(?:developer|dev|debug|god|admin|sudo|unrestricted|dan)\s+mode\b",
            r"\bjail\s?break\w*\b|\bdo\s+anything\s+now\b",
            r"\bpretend\s+(?:that\s+)?(?:you\s+are|you're|to\s+be|you\s+have\s+no)\b",
            r"(?:^|[.!?]\s*|\b(?:you|please|now|will\s+you|can\s+you|could\s+you)\s+)act\s+as\s+(?:if|though|an?|my|the)\b",
            r"\brole[\s-]?play\s+as\b",
            r"\bnew\s+(?:instructions|system\s+prompt|directives)\b",
            r"\b(?:you\s+have|there\s+are)\s+no\s+(?:rules|restrictions|limits|filters)\b",
            r"\bno\s+longer\s+bound\s+by\b|\bwithout\s+(?:any\s+)?(?:restrictions|filters|censorship)\b",
            r"(?:^|\n)\s*(?:system|assistant|developer)\s*:|<\|\w+\|>|\[/?inst\]|<<\s*sys\s*>>",
            # German
            r"\bignorier\w*\s+"
            + _DE_FILL
            + r"(?:anweisungen|regeln|instruktionen|vorgaben|befehle|anordnungen)\b",
            r"\bvergiss\s+" + _DE_FILL + r"(?:anweisungen|regeln|instruktionen|vorgaben)\b",
            r"\b(?:zeig\w*|verrat\w*|wiederhol\w*|gib)\s+(?:mir\s+)?(?:deine\w*|den|die)\s+(?:system\s?-?prompt|prompt|"
            r"anweisungen|instruktionen)\b",
            r"\bdu\s+bist\s+(?:jetzt|nun|ab\s+sofort)\s+(?:ein|eine|im|kein|frei)\b|\bentwicklermodus\b",
            # Dutch
            r"\bnegeer\s+" + _NL_FILL + r"(?:instructies|regels|opdrachten|aanwijzingen|prompt)\b",
            r"\bvergeet\s+" + _NL_FILL + r"(?:instructies|regels|opdrachten|aanwijzingen)\b",
            r"\b(?:toon|laat\s+(?:me\s+)?zien|herhaal|geef)\s+(?:me\s+)?(?:je|jouw|de)\s+(?:systeem\s?prompt|prompt|"
            r"instructies)\b",
            r"\bje\s+bent\s+(?:nu|vanaf\s+nu)\s+(?:een|in|geen|vrij)\b|\bontwikkelaarsmodus\b",
            # French
            r"\bignore[rsz]?\s+" + _FR_FILL + r"(?:instructions|regles|consignes|directives)\b",
            r"\boublie[rsz]?\s+" + _FR_FILL + r"(?:instructions|regles|consignes|directives)\b",
            r"\b(?:montre|affiche|revele|repete|donne)[rsz]?(?:-moi)?\s+(?:moi\s+)?(?:ton|ta|tes|votre|vos|le|les)\s+"
            r"(?:prompt|instructions|consignes|message\s+systeme)\b",
            r"\btu\s+es\s+(?:maintenant|desormais)\s+(?:un|une|en|libre)\b|\bmode\s+developpeur\b",
            # Spanish
            r"\bignora[r]?\s+" + _ES_FILL + r"(?:instrucciones|reglas|normas|indicaciones)\b",
            r"\bolvida[r]?\s+" + _ES_FILL + r"(?:instrucciones|reglas|normas|indicaciones)\b",
            r"\b(?:muestra|ensena|revela|repite|dime)(?:me)?\s+(?:tu|tus|el|las|sus)\s+(?:prompt|instrucciones|"
            r"mensaje\s+del\s+sistema)\b",
            r"\bahora\s+eres\s+(?:un|una|libre)\b|\bmodo\s+desarrollador\b",
        ]
    )
)


def looks_like_injection(message: str) -> bool:
    """True for guest messages that try to override or extract the assistant's instructions."""
    folded = re.sub(r"[ \t]+", " ", fold(message))
    return bool(_INJECTION.search(folded))
