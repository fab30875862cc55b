"""Three costs of each policy prediction that grew with the conversation, cut without changing what is
predicted. Found by profiling turns 1-48 against turns 270-318 of one conversation (issue 17).

- The memoization policy looks at the last `max_history` (5) states, but Rasa 3.6's
  `MaxHistoryTrackerFeaturizer.prediction_states` first filters `action_unlikely_intent` out of every
  state of the conversation and only then keeps the last five (~4 ms at 1,700 events). Filtering from
  the end until five are kept gives the same five.
- When no rule applies, the rule policy names the prediction's source with `json.dumps` of every
  state of the conversation (~3-4 ms at 1,700 events). That name is only looked up among the keys of
  rules that are not in stories (to hide the rule's turn from the ML policies), and a key made of
  more states than the longest of those rules can equal none of them; such a conversation gets a
  short name that equals none of them either.
- To find the rules that apply, the rule policy walks back through every state of the conversation,
  reading each remaining rule's JSON again at each step, although a rule can only fail to apply
  within its own length (~5-7 ms at 1,700 events). The walk now stops once every remaining rule is
  shorter than the steps taken: the same rules remain.

`install()` replaces all three once per process; the Rasa server does it with the incremental tracker
store (training never builds one, so rule keys learnt in training are Rasa's own). With
TRACKER_STATES_SELF_CHECK=1 each call is also computed Rasa's way and a difference raises.
"""

from __future__ import annotations

from typing import Any

from rasa.core.featurizers import tracker_featurizers
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.rule_policy import RULES_NOT_IN_STORIES, RulePolicy
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker

from tracker_store import self_check

NO_RULE_KEY = "no rule: {} states"  # longer than every rule that hides its turn, so in no rule key list

_original_prediction_states = MaxHistoryTrackerFeaturizer.prediction_states
_original_feature_key = RulePolicy._create_feature_key
_original_possible_keys = RulePolicy._get_possible_keys


def last_states(states: list[State], max_history: int, drop_unlikely_intent: bool) -> list[State]:
    """The last `max_history` states, skipping `action_unlikely_intent` ones when asked, read from
    the end: the same as filtering every state and then slicing."""
    if not drop_unlikely_intent:
        return states[-max_history:]
    kept: list[State] = []
    for state in reversed(states):
        if not tracker_featurizers._is_prev_action_unlikely_intent_in_state(state):
            kept.append(state)
            if len(kept) == max_history:
                break
    kept.reverse()
    return kept


def prediction_states(
    self: MaxHistoryTrackerFeaturizer,
    trackers: list[DialogueStateTracker],
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
    ignore_action_unlikely_intent: bool = False,
) -> list[list[State]]:
    """Rasa 3.6's MaxHistoryTrackerFeaturizer.prediction_states, slicing before filtering."""
    if not self.max_history:
        return _original_prediction_states(
            self,
            trackers,
            domain,
            use_text_for_last_user_input,
            ignore_rule_only_turns,
            rule_only_data,
            ignore_action_unlikely_intent,
        )
    result = [
        last_states(
            self._create_states(
                tracker, domain, ignore_rule_only_turns=ignore_rule_only_turns, rule_only_data=rule_only_data
            ),
            self.max_history,
            ignore_action_unlikely_intent,
        )
        for tracker in trackers
    ]
    self._choose_last_user_input(result, use_text_for_last_user_input)
    if self_check.enabled():
        expected = _original_prediction_states(
            self,
            trackers,
            domain,
            use_text_for_last_user_input,
            ignore_rule_only_turns,
            rule_only_data,
            ignore_action_unlikely_intent,
        )
        if expected != result:
            self_check.fail(f"sliced prediction states differ for {[t.sender_id for t in trackers]}")
    return result


def _longest_hiding_rule(policy: RulePolicy) -> int:
    """How many states the longest rule not in stories has (remembered per lookup it was read from).
    Rules made of states are JSON lists; the others are named in words ("handling active loops and
    forms - order_form"), which a key of states never equals."""
    keys = policy.lookup.get(RULES_NOT_IN_STORIES, [])
    memo: tuple[list[str], int] | None = policy.__dict__.get("_longest_hiding_rule")
    if memo is None or memo[0] is not keys:
        memo = (
            keys,
            max((len(policy._rule_key_to_state(key)) for key in keys if key.startswith("[")), default=0),
        )
        policy.__dict__["_longest_hiding_rule"] = memo
    return memo[1]


def _feature_key(self: RulePolicy, states: list[State]) -> str | None:
    """RulePolicy._create_feature_key, short for states no rule that hides its turn can match."""
    tail = 0
    for state in reversed(states):
        if self._is_rule_snippet_state(state):
            break
        tail += 1
    if tail <= _longest_hiding_rule(self):
        return _original_feature_key(self, states)
    key = NO_RULE_KEY.format(tail)
    if self_check.enabled():
        hiding = self.lookup.get(RULES_NOT_IN_STORIES, [])
        if (_original_feature_key(self, states) in hiding) != (key in hiding):
            self_check.fail("the rule policy's short key for a long conversation is one of its hiding rules")
    return key


def _rule_length(policy: RulePolicy, rule_key: str) -> int:
    lengths: dict[str, int] = policy.__dict__.setdefault("_rule_lengths", {})
    if rule_key not in lengths:
        lengths[rule_key] = len(policy._rule_key_to_state(rule_key))
    return lengths[rule_key]


def _possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    """RulePolicy._get_possible_keys, stopping when no remaining rule reaches further back: from a
    rule's length on, Rasa's `_is_rule_applicable` holds for it whatever the state."""
    possible = set(lookup.keys())
    for steps_back, state in enumerate(reversed(states)):
        if all(_rule_length(self, key) <= steps_back for key in possible):
            break
        possible = {key for key in possible if self._is_rule_applicable(key, steps_back, state)}
    if self_check.enabled() and possible != _original_possible_keys(self, lookup, states):
        self_check.fail("the rule policy's applicable rules differ")
    return possible


def install() -> None:
    """Use all three in this process (idempotent)."""
    # replacing Rasa's methods is the point (mypy still checks the replacements' signatures)
    MaxHistoryTrackerFeaturizer.prediction_states = prediction_states  # type: ignore[method-assign]
    RulePolicy._create_feature_key = _feature_key  # type: ignore[method-assign]
    RulePolicy._get_possible_keys = _possible_keys  # type: ignore[method-assign]
