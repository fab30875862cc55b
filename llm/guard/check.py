"""The claim check: money, offers, allergen and dietary claims and addresses, sentence by sentence."""

from __future__ import annotations

from llm.guard.claims import PRONOUN, analyse_claims, backend_fact, unverifiable
from llm.guard.dishes import dish_groups
from llm.guard.facts import Checked, Correction, CorrectionKind, DishFacts, FactSheet, to_cents
from llm.guard.links import foreign_links
from llm.guard.money import (
    SUM_WORDS,
    Amount,
    attached_dish,
    dish_pairs,
    is_offer,
    read_amounts,
    weak_is_price,
)
from llm.guard.sentences import BULLET, fold, join_segments, split_segments
from vocabulary import money


def check_claims(text: str, facts: FactSheet) -> Checked:
    """Check money, allergen and dietary claims sentence by sentence against `facts`.

    Wrong allergen/dietary claims about a known dish become the backend fact; safety promises about
    no known dish, offers (free, discounts, codes, a zero price), web addresses not in `facts.links`
    and unplaceable prices are removed; a wrong price next to exactly one dish becomes that dish's
    price. Amounts are found in any currency and in words ("seven euros fifty", "999 cents", "CHF 9.99",
    "costs fourteen fifty"); another currency than the menu's is never right. An amount written right
    after one dish name ("Pad Thai: €X", "the Coke is €X"), or in a sentence naming only one dish, must
    be one of that dish's own amounts (or an extra amount); any other amount may be any allowed amount
    of the sheet. Everything else is left exactly as written: `guard_reply` makes the text plain first.
    """
    lead, segments = split_segments(text)
    allowed = facts.allowed()
    corrections: list[Correction] = []
    removed: set[int] = set()
    context: tuple[DishFacts, ...] = ()
    for index, (sentence, _separator) in enumerate(segments):
        known, unknown, new_context, masked, hits = analyse_claims(sentence, facts, context)
        pronoun_context = context
        context = new_context
        groups = dish_groups(hits, masked)
        amounts = read_amounts(fold(sentence), facts.currency)
        strong = [amount for amount in amounts if not amount.weak]
        amounts = [
            amount for amount in amounts if not amount.weak or weak_is_price(amount, groups, strong, masked)
        ]

        if is_offer(masked, amounts, sentence):
            corrections.append(Correction("free_offer", sentence, None))
            removed.add(index)
            continue

        wrong: list[str] = []
        kinds: list[str] = []
        for claim in known:
            for dish in claim.dishes:
                fact = backend_fact(claim, dish)
                if fact and fact not in wrong:
                    wrong.append(fact)
                    kinds.append(claim.kind)
        if wrong:
            bullet = BULLET.match(sentence)
            replacement = (bullet.group(0) if bullet else "") + " ".join(wrong)
            kind: CorrectionKind = "allergen" if "allergen" in kinds else "dietary"
            corrections.append(Correction(kind, sentence, replacement))
            segments[index][0] = replacement
            continue
        bad = [claim for claim in unknown if unverifiable(claim)]
        if bad:
            corrections.append(Correction(bad[0].kind, sentence, None))
            removed.add(index)
            continue
        if foreign_links(sentence, facts):  # the widget would make it clickable: only the backend's own
            corrections.append(Correction("link", sentence, None))
            removed.add(index)
            continue

        attached_wrong: list[tuple[Amount, DishFacts]] = []
        loose_wrong: list[Amount] = []
        distinct = list(dict.fromkeys(dish for _, _, dish in hits))
        is_sum = bool(SUM_WORDS.search(masked))
        if is_sum and amounts and distinct:
            # "Two Margheritas come to €X in total": a total must be one the backend computed
            # (handed in as an extra amount) or a named dish's own amount; a guessed sum goes.
            totals = {(facts.currency, to_cents(a)) for a in facts.extra_amounts}
            own = set().union(*(dish_pairs(dish, facts) for dish in distinct))
            if any((a.currency, a.value) not in totals | own for a in amounts):
                corrections.append(Correction("price", sentence, None))
                removed.add(index)
                continue
        sole = distinct[0] if len(distinct) == 1 and not is_sum else None
        for amount in amounts:
            # "The Pad Thai is €X" or a sentence about one dish only: X must be that dish's own amount
            owner = attached_dish(amount, groups, amounts, masked) or sole
            if owner is not None:  # "The Pad Thai is €X": X must be one of the Pad Thai's own amounts
                if (amount.currency, amount.value) not in dish_pairs(owner, facts):
                    attached_wrong.append((amount, owner))
            elif (amount.currency, amount.value) not in allowed:
                loose_wrong.append(amount)
        if loose_wrong:
            named = list(dict.fromkeys(dish for _, _, dish in hits))
            if not named and PRONOUN.search(masked):
                named = list(pronoun_context or tuple(d for d in (facts.subject,) if d is not None))
            if len(named) != 1 or len(loose_wrong) > 1 or attached_wrong:
                corrections.append(Correction("price", sentence, None))
                removed.add(index)
                continue
            attached_wrong.append((loose_wrong[0], named[0]))
        for amount, dish in sorted(attached_wrong, key=lambda pair: pair[0].start, reverse=True):
            price = money(dish.price, dish.currency)
            corrections.append(Correction("price", sentence[amount.start : amount.end], price))
            sentence = sentence[: amount.start] + price + sentence[amount.end :]
        segments[index][0] = sentence
    return Checked(join_segments(lead, segments, removed), corrections)
