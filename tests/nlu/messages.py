"""Messages of every kind a guest may type, for encoder checks: short, long, emoji, other languages."""

MESSAGES = [
    "hi",
    "two garlic breads please",
    "wait, what time do you close today?",
    "does the pad thai have peanuts in it? my son is allergic",
    "🍕🍕 pls",
    "Ich hätte gern eine Tomatensuppe",
    "¿tienen opciones veganas?",
    "please add alarms at 430am and 1030am",
    "ok",
    "I was wondering whether you could tell me, if it isn't too much trouble, which of your desserts "
    "are made without eggs, because my partner is vegan and we would like to share something sweet tonight",
]
