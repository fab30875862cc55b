"""How the terminal chat lays out what the bot sent, for what the tmux tests cannot reach cheaply."""

from __future__ import annotations

from terminal_chat.render import choice, render_turn


def test_a_staff_member_who_took_over_speaks_under_their_own_name():
    screen = render_turn(
        [
            {
                "text": "Hi, I'm Ana from the kitchen. Let me check that for you.",
                "metadata": {"human": True, "staff": "Ana"},
            }
        ],
        100,
    )
    assert screen.lines == [("staff", "Ana> Hi, I'm Ana from the kitchen. Let me check that for you.")]


def test_a_dish_offered_in_the_text_and_on_its_card_has_one_number():
    add_soup = {"title": "Add Tomato Soup", "payload": '/order_item{"dish": "Tomato Soup"}'}
    screen = render_turn(
        [
            {"text": "Here are our soups:\n• Tomato Soup: €6.50", "buttons": [add_soup]},
            {
                "text": "Tomato Soup : €6.50 · vegan · gluten-free",
                "buttons": [{**add_soup, "type": "postback"}],
            },
        ],
        100,
    )
    assert [text for _, text in screen.lines] == [
        "bot> Here are our soups:",
        "     • Tomato Soup: €6.50",
        "     [1] Tomato Soup · €6.50 · vegan · gluten-free",
    ]
    assert choice("1", screen.options).payload == add_soup["payload"]
    assert choice("2", screen.options) is None  # not an option: sent as a message


def test_an_option_is_never_split_across_two_lines():
    categories = [
        "Desserts",
        "Drinks",
        "Mains",
        "Rice Bowls",
        "Sandwiches & Burgers",
        "Sharing Plates",
        "Soups",
    ]
    screen = render_turn(
        [
            {
                "text": "Which would you like to see?",
                "buttons": [
                    {"title": name, "payload": f'/browse_menu{{"category": "{name}"}}'} for name in categories
                ],
            }
        ],
        80,
    )
    rows = [text for _, text in screen.lines[1:]]
    assert all(len(row) < 80 for row in rows)
    assert any("[6] Sharing Plates" in row for row in rows)
